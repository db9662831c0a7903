// ChaCha20-Poly1305 seal has two paths: with 64 octets of room before the payload it borrows them (and up to
// 63 after the trailer) for one in-place ChaCha20 pass and puts them back; otherwise it makes the keystream in
// chunks of 2048 octets (the first also holds the Poly1305 key block). HMAC runs from precomputed hash states.
// All are checked here byte for byte against node:crypto (its own ChaCha20-Poly1305 and HMAC) at payload sizes
// on either side of every chunk and hash-block edge, with every kind of room around the packet (and the bytes
// there must come back untouched), both ways (our packets opened by node:crypto's reference, node:crypto's
// packets opened by us), plus tampering in the last chunk.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import { ESP_ENCR, ESP_INTEG, createEspSa, type EspSa } from '../../../src/native/esp';
import { secretCopy } from '../../../src/native/secret';

// Text = payload ‖ pad ‖ 2 octets, a multiple of 4. The first chunk carries 2048 - 64 = 1984 text octets.
const CHACHA_SIZES = [1978, 1979, 1980, 1981, 1982, 1983, 1984, 2046, 2047, 2048, 2049, 4030, 4031, 4032, 4033,
  4094, 4095, 4096, 6000, 9000, 65000];

function chachaReference(key: Buffer, salt: Buffer, spi: number, seq: bigint, esn: boolean, payload: Buffer,
  nextHeader: number): Buffer {
  const padLength = (4 - ((payload.length + 2) % 4)) % 4;
  const trailer = Buffer.from([...Array.from({ length: padLength }, (_, i) => i + 1), padLength, nextHeader]);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(spi, 0);
  header.writeUInt32BE(Number(seq & 0xffffffffn), 4);
  header.writeBigUInt64BE(seq, 8); // our seal uses the sequence number as the explicit IV (RFC 7634 §2)
  const aad = Buffer.alloc(esn ? 12 : 8); // RFC 7634 §2.1
  aad.writeUInt32BE(spi, 0);
  if (esn) aad.writeBigUInt64BE(seq, 4);
  else aad.writeUInt32BE(Number(seq), 4);
  const c = crypto.createCipheriv('chacha20-poly1305', key, Buffer.concat([salt, header.subarray(8)]), { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: payload.length + trailer.length });
  const ct = Buffer.concat([c.update(Buffer.concat([payload, trailer])), c.final()]);
  return Buffer.concat([header, ct, c.getAuthTag()]);
}

// Seals with `before` spare octets ahead of the header and `after` beyond trailerMax, all random: whatever
// seal borrows there must be put back.
function sealInto(sa: EspSa, payload: Buffer, nextHeader: number, before = 0, after = 5): Buffer {
  const buf = crypto.randomBytes(before + sa.headerLength + payload.length + sa.trailerMax + after);
  const original = Buffer.from(buf);
  payload.copy(buf, before + sa.headerLength);
  const r = sa.seal(buf, before + sa.headerLength, payload.length, nextHeader);
  assert.equal(r.offset, before);
  assert.ok(buf.subarray(0, before).equals(original.subarray(0, before)), 'the octets before the header are back');
  const end = r.offset + r.length;
  assert.ok(buf.subarray(end).equals(original.subarray(end)), 'the octets after the ICV are back');
  return Buffer.from(buf.subarray(r.offset, end));
}

// [before, after]: no room (chunked keystream), room before but none after (OpenSSL's partial last block),
// exactly 64 before, and plenty both sides.
const ROOMS = [[0, 0], [48, 0], [48, 63], [64, 0], [64, 1], [64, 63], [100, 200]] as const;

for (const esn of [false, true]) {
  test(`ChaCha20-Poly1305 ${esn ? 'with' : 'without'} ESN across keystream chunks and buffer layouts: seal and open match node:crypto`, () => {
    const key = crypto.randomBytes(32);
    const salt = crypto.randomBytes(4);
    const spi = 0x01020304;
    const initialSeq = esn ? 0x1_0000_0000n : 0n;
    const keymat = Buffer.concat([key, salt]);
    const params = { spi, encr: ESP_ENCR.CHACHA20_POLY1305, keyBits: 256, integ: ESP_INTEG.NONE, esn, replayWindow: 0, initialSeq };
    const out = createEspSa({ ...params, direction: 'out', encrKeymat: secretCopy(keymat) });
    const inn = createEspSa({ ...params, direction: 'in', encrKeymat: secretCopy(keymat) });
    let seq = initialSeq;
    for (const [before, after] of ROOMS) {
      for (const size of [0, 1, 2, 3, 4, 57, 58, 59, 60, 61, 62, 63, 64, 1400, ...CHACHA_SIZES]) {
        seq += 1n;
        const what = `size ${size}, room ${before}/${after}`;
        const payload = crypto.randomBytes(size);
        const ours = sealInto(out, payload, 4, before, after);
        const reference = chachaReference(key, salt, spi, seq, esn, payload, 4);
        assert.equal(ours.length, reference.length, what);
        assert.ok(ours.equals(reference), `${what}: sealed packet differs from node:crypto's`);
        const r = inn.open(reference, 0, reference.length);
        assert.ok(r.ok, `${what}: ${r.ok ? '' : r.reason}`);
        assert.equal(r.payloadLength, size);
        assert.ok(reference.subarray(r.payloadOffset, r.payloadOffset + size).equals(payload), `${what}: opened payload`);
      }
    }
  });
}

