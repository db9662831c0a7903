// The XFRM codec against bytes built by hand from linux/xfrm.h's struct layouts (offsets from offsetof on
// Linux 6.18 x86-64), the decoders of the kernel's messages, and the refusal of bad input.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { KernelUnsupportedError } from '../../../src/kernel/errors';
import type { KernelSa } from '../../../src/kernel/kernel';
import { kernelEncr, kernelInteg } from '../../../src/kernel/xfrm/algorithms';
import { kernelErrorFor } from '../../../src/kernel/xfrm/channel';
import { decodeEvent } from '../../../src/kernel/xfrm/events';
import { decodePolicy, decodeSa, encodeAllocSpi, encodePolicy, encodePolicyId, encodeSa } from '../../../src/kernel/xfrm/messages';
import { parseErrorReply, splitMessages } from '../../../src/kernel/xfrm/nlmsg';
import { EncrId, IntegId } from '../../../src/ikev2/constants';
import { secretCopy } from '../../../src/native/secret';

const z = (n: number): string => '00'.repeat(n);

// struct xfrm_selector for 10.1.0.0/24 udp/500 -> 10.2.0.0/24 udp/4500, field by field.
const SEL_V4_UDP =
  '0a020000' + z(12) + // daddr
  '0a010000' + z(12) + // saddr
  '1194' + 'ffff' + // dport 4500 (network order), dport_mask
  '01f4' + 'ffff' + // sport 500, sport_mask
  '0200' + // family AF_INET (host order)
  '18' + '18' + // prefixlen_d, prefixlen_s
  '11' + z(3) + // proto UDP, padding
  z(4) + z(4); // ifindex, user

test('xfrm_userpolicy_id by hand: header, selector with ports, index, dir', () => {
  const req = encodePolicyId('delete', { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 17, srcPort: 500, dstPort: 4500 }, 'in', 0x01020304);
  const expected =
    '50000000' + '1400' + '0500' + '04030201' + '00000000' + // nlmsghdr: len 80, DELPOLICY, REQUEST|ACK, seq, pid
    SEL_V4_UDP +
    '00000000' + // index
    '00' + z(3); // dir in, padding
  assert.equal(req.bytes.toString('hex'), expected);
});

test('host bits in a selector are kept as given (the kernel masks them itself)', () => {
  const a = encodePolicyId('get', { src: '10.1.0.7/24', dst: '10.2.0.0/24', proto: 0, srcPort: 0, dstPort: 0 }, 'out', 1);
  assert.equal(a.bytes.subarray(16 + 16, 16 + 20).toString('hex'), '0a010000');
});

test('xfrm_userpolicy_info with an IPv6 template and a mark, by hand', () => {
  const req = encodePolicy(
    {
      selector: { src: '2001:db8:1::/48', dst: '::/0', proto: 58, srcPort: 0, dstPort: 0 },
      direction: 'fwd',
      action: 'ipsec',
      priority: 0x11223344,
      template: { src: '2001:db8::a', dst: '2001:db8::b', proto: 'esp', mode: 'transport', reqid: 0xabcd },
      mark: { value: 1, mask: 0xffff },
    },
    7,
  );
  const ff = 'ff'.repeat(8);
  const expected =
    '08010000' + '1300' + '0500' + '07000000' + '00000000' + // len 16 + 168 + 68 + 12 = 264, NEWPOLICY, REQUEST|ACK
    z(16) + '20010db8000100000000000000000000' + z(8) + '0a00' + '00' + '30' + '3a' + z(3) + z(8) + // selector
    ff + ff + ff + ff + z(32) + // lifetime cfg: bytes/packets unlimited, no expiry times
    z(32) + // cur lifetime
    '44332211' + '00000000' + '02' + '00' + '00' + '00' + z(4) + // priority, index, dir fwd, allow, flags, share, pad
    '4400' + '0500' + // XFRMA_TMPL, 68
    '20010db800000000000000000000000b' + '00000000' + '32' + z(3) + // id: daddr, spi, proto esp
    '0a00' + z(2) + '20010db800000000000000000000000a' + // family, pad, saddr
    'cdab0000' + '00' + '00' + '00' + z(1) + 'ffffffff'.repeat(3) + // reqid, mode, share, optional, pad, algos
    '0c00' + '1500' + '01000000' + 'ffff0000'; // XFRMA_MARK
  assert.equal(req.bytes.toString('hex'), expected);
});

