// The PF_KEY v2 codec against bytes built by hand from RFC 2367 §2's layouts and linux/pfkeyv2.h /
// linux/ipsec.h (host byte order: these hex strings are little-endian, the machines this runs on),
// round trips of every message type we encode, the kernel's messages decoded, and bad input refused.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { endianness } from 'node:os';

import { EncrId, IntegId } from '../../../src/ikev2/constants';
import type { KernelSa } from '../../../src/kernel/kernel';
import { ikeEncr, ikeInteg, pfkeyAuth, pfkeyEncr } from '../../../src/kernel/pfkey/algorithms';
import { decodeMessage, encodeMessage, PfkeyCodecError, type EncodedMessage, type PfkeyMessage } from '../../../src/kernel/pfkey/codec';
import { SOCKADDR_FREEBSD } from '../../../src/kernel/pfkey/constants';
import { decodeEvent, decodePolicy, encodeGetSpi, encodePolicy, encodePolicyId, encodeSa, encodeSaId, encodeSimple, errorOf } from '../../../src/kernel/pfkey/messages';
import { secretCopy } from '../../../src/native/secret';
import { hex } from '../../helpers/vectors';

const z = (n: number): string => '00'.repeat(n);
const ctx = (seq: number) => ({ seq, pid: 0x1234 });
const le = endianness() === 'LE';

// sockaddr_in (Linux): family AF_INET host order, port, address, 8 octets of zero.
const SIN = (addrHex: string, portHex = '0000'): string => '0200' + portHex + addrHex + z(8);

test('host byte order is little-endian here (the hand-built bytes assume it)', () => {
  assert.ok(le, 'these vectors are written for a little-endian host');
});

test('SADB_GETSPI by hand: sadb_msg, X_SA2, two ADDRESS, SPIRANGE', () => {
  const m = encodeGetSpi('192.0.2.1', '192.0.2.2', ctx(1), {}, 7);
  const expected =
    '02' + '01' + '00' + '03' + '0c00' + '0000' + '01000000' + '34120000' + // v2, GETSPI, errno, ESP, 12 words, seq, pid
    '0200' + '1300' + '00' + '00' + '0000' + '00000000' + '07000000' + // X_SA2: 2 words, mode any, sequence, reqid 7
    '0300' + '0500' + 'ff' + '20' + '0000' + SIN('c0000201') + // ADDRESS_SRC: 3 words, proto any, /32
    '0300' + '0600' + 'ff' + '20' + '0000' + SIN('c0000202') + // ADDRESS_DST
    '0200' + '1000' + '00010000' + 'ffffffff' + '00000000'; // SPIRANGE 0x100..0xffffffff
  assert.equal(m.bytes.toString('hex'), expected);
  assert.equal(m.patches.length, 0);
});

function gcmSa(): KernelSa {
  return {
    spi: 0xc0ffee01, src: '198.51.100.1', dst: '203.0.113.2', proto: 'esp', mode: 'tunnel', reqid: 5,
    encr: { id: EncrId.AES_GCM_16, keyBits: 256, keymat: secretCopy(Buffer.alloc(36, 0xab)) },
    esn: false, replayWindow: 64, encap: { srcPort: 4500, dstPort: 4500 },
    selector: { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, srcPort: 0, dstPort: 0 },
    lifetimes: { softBytes: 0, hardBytes: 0, softPackets: 0, hardPackets: 0, softSeconds: 3000, hardSeconds: 3600 },
    direction: 'out',
  };
}

