// PfkeyKernel: on this Linux (no AF_KEY) it says so clearly, as detect.ts does; against a fake kernel
// (answers built with the codec) it matches answers by pid and sequence, turns errno answers into
// KernelErrors, collects dumps and delivers ACQUIRE/EXPIRE broadcasts as events.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { constants as osConstants } from 'node:os';

import { EncrId, IntegId } from '../../../src/ikev2/constants';
import { detectKernel } from '../../../src/kernel/detect';
import { KernelError } from '../../../src/kernel/errors';
import type { KernelEvent, KernelSa } from '../../../src/kernel/kernel';
import { decodeMessage, encodeMessage, type PfkeyExtension, type PfkeyMessage } from '../../../src/kernel/pfkey/codec';
import { SADB } from '../../../src/kernel/pfkey/constants';
import { PfkeyKernel, type PfkeyTransport } from '../../../src/kernel/pfkey/pfkey-kernel';
import { probeSocket } from '../../../src/native/netlink';
import { PfkeySocket, type PfkeyMessageListener, type SecretPatch } from '../../../src/native/pfkey';
import { secretCopy } from '../../../src/native/secret';

const EAFNOSUPPORT = osConstants.errno.EAFNOSUPPORT;
const hasPfkey = probeSocket(15, 3, 2) === 0;

test('on a kernel without AF_KEY, PfkeyKernel throws ERR_KERNEL_NO_PFKEY with EAFNOSUPPORT and says what to use', { skip: hasPfkey && 'this kernel has PF_KEY' }, () => {
  assert.throws(() => new PfkeyKernel(), (err: unknown) => {
    assert.ok(err instanceof KernelError);
    assert.equal(err.code, 'ERR_KERNEL_NO_PFKEY');
    assert.equal(err.errno, EAFNOSUPPORT);
    assert.equal(err.operation, 'open PF_KEY socket');
    assert.equal(err.message, 'PF_KEY (AF_KEY) is not available in this kernel (EAFNOSUPPORT): use --use-xfrm or the userspace data path');
    return true;
  });
});

test('the native socket reports the errno itself', { skip: hasPfkey && 'this kernel has PF_KEY' }, () => {
  assert.throws(() => new PfkeySocket(() => undefined), { code: 'ERR_PFKEY_SOCKET', errno: EAFNOSUPPORT, syscall: 'socket(PF_KEY)' });
});

test('detectKernel agrees: pfkey false, for the same errno', { skip: hasPfkey && 'this kernel has PF_KEY' }, async () => {
  const caps = await detectKernel();
  assert.equal(caps.pfkey, false);
  assert.match(caps.reasons.pfkey, /^socket\(AF_KEY\): Address family not supported by protocol$/);
});

// ---- against a fake kernel ----

class FakeKernel implements PfkeyTransport {
  listener!: PfkeyMessageListener;
  sent: PfkeyMessage[] = [];
  patches: (readonly SecretPatch[])[] = [];
  closed = false;
  /** How to answer each request: messages to deliver (none = stay silent). */
  answer: (req: PfkeyMessage) => PfkeyMessage[] = (req) => [{ ...req, extensions: [] }];

  open = (listener: PfkeyMessageListener): PfkeyTransport => {
    this.listener = listener;
    return this;
  };
  send(message: Uint8Array, patches: readonly SecretPatch[] = []): void {
    const req = decodeMessage(message);
    this.sent.push(req);
    this.patches.push(patches);
    const replies = this.answer(req);
    setImmediate(() => replies.forEach((r) => this.deliver(r)));
  }
  deliver(msg: PfkeyMessage): void {
    this.listener(null, encodeMessage(msg).bytes);
  }
  unref(): void {}
  close(): void {
    this.closed = true;
  }
}

const PID = 4242;
const addr = (which: 'src' | 'dst', address: string, prefixLen = 32, port = 0, proto = 255): PfkeyExtension => ({ kind: 'address', which, proto, prefixLen, address, port });