function policyMessage(): Buffer {
  // A XFRM_MSG_NEWPOLICY as the kernel sends it in a dump: userpolicy_info + TMPL + MARK.
  const info = Buffer.from(
    z(16) + '20010db8000100000000000000000000' + '0000ffff' + '0016ffff' + '0a00' + '00' + '30' + '06' + z(3) + z(8) +
      'ff'.repeat(32) + z(32) + z(32) + '64000000' + '09000000' + '00' + '00' + '00' + '00' + z(4),
    'hex',
  );
  const tmpl = Buffer.from(
    '4400' + '0500' + '20010db800000000000000000000000b' + '00000000' + '32' + z(3) + '0a00' + z(2) + '20010db800000000000000000000000a' + '07000000' + '01' + z(3) + 'ffffffff'.repeat(3),
    'hex',
  );
  const mark = Buffer.from('0c001500' + '05000000' + 'ff000000', 'hex');
  return Buffer.concat([info, tmpl, mark]);
}

test('decodePolicy reads a kernel policy message (IPv6, tcp/22 source, template, mark)', () => {
  assert.deepEqual(decodePolicy(policyMessage()), {
    selector: { src: '2001:db8:1::/48', dst: '::/0', proto: 6, srcPort: 22, dstPort: 0 },
    direction: 'in',
    action: 'ipsec',
    priority: 100,
    index: 9,
    template: { src: '2001:db8::a', dst: '2001:db8::b', proto: 'esp', mode: 'tunnel', reqid: 7 },
    mark: { value: 5, mask: 0xff },
  });
});

test('decodePolicy: BLOCK is drop, ALLOW without template is pass, per-socket directions are skipped', () => {
  const m = policyMessage().subarray(0, 168);
  const block = Buffer.from(m);
  block[161] = 1;
  assert.equal(decodePolicy(block)?.action, 'drop');
  assert.equal(decodePolicy(Buffer.from(m))?.action, 'pass');
  const sock = Buffer.from(m);
  sock[160] = 3; // XFRM_POLICY_MAX + dir: a socket policy
  assert.equal(decodePolicy(sock), undefined);
  assert.throws(() => decodePolicy(m.subarray(0, 100)), /shorter/);
});

test('NLMSG_ERROR with an extended ACK: errno and the kernel text', () => {
  const err = Buffer.from(
    '3c000000' + '0200' + '0003' + '2a000000' + 'aa000000' + // header: NLMSG_ERROR, flags CAPPED|ACK_TLVS, seq 42, pid 170
      'a3ffffff' + // error = -93 (EPROTONOSUPPORT)
      'f8010000' + '1000' + '0500' + '2a000000' + '00000000' + // the echoed request header only (capped)
      '1d000100' + Buffer.from('Requested type not found\0').toString('hex') + '000000',
    'hex',
  );
  err.writeUInt32LE(err.length, 0);
  const [msg] = splitMessages(err);
  assert.ok(msg);
  assert.deepEqual(parseErrorReply(msg), { errno: 93, requestSeq: 42, message: 'Requested type not found' });
  const ack = Buffer.from('24000000' + '0200' + '0001' + '2b000000' + 'aa000000' + '00000000' + '10000000' + '1300' + '0500' + '2b000000' + '00000000', 'hex');
  assert.deepEqual(parseErrorReply(splitMessages(ack)[0]!), { errno: 0, requestSeq: 43 });
});

test('splitMessages refuses a message that overruns its datagram', () => {
  const bad = Buffer.from('40000000' + '1000' + '0000' + z(8), 'hex');
  assert.throws(() => splitMessages(bad), /overruns/);
});

test('kernel answers become typed errors: no ESP and no algorithm are KernelUnsupportedError on SA installs only', () => {
  const noEsp = kernelErrorFor('add SA', 93, 'Requested type not found', true);
  assert.ok(noEsp instanceof KernelUnsupportedError);
  assert.equal(noEsp.code, 'ERR_KERNEL_NO_ESP');
  assert.equal(noEsp.errno, 93);
  assert.match(noEsp.message, /Protocol not supported \(Requested type not found\)/);
  const noAlg = kernelErrorFor('add SA', 38, 'Requested AEAD algorithm not found', true);
  assert.ok(noAlg instanceof KernelUnsupportedError);
  assert.equal(noAlg.code, 'ERR_KERNEL_NO_ALGORITHM');
  assert.equal(kernelErrorFor('delete SA', 3, undefined, false).code, 'ERR_KERNEL_NOT_FOUND');
  assert.equal(kernelErrorFor('add policy', 17, undefined, false).code, 'ERR_KERNEL_EXISTS');
  assert.ok(!(kernelErrorFor('add policy', 93, undefined, false) instanceof KernelUnsupportedError));
});

