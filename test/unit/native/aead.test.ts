// Behaviour of the SK payload sealer: sizes, round trips for every transform, tampering, IV uniqueness,
// interoperability with node:crypto, and errors with codes for bad input.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import { ENCR, INTEG, createSkCipher, skSizes, type SkCipher, type SkTransform } from '../../../src/native/aead';
import { secretCopy } from '../../../src/native/secret';

const AES_ENCRS = [ENCR.AES_CBC, ENCR.AES_CTR, ENCR.AES_GCM_8, ENCR.AES_GCM_12, ENCR.AES_GCM_16] as const;
const MAC_INTEGS = [
  INTEG.HMAC_SHA1_96,
  INTEG.AES_XCBC_96,
  INTEG.HMAC_SHA2_256_128,
  INTEG.HMAC_SHA2_384_192,
  INTEG.HMAC_SHA2_512_256,
] as const;
const AAD_LENGTH = 32; // IKE header + SK payload header

function allTransforms(): SkTransform[] {
  const out: SkTransform[] = [];
  for (const encr of AES_ENCRS) {
    for (const keyBits of [128, 192, 256]) {
      const aead = encr !== ENCR.AES_CBC && encr !== ENCR.AES_CTR;
      for (const integ of aead ? [INTEG.NONE] : MAC_INTEGS) out.push({ encr, keyBits, integ });
    }
  }
  out.push({ encr: ENCR.CHACHA20_POLY1305, keyBits: 256, integ: INTEG.NONE });
  return out;
}

/** The two ends of one direction: the sender's sealer and the receiver's opener, keyed alike. */
function pair(t: SkTransform): { sender: SkCipher; receiver: SkCipher } {
  const sizes = skSizes(t);
  const keymat = crypto.randomBytes(sizes.encrKeymatLength);
  const integKey = sizes.integKeyLength ? crypto.randomBytes(sizes.integKeyLength) : undefined;
  const make = (): SkCipher => createSkCipher(t, secretCopy(keymat), integKey && secretCopy(integKey));
  return { sender: make(), receiver: make() };
}

function frame(cipher: SkCipher, plaintext: Buffer): Buffer {
  const { ivLength, icvLength } = cipher.sizes;
  const msg = Buffer.alloc(AAD_LENGTH + ivLength + plaintext.length + icvLength);
  crypto.randomFillSync(msg, 0, AAD_LENGTH);
  plaintext.copy(msg, AAD_LENGTH + ivLength);
  return msg;
}

function label(t: SkTransform): string {
  return `encr ${t.encr}/${t.keyBits} integ ${t.integ}`;
}

test('skSizes gives the RFC lengths', () => {
  assert.deepEqual(skSizes({ encr: ENCR.AES_CBC, keyBits: 256, integ: INTEG.HMAC_SHA2_256_128 }), {
    encrKeymatLength: 32, integKeyLength: 32, ivLength: 16, icvLength: 16, blockLength: 16, aead: false,
  });
  assert.deepEqual(skSizes({ encr: ENCR.AES_CTR, keyBits: 192, integ: INTEG.AES_XCBC_96 }), {
    encrKeymatLength: 28, integKeyLength: 16, ivLength: 8, icvLength: 12, blockLength: 1, aead: false,
  });
  assert.deepEqual(skSizes({ encr: ENCR.AES_GCM_8, keyBits: 128, integ: INTEG.NONE }), {
    encrKeymatLength: 20, integKeyLength: 0, ivLength: 8, icvLength: 8, blockLength: 1, aead: true,
  });
  assert.equal(skSizes({ encr: ENCR.AES_GCM_12, keyBits: 256, integ: INTEG.NONE }).icvLength, 12);
  assert.equal(skSizes({ encr: ENCR.AES_CBC, keyBits: 128, integ: INTEG.HMAC_SHA1_96 }).integKeyLength, 20);
  assert.equal(skSizes({ encr: ENCR.AES_CBC, keyBits: 128, integ: INTEG.HMAC_SHA2_384_192 }).icvLength, 24);
  assert.equal(skSizes({ encr: ENCR.AES_CBC, keyBits: 128, integ: INTEG.HMAC_SHA2_512_256 }).integKeyLength, 64);
  const chacha = { encrKeymatLength: 36, integKeyLength: 0, ivLength: 8, icvLength: 16, blockLength: 1, aead: true };
  assert.deepEqual(skSizes({ encr: ENCR.CHACHA20_POLY1305, keyBits: 256, integ: INTEG.NONE }), chacha);
  assert.deepEqual(skSizes({ encr: ENCR.CHACHA20_POLY1305, keyBits: 0, integ: INTEG.NONE }), chacha);
});