test('SADB_ADD by hand: SA, X_SA2, lifetimes, addresses, KEY_ENCRYPT left zero and patched, NAT-T', () => {
  const m = encodeSa(gcmSa(), ctx(2), false);
  const expected =
    '02' + '03' + '00' + '03' + '1d00' + '0000' + '02000000' + '34120000' + // ADD, 29 words
    '0200' + '0100' + 'c0ffee01' + '40' + '01' + '00' + '14' + '00000000' + // SA: spi (network order), replay 64, MATURE, no auth, AES-GCM-16 (20)
    '0200' + '1300' + '02' + '00' + '0000' + '00000000' + '05000000' + // X_SA2: tunnel, reqid 5
    '0400' + '0300' + '00000000' + z(8) + '100e000000000000' + z(8) + // LIFETIME_HARD: addtime 3600
    '0400' + '0400' + '00000000' + z(8) + 'b80b000000000000' + z(8) + // LIFETIME_SOFT: addtime 3000
    '0300' + '0500' + 'ff' + '20' + '0000' + SIN('c6336401') +
    '0300' + '0600' + 'ff' + '20' + '0000' + SIN('cb007102') +
    '0600' + '0900' + '2001' + '0000' + z(40) + // KEY_ENCRYPT: 6 words, 288 bits (key + salt), padded to 8
    '0100' + '1400' + '02' + z(3) + // X_NAT_T_TYPE: UDP_ENCAP_ESPINUDP
    '0100' + '1500' + '1194' + '0000' + // X_NAT_T_SPORT 4500 (network order)
    '0100' + '1600' + '1194' + '0000'; // X_NAT_T_DPORT
  assert.equal(m.bytes.toString('hex'), expected);
  assert.equal(m.patches.length, 1);
  assert.equal(m.patches[0]![0], 168);
  assert.equal(m.patches[0]![1].length, 36);
});

test('SADB_ADD with HMAC-SHA2-256 and AES-CBC: both KEY extensions, auth 5, encrypt 12', () => {
  const sa: KernelSa = { ...gcmSa(), encr: { id: EncrId.AES_CBC, keyBits: 128, keymat: secretCopy(Buffer.alloc(16, 1)) }, integ: { id: IntegId.HMAC_SHA2_256_128, key: secretCopy(Buffer.alloc(32, 2)) }, encap: undefined };
  const m = encodeSa(sa, ctx(9), true);
  assert.equal(m.bytes[1], 2); // UPDATE
  assert.equal(m.bytes.subarray(26, 28).toString('hex'), '050c'); // sadb_sa_auth, sadb_sa_encrypt
  const keys = m.bytes.subarray(16 + 16 + 16 + 32 + 32 + 24 + 24);
  assert.equal(keys.subarray(0, 8).toString('hex'), '0500' + '0800' + '0001' + '0000'); // KEY_AUTH 5 words, 256 bits
  assert.equal(keys.subarray(40, 48).toString('hex'), '0300' + '0900' + '8000' + '0000'); // KEY_ENCRYPT 3 words, 128 bits
  assert.deepEqual(m.patches.map(([o, s]) => [o, s.length]), [[16 + 16 + 16 + 32 + 32 + 24 + 24 + 8, 32], [16 + 16 + 16 + 32 + 32 + 24 + 24 + 48, 16]]);
});

test('the replay window: packets on Linux (RFC 2367), octets of bitmap on the BSDs (KAME setkey -r)', () => {
  assert.equal(encodeSa(gcmSa(), ctx(1), false).bytes[16 + 8], 64);
  assert.equal(encodeSa(gcmSa(), { seq: 1, pid: 1, platform: 'freebsd' }, false).bytes[16 + 8], 8);
  assert.equal(encodeSa({ ...gcmSa(), replayWindow: 4096 }, ctx(1), false).bytes[16 + 8], 255);
});

test('SADB_X_SPDADD by hand: tunnel policy with an ipsecrequest holding both end points', () => {
  const m = encodePolicy({
    selector: { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, srcPort: 0, dstPort: 0 },
    direction: 'out', action: 'ipsec', priority: 0x1000,
    template: { src: '198.51.100.1', dst: '203.0.113.2', proto: 'esp', mode: 'tunnel', reqid: 5 },
  }, ctx(3), false);
  const expected =
    '02' + '0e' + '00' + '00' + '1000' + '0000' + '03000000' + '34120000' + // X_SPDADD, SATYPE_UNSPEC, 16 words
    '0300' + '0500' + 'ff' + '18' + '0000' + SIN('0a010000') +
    '0300' + '0600' + 'ff' + '18' + '0000' + SIN('0a020000') +
    '0800' + '1200' + '0200' + '02' + '00' + '00000000' + '00100000' + // X_POLICY: IPSEC, outbound, id, priority
    '3000' + '3200' + '02' + '03' + '0000' + '05000000' + '00000000' + // ipsecrequest: 48 octets, ESP, tunnel, unique, reqid 5
    SIN('c6336401') + SIN('cb007102');
  assert.equal(m.bytes.toString('hex'), expected);
});

