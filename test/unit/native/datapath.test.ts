// The data path's selector matcher (the one the workers use, over real packet bytes) and its tables as the
// control plane programs them, with bad input: every mistake is a JS error with a code, never a crash.
// Nothing here starts the data path (no TUN needed): the integration tests do that.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { createDatapath, selectorMatchesPacket, type DatapathSaParams, type DatapathSelector } from '../../../src/native/datapath';
import { ESP_ENCR, ESP_INTEG } from '../../../src/native/esp';
import { secretFrom } from '../../../src/native/secret';

function v4(src: string, dst: string, proto: number, l4: number[], fragOffset = 0): Buffer {
  const p = Buffer.alloc(20 + l4.length);
  p[0] = 0x45;
  p.writeUInt16BE(p.length, 2);
  p.writeUInt16BE(fragOffset, 6);
  p[8] = 64;
  p[9] = proto;
  Buffer.from(src.split('.').map(Number)).copy(p, 12);
  Buffer.from(dst.split('.').map(Number)).copy(p, 16);
  Buffer.from(l4).copy(p, 20);
  return p;
}

function v6(srcLast: number, dstLast: number, next: number, l4: number[]): Buffer {
  const p = Buffer.alloc(40 + l4.length);
  p[0] = 0x60;
  p.writeUInt16BE(l4.length, 4);
  p[6] = next;
  p[7] = 64;
  Buffer.from('20010db8000100000000000000000000', 'hex').copy(p, 8);
  p[23] = srcLast;
  Buffer.from('20010db8000200000000000000000000', 'hex').copy(p, 24);
  p[39] = dstLast;
  Buffer.from(l4).copy(p, 40);
  return p;
}

const ports = (s: number, d: number): number[] => [s >> 8, s & 255, d >> 8, d & 255, 0, 0, 0, 0];
const sel = (src: string, dst: string, proto = 0, srcPort = 0, dstPort = 0): DatapathSelector => ({ src, dst, proto, srcPort, dstPort });