test('skSizes refuses invalid combinations with ERR_IPSEC_UNSUPPORTED_TRANSFORM', () => {
  const code = { code: 'ERR_IPSEC_UNSUPPORTED_TRANSFORM' };
  assert.throws(() => skSizes({ encr: ENCR.AES_GCM_16, keyBits: 128, integ: INTEG.HMAC_SHA2_256_128 }), code);
  assert.throws(() => skSizes({ encr: ENCR.AES_CBC, keyBits: 128, integ: INTEG.NONE }), code);
  assert.throws(() => skSizes({ encr: ENCR.AES_CTR, keyBits: 256, integ: INTEG.NONE }), code);
  assert.throws(() => skSizes({ encr: ENCR.AES_CBC, keyBits: 64, integ: INTEG.HMAC_SHA1_96 }), code);
  assert.throws(() => skSizes({ encr: ENCR.AES_GCM_16, keyBits: 0, integ: INTEG.NONE }), code);
  assert.throws(() => skSizes({ encr: ENCR.CHACHA20_POLY1305, keyBits: 128, integ: INTEG.NONE }), code);
  assert.throws(() => skSizes({ encr: 3 /* 3DES */, keyBits: 192, integ: INTEG.HMAC_SHA1_96 }), code);
  assert.throws(() => skSizes({ encr: ENCR.AES_CBC, keyBits: 128, integ: 1 /* HMAC_MD5_96 */ }), code);
  assert.throws(() => skSizes({ encr: -1, keyBits: 128, integ: 0 }), TypeError);
});

test('every transform round-trips several lengths between two ends keyed alike', () => {
  for (const t of allTransforms()) {
    const { sender, receiver } = pair(t);
    const lengths = sender.sizes.blockLength === 16 ? [0, 16, 48, 1376] : [0, 1, 17, 1385];
    for (const n of lengths) {
      const plaintext = crypto.randomBytes(n);
      const msg = frame(sender, plaintext);
      const aad = Buffer.from(msg.subarray(0, AAD_LENGTH));
      assert.equal(sender.seal(msg, AAD_LENGTH, n), msg.length, label(t));
      const ctStart = AAD_LENGTH + sender.sizes.ivLength;
      if (n >= 16) assert.notDeepEqual(msg.subarray(ctStart, ctStart + n), plaintext, `${label(t)}: encrypted`);
      assert.equal(receiver.open(msg, AAD_LENGTH, msg.length), n, `${label(t)} length ${n}`);
      assert.deepEqual(msg.subarray(ctStart, ctStart + n), plaintext, `${label(t)} length ${n}`);
      assert.deepEqual(msg.subarray(0, AAD_LENGTH), aad);
    }
  }
});

test('the message may be a view into a larger buffer (offsets are relative to the view)', () => {
  const { sender, receiver } = pair({ encr: ENCR.AES_GCM_12, keyBits: 192, integ: INTEG.NONE });
  const plaintext = crypto.randomBytes(50);
  const backing = Buffer.alloc(300, 0xee);
  const view = backing.subarray(100, 100 + AAD_LENGTH + 8 + plaintext.length + 12);
  plaintext.copy(view, AAD_LENGTH + 8);
  assert.equal(sender.seal(view, AAD_LENGTH, plaintext.length), view.length);
  assert.ok(backing.subarray(0, 100).every((b) => b === 0xee) && backing.subarray(100 + view.length).every((b) => b === 0xee));
  const copy = new Uint8Array(view); // a fresh Uint8Array, not a Buffer
  assert.equal(receiver.open(copy, AAD_LENGTH, copy.length), plaintext.length);
  assert.deepEqual(Buffer.from(copy.subarray(AAD_LENGTH + 8, AAD_LENGTH + 8 + plaintext.length)), plaintext);
});

test('a flipped bit in the AAD, IV, ciphertext or ICV makes open return -1', () => {
  for (const t of allTransforms()) {
    const { sender, receiver } = pair(t);
    const { ivLength, icvLength } = sender.sizes;
    const n = sender.sizes.blockLength === 16 ? 64 : 61;
    const sealed = frame(sender, crypto.randomBytes(n));
    sender.seal(sealed, AAD_LENGTH, n);
    const positions = {
      aad: [0, 17, AAD_LENGTH - 1],
      iv: [AAD_LENGTH, AAD_LENGTH + ivLength - 1],
      ciphertext: [AAD_LENGTH + ivLength, AAD_LENGTH + ivLength + n - 1],
      icv: [sealed.length - icvLength, sealed.length - 1],
    };
    for (const [region, offsets] of Object.entries(positions)) {
      for (const at of offsets) {
        for (const bit of [0x01, 0x80]) {
          const bad = Buffer.from(sealed);
          bad[at] ^= bit;
          assert.equal(receiver.open(bad, AAD_LENGTH, bad.length), -1, `${label(t)}: ${region} octet ${at}`);
        }
      }
    }
    assert.equal(receiver.open(Buffer.from(sealed), AAD_LENGTH, sealed.length), n, `${label(t)}: the intact copy`);
  }
});

