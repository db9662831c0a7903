// Known answers: whole ESP packets from draft-mcgrew-gcm-test-01 (AES-GCM) and RFC 7634 Appendix A
// (ChaCha20-Poly1305) are opened by an inbound SA. Those packets carry arbitrary IVs, while our seal uses the
// sequence number as the IV (RFC 4106 §3.1), so seal is checked byte for byte against node:crypto building the
// same packet (RFC 4106 / 7634 nonce and AAD layout) instead.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import { ESP_ENCR, ESP_INTEG, createEspSa } from '../../../src/native/esp';
import { secretCopy } from '../../../src/native/secret';
import { hex, loadVectors } from '../../helpers/vectors';

interface EspPacketVector {
  name: string;
  keyBits: number;
  key: string;
  salt: string;
  spi: string;
  seq: string;
  esn: boolean;
  packet: string;
  plaintext: string;
}

function inboundSa(v: EspPacketVector, encr: number) {
  const seq = BigInt(`0x${v.seq}`);
  return createEspSa({
    spi: parseInt(v.spi, 16), direction: 'in', encr, keyBits: v.keyBits, integ: ESP_INTEG.NONE,
    encrKeymat: secretCopy(Buffer.concat([hex(v.key), hex(v.salt)])), esn: v.esn, replayWindow: 64,
    // The vectors' sequence numbers are anywhere in the 64-bit space: start the window just below.
    initialSeq: seq - 1n,
  });
}

function openVector(v: EspPacketVector, encr: number) {
  const seq = BigInt(`0x${v.seq}`);
  const sa = inboundSa(v, encr);
  const buf = Buffer.concat([Buffer.alloc(5), hex(v.packet), Buffer.alloc(3)]); // not at offset 0
  const r = sa.open(buf, 5, hex(v.packet).length);
  return { sa, r, buf, seq };
}

function checkOpened(v: EspPacketVector, encr: number) {
  const { sa, r, buf, seq } = openVector(v, encr);
  assert.ok(r.ok, `${v.name}: ${r.ok ? '' : r.reason}`);
  const pt = hex(v.plaintext);
  const padLength = pt[pt.length - 2] ?? 0;
  assert.equal(r.payloadOffset, 5 + 16);
  assert.equal(r.payloadLength, pt.length - 2 - padLength);
  assert.equal(r.nextHeader, pt[pt.length - 1]);
  assert.equal(r.seq, seq);
  assert.deepEqual(buf.subarray(r.payloadOffset, r.payloadOffset + pt.length), pt, 'decrypted in place');
  assert.equal(sa.counters().packets, 1);
  assert.equal(sa.counters().bytes, r.payloadLength);
  // The same packet again is a replay.
  const again = openVector(v, encr);
  assert.ok(again.r.ok);
  const replay = again.sa.open(hex(v.packet), 0, hex(v.packet).length);
  assert.deepEqual(replay, { ok: false, reason: 'replay' });
}

const gcm = loadVectors<EspPacketVector>('esp-gcm-mcgrew.json');
for (const v of gcm.vectors) {
  test(`open known answer: ${v.name} (${v.keyBits}-bit, ${v.esn ? 'ESN' : '32-bit seq'})`, () => checkOpened(v, ESP_ENCR.AES_GCM_16));
}

const chacha = loadVectors<EspPacketVector>('esp-chacha20-poly1305-rfc7634.json');
for (const v of chacha.vectors) {
  test(`open known answer: ${v.name}`, () => checkOpened(v, ESP_ENCR.CHACHA20_POLY1305));
}

test('a known-answer packet with one bit flipped anywhere is not accepted', () => {
  const v = gcm.vectors[0];
  assert.ok(v);
  const packet = hex(v.packet);
  for (let i = 0; i < packet.length; i++) {
    const sa = inboundSa(v, ESP_ENCR.AES_GCM_16);
    const bad = Buffer.from(packet);
    bad[i] = (bad[i] ?? 0) ^ 0x01;
    const r = sa.open(bad, 0, bad.length);
    assert.equal(r.ok, false, `byte ${i}`);
    // SPI bytes: bad SPI; sequence number bytes: too old, replay or auth; the rest: auth.
    if (!r.ok && i >= 8) assert.equal(r.reason, 'auth', `byte ${i}`);
    if (!r.ok && i < 4) assert.equal(r.reason, 'bad-spi', `byte ${i}`);
  }
});

/** The packet RFC 4106 / RFC 7634 define, built with node:crypto: IV = the 64-bit sequence number. */
function referenceAeadPacket(alg: string, key: Buffer, salt: Buffer, spi: number, seq: bigint, esn: boolean,
  payload: Buffer, nextHeader: number): Buffer {
  const padLength = (4 - ((payload.length + 2) % 4)) % 4;
  const trailer = Buffer.from([...Array.from({ length: padLength }, (_, i) => i + 1), padLength, nextHeader]);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(spi, 0);
  header.writeUInt32BE(Number(seq & 0xffffffffn), 4);
  header.writeBigUInt64BE(seq, 8);
  const aad = Buffer.alloc(esn ? 12 : 8);
  aad.writeUInt32BE(spi, 0);
  if (esn) aad.writeBigUInt64BE(seq, 4);
  else aad.writeUInt32BE(Number(seq), 4);
  const c = crypto.createCipheriv(alg as crypto.CipherGCMTypes, key, Buffer.concat([salt, header.subarray(8)]), { authTagLength: 16 });
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(Buffer.concat([payload, trailer])), c.final()]);
  return Buffer.concat([header, ct, c.getAuthTag()]);
}

for (const [name, encr, keyBits, alg] of [
  ['AES-128-GCM', ESP_ENCR.AES_GCM_16, 128, 'aes-128-gcm'],
  ['AES-256-GCM', ESP_ENCR.AES_GCM_16, 256, 'aes-256-gcm'],
  ['ChaCha20-Poly1305', ESP_ENCR.CHACHA20_POLY1305, 256, 'chacha20-poly1305'],
] as const) {
  for (const esn of [false, true]) {
    test(`seal ${name} ${esn ? 'with' : 'without'} ESN matches node:crypto byte for byte`, () => {
      const key = crypto.randomBytes(keyBits / 8);
      const salt = crypto.randomBytes(4);
      const spi = 0xc0ffee01;
      // With ESN start just below 2^32 so that the high half of the AAD is exercised.
      const initialSeq = esn ? 0xffff_fffen : 0n;
      const sa = createEspSa({ spi, direction: 'out', encr, keyBits, integ: ESP_INTEG.NONE,
        encrKeymat: secretCopy(Buffer.concat([key, salt])), esn, replayWindow: 0, initialSeq });
      for (const [i, size] of [0, 1, 63, 64, 1400].entries()) {
        const payload = crypto.randomBytes(size);
        const buf = Buffer.alloc(sa.headerLength + size + sa.trailerMax + 7);
        payload.copy(buf, sa.headerLength);
        const out = sa.seal(buf, sa.headerLength, size, 41);
        const seq = initialSeq + BigInt(i) + 1n;
        const expected = referenceAeadPacket(alg, key, salt, spi, seq, esn, payload, 41);
        assert.equal(out.offset, 0);
        assert.equal(out.length, expected.length);
        assert.equal(buf.subarray(out.offset, out.offset + out.length).toString('hex'), expected.toString('hex'), `size ${size}`);
      }
    });
  }
}