test('SADB_X_SPDDELETE by hand: UDP ports in the sockaddrs, inbound', () => {
  const m = encodePolicyId({ src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 17, srcPort: 500, dstPort: 4500 }, 'in', ctx(4));
  const expected =
    '02' + '0f' + '00' + '00' + '0a00' + '0000' + '04000000' + '34120000' +
    '0300' + '0500' + '11' + '18' + '0000' + SIN('0a010000', '01f4') +
    '0300' + '0600' + '11' + '18' + '0000' + SIN('0a020000', '1194') +
    '0200' + '1200' + '0200' + '01' + '00' + '00000000' + '00000000';
  assert.equal(m.bytes.toString('hex'), expected);
});

test('an IPv6 ADDRESS: sockaddr_in6 (28 octets) padded to 32, 5 words', () => {
  const m = encodeSaId('delete', 0x1001, '2001:db8::1', '2001:db8::ffff:2', ctx(5));
  const src = m.bytes.subarray(32, 72);
  assert.equal(src.toString('hex'),
    '0500' + '0500' + 'ff' + '80' + '0000' + // 5 words, /128
    '0a00' + '0000' + '00000000' + '20010db8000000000000000000000001' + '00000000' + z(4)); // AF_INET6 10, port, flowinfo, addr, scope, pad
  assert.equal(decodeMessage(m.bytes).extensions[2]!.kind, 'address');
  assert.deepEqual(decodeMessage(m.bytes).extensions.slice(1).map((e) => (e.kind === 'address' ? e.address : '')), ['2001:db8::1', '2001:db8::ffff:2']);
});

test('FreeBSD sockaddrs: sin_len then a one-octet family', () => {
  const msg: PfkeyMessage = { type: 4, satype: 3, errno: 0, seq: 1, pid: 2, extensions: [{ kind: 'address', which: 'dst', proto: 255, prefixLen: 32, address: '192.0.2.9', port: 0 }] };
  const b = encodeMessage(msg, SOCKADDR_FREEBSD).bytes;
  assert.equal(b.subarray(24, 28).toString('hex'), '1002' + '0000');
  assert.deepEqual(decodeMessage(b, SOCKADDR_FREEBSD), msg);
});

test('round trip of every message type we encode', () => {
  const sel = { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 6, srcPort: 0, dstPort: 443 };
  const built: EncodedMessage[] = [
    encodeGetSpi('192.0.2.1', '192.0.2.2', ctx(1), { min: 0x1000, max: 0x2000 }, 3),
    encodeSa(gcmSa(), ctx(2), false),
    encodeSa(gcmSa(), ctx(3), true),
    encodeSaId('delete', 77, '192.0.2.1', '192.0.2.2', ctx(4)),
    encodeSaId('get', 77, '192.0.2.1', '192.0.2.2', ctx(5)),
    ...(['flush', 'dump', 'register', 'spdflush', 'spddump'] as const).map((t, i) => encodeSimple(t, ctx(6 + i))),
    encodePolicy({ selector: sel, direction: 'fwd', action: 'pass', priority: 9 }, ctx(20), true),
    encodePolicy({ selector: sel, direction: 'in', action: 'trap', priority: 9, template: { src: '', dst: '', proto: 'esp', mode: 'transport', reqid: 0 } }, ctx(21), false),
    encodePolicyId(sel, 'out', ctx(22)),
  ];
  const types = built.map((m) => m.bytes[1]);
  assert.deepEqual(types, [1, 3, 2, 4, 5, 9, 10, 7, 19, 18, 13, 14, 15]);
  for (const m of built) {
    const decoded = decodeMessage(m.bytes);
    const again = encodeMessage(decoded);
    assert.equal(again.bytes.toString('hex'), m.bytes.toString('hex'));
    assert.equal(decoded.pid, 0x1234);
  }
  const sa = decodeMessage(built[1]!.bytes);
  assert.deepEqual(sa.extensions.map((e) => e.kind), ['sa', 'sa2', 'lifetime', 'lifetime', 'address', 'address', 'key', 'natTType', 'natTPort', 'natTPort']);
  const trap = decodePolicy(decodeMessage(built[11]!.bytes));
  assert.deepEqual(trap, { selector: sel, direction: 'in', action: 'ipsec', priority: 9, template: { src: '', dst: '', proto: 'esp', mode: 'transport', reqid: 0 } });
});