test('an AEAD open that fails leaves no plaintext behind', () => {
  const { sender, receiver } = pair({ encr: ENCR.AES_GCM_16, keyBits: 128, integ: INTEG.NONE });
  const plaintext = Buffer.alloc(40, 0x41);
  const msg = frame(sender, plaintext);
  sender.seal(msg, AAD_LENGTH, plaintext.length);
  msg[msg.length - 1] ^= 1;
  assert.equal(receiver.open(msg, AAD_LENGTH, msg.length), -1);
  const text = msg.subarray(AAD_LENGTH + 8, AAD_LENGTH + 8 + plaintext.length);
  assert.ok(!text.includes(0x41), 'no octet of the plaintext was released');
});

test('counter-mode IVs never repeat across seals; CBC IVs are random', () => {
  for (const t of allTransforms().filter((x) => x.keyBits === 128 || x.encr === ENCR.CHACHA20_POLY1305)) {
    if (t.integ !== INTEG.NONE && t.integ !== INTEG.HMAC_SHA2_256_128) continue;
    const { sender } = pair(t);
    const { ivLength } = sender.sizes;
    const seen = new Set<string>();
    const ciphertexts = new Set<string>();
    const plaintext = Buffer.alloc(32, 7);
    for (let i = 0; i < 500; i++) {
      const msg = frame(sender, plaintext);
      msg.fill(0, 0, AAD_LENGTH);
      sender.seal(msg, AAD_LENGTH, plaintext.length);
      seen.add(msg.subarray(AAD_LENGTH, AAD_LENGTH + ivLength).toString('hex'));
      ciphertexts.add(msg.subarray(AAD_LENGTH + ivLength).toString('hex'));
    }
    assert.equal(seen.size, 500, `${label(t)}: distinct IVs`);
    assert.equal(ciphertexts.size, 500, `${label(t)}: the same plaintext never seals the same way twice`);
  }
});

test('interoperates with node:crypto (OpenSSL through another path) for each mode', () => {
  const plaintext = crypto.randomBytes(77);
  // AES-GCM-16 and ChaCha20-Poly1305: decrypt our output with node:crypto.
  for (const [encr, name, keyLen] of [
    [ENCR.AES_GCM_16, 'aes-256-gcm', 32],
    [ENCR.CHACHA20_POLY1305, 'chacha20-poly1305', 32],
  ] as const) {
    const keymat = crypto.randomBytes(keyLen + 4);
    const cipher = createSkCipher({ encr, keyBits: 256, integ: INTEG.NONE }, secretCopy(keymat));
    const msg = frame(cipher, plaintext);
    cipher.seal(msg, AAD_LENGTH, plaintext.length);
    const iv = msg.subarray(AAD_LENGTH, AAD_LENGTH + 8);
    const d = crypto.createDecipheriv(name, keymat.subarray(0, keyLen), Buffer.concat([keymat.subarray(keyLen), iv]), {
      authTagLength: 16,
    } as crypto.CipherGCMOptions) as crypto.DecipherGCM;
    d.setAAD(msg.subarray(0, AAD_LENGTH));
    d.setAuthTag(msg.subarray(msg.length - 16));
    const out = Buffer.concat([d.update(msg.subarray(AAD_LENGTH + 8, msg.length - 16)), d.final()]);
    assert.deepEqual(out, plaintext, name);
  }
  // AES-CTR + HMAC-SHA2-512-256: decrypt and MAC with node:crypto.
  const keymat = crypto.randomBytes(20);
  const integKey = crypto.randomBytes(64);
  const ctr = createSkCipher({ encr: ENCR.AES_CTR, keyBits: 128, integ: INTEG.HMAC_SHA2_512_256 }, secretCopy(keymat), secretCopy(integKey));
  const msg = frame(ctr, plaintext);
  ctr.seal(msg, AAD_LENGTH, plaintext.length);
  const iv = msg.subarray(AAD_LENGTH, AAD_LENGTH + 8);
  const block = Buffer.concat([keymat.subarray(16), iv, Buffer.from([0, 0, 0, 1])]);
  const d = crypto.createDecipheriv('aes-128-ctr', keymat.subarray(0, 16), block);
  assert.deepEqual(d.update(msg.subarray(AAD_LENGTH + 8, msg.length - 32)), plaintext);
  const mac = crypto.createHmac('sha512', integKey).update(msg.subarray(0, msg.length - 32)).digest().subarray(0, 32);
  assert.deepEqual(msg.subarray(msg.length - 32), mac);
});