function usersaInfo(): Buffer {
  const b = Buffer.alloc(224);
  b.write('0a010000', 0, 'hex');
  b.write('0a020000', 16, 'hex');
  b.writeUInt16LE(2, 40);
  b[42] = 24;
  b[43] = 24;
  b.write('c0000202', 56, 'hex'); // id.daddr
  b.write('c0ffee01', 72, 'hex'); // id.spi
  b[76] = 50;
  b.write('c0000201', 80, 'hex'); // saddr
  b.writeBigUInt64LE(123456n, 160); // curlft.bytes
  b.writeBigUInt64LE(789n, 168); // curlft.packets
  b.writeBigUInt64LE(1700000000n, 184); // curlft.use_time
  b.writeUInt32LE(2, 192); // stats.replay_window
  b.writeUInt32LE(3, 196); // stats.replay
  b.writeUInt32LE(4, 200); // stats.integrity_failed
  b.writeUInt32LE(16389, 208);
  b.writeUInt16LE(2, 212);
  b[214] = 1;
  return b;
}

test('decodeSa reads identity and counters from xfrm_usersa_info', () => {
  assert.deepEqual(decodeSa(usersaInfo()), {
    spi: 0xc0ffee01,
    proto: 50,
    src: '192.0.2.1',
    dst: '192.0.2.2',
    reqid: 16389,
    mode: 'tunnel',
    selector: { src: '10.2.0.0/24', dst: '10.1.0.0/24', proto: 0, srcPort: 0, dstPort: 0 },
    counters: { bytes: 123456, packets: 789, lastUsed: 1700000000, replayDrops: 5, authFailures: 4 },
  });
});

test('events: EXPIRE (soft and hard), ACQUIRE and POLEXPIRE', () => {
  const msg = (type: number, payload: Buffer) => ({ type, flags: 0, seq: 0, pid: 0, payload });
  const expire = Buffer.concat([usersaInfo(), Buffer.from('01' + z(7), 'hex')]);
  assert.deepEqual(decodeEvent(msg(24, expire)), { type: 'expire', spi: 0xc0ffee01, dst: '192.0.2.2', hard: true });
  expire[224] = 0;
  assert.deepEqual(decodeEvent(msg(24, expire)), { type: 'expire', spi: 0xc0ffee01, dst: '192.0.2.2', hard: false });

  const acquire = Buffer.alloc(280);
  usersaInfo().copy(acquire, 40, 0, 56); // the packet's selector at offset 40
  acquire[96 + 160] = 1; // the policy's dir: out
  assert.deepEqual(decodeEvent(msg(23, acquire)), { type: 'acquire', selector: { src: '10.2.0.0/24', dst: '10.1.0.0/24', proto: 0, srcPort: 0, dstPort: 0 }, policyDirection: 'out' });

  const polexpire = Buffer.concat([policyMessage().subarray(0, 168), Buffer.from('01' + z(7), 'hex')]);
  assert.deepEqual(decodeEvent(msg(27, polexpire)), {
    type: 'polexpire',
    selector: { src: '2001:db8:1::/48', dst: '::/0', proto: 6, srcPort: 22, dstPort: 0 },
    direction: 'in',
    hard: true,
  });
  assert.equal(decodeEvent(msg(16, usersaInfo())), undefined);
  assert.throws(() => decodeEvent(msg(24, usersaInfo())), /shorter/);
});

test('IKEv2 transforms map to the kernel names and lengths', () => {
  assert.deepEqual([8, 12, 16].map((n) => kernelEncr(EncrId[`AES_GCM_${n}` as 'AES_GCM_8'], 256).aeadIcvBits), [64, 96, 128]);
  assert.equal(kernelEncr(EncrId.AES_GCM_16, 128).name, 'rfc4106(gcm(aes))');
  assert.equal(kernelEncr(EncrId.CHACHA20_POLY1305, 0).name, 'rfc7539esp(chacha20,poly1305)');
  assert.equal(kernelEncr(EncrId.CHACHA20_POLY1305, 0).chosenKeyBits, 256);
  assert.equal(kernelEncr(EncrId.AES_CTR, 192).name, 'rfc3686(ctr(aes))');
  assert.deepEqual(kernelInteg(IntegId.HMAC_SHA2_512_256), { name: 'hmac(sha512)', keyBits: 512, truncBits: 256 });
  assert.deepEqual(kernelInteg(IntegId.HMAC_SHA1_96), { name: 'hmac(sha1)', keyBits: 160, truncBits: 96 });
  assert.throws(() => kernelEncr(EncrId.AES_CBC, 0), /no 0-bit key/);
  assert.throws(() => kernelEncr(9999, 128), /no XFRM equivalent/);
});