function sa(spi: number): KernelSa {
  return {
    spi, src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 1,
    encr: { id: EncrId.AES_CBC, keyBits: 128, keymat: secretCopy(Buffer.alloc(16, 7)) },
    integ: { id: IntegId.HMAC_SHA2_256_128, key: secretCopy(Buffer.alloc(32, 9)) },
    esn: false, replayWindow: 32,
    selector: { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, srcPort: 0, dstPort: 0 },
    lifetimes: { softBytes: 0, hardBytes: 0, softPackets: 0, hardPackets: 0, softSeconds: 0, hardSeconds: 0 },
    direction: 'in',
  };
}

function make(): { fake: FakeKernel; kernel: PfkeyKernel } {
  const fake = new FakeKernel();
  const kernel = new PfkeyKernel({ openSocket: fake.open, pid: PID, platform: 'linux', timeoutMs: 200 });
  return { fake, kernel };
}

test('allocSpi sends GETSPI and the SA of that SPI is then installed with UPDATE, keys as patches', async () => {
  const { fake, kernel } = make();
  fake.answer = (req) => (req.type === SADB.GETSPI ? [{ ...req, extensions: [{ kind: 'sa', spi: 0x4000, replay: 0, state: 0, auth: 0, encrypt: 0, flags: 0 }, addr('src', '192.0.2.1'), addr('dst', '192.0.2.2')] }] : [{ ...req, extensions: [] }]);
  assert.equal(await kernel.allocSpi('192.0.2.1', '192.0.2.2'), 0x4000);
  await kernel.addSa(sa(0x4000));
  await kernel.addSa(sa(0x5000));
  assert.deepEqual(fake.sent.map((m) => m.type), [SADB.GETSPI, SADB.UPDATE, SADB.ADD]);
  assert.equal(fake.sent[0]!.pid, PID);
  assert.equal(fake.patches[1]!.length, 2);
  await kernel.delSa(0x4000, '192.0.2.2');
  const del = fake.sent[3]!;
  assert.equal(del.type, SADB.DELETE);
  assert.deepEqual(del.extensions.filter((e) => e.kind === 'address').map((e) => (e.kind === 'address' ? e.address : '')), ['192.0.2.1', '192.0.2.2']);
  await kernel.close();
  assert.ok(fake.closed);
});

test('an errno answer rejects with a KernelError; answers for other pids or sequences are not ours', async () => {
  const { fake, kernel } = make();
  fake.answer = (req) => [
    { ...req, pid: 999, errno: 0, extensions: [] }, // another process's request echoed
    { ...req, seq: req.seq + 100, errno: 0, extensions: [] },
    { ...req, errno: 17, extensions: [] },
  ];
  await assert.rejects(kernel.addSa(sa(0x6000)), (e: unknown) => e instanceof KernelError && e.code === 'ERR_KERNEL_EXISTS' && e.errno === 17 && e.operation === 'add SA');
  await kernel.close();
});

test('querySa reads LIFETIME_CURRENT; an unknown SA is refused before asking', async () => {
  const { fake, kernel } = make();
  fake.answer = (req) => [{ ...req, extensions: req.type === SADB.GET ? [{ kind: 'lifetime', which: 'current', allocations: 12, bytes: 3400, addtime: 1, usetime: 1700000000 }] : [] }];
  await kernel.addSa(sa(0x7000));
  assert.deepEqual(await kernel.querySa(0x7000, '192.0.2.2'), { bytes: 3400, packets: 12, lastUsed: 1700000000, replayDrops: 0, authFailures: 0 });
  await assert.rejects(kernel.querySa(0x7001, '192.0.2.2'), { code: 'ERR_KERNEL_NOT_FOUND' });
  await kernel.close();
});

