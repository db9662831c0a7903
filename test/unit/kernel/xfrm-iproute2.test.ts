// Our XFRM requests against the ones iproute2 sends for the same SA/policy (strace captures, see
// test/vectors/xfrm-iproute2.json): byte for byte, header included (iproute2's sequence number reused).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import type { KernelPolicy, KernelSa } from '../../../src/kernel/kernel';
import {
  encodeAllocSpi,
  encodeDump,
  encodeFlushPolicies,
  encodeFlushSas,
  encodePolicy,
  encodePolicyId,
  encodeSa,
  encodeSaId,
} from '../../../src/kernel/xfrm/messages';
import type { EncodedRequest } from '../../../src/kernel/xfrm/nlmsg';
import { EncrId, IntegId } from '../../../src/ikev2/constants';
import { secretCopy } from '../../../src/native/secret';
import { hex, loadVectors } from '../../helpers/vectors';

interface Capture { name: string; command: string; seq: number; hex: string }
const captures = new Map(loadVectors<Capture>('xfrm-iproute2.json').vectors.map((v) => [v.name, v]));

/** The request with its key patches applied, as the native send() puts it on the wire. */
function wire(req: EncodedRequest): Buffer {
  const out = Buffer.from(req.bytes);
  for (const [offset, secret] of req.patches) out.set(secret.reveal(), offset);
  return out;
}

function capture(name: string): Capture {
  const c = captures.get(name);
  assert.ok(c, `no capture ${name}`);
  return c;
}

const any = { proto: 0, srcPort: 0, dstPort: 0 };
const noLimits = { softBytes: 0, hardBytes: 0, softPackets: 0, hardPackets: 0, softSeconds: 0, hardSeconds: 0 };

const policies: Record<string, { policy: KernelPolicy; update?: boolean }> = {
  pol4: {
    policy: {
      selector: { src: '10.1.0.0/24', dst: '10.2.0.0/24', ...any },
      direction: 'out',
      action: 'ipsec',
      priority: 2080,
      template: { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 16389 },
    },
  },
  pol6: {
    policy: {
      selector: { src: '2001:db8:1::/64', dst: '2001:db8:2::/64', proto: 6, srcPort: 1234, dstPort: 80 },
      direction: 'in',
      action: 'ipsec',
      priority: 100,
      template: { src: '2001:db8::2', dst: '2001:db8::1', proto: 'esp', mode: 'tunnel', reqid: 7 },
    },
  },
  polfwd: {
    policy: {
      selector: { src: '10.2.0.0/24', dst: '10.1.0.0/24', ...any },
      direction: 'fwd',
      action: 'ipsec',
      priority: 2080,
      template: { src: '192.0.2.2', dst: '192.0.2.1', proto: 'esp', mode: 'tunnel', reqid: 16389 },
      mark: { value: 0x10, mask: 0xff },
    },
  },
  polblock: { policy: { selector: { src: '10.9.0.0/16', dst: '0.0.0.0/0', ...any }, direction: 'out', action: 'drop', priority: 10 } },
  polupd: {
    update: true,
    policy: {
      selector: { src: '10.1.0.0/24', dst: '10.2.0.0/24', ...any },
      direction: 'out',
      action: 'ipsec',
      priority: 2080,
      template: { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'transport', reqid: 16389 },
    },
  },
};

for (const [name, { policy, update }] of Object.entries(policies)) {
  test(`policy ${name} encodes as iproute2's request: ${capture(name).command}`, () => {
    const c = capture(name);
    assert.equal(wire(encodePolicy(policy, c.seq, update)).toString('hex'), hex(c.hex).toString('hex'));
  });
}

test('policy delete and get by selector match iproute2', () => {
  const del = capture('poldel');
  assert.equal(wire(encodePolicyId('delete', { src: '10.1.0.0/24', dst: '10.2.0.0/24', ...any }, 'out', del.seq)).toString('hex'), del.hex);
  const get = capture('polget');
  const req = encodePolicyId('get', { src: '10.2.0.0/24', dst: '10.1.0.0/24', ...any }, 'fwd', get.seq, { value: 0x10, mask: 0xff });
  assert.equal(wire(req).toString('hex'), get.hex);
});

test('policy dump, policy flush and SA flush match iproute2', () => {
  assert.equal(encodeDump('policies', capture('poldump').seq).bytes.toString('hex'), capture('poldump').hex);
  assert.equal(encodeFlushPolicies(capture('polflush').seq).bytes.toString('hex'), capture('polflush').hex);
  assert.equal(encodeFlushSas(capture('saflush').seq).bytes.toString('hex'), capture('saflush').hex);
});

