// What an inbound SA drops, and counts: tampering, wrong SPI, replays, old packets, bad padding, truncation;
// ESN across 2^32; window sizes; outbound sequence overflow; wipe; and caller errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import { ESP_ENCR, ESP_INTEG, createEspSa, espKeymatLengths, type EspCounters, type EspSa } from '../../../src/native/esp';
import { secretCopy } from '../../../src/native/secret';

const SPI = 0x01020304;

function gcmPair(opts: { esn?: boolean; replayWindow?: number; initialSeq?: bigint; inInitialSeq?: bigint } = {}) {
  const key = crypto.randomBytes(16);
  const salt = crypto.randomBytes(4);
  const base = { spi: SPI, encr: ESP_ENCR.AES_GCM_16, keyBits: 128, integ: ESP_INTEG.NONE, esn: opts.esn ?? false,
    replayWindow: opts.replayWindow ?? 64 };
  const out = createEspSa({ ...base, direction: 'out', encrKeymat: secretCopy(Buffer.concat([key, salt])), initialSeq: opts.initialSeq });
  const inn = createEspSa({ ...base, direction: 'in', encrKeymat: secretCopy(Buffer.concat([key, salt])),
    initialSeq: opts.inInitialSeq ?? opts.initialSeq });
  return { out, inn, key, salt };
}

function cbcPair() {
  const encrKey = crypto.randomBytes(16);
  const integKey = crypto.randomBytes(32);
  const base = { spi: SPI, encr: ESP_ENCR.AES_CBC, keyBits: 128, integ: ESP_INTEG.HMAC_SHA2_256_128, esn: false, replayWindow: 64 };
  const out = createEspSa({ ...base, direction: 'out', encrKeymat: secretCopy(encrKey), integKey: secretCopy(integKey) });
  const inn = createEspSa({ ...base, direction: 'in', encrKeymat: secretCopy(encrKey), integKey: secretCopy(integKey) });
  return { out, inn, encrKey, integKey };
}

function seal(sa: EspSa, payload: Buffer = crypto.randomBytes(100), nextHeader = 4): Buffer {
  const buf = Buffer.alloc(sa.headerLength + payload.length + sa.trailerMax);
  payload.copy(buf, sa.headerLength);
  const r = sa.seal(buf, sa.headerLength, payload.length, nextHeader);
  return Buffer.from(buf.subarray(r.offset, r.offset + r.length));
}

function reason(sa: EspSa, packet: Buffer): string {
  const r = sa.open(Buffer.from(packet), 0, packet.length);
  return r.ok ? `ok ${r.seq}` : r.reason;
}

const ZERO: EspCounters = { packets: 0, bytes: 0, authFailures: 0, replayDrops: 0, tooOld: 0, malformed: 0, badSpi: 0, seqOverflow: 0 };

for (const [name, pair] of [['AES-GCM', gcmPair], ['AES-CBC/HMAC-SHA2-256-128', cbcPair]] as const) {
  test(`${name}: tampered ICV, ciphertext, IV or header are dropped and counted, then the genuine packet passes`, () => {
    const { out, inn } = pair();
    const packet = seal(out);
    const flip = (i: number) => {
      const p = Buffer.from(packet);
      p[i] = (p[i] ?? 0) ^ 0x80;
      return p;
    };
    assert.equal(reason(inn, flip(packet.length - 1)), 'auth', 'ICV');
    assert.equal(reason(inn, flip(inn.headerLength + 3)), 'auth', 'ciphertext');
    assert.equal(reason(inn, flip(9)), 'auth', 'IV');
    assert.equal(reason(inn, flip(7)), 'auth', 'sequence number (in header)');
    assert.equal(reason(inn, flip(0)), 'bad-spi', 'SPI');
    assert.deepEqual(inn.counters(), { ...ZERO, authFailures: 4, badSpi: 1 });
    assert.equal(reason(inn, packet), 'ok 1', 'forgeries did not move the window');
  });

  test(`${name}: replayed and too-old packets`, () => {
    const { out, inn } = pair();
    const packets = Array.from({ length: 100 }, () => seal(out));
    assert.equal(reason(inn, packets[99] as Buffer), 'ok 100');
    assert.equal(reason(inn, packets[99] as Buffer), 'replay');
    assert.equal(reason(inn, packets[36] as Buffer), 'ok 37', 'left edge of a 64-packet window');
    assert.equal(reason(inn, packets[35] as Buffer), 'too-old');
    assert.equal(reason(inn, packets[0] as Buffer), 'too-old');
    assert.equal(reason(inn, packets[36] as Buffer), 'replay');
    assert.deepEqual(inn.counters(), { ...ZERO, packets: 2, bytes: 200, replayDrops: 2, tooOld: 2 });
  });

  test(`${name}: truncated and misaligned packets are malformed`, () => {
    const { out, inn } = pair();
    const packet = seal(out);
    for (const length of [0, 1, 7, 8, inn.headerLength, inn.headerLength + 1, packet.length - 17]) {
      assert.equal(reason(inn, packet.subarray(0, length)), length === packet.length - 17 && name === 'AES-GCM' ? 'auth' : 'malformed', `length ${length}`);
    }
    // Offsets and lengths beyond the buffer are malformed too, never a read out of bounds.
    assert.deepEqual(inn.open(packet, 10, packet.length), { ok: false, reason: 'malformed' });
    assert.deepEqual(inn.open(packet, packet.length + 1, 0), { ok: false, reason: 'malformed' });
    assert.ok(inn.counters().malformed >= 7);
  });
}

