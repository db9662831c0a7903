// The native NETLINK socket: argument checks, a real request/answer round trip with the kernel's
// NETLINK_XFRM (a harmless malformed GETSA the kernel refuses with EINVAL), close semantics.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { NETLINK_XFRM, NetlinkSocket, probeSocket, strerror, type NetlinkSocketError } from '../../../src/native/netlink';
import { nativeFunction } from '../../../src/native/binding';
import { secretCopy } from '../../../src/native/secret';
import { RequestBuilder, parseErrorReply, splitMessages } from '../../../src/kernel/xfrm/nlmsg';
import { NLMSG, NLM_F, XFRM_MSG } from '../../../src/kernel/xfrm/constants';

const canXfrm = process.platform === 'linux' && probeSocket(16, 3, NETLINK_XFRM) === 0;
const noop = (): void => undefined;

test('bad arguments are JavaScript errors with a code, never a crash', () => {
  const Raw = nativeFunction<(new (...args: unknown[]) => unknown) & ((...args: never[]) => unknown)>('NetlinkSocket');
  assert.throws(() => new Raw('x', [], noop), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Raw(NETLINK_XFRM, 5, noop), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Raw(NETLINK_XFRM, [0], noop), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => new Raw(NETLINK_XFRM, [40], noop), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => new Raw(NETLINK_XFRM, [], 'not a function'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Raw(NETLINK_XFRM, [], noop, 1 << 30), { code: 'ERR_OUT_OF_RANGE' });
  // A protocol no kernel has: the socket() errno comes back.
  assert.throws(() => new NetlinkSocket(200, noop), (err: NetlinkSocketError) => err.code === 'ERR_NETLINK_SOCKET' && err.errno > 0 && err.syscall === 'socket(AF_NETLINK)');
  assert.equal(strerror(93), 'Protocol not supported');
});

test('send checks the request and the secret patches', { skip: !canXfrm && 'no NETLINK_XFRM here' }, () => {
  const sock = new NetlinkSocket(NETLINK_XFRM, noop);
  try {
    assert.ok(sock.portId > 0);
    const req = new RequestBuilder(XFRM_MSG.GETSA, NLM_F.REQUEST, 1).struct(Buffer.alloc(24)).finish();
    assert.throws(() => sock.send(Buffer.alloc(8)), { code: 'ERR_IPSEC_BAD_LENGTH' });
    assert.throws(() => sock.send(req.bytes, [[req.bytes.length - 2, secretCopy(Buffer.alloc(4))]]), { code: 'ERR_IPSEC_BAD_LENGTH' });
    assert.throws(() => sock.send(req.bytes, [[0, Buffer.alloc(4) as never]]), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => sock.send(req.bytes, [[0] as never]), { code: 'ERR_INVALID_ARG_TYPE' });
  } finally {
    sock.close();
  }
  assert.equal(sock.closed, true);
  assert.throws(() => sock.send(Buffer.alloc(16)), { code: 'ERR_NETLINK_CLOSED' });
  sock.close(); // twice is fine
});

test('a request the kernel refuses comes back as NLMSG_ERROR with its errno, on the event loop', { skip: !canXfrm && 'no NETLINK_XFRM here' }, async () => {
  let sock: NetlinkSocket | undefined;
  const datagram = await new Promise<Buffer>((resolve, reject) => {
    sock = new NetlinkSocket(NETLINK_XFRM, (err, data) => (err ? reject(err) : resolve(data!)));
    // XFRM_MSG_GETSA with a 4-byte body: shorter than xfrm_usersa_id, so the kernel answers EINVAL.
    const req = new RequestBuilder(XFRM_MSG.GETSA, NLM_F.REQUEST, 77).struct(Buffer.alloc(4)).finish();
    sock.ref();
    sock.send(req.bytes);
  });
  sock!.close();
  const [msg] = splitMessages(datagram);
  assert.ok(msg);
  assert.equal(msg.type, NLMSG.ERROR);
  assert.equal(msg.seq, 77);
  assert.equal(parseErrorReply(msg).errno, 22); // EINVAL
});