test('listPolicies collects an SPDDUMP run down to sequence 0, and keeps the actions we installed', async () => {
  const { fake, kernel } = make();
  const policyExt = (dir: number, type: number): PfkeyExtension => ({ kind: 'policy', policyType: type, dir, id: 1, priority: 5, requests: [] });
  fake.answer = (req) =>
    req.type === SADB.X_SPDDUMP
      ? [
          { ...req, seq: 1, extensions: [addr('src', '10.1.0.0', 24), addr('dst', '10.2.0.0', 24), policyExt(2, 0)] },
          { ...req, seq: 0, extensions: [addr('src', '10.3.0.0', 24), addr('dst', '10.4.0.0', 24), policyExt(1, 1)] },
        ]
      : [{ ...req, extensions: [] }];
  await kernel.addPolicy({ selector: { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, srcPort: 0, dstPort: 0 }, direction: 'out', action: 'reject', priority: 5 });
  const list = await kernel.listPolicies();
  assert.deepEqual(list.map((p) => [p.selector.src, p.direction, p.action]), [['10.1.0.0/24', 'out', 'reject'], ['10.3.0.0/24', 'in', 'pass']]);
  await kernel.close();
});

test('an empty SPD (ENOENT) lists nothing; a silent kernel times out', async () => {
  const { fake, kernel } = make();
  fake.answer = (req) => [{ ...req, errno: 2, extensions: [] }];
  assert.deepEqual(await kernel.listPolicies(), []);
  fake.answer = () => [];
  await assert.rejects(kernel.flushAll(), { code: 'ERR_KERNEL_TIMEOUT' });
  await kernel.close();
});

test('onEvent registers for ESP; ACQUIRE and EXPIRE from the kernel (pid 0) become events; garbage is ignored', async () => {
  const { fake, kernel } = make();
  const events: KernelEvent[] = [];
  kernel.onEvent((e) => events.push(e));
  await new Promise((r) => setImmediate(r));
  assert.equal(fake.sent[0]!.type, SADB.REGISTER);
  fake.listener(null, Buffer.from('0201', 'hex'));
  fake.listener(null, null);
  fake.deliver({ type: SADB.ACQUIRE, satype: 3, errno: 0, seq: 5, pid: 0, extensions: [addr('src', '10.1.0.5', 32, 1234, 6), addr('dst', '10.2.0.7', 32, 80, 6), { kind: 'policy', policyType: 2, dir: 2, id: 3, priority: 0, requests: [] }] });
  fake.deliver({ type: SADB.EXPIRE, satype: 3, errno: 0, seq: 0, pid: 0, extensions: [{ kind: 'sa', spi: 0x1234, replay: 0, state: 2, auth: 5, encrypt: 12, flags: 0 }, { kind: 'lifetime', which: 'soft', allocations: 0, bytes: 0, addtime: 10, usetime: 0 }, addr('src', '192.0.2.1'), addr('dst', '192.0.2.2')] });
  fake.deliver({ type: SADB.EXPIRE, satype: 3, errno: 0, seq: 0, pid: 77, extensions: [] }); // not the kernel
  assert.deepEqual(events, [
    { type: 'acquire', selector: { src: '10.1.0.5/32', dst: '10.2.0.7/32', proto: 6, srcPort: 1234, dstPort: 80 }, policyDirection: 'out' },
    { type: 'expire', spi: 0x1234, dst: '192.0.2.2', hard: false },
  ]);
  await kernel.close();
});

test('a request the codec cannot express is a KernelError, and nothing is sent', async () => {
  const { fake, kernel } = make();
  await assert.rejects(kernel.addSa({ ...sa(0x8000), mark: { value: 1, mask: 0xffffffff } }), (e: unknown) => e instanceof KernelError && e.code === 'ERR_KERNEL_REQUEST' && /no SA marks/.test(e.message));
  assert.equal(fake.sent.length, 0);
  await kernel.close();
  await assert.rejects(kernel.flushAll(), { code: 'ERR_KERNEL_CLOSED' });
});