test('bad lengths and arguments throw errors with codes, never crash', () => {
  const cbc = pair({ encr: ENCR.AES_CBC, keyBits: 128, integ: INTEG.HMAC_SHA2_256_128 }).sender;
  const gcm = pair({ encr: ENCR.AES_GCM_16, keyBits: 128, integ: INTEG.NONE }).sender;
  const badLength = { code: 'ERR_IPSEC_BAD_LENGTH' };
  const notAligned = { code: 'ERR_IPSEC_NOT_BLOCK_ALIGNED' };
  const buf = Buffer.alloc(100);
  // seal: the frame must fit the buffer.
  assert.throws(() => cbc.seal(buf, 101, 0), badLength);
  assert.throws(() => cbc.seal(buf, 60, 16), badLength); // 60 + 16 + 16 + 16 > 100
  assert.throws(() => cbc.seal(buf, 0, 2 ** 40), badLength);
  assert.throws(() => cbc.seal(Buffer.alloc(20), 0, 0), badLength);
  assert.throws(() => cbc.seal(buf, 0, 15), notAligned);
  assert.throws(() => cbc.seal(buf, 0, 16, Buffer.alloc(8)), badLength);
  assert.throws(() => gcm.seal(buf, 0, 16, Buffer.alloc(16)), badLength);
  // open: the total must fit the buffer and hold IV + ICV; CBC text must be whole blocks.
  assert.throws(() => cbc.open(buf, 0, 101), badLength);
  assert.throws(() => cbc.open(buf, 10, 9), badLength);
  assert.throws(() => cbc.open(buf, 0, 31), badLength);
  assert.throws(() => cbc.open(buf, 0, 33), notAligned);
  assert.throws(() => gcm.open(buf, 80, 100), badLength);
  assert.equal(gcm.open(Buffer.alloc(24), 0, 24), -1, 'an empty GCM text is well-formed but unauthenticated');
  // Types.
  assert.throws(() => cbc.seal('nope' as unknown as Uint8Array, 0, 0), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => cbc.seal(buf, -1, 0), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => cbc.open(buf, 1.5, 50), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => cbc.open(secretCopy(buf) as unknown as Uint8Array, 0, 48), TypeError);
});

test('keys of the wrong length are refused with ERR_IPSEC_BAD_KEY_LENGTH', () => {
  const code = { code: 'ERR_IPSEC_BAD_KEY_LENGTH' };
  const cbc = { encr: ENCR.AES_CBC, keyBits: 128, integ: INTEG.HMAC_SHA1_96 };
  assert.throws(() => createSkCipher(cbc, secretCopy(Buffer.alloc(20)), secretCopy(Buffer.alloc(20))), code);
  assert.throws(() => createSkCipher(cbc, secretCopy(Buffer.alloc(16)), secretCopy(Buffer.alloc(32))), code);
  assert.throws(() => createSkCipher(cbc, secretCopy(Buffer.alloc(16))), code);
  const gcm = { encr: ENCR.AES_GCM_16, keyBits: 256, integ: INTEG.NONE };
  assert.throws(() => createSkCipher(gcm, secretCopy(Buffer.alloc(32))), code, 'the salt is missing');
  assert.throws(() => createSkCipher(gcm, secretCopy(Buffer.alloc(36)), secretCopy(Buffer.alloc(16))), code);
  assert.throws(
    () => createSkCipher({ encr: ENCR.AES_GCM_16, keyBits: 128, integ: INTEG.HMAC_SHA1_96 }, secretCopy(Buffer.alloc(20))),
    { code: 'ERR_IPSEC_UNSUPPORTED_TRANSFORM' },
  );
});

test('wipe frees the keys: later seal and open throw ERR_IPSEC_WIPED', () => {
  const { sender } = pair({ encr: ENCR.AES_CTR, keyBits: 256, integ: INTEG.AES_XCBC_96 });
  const msg = frame(sender, Buffer.alloc(10));
  sender.seal(msg, AAD_LENGTH, 10);
  sender.wipe();
  assert.throws(() => sender.seal(msg, AAD_LENGTH, 10), { code: 'ERR_IPSEC_WIPED' });
  assert.throws(() => sender.open(msg, AAD_LENGTH, msg.length), { code: 'ERR_IPSEC_WIPED' });
  sender.wipe();
});