test('ChaCha20-Poly1305: a flipped bit in any chunk, or in the tag, fails the ICV and leaves no plaintext', () => {
  const keymat = crypto.randomBytes(36);
  const params = { spi: 7, encr: ESP_ENCR.CHACHA20_POLY1305, keyBits: 256, integ: ESP_INTEG.NONE, esn: false, replayWindow: 64 };
  const out = createEspSa({ ...params, direction: 'out', encrKeymat: secretCopy(keymat) });
  const inn = createEspSa({ ...params, direction: 'in', encrKeymat: secretCopy(keymat) });
  const payload = crypto.randomBytes(5000);
  for (const at of [16 + 10, 16 + 1990, 16 + 4100, 16 + 5001, -1]) {
    const packet = sealInto(out, payload, 4);
    const bad = Buffer.from(packet);
    const index = at < 0 ? bad.length + at : at;
    bad[index] = (bad[index] ?? 0) ^ 0x01;
    const r = inn.open(bad, 0, bad.length);
    assert.deepEqual(r, { ok: false, reason: 'auth' }, `flip at ${index}`);
    assert.ok(bad.subarray(16, bad.length - 16).every((b) => b === 0), 'ciphertext zeroed after an auth failure');
    const good = inn.open(packet, 0, packet.length);
    assert.ok(good.ok);
    assert.ok(packet.subarray(16, 16 + payload.length).equals(payload));
  }
  assert.equal(inn.counters().authFailures, 5);
});

// HMAC from precomputed inner/outer states: sizes around the 64- and 128-octet hash blocks (the ESP header
// and IV come first, so the payload sizes are shifted), NULL encryption so the ICV covers known bytes.
const DIGESTS = [
  [ESP_INTEG.HMAC_SHA1_96, 'sha1', 20, 12],
  [ESP_INTEG.HMAC_SHA2_256_128, 'sha256', 32, 16],
  [ESP_INTEG.HMAC_SHA2_384_192, 'sha384', 48, 24],
  [ESP_INTEG.HMAC_SHA2_512_256, 'sha512', 64, 32],
] as const;
const HMAC_SIZES = [0, 2, 46, 54, 55, 56, 110, 118, 119, 120, 246, 1400, 9000];

for (const [integ, digest, keyLength, icvLength] of DIGESTS) {
  for (const esn of [false, true]) {
    test(`NULL/HMAC-${digest} ${esn ? 'with' : 'without'} ESN: ICV equals node:crypto's HMAC at block edges`, () => {
      const integKey = crypto.randomBytes(keyLength);
      const initialSeq = esn ? 0x2_ffff_fff0n : 0n;
      const params = { spi: 0x99, encr: ESP_ENCR.NULL, keyBits: 0, integ, esn, replayWindow: 0, initialSeq };
      const out = createEspSa({ ...params, direction: 'out', encrKeymat: secretCopy(Buffer.alloc(0)), integKey: secretCopy(integKey) });
      const inn = createEspSa({ ...params, direction: 'in', encrKeymat: secretCopy(Buffer.alloc(0)), integKey: secretCopy(integKey) });
      for (const [i, size] of HMAC_SIZES.entries()) {
        const seq = initialSeq + BigInt(i) + 1n;
        const packet = sealInto(out, crypto.randomBytes(size), 59);
        const authenticated = packet.subarray(0, packet.length - icvLength);
        const h = crypto.createHmac(digest, integKey).update(authenticated);
        if (esn) {
          const high = Buffer.alloc(4);
          high.writeUInt32BE(Number(seq >> 32n));
          h.update(high);
        }
        const expected = h.digest().subarray(0, icvLength);
        assert.equal(packet.subarray(packet.length - icvLength).toString('hex'), expected.toString('hex'), `size ${size}`);
        const r = inn.open(packet, 0, packet.length);
        assert.ok(r.ok, `size ${size}: ${r.ok ? '' : r.reason}`);
      }
    });
  }
}