test('every extension kind round-trips through encodeMessage/decodeMessage', () => {
  const life = { allocations: 1, bytes: 2 ** 40, addtime: 3, usetime: 4 };
  const msg: PfkeyMessage = {
    type: 6, satype: 3, errno: 0, seq: 99, pid: 0, extensions: [
      { kind: 'lifetime', which: 'current', ...life },
      { kind: 'address', which: 'proxy', proto: 17, prefixLen: 16, address: '10.9.0.0', port: 53 },
      { kind: 'identity', which: 'src', identType: 2, id: 0, text: 'vpn.example.org' },
      { kind: 'proposal', replay: 32, combs: [{ auth: 5, encrypt: 12, flags: 0, authMinBits: 256, authMaxBits: 256, encryptMinBits: 128, encryptMaxBits: 256, soft: life, hard: { ...life, addtime: 9 } }] },
      { kind: 'supported', which: 'encrypt', algs: [{ id: 12, ivLen: 16, minBits: 128, maxBits: 256 }, { id: 20, ivLen: 8, minBits: 160, maxBits: 288 }] },
      { kind: 'spirange', min: 256, max: 1024 },
      { kind: 'unknown', extType: 24, data: Buffer.from('0102030405060708090a0b0c', 'hex') },
    ],
  };
  const bytes = encodeMessage(msg).bytes;
  assert.equal(bytes.length % 8, 0);
  // IDENTITY: 16 + "vpn.example.org\0" (16) = 4 words; PROPOSAL: 8 + 72 = 10 words.
  assert.equal(bytes.subarray(16 + 32 + 24, 16 + 32 + 24 + 4).toString('hex'), '0400' + '0a00');
  assert.equal(bytes.subarray(16 + 32 + 24 + 32, 16 + 32 + 24 + 32 + 4).toString('hex'), '0a00' + '0d00');
  assert.deepEqual(decodeMessage(bytes), msg);
});

// ---- the kernel's messages, built by hand ----

// ACQUIRE as a KAME/Linux kernel sends it: TCP 10.1.0.5:1234 -> 10.2.0.7:80, the policy (outbound), a proposal.
const ACQUIRE =
  '02' + '06' + '00' + '03' + '1400' + '0000' + '2a000000' + '00000000' + // ACQUIRE, ESP, 20 words, seq 42, pid 0 (kernel)
  '0300' + '0500' + '06' + '20' + '0000' + SIN('0a010005', '04d2') +
  '0300' + '0600' + '06' + '20' + '0000' + SIN('0a020007', '0050') +
  '0200' + '1200' + '0200' + '02' + '00' + '07000000' + '00000000' + // X_POLICY: IPSEC, outbound, id 7
  '0a00' + '0d00' + '20' + z(3) + // PROPOSAL: 10 words, replay 32
  '05' + '0c' + '0000' + '0001' + '0001' + '8000' + '0001' + z(4) + z(8) + z(48); // one comb: SHA2-256, AES-CBC 128..256

test('ACQUIRE from the kernel becomes an acquire event with the packet\'s selector', () => {
  const msg = decodeMessage(hex(ACQUIRE));
  assert.deepEqual(decodeEvent(msg), { type: 'acquire', selector: { src: '10.1.0.5/32', dst: '10.2.0.7/32', proto: 6, srcPort: 1234, dstPort: 80 }, policyDirection: 'out' });
  const prop = msg.extensions[3];
  assert.ok(prop?.kind === 'proposal');
  assert.equal(prop.combs[0]!.encryptMaxBits, 256);
});