const goodSa = (): KernelSa => ({
  spi: 0x1000,
  src: '192.0.2.1',
  dst: '192.0.2.2',
  proto: 'esp',
  mode: 'tunnel',
  reqid: 1,
  encr: { id: EncrId.AES_GCM_16, keyBits: 128, keymat: secretCopy(Buffer.alloc(20, 1)) },
  esn: true,
  replayWindow: 64,
  selector: { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, srcPort: 0, dstPort: 0 },
  lifetimes: { softBytes: 0, hardBytes: 0, softPackets: 0, hardPackets: 0, softSeconds: 0, hardSeconds: 0 },
  direction: 'in',
});

test('bad SAs, policies and SPI ranges are refused with a codec error', () => {
  const codec = { code: 'ERR_XFRM_CODEC' };
  assert.ok(encodeSa(goodSa(), 1).bytes.length > 0);
  assert.throws(() => encodeSa({ ...goodSa(), encr: { id: EncrId.AES_GCM_16, keyBits: 128, keymat: secretCopy(Buffer.alloc(16)) } }, 1), /wants 20 bytes/);
  assert.throws(() => encodeSa({ ...goodSa(), integ: { id: IntegId.HMAC_SHA2_256_128, key: secretCopy(Buffer.alloc(32)) } }, 1), /AEAD/);
  assert.throws(() => encodeSa({ ...goodSa(), encr: { id: EncrId.AES_CBC, keyBits: 128, keymat: secretCopy(Buffer.alloc(16)) } }, 1), /needs an INTEG/);
  assert.throws(
    () => encodeSa({ ...goodSa(), encr: { id: EncrId.AES_CBC, keyBits: 128, keymat: secretCopy(Buffer.alloc(16)) }, integ: { id: IntegId.HMAC_SHA2_256_128, key: secretCopy(Buffer.alloc(20)) } }, 1),
    /32-byte key/,
  );
  assert.throws(() => encodeSa({ ...goodSa(), dst: '2001:db8::1' }, 1), codec);
  assert.throws(() => encodeSa({ ...goodSa(), spi: 2 ** 32 }, 1), codec);
  assert.throws(() => encodeSa({ ...goodSa(), src: 'not-an-ip' }, 1), /not an IP address/);
  assert.throws(() => encodeSa({ ...goodSa(), selector: { ...goodSa().selector, srcPort: 70000 } }, 1), /srcPort/);
  assert.throws(() => encodeSa({ ...goodSa(), selector: { ...goodSa().selector, dst: '2001:db8::/32' } }, 1), /mixes/);
  const sel = goodSa().selector;
  assert.throws(() => encodePolicy({ selector: sel, direction: 'out', action: 'ipsec', priority: 1 }, 1), /needs a template/);
  assert.throws(() => encodePolicy({ selector: sel, direction: 'out', action: 'drop', priority: 1, template: { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 1 } }, 1), /takes no template/);
  assert.throws(() => encodeAllocSpi('192.0.2.1', '192.0.2.2', 1, { min: 1 }), /0\.\.255/);
  assert.throws(() => encodeAllocSpi('192.0.2.1', '2001:db8::1', 1), codec);
});

test('ESN and replay windows: u8 field without ESN, XFRMA_REPLAY_ESN_VAL with ESN or a window over 255', () => {
  const noEsn = encodeSa({ ...goodSa(), esn: false, replayWindow: 64 }, 1);
  assert.equal(noEsn.bytes[16 + 215], 64);
  assert.equal(noEsn.bytes[16 + 216], 0);
  const big = encodeSa({ ...goodSa(), esn: false, replayWindow: 1024 }, 1).bytes;
  assert.equal(big[16 + 215], 0);
  const at = big.length - 28; // the last attribute: REPLAY_ESN_VAL (no mark here)
  assert.equal(big.readUInt16LE(at + 2), 23);
  assert.equal(big.readUInt32LE(at + 4), 32); // bmp_len in 32-bit words
  assert.equal(big.readUInt32LE(at + 24), 1024);
  assert.equal(encodeSa(goodSa(), 1).bytes[16 + 216], 128); // XFRM_STATE_ESN
});
