// Known-answer tests of the SK payload sealer against published vectors (see each JSON file's "source").
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import { ENCR, INTEG, createSkCipher, type SkCipher } from '../../../src/native/aead';
import { secretCopy } from '../../../src/native/secret';
import { hex, loadVectors } from '../../helpers/vectors';

interface BlockVector { name: string; key: string; iv: string; plaintext: string; ciphertext: string }
interface CtrVector extends BlockVector { nonce: string }
interface AeadVector extends BlockVector { salt: string; aad: string; tag: string }
interface IntegVector { name: string; integ: number; key: string; data: string; icv: string }

// An IKE header (28 octets) and an SK payload header (4 octets) in front of the IV, as on the wire.
const AAD = hex('0123456789abcdef fedcba9876543210 2e202508 00000000 000000a0 2900009c');
const HMAC_KEY = Buffer.alloc(32, 0x5a);

function aesBits(key: Buffer): number {
  return key.length * 8;
}

/** seal with the published IV at ivOffset = AAD.length; returns the sealed message. */
function sealAt(cipher: SkCipher, iv: Buffer, plaintext: Buffer, aad: Buffer = AAD): Buffer {
  const { ivLength, icvLength } = cipher.sizes;
  const msg = Buffer.alloc(aad.length + ivLength + plaintext.length + icvLength);
  aad.copy(msg, 0);
  plaintext.copy(msg, aad.length + ivLength);
  const total = cipher.seal(msg, aad.length, plaintext.length, iv);
  assert.equal(total, msg.length);
  assert.deepEqual(msg.subarray(aad.length, aad.length + ivLength), iv, 'the IV is written where asked');
  assert.deepEqual(msg.subarray(0, aad.length), aad, 'the AAD is left alone');
  return msg;
}

/** opens a copy of `sealed` and returns the plaintext it recovers. */
function openCopy(cipher: SkCipher, sealed: Buffer, ivOffset: number): Buffer {
  const msg = Buffer.from(sealed);
  const n = cipher.open(msg, ivOffset, msg.length);
  assert.notEqual(n, -1, 'the ICV verifies');
  return msg.subarray(ivOffset + cipher.sizes.ivLength, ivOffset + cipher.sizes.ivLength + n);
}

test('AES-CBC: RFC 3602 §4 cases seal to the published ciphertext and open back', () => {
  const { vectors } = loadVectors<BlockVector>('cipher-aes-cbc.json');
  for (const v of vectors) {
    const key = hex(v.key);
    const t = { encr: ENCR.AES_CBC, keyBits: aesBits(key), integ: INTEG.HMAC_SHA2_256_128 };
    const cipher = createSkCipher(t, secretCopy(key), secretCopy(HMAC_KEY));
    const sealed = sealAt(cipher, hex(v.iv), hex(v.plaintext));
    const ctStart = AAD.length + 16;
    assert.equal(sealed.subarray(ctStart, ctStart + hex(v.ciphertext).length).toString('hex'), v.ciphertext, v.name);
    // Cross-check (node:crypto, not a published value): the ICV is HMAC-SHA-256-128 over AAD ‖ IV ‖ ciphertext.
    const icv = crypto.createHmac('sha256', HMAC_KEY).update(sealed.subarray(0, sealed.length - 16)).digest().subarray(0, 16);
    assert.deepEqual(sealed.subarray(sealed.length - 16), icv, `${v.name}: ICV`);
    assert.equal(openCopy(cipher, sealed, AAD.length).toString('hex'), v.plaintext, v.name);
  }
});

test('AES-CTR: RFC 3686 §6 vectors (all key sizes) with the IKE counter block nonce ‖ IV ‖ 1', () => {
  const { vectors } = loadVectors<CtrVector>('cipher-aes-ctr.json');
  assert.equal(vectors.length, 9);
  for (const v of vectors) {
    const key = hex(v.key);
    const t = { encr: ENCR.AES_CTR, keyBits: aesBits(key), integ: INTEG.HMAC_SHA2_256_128 };
    const cipher = createSkCipher(t, secretCopy(Buffer.concat([key, hex(v.nonce)])), secretCopy(HMAC_KEY));
    const sealed = sealAt(cipher, hex(v.iv), hex(v.plaintext));
    const ctStart = AAD.length + 8;
    assert.equal(sealed.subarray(ctStart, ctStart + hex(v.ciphertext).length).toString('hex'), v.ciphertext, v.name);
    assert.equal(openCopy(cipher, sealed, AAD.length).toString('hex'), v.plaintext, v.name);
  }
});