test('selector: subnets by prefix, protocol and ports (IPv4)', () => {
  const tcp = v4('10.1.0.7', '10.2.0.9', 6, ports(40000, 443));
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/24', '10.2.0.0/24'), tcp), true);
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/16', '10.2.0.9/32'), tcp), true);
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/24', '10.2.0.8/31'), tcp), true);
  assert.equal(selectorMatchesPacket(sel('0.0.0.0/0', '0.0.0.0/0'), tcp), true);
  assert.equal(selectorMatchesPacket(sel('10.1.1.0/24', '10.2.0.0/24'), tcp), false, 'source outside');
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/24', '10.2.0.10/31'), tcp), false, 'destination outside /31');
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/25', '10.2.0.0/24', 6, 0, 443), tcp), true);
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/24', '10.2.0.0/24', 17), tcp), false, 'protocol differs');
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/24', '10.2.0.0/24', 6, 0, 80), tcp), false, 'port differs');
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/24', '10.2.0.0/24', 6, 40000, 443), tcp), true);
  // A host bit set in the selector's subnet is masked off: 10.1.0.5/24 is 10.1.0.0/24.
  assert.equal(selectorMatchesPacket(sel('10.1.0.5/24', '10.2.0.0/24'), tcp), true);
  // ICMP: type and code stand in for the ports.
  const echo = v4('10.1.0.7', '10.2.0.9', 1, [8, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/24', '10.2.0.0/24', 1, 8, 0), echo), true);
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/24', '10.2.0.0/24', 1, 0, 0), echo), true);
  // A later fragment has no ports: a port selector does not match it.
  const frag = v4('10.1.0.7', '10.2.0.9', 6, ports(40000, 443), 100);
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/24', '10.2.0.0/24', 6, 0, 443), frag), false);
  assert.equal(selectorMatchesPacket(sel('10.1.0.0/24', '10.2.0.0/24', 6), frag), true);
});

test('selector: IPv6, families kept apart, and bytes that are not IP', () => {
  const udp = v6(1, 2, 17, ports(500, 4500));
  assert.equal(selectorMatchesPacket(sel('2001:db8:1::/48', '2001:db8:2::/48', 17, 500, 4500), udp), true);
  assert.equal(selectorMatchesPacket(sel('2001:db8:1::/48', '2001:db8:2::3/128'), udp), false);
  assert.equal(selectorMatchesPacket(sel('0.0.0.0/0', '0.0.0.0/0'), udp), false, 'an IPv4 selector never matches IPv6');
  assert.equal(selectorMatchesPacket(sel('::/0', '::/0'), v4('10.1.0.1', '10.2.0.1', 6, ports(1, 2))), false);
  assert.equal(selectorMatchesPacket(sel('::/0', '::/0'), Buffer.from([0x50, 1, 2, 3])), null, 'version 5');
  assert.equal(selectorMatchesPacket(sel('::/0', '::/0'), Buffer.alloc(0)), null);
  const short = v4('10.1.0.1', '10.2.0.1', 6, ports(1, 2));
  assert.equal(selectorMatchesPacket(sel('0.0.0.0/0', '0.0.0.0/0'), short.subarray(0, 19)), null, 'truncated header');
  const lying = Buffer.from(short);
  lying.writeUInt16BE(500, 2);
  assert.equal(selectorMatchesPacket(sel('0.0.0.0/0', '0.0.0.0/0'), lying), null, 'total length beyond the bytes');
});

test('selector: malformed selectors are errors with a code', () => {
  const p = v4('10.1.0.1', '10.2.0.1', 6, ports(1, 2));
  const bad: [DatapathSelector, string][] = [
    [sel('10.1.0.0/33', '10.2.0.0/24'), 'ERR_IPSEC_BAD_SELECTOR'],
    [sel('10.1.0/24', '10.2.0.0/24'), 'ERR_IPSEC_BAD_SELECTOR'],
    [sel('10.1.0.0/24', '2001:db8::/32'), 'ERR_IPSEC_BAD_SELECTOR'],
    [sel('10.1.0.0/', '10.2.0.0/24'), 'ERR_IPSEC_BAD_SELECTOR'],
    [sel('10.1.0.0/24', '10.2.0.0/24', 256), 'ERR_IPSEC_BAD_SELECTOR'],
    [sel('10.1.0.0/24', '10.2.0.0/24', 6, 70000), 'ERR_OUT_OF_RANGE'],
  ];
  for (const [s, code] of bad) assert.throws(() => selectorMatchesPacket(s, p), { code }, JSON.stringify(s));
  assert.throws(() => selectorMatchesPacket({ src: 1 } as unknown as DatapathSelector, p), TypeError);
});

const newDatapath = () => createDatapath({ tunName: 'swtest0', localAddress: '127.0.0.1', port: 4500 }, () => undefined);
function saParams(over: Partial<DatapathSaParams> = {}): DatapathSaParams {
  return {
    spi: 0x1234, direction: 'out', encr: ESP_ENCR.AES_GCM_16, keyBits: 128, encrKeymat: secretFrom(randomBytes(20)),
    integ: ESP_INTEG.NONE, esn: true, replayWindow: 64, reqid: 1, remoteAddress: '192.0.2.2', remotePort: 4500,
    dst: '192.0.2.2', selector: sel('10.1.0.0/24', '10.2.0.0/24'), ...over,
  };
}

test('tables: SAs are added, replaced, counted and deleted; duplicates and unknown SPIs are errors', () => {
  const dp = newDatapath();
  dp.addSa(saParams());
  dp.addSa(saParams({ direction: 'in' })); // the same SPI in the other direction is another SA
  assert.throws(() => dp.addSa(saParams()), { code: 'ERR_IPSEC_SA_EXISTS' });
  dp.addSa(saParams({ replace: true, lifetimes: { hardPackets: 10 } }));
  assert.throws(() => dp.addSa(saParams({ spi: 0x9999, replace: true })), { code: 'ERR_IPSEC_SA_EXISTS' });
  const c = dp.saCounters(0x1234, 'out');
  assert.deepEqual(c, { bytes: 0, packets: 0, lastUsed: 0, authFailures: 0, replayDrops: 0, malformed: 0, selectorDrops: 0, softExpired: false, hardExpired: false });
  dp.delSa(0x1234, 'out');
  assert.equal(dp.saCounters(0x1234, 'out'), undefined);
  assert.notEqual(dp.saCounters(0x1234, 'in'), undefined);
  assert.throws(() => dp.delSa(0x1234, 'out'), { code: 'ERR_IPSEC_NO_SA' });
  dp.flush();
  assert.equal(dp.saCounters(0x1234, 'in'), undefined);
  assert.equal(dp.info().running, false);
  dp.stop(); // stopping a data path that never started is harmless
});

test('tables: policies by selector and direction; bad actions and directions refused', () => {
  const dp = newDatapath();
  const policy = { selector: sel('10.1.0.0/24', '10.2.0.0/24'), direction: 'out' as const, action: 'ipsec' as const, priority: 10, reqid: 1 };
  dp.addPolicy(policy);
  dp.addPolicy({ ...policy, direction: 'in' });
  assert.throws(() => dp.addPolicy(policy), { code: 'ERR_IPSEC_POLICY_EXISTS' });
  dp.addPolicy({ ...policy, action: 'trap', replace: true });
  assert.throws(() => dp.addPolicy({ ...policy, action: 'bogus' as 'drop' }), { code: 'ERR_IPSEC_BAD_ACTION' });
  assert.throws(() => dp.addPolicy({ ...policy, direction: 'up' as 'in' }), { code: 'ERR_IPSEC_BAD_DIRECTION' });
  dp.delPolicy(policy.selector, 'out');
  assert.throws(() => dp.delPolicy(policy.selector, 'out'), { code: 'ERR_IPSEC_NO_POLICY' });
  dp.delPolicy(policy.selector, 'in');
});

test('bad SA parameters are JS errors, never crashes', () => {
  const dp = newDatapath();
  assert.throws(() => dp.addSa(saParams({ encrKeymat: secretFrom(randomBytes(16)) })), { code: 'ERR_IPSEC_ESP_CONFIG' }, 'GCM keymat without salt');
  assert.throws(() => dp.addSa(saParams({ encr: 99 })), { code: 'ERR_IPSEC_ESP_CONFIG' });
  assert.throws(() => dp.addSa(saParams({ encr: ESP_ENCR.AES_CBC, integ: ESP_INTEG.HMAC_SHA2_256_128 })), { code: 'ERR_IPSEC_ESP_CONFIG' }, 'no integrity key');
  assert.throws(() => dp.addSa(saParams({ encrKeymat: randomBytes(20) as never })), { code: 'ERR_INVALID_ARG_TYPE' }, 'keys must be SecretBytes');
  assert.throws(() => dp.addSa(saParams({ spi: 255 })), { code: 'ERR_IPSEC_BAD_SPI' });
  assert.throws(() => dp.addSa(saParams({ spi: -1 })), TypeError);
  assert.throws(() => dp.addSa(saParams({ remoteAddress: 'east.example' })), { code: 'ERR_IPSEC_BAD_ADDRESS' });
  assert.throws(() => dp.addSa(saParams({ remotePort: 70000 })), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => dp.addSa(saParams({ direction: 'fwd' as 'in' })), { code: 'ERR_IPSEC_BAD_DIRECTION' });
  assert.throws(() => dp.addSa(saParams({ selector: sel('10.1.0.0/24', 'nope') })), { code: 'ERR_IPSEC_BAD_SELECTOR' });
  assert.throws(() => dp.addSa(saParams({ lifetimes: { hardBytes: -5 } })), TypeError);
  assert.throws(() => dp.addSa(null as unknown as DatapathSaParams), TypeError);
  assert.throws(() => dp.addSa(saParams({ mode: 'beet' as 'tunnel' })), { code: 'ERR_IPSEC_BAD_MODE' });
  assert.throws(() => dp.addSa(saParams({ mode: 'transport', selector: sel('2001:db8::1/128', '2001:db8::2/128') })), { code: 'ERR_IPSEC_BAD_SELECTOR' }, 'transport: the selector has the outer family');
  assert.equal(dp.saCounters(0x1234, 'out'), undefined, 'nothing half-installed');
  assert.throws(() => dp.sendIke(Buffer.from('x'), '192.0.2.2', 4500), { code: 'ERR_IPSEC_SEND' }, 'not running');
  assert.throws(() => dp.sendIke(Buffer.from('x'), 'nowhere', 4500), { code: 'ERR_IPSEC_BAD_ADDRESS' });
});

test('bad data path options are JS errors', () => {
  const ok = { tunName: 'swtest0', localAddress: '127.0.0.1', port: 4500 };
  assert.throws(() => createDatapath({ ...ok, tunName: 'a-name-far-too-long' }, () => undefined), { code: 'ERR_IPSEC_BAD_TUN_NAME' });
  assert.throws(() => createDatapath({ ...ok, tunName: '' }, () => undefined), { code: 'ERR_IPSEC_BAD_TUN_NAME' });
  assert.throws(() => createDatapath({ ...ok, mtu: 100 }, () => undefined), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => createDatapath({ ...ok, port: 65536 }, () => undefined), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => createDatapath(ok, 'no' as unknown as () => void), TypeError);
  assert.throws(() => createDatapath({ ...ok, queues: 0 }, () => undefined), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => createDatapath({ ...ok, queues: 65 }, () => undefined), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => createDatapath({ ...ok, queues: -1 }, () => undefined), TypeError);
});