test('an authentic packet with wrong pad bytes or an impossible pad length is dropped as padding (AES-GCM)', () => {
  const { inn, key, salt } = gcmPair();
  const build = (seq: number, text: Buffer) => {
    const header = Buffer.alloc(16);
    header.writeUInt32BE(SPI, 0);
    header.writeUInt32BE(seq, 4);
    header.writeBigUInt64BE(BigInt(seq), 8);
    const c = crypto.createCipheriv('aes-128-gcm', key, Buffer.concat([salt, header.subarray(8)]));
    c.setAAD(header.subarray(0, 8));
    return Buffer.concat([header, c.update(text), c.final(), c.getAuthTag()]);
  };
  const payload = Buffer.from('0123456789', 'ascii'); // 10 + 2 → no padding needed, we add 4 more
  assert.equal(reason(inn, build(1, Buffer.concat([payload, Buffer.from([1, 2, 3, 4, 4, 4])]))), 'ok 1');
  assert.equal(reason(inn, build(2, Buffer.concat([payload, Buffer.from([1, 2, 3, 5, 4, 4])]))), 'padding');
  assert.equal(reason(inn, build(3, Buffer.concat([payload, Buffer.from([0, 2, 3, 4, 4, 4])]))), 'padding');
  assert.equal(reason(inn, build(4, Buffer.from([1, 2, 200, 4]))), 'padding', 'pad length beyond the payload');
  assert.equal(inn.counters().malformed, 3);
  assert.equal(reason(inn, build(2, Buffer.concat([payload, Buffer.from([1, 2, 3, 4, 4, 4])]))), 'ok 2', 'a dropped packet does not use up its number');
});

test('an authentic CBC packet with wrong pad bytes is dropped as padding', () => {
  const { inn, encrKey, integKey } = cbcPair();
  const header = Buffer.alloc(8);
  header.writeUInt32BE(SPI, 0);
  header.writeUInt32BE(1, 4);
  const iv = crypto.randomBytes(16);
  const text = Buffer.concat([Buffer.alloc(10, 0x61), Buffer.from([1, 2, 9, 4]), Buffer.from([4, 4])]);
  const c = crypto.createCipheriv('aes-128-cbc', encrKey, iv).setAutoPadding(false);
  const body = Buffer.concat([header, iv, c.update(text), c.final()]);
  const packet = Buffer.concat([body, crypto.createHmac('sha256', integKey).update(body).digest().subarray(0, 16)]);
  assert.equal(reason(inn, packet), 'padding');
});

test('a wrong SPI is counted as bad-spi', () => {
  const a = gcmPair();
  const other = createEspSa({ spi: SPI + 1, direction: 'in', encr: ESP_ENCR.AES_GCM_16, keyBits: 128, integ: 0,
    encrKeymat: secretCopy(Buffer.concat([a.key, a.salt])), esn: false, replayWindow: 64 });
  assert.equal(reason(other, seal(a.out)), 'bad-spi');
  assert.equal(other.counters().badSpi, 1);
});