function aeadVectorTests(file: string, encrs: readonly number[]): void {
  const { vectors } = loadVectors<AeadVector>(file);
  for (const v of vectors) {
    const key = hex(v.key);
    const aad = hex(v.aad);
    for (const encr of encrs) {
      const keyBits = encr === ENCR.CHACHA20_POLY1305 ? 256 : aesBits(key);
      const cipher = createSkCipher({ encr, keyBits, integ: INTEG.NONE }, secretCopy(Buffer.concat([key, hex(v.salt)])));
      const icvLength = cipher.sizes.icvLength;
      const label = `${v.name} (ENCR ${encr})`;
      // Encrypt direction: the AAD is every octet before the IV.
      const sealed = sealAt(cipher, hex(v.iv), hex(v.plaintext), aad);
      const ctStart = aad.length + 8;
      const ctEnd = ctStart + hex(v.ciphertext).length;
      assert.equal(sealed.subarray(ctStart, ctEnd).toString('hex'), v.ciphertext, label);
      assert.equal(sealed.subarray(ctEnd).toString('hex'), v.tag.slice(0, icvLength * 2), `${label}: tag`);
      // Decrypt direction, from the published ciphertext and (truncated) tag.
      const wire = Buffer.concat([aad, hex(v.iv), hex(v.ciphertext), hex(v.tag).subarray(0, icvLength)]);
      assert.equal(openCopy(cipher, wire, aad.length).toString('hex'), v.plaintext, label);
      // A flipped bit in the tag must not verify.
      const other = Buffer.concat([aad, hex(v.iv), hex(v.ciphertext), hex(v.tag).subarray(0, icvLength)]);
      other[other.length - 1] ^= 0x01;
      assert.equal(cipher.open(other, aad.length, other.length), -1, `${label}: a flipped tag bit`);
    }
  }
}

test('AES-GCM: the GCM spec test cases 2, 3, 4, 10, 16 for ICV 16, and truncated to 12 and 8', () => {
  aeadVectorTests('cipher-aes-gcm.json', [ENCR.AES_GCM_16, ENCR.AES_GCM_12, ENCR.AES_GCM_8]);
});

test('ChaCha20-Poly1305: RFC 8439 §2.8.2 and appendix A.5', () => {
  aeadVectorTests('cipher-chacha20-poly1305.json', [ENCR.CHACHA20_POLY1305]);
});

// The ICV of CBC/CTR covers the whole message before it. An AES-CTR frame with ivOffset 0 makes that
// message exactly `data` (8 octets of IV, then ciphertext), so published MAC values apply unchanged.
function integVectorTests(file: string): void {
  const { vectors } = loadVectors<IntegVector>(file);
  for (const v of vectors) {
    const data = hex(v.data);
    const t = { encr: ENCR.AES_CTR, keyBits: 128, integ: v.integ };
    const cipher = createSkCipher(t, secretCopy(Buffer.alloc(20, 0x33)), secretCopy(hex(v.key)));
    assert.equal(cipher.sizes.icvLength, hex(v.icv).length, v.name);
    const wire = Buffer.concat([data, hex(v.icv)]);

    const opened = Buffer.from(wire);
    assert.equal(cipher.open(opened, 0, opened.length), data.length - 8, `${v.name}: the published ICV verifies`);

    // Re-sealing the recovered plaintext under the same IV must give back the published ICV.
    const resealed = Buffer.alloc(wire.length);
    opened.copy(resealed, 8, 8, data.length);
    assert.equal(cipher.seal(resealed, 0, data.length - 8, data.subarray(0, 8)), wire.length);
    assert.deepEqual(resealed, wire, `${v.name}: seal writes the published ICV`);

    const bad = Buffer.from(wire);
    bad[bad.length - 1] ^= 0x80;
    assert.equal(cipher.open(bad, 0, bad.length), -1, `${v.name}: a flipped ICV bit`);
    const badData = Buffer.from(wire);
    badData[0] ^= 0x01;
    assert.equal(cipher.open(badData, 0, badData.length), -1, `${v.name}: a flipped data bit`);
  }
}

test('HMAC integrity: RFC 2404 (SHA1-96) and RFC 4868 §2.7.2 (SHA2-256-128, 384-192, 512-256)', () => {
  integVectorTests('integ-hmac.json');
});

test('AES-XCBC-MAC-96 integrity: RFC 3566 §4.6', () => {
  integVectorTests('integ-aes-xcbc.json');
});