function expire(which: '03' | '04'): string {
  return '02' + '08' + '00' + '03' + '1200' + '0000' + z(4) + z(4) + // EXPIRE, ESP, 18 words
    '0200' + '0100' + 'c0ffee01' + '20' + '02' + '05' + '0c' + z(4) + // SA: spi, replay, DYING, auth, encrypt
    '0400' + '0200' + '0a000000' + '0010000000000000' + z(16) + // LIFETIME_CURRENT: 10 packets, 4096 bytes
    '0400' + which + '00' + '00000000' + z(8) + '100e000000000000' + z(8) + // the lifetime that ran out
    '0300' + '0500' + 'ff' + '20' + '0000' + SIN('c6336401') +
    '0300' + '0600' + 'ff' + '20' + '0000' + SIN('cb007102');
}

test('EXPIRE: a SOFT lifetime is a soft expiry, a HARD one a hard expiry', () => {
  assert.deepEqual(decodeEvent(decodeMessage(hex(expire('04')))), { type: 'expire', spi: 0xc0ffee01, dst: '203.0.113.2', hard: false });
  assert.deepEqual(decodeEvent(decodeMessage(hex(expire('03')))), { type: 'expire', spi: 0xc0ffee01, dst: '203.0.113.2', hard: true });
});

test('an error reply (sadb_msg_errno) becomes a KernelError with the errno', () => {
  const msg = decodeMessage(hex('02' + '03' + '11' + '03' + '0200' + '0000' + '05000000' + '34120000')); // ADD, EEXIST
  assert.equal(decodeEvent(msg), undefined);
  const err = errorOf(msg, 'add SA');
  assert.equal(err?.code, 'ERR_KERNEL_EXISTS');
  assert.equal(err?.errno, 17);
  assert.equal(err?.operation, 'add SA');
  assert.equal(errorOf(decodeMessage(hex('02' + '04' + '02' + '03' + '0200' + '0000' + z(8))), 'delete SA')?.code, 'ERR_KERNEL_NOT_FOUND');
  assert.equal(errorOf(decodeMessage(hex('02' + '04' + '00' + '03' + '0200' + '0000' + z(8))), 'delete SA'), undefined);
});

// ---- bad input ----

test('malformed messages are refused with PfkeyCodecError, never a crash', () => {
  const bad: [string, string][] = [
    ['0201', 'shorter than its 16-byte header'],
    ['01' + '01' + '0000' + '0200' + '0000' + z(8), 'version'],
    ['02' + '01' + '0000' + '0300' + '0000' + z(8), 'sadb_msg_len'], // says 24, 16 arrived
    ['02' + '01' + '0000' + '0100' + '0000' + z(8), 'sadb_msg_len'], // says 8: less than the header
    ['02' + '01' + '0000' + '0300' + '0000' + z(8) + '0000' + '0100' + z(4), 'bad length 0'],
    ['02' + '01' + '0000' + '0300' + '0000' + z(8) + '0200' + '0100' + z(4), 'bad length 16'], // runs past the message
    ['02' + '01' + '0000' + '0300' + '0000' + z(8) + '0100' + '0100' + z(4), 'shorter than its 16'], // SA of 8 bytes
    ['02' + '01' + '0000' + '0400' + '0000' + z(8) + '0200' + '0500' + 'ff20' + '0000' + '0200' + z(6), 'shorter than its 24'],
    ['02' + '01' + '0000' + '0500' + '0000' + z(8) + '0300' + '0500' + 'ff20' + '0000' + '0700' + z(14), 'address family 7'],
    ['02' + '01' + '0000' + '0400' + '0000' + z(8) + '0200' + '0800' + '0001' + '0000' + z(8), 'cannot hold 256 bits'],
    ['02' + '01' + '0000' + '0500' + '0000' + z(8) + '0300' + '1200' + '0200' + '0200' + z(8) + '0800' + z(6), 'ipsecrequest is truncated'],
    ['02' + '01' + '0000' + '0600' + '0000' + z(8) + '0400' + '1200' + '0200' + '0200' + z(8) + '0800' + z(14), 'ipsecrequest has a bad length 8'],
    ['02' + '01' + '0000' + '0400' + '0000' + z(8) + '0200' + '0d00' + z(4) + z(8), 'not whole combs'],
  ];
  for (const [h, why] of bad) {
    assert.throws(() => decodeMessage(hex(h)), (e: unknown) => e instanceof PfkeyCodecError && e.code === 'ERR_PFKEY_CODEC' && e.message.includes(why), `${h}: ${why}`);
  }
});