test('ESN: the high half is inferred across the 2^32 boundary, in order and reordered', () => {
  const { out, inn } = gcmPair({ esn: true, replayWindow: 64, initialSeq: 0xffff_fff0n });
  const packets = Array.from({ length: 40 }, () => seal(out)); // 0xfffffff1 .. 0x1_00000018
  assert.equal(packets[15]?.readUInt32BE(4), 0, 'the wire carries only the low 32 bits');
  const order = [0, 1, 2, 20, 3, 14, 15, 16, 39, 13, 10, 17];
  for (const i of order) {
    assert.equal(reason(inn, packets[i] as Buffer), `ok ${0xffff_fff1n + BigInt(i)}`, `packet ${i}`);
  }
  assert.equal(reason(inn, packets[16] as Buffer), 'replay');
  // Without ESN the same low bits would authenticate with the wrong AAD: the ICV covers the high half.
  const noEsn = createEspSa({ spi: SPI, direction: 'in', encr: ESP_ENCR.AES_GCM_16, keyBits: 128, integ: 0,
    encrKeymat: secretCopy(Buffer.alloc(20)), esn: false, replayWindow: 64 });
  assert.equal(reason(noEsn, packets[30] as Buffer), 'auth');
});

test('ESN with HMAC: a packet from the next epoch authenticates only with the right high half', () => {
  const encrKey = crypto.randomBytes(32);
  const integKey = crypto.randomBytes(64);
  const base = { spi: SPI, encr: ESP_ENCR.AES_CBC, keyBits: 256, integ: ESP_INTEG.HMAC_SHA2_512_256, esn: true, replayWindow: 1024 };
  const out = createEspSa({ ...base, direction: 'out', encrKeymat: secretCopy(encrKey), integKey: secretCopy(integKey), initialSeq: 0x2_ffff_ffffn });
  const inn = createEspSa({ ...base, direction: 'in', encrKeymat: secretCopy(encrKey), integKey: secretCopy(integKey), initialSeq: 0x2_ffff_fc00n });
  assert.equal(reason(inn, seal(out)), 'ok 12884901888'); // 0x3_0000_0000
});

for (const size of [32, 64, 1024, 4096]) {
  test(`window of ${size}: edges, duplicates and out-of-order arrivals`, () => {
    const { out, inn } = gcmPair({ replayWindow: size });
    const total = size + 10;
    const packets = Array.from({ length: total }, () => seal(out, Buffer.alloc(8)));
    assert.equal(reason(inn, packets[total - 1] as Buffer), `ok ${total}`);
    const leftEdge = total - size + 1; // the oldest number still in the window
    assert.equal(reason(inn, packets[leftEdge - 1] as Buffer), `ok ${leftEdge}`);
    assert.equal(reason(inn, packets[leftEdge - 2] as Buffer), 'too-old');
    assert.equal(reason(inn, packets[leftEdge - 1] as Buffer), 'replay');
    // Everything else in the window arrives in reverse order, then again (all replays).
    let accepted = 0;
    for (let i = total - 2; i >= leftEdge; i--) if (reason(inn, packets[i] as Buffer).startsWith('ok')) accepted++;
    assert.equal(accepted, size - 2);
    for (let i = leftEdge; i < total; i += 97) assert.equal(reason(inn, packets[i] as Buffer), 'replay');
  });
}

test('window 0: replay checking off, duplicates accepted', () => {
  const { out, inn } = gcmPair({ replayWindow: 0 });
  const p = seal(out);
  assert.equal(reason(inn, p), 'ok 1');
  assert.equal(reason(inn, p), 'ok 1');
});

test('without ESN the outbound counter stops at 2^32-1 (rekey), with ESN it goes on', () => {
  const { out } = gcmPair({ initialSeq: 0xffff_fffen });
  assert.equal(seal(out).readUInt32BE(4), 0xffff_ffff);
  assert.throws(() => seal(out), (e: Error & { code?: string }) => e.code === 'ERR_IPSEC_ESP_SEQ_OVERFLOW');
  assert.throws(() => seal(out), /rekey/);
  assert.equal(out.counters().seqOverflow, 2);
  assert.equal(out.counters().packets, 1);
  const esn = gcmPair({ esn: true, initialSeq: 0xffff_fffen });
  seal(esn.out);
  const p = seal(esn.out);
  assert.equal(p.readUInt32BE(4), 0);
  assert.equal(p.readBigUInt64BE(8), 0x1_0000_0000n, 'the IV is the full 64-bit sequence number');
  assert.throws(() => createEspSa({ spi: 1, direction: 'out', encr: ESP_ENCR.AES_GCM_16, keyBits: 128, integ: 0,
    encrKeymat: secretCopy(Buffer.alloc(20)), esn: false, replayWindow: 0, initialSeq: 0x1_0000_0000n }), /without ESN/);
});