function sa(over: Partial<KernelSa> & Pick<KernelSa, 'encr'>): KernelSa {
  return {
    spi: 0x12345678,
    src: '192.0.2.1',
    dst: '192.0.2.2',
    proto: 'esp',
    mode: 'tunnel',
    reqid: 16389,
    esn: false,
    replayWindow: 0,
    selector: { src: '10.1.0.0/24', dst: '10.2.0.0/24', ...any },
    lifetimes: noLimits,
    direction: 'out',
    ...over,
  };
}

test('AES-GCM-16 SA (XFRMA_ALG_AEAD, 8-bit replay window) matches iproute2', () => {
  const c = capture('saaead');
  const req = encodeSa(sa({ encr: { id: EncrId.AES_GCM_16, keyBits: 128, keymat: secretCopy(hex('000102030405060708090a0b0c0d0e0f10111213')) }, replayWindow: 32 }), c.seq);
  assert.equal(wire(req).toString('hex'), c.hex);
});

test('AES-CBC + HMAC-SHA2-256-128 SA with ESN, UDP encapsulation, mark and lifetimes matches iproute2', () => {
  const c = capture('sacbc');
  const req = encodeSa(
    sa({
      spi: 0xc0ffee01,
      src: '192.0.2.2',
      dst: '192.0.2.1',
      selector: { src: '10.2.0.0/24', dst: '10.1.0.0/24', ...any },
      encr: { id: EncrId.AES_CBC, keyBits: 128, keymat: secretCopy(hex('00112233445566778899aabbccddeeff')) },
      integ: { id: IntegId.HMAC_SHA2_256_128, key: secretCopy(hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')) },
      esn: true,
      replayWindow: 128,
      encap: { srcPort: 4500, dstPort: 4500 },
      mark: { value: 7, mask: 0xffffffff },
      lifetimes: { softBytes: 1000000, hardBytes: 0, softPackets: 0, hardPackets: 5000, softSeconds: 3000, hardSeconds: 3600 },
      direction: 'in',
    }),
    c.seq,
  );
  assert.equal(wire(req).toString('hex'), c.hex);
});

test('ChaCha20-Poly1305 IPv6 transport SA matches iproute2', () => {
  const c = capture('sachacha');
  const keymat = secretCopy(hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223'));
  const req = encodeSa(
    sa({
      spi: 0x01020304,
      src: '2001:db8::1',
      dst: '2001:db8::2',
      mode: 'transport',
      reqid: 9,
      selector: { src: '2001:db8::1/128', dst: '2001:db8::2/128', ...any },
      encr: { id: EncrId.CHACHA20_POLY1305, keyBits: 256, keymat },
    }),
    c.seq,
  );
  assert.equal(wire(req).toString('hex'), c.hex);
});

test('SA delete and get (usersa_id + XFRMA_SRCADDR) match iproute2', () => {
  const del = capture('sadel');
  assert.equal(wire(encodeSaId('delete', 0x12345678, '192.0.2.2', del.seq, { src: '192.0.2.1' })).toString('hex'), del.hex);
  const get = capture('saget');
  assert.equal(wire(encodeSaId('get', 0x12345678, '192.0.2.2', get.seq, { src: '192.0.2.1' })).toString('hex'), get.hex);
});

test('allocspi matches iproute2', () => {
  const c = capture('allocspi');
  const req = encodeAllocSpi('192.0.2.2', '192.0.2.1', c.seq, { reqid: 16389, mode: 'tunnel', min: 0x100, max: 0xffffffff });
  assert.equal(wire(req).toString('hex'), c.hex);
});

test('key bytes are left zero in the JavaScript buffer and travel only as patches', () => {
  const key = hex('00112233445566778899aabbccddeeff');
  const integKey = hex('ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100');
  const req = encodeSa(sa({ encr: { id: EncrId.AES_CBC, keyBits: 128, keymat: secretCopy(key) }, integ: { id: IntegId.HMAC_SHA2_256_128, key: secretCopy(integKey) } }), 1);
  assert.equal(req.patches.length, 2);
  assert.equal(req.bytes.indexOf(key), -1);
  assert.equal(req.bytes.indexOf(integKey), -1);
  const [[o1, s1], [o2, s2]] = req.patches as unknown as [[number, { length: number }], [number, { length: number }]];
  assert.ok(req.bytes.subarray(o1, o1 + s1.length).every((b) => b === 0));
  assert.ok(req.bytes.subarray(o2, o2 + s2.length).every((b) => b === 0));
  assert.ok(wire(req).indexOf(key) > 0);
});