test('every truncation of a valid message, with its length fixed up, decodes or throws PfkeyCodecError', () => {
  const whole = hex(ACQUIRE);
  for (let n = 16; n < whole.length; n += 4) {
    const cut = Buffer.from(whole.subarray(0, n));
    cut.writeUInt16LE(Math.floor(n / 8), 4);
    try {
      decodeMessage(cut.subarray(0, Math.floor(n / 8) * 8));
    } catch (e) {
      assert.ok(e instanceof PfkeyCodecError, `${n}: ${String(e)}`);
    }
  }
});

test('the encoder refuses what PF_KEY cannot say', () => {
  assert.throws(() => encodeSa({ ...gcmSa(), mark: { value: 1, mask: 1 } }, ctx(1), false), /no SA marks/);
  assert.throws(() => encodeSa({ ...gcmSa(), encr: { id: EncrId.CHACHA20_POLY1305, keyBits: 256, keymat: secretCopy(Buffer.alloc(36)) } }, ctx(1), false), /ENCR transform 28 has no PF_KEY algorithm on linux/);
  assert.throws(() => encodeGetSpi('192.0.2.1', 'not-an-ip', ctx(1)), PfkeyCodecError);
  assert.throws(() => encodePolicy({ selector: { src: '10.0.0.0/33', dst: '10.0.0.0/8', proto: 0, srcPort: 0, dstPort: 0 }, direction: 'out', action: 'pass', priority: 0 }, ctx(1), false), /bad prefix/);
  assert.throws(() => encodePolicy({ selector: { src: '10.0.0.0/8', dst: '10.0.0.0/8', proto: 0, srcPort: 0, dstPort: 0 }, direction: 'fwd', action: 'pass', priority: 0 }, { seq: 1, pid: 1, platform: 'freebsd' }, false), /no forward policies/);
  assert.throws(() => encodeMessage({ type: 3, satype: 3, errno: 0, seq: 1, pid: 1, extensions: [{ kind: 'lifetime', which: 'hard', allocations: 0, bytes: 2 ** 60, addtime: 0, usetime: 0 }] }), /safe non-negative integer/);
});

test('IKEv2 transform ids map to PF_KEY algorithm numbers and back', () => {
  const encr: [number, number][] = [[EncrId.AES_CBC, 12], [EncrId.AES_CTR, 13], [EncrId.AES_GCM_8, 18], [EncrId.AES_GCM_12, 19], [EncrId.AES_GCM_16, 20], [EncrId.NULL, 11], [EncrId['3DES'], 3], [EncrId.CAMELLIA_CBC, 22], [EncrId.NULL_AUTH_AES_GMAC, 23]];
  for (const [ike, sadb] of encr) {
    assert.equal(pfkeyEncr(ike), sadb);
    assert.equal(ikeEncr(sadb), ike);
  }
  assert.equal(pfkeyEncr(EncrId.CHACHA20_POLY1305, 'openbsd'), 22);
  assert.equal(ikeEncr(22, 'openbsd'), EncrId.CHACHA20_POLY1305);
  const auth: [number, number][] = [[IntegId.HMAC_SHA1_96, 3], [IntegId.HMAC_SHA2_256_128, 5], [IntegId.HMAC_SHA2_384_192, 6], [IntegId.HMAC_SHA2_512_256, 7], [IntegId.AES_XCBC_96, 9], [IntegId.HMAC_MD5_96, 2]];
  for (const [ike, sadb] of auth) {
    assert.equal(pfkeyAuth(ike), sadb);
    assert.equal(ikeInteg(sadb), ike);
  }
  assert.throws(() => pfkeyAuth(IntegId.AES_CMAC_96), PfkeyCodecError);
  assert.equal(ikeEncr(200), undefined);
});