test('wipe(): later seal and open throw, counters stay readable', () => {
  const { out, inn } = gcmPair();
  const p = seal(out);
  out.wipe();
  inn.wipe();
  assert.throws(() => seal(out), (e: Error & { code?: string }) => e.code === 'ERR_IPSEC_SA_WIPED');
  assert.throws(() => inn.open(p, 0, p.length), /wiped/);
  assert.equal(out.counters().packets, 1);
  out.wipe(); // twice is fine
});

test('caller errors throw clear errors', () => {
  const { out, inn } = gcmPair();
  const buf = Buffer.alloc(100);
  assert.throws(() => out.seal(buf, 10, 20, 4), (e: Error & { code?: string }) => e.code === 'ERR_IPSEC_ESP_NO_ROOM', 'no room before');
  assert.throws(() => out.seal(buf, 16, 80, 4), /trailerMax/, 'no room after');
  assert.throws(() => out.seal(buf, 16, 20, 256), /nextHeader/);
  assert.throws(() => out.seal('x' as unknown as Uint8Array, 16, 20, 4), TypeError);
  assert.throws(() => inn.seal(buf, 16, 20, 4), /wrong-direction/);
  assert.throws(() => out.open(buf, 0, 40), /wrong-direction/);
  assert.throws(() => inn.open(buf, -1, 40), TypeError);
});

test('configuration errors: keymat lengths, transform combinations', () => {
  assert.deepEqual(espKeymatLengths(ESP_ENCR.AES_GCM_16, 128, 0), { encr: 20, integ: 0 });
  assert.deepEqual(espKeymatLengths(ESP_ENCR.AES_GCM_16, 256, 0), { encr: 36, integ: 0 });
  assert.deepEqual(espKeymatLengths(ESP_ENCR.CHACHA20_POLY1305, 256, 0), { encr: 36, integ: 0 });
  assert.deepEqual(espKeymatLengths(ESP_ENCR.AES_CBC, 192, ESP_INTEG.HMAC_SHA1_96), { encr: 24, integ: 20 });
  assert.deepEqual(espKeymatLengths(ESP_ENCR.AES_CBC, 256, ESP_INTEG.HMAC_SHA2_384_192), { encr: 32, integ: 48 });
  assert.deepEqual(espKeymatLengths(ESP_ENCR.NULL, 0, ESP_INTEG.HMAC_SHA2_512_256), { encr: 0, integ: 64 });
  assert.throws(() => espKeymatLengths(ESP_ENCR.AES_GCM_16, 128, ESP_INTEG.HMAC_SHA2_256_128), /AEAD/);
  assert.throws(() => espKeymatLengths(ESP_ENCR.AES_CBC, 128, ESP_INTEG.NONE), /integrity/);
  assert.throws(() => espKeymatLengths(ESP_ENCR.CHACHA20_POLY1305, 128, 0), /unsupported/);
  assert.throws(() => espKeymatLengths(99, 128, 0), (e: Error & { code?: string }) => e.code === 'ERR_IPSEC_ESP_CONFIG');
  const make = (keymat: number, integKey?: number) => createEspSa({ spi: 1, direction: 'in', encr: ESP_ENCR.AES_CBC, keyBits: 128,
    integ: ESP_INTEG.HMAC_SHA2_256_128, encrKeymat: secretCopy(Buffer.alloc(keymat)),
    integKey: integKey === undefined ? undefined : secretCopy(Buffer.alloc(integKey)), esn: false, replayWindow: 64 });
  assert.throws(() => make(16), /integrity key must be 32 bytes/);
  assert.throws(() => make(20, 32), /encryption keymat must be 16 bytes/);
  assert.doesNotThrow(() => make(16, 32));
  assert.throws(() => createEspSa({ spi: 1, direction: 'in', encr: ESP_ENCR.AES_GCM_16, keyBits: 128, integ: 0,
    encrKeymat: Buffer.alloc(20) as never, esn: false, replayWindow: 64 }), /SecretBytes/);
});
