// SK payload (RFC 7296 §3.14): building, sealing, opening, padding, integrity failures.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import {
  buildEncryptedMessage, IkeParseError, openEncryptedMessage, parseMessage, serializeMessage, type IkeParseReason, type Payload, type SkCipher,
} from '../../../../src/ikev2/codec';
import { cbcHmacCipher, gcmCipher } from './fake-sk-cipher';
import { sampleHeader, samplePayloads } from './samples';

function reasonOf(fn: () => unknown): IkeParseReason {
  try {
    fn();
  } catch (e) {
    if (e instanceof IkeParseError) return e.reason;
    throw e;
  }
  assert.fail('accepted');
}

const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const inner = (): Payload[] => samplePayloads().filter((p) => p.type !== 33);

test('AEAD (GCM): layout of the sealed message and a round trip', () => {
  const cipher = gcmCipher();
  const content = serializeMessage({ header: sampleHeader, payloads: inner() }).length - 28;
  const wire = buildEncryptedMessage(sampleHeader, inner(), cipher);
  // header + SK header + IV 8 + content + Pad Length octet (no padding for block 1) + ICV 16
  assert.equal(wire.length, 28 + 4 + 8 + content + 1 + 16);
  assert.equal(dv(wire).getUint32(24), wire.length);
  assert.equal(wire[16], 46); // IKE header Next Payload: SK
  assert.equal(wire[28], 34); // SK Next Payload: the first inner payload (KE)
  assert.equal(dv(wire).getUint16(30), wire.length - 28);
  const outer = parseMessage(wire);
  assert.equal(outer.payloads.length, 1);
  assert.equal(outer.payloads[0]!.type, 46);

  const opened = openEncryptedMessage(wire, gcmCipher());
  assert.deepEqual(opened.payloads, inner());
  assert.deepEqual(opened.unprotected, []);
  assert.equal(opened.header.messageId, 1);
  assert.equal(wire[28 + 4 + 8 + content], 0, 'pad length octet, decrypted in place');
});

test('CBC + HMAC: plaintext padded to the block, pad length octet right, round trip', () => {
  for (let extra = 0; extra < 17; extra++) {
    const payloads: Payload[] = [{ type: 43, critical: false, data: new Uint8Array(extra).fill(0x61) }];
    const content = 4 + extra;
    const wire = buildEncryptedMessage(sampleHeader, payloads, cbcHmacCipher());
    const text = wire.length - 28 - 4 - 16 - 16;
    assert.equal(text % 16, 0);
    assert.ok(text >= content + 1 && text < content + 1 + 16, `text ${text} for content ${content}`);
    const opened = openEncryptedMessage(wire, cbcHmacCipher());
    assert.deepEqual(opened.payloads, payloads);
    assert.equal(wire[28 + 4 + 16 + text - 1], text - content - 1, 'Pad Length');
  }
});

test('an empty SK payload (an INFORMATIONAL liveness check) round-trips', () => {
  const wire = buildEncryptedMessage({ ...sampleHeader, exchangeType: 37 }, [], gcmCipher());
  assert.equal(wire[28], 0);
  assert.deepEqual(openEncryptedMessage(wire, gcmCipher()).payloads, []);
});

test('any change to authenticated octets is an integrity failure, distinct from malformed', () => {
  const original = buildEncryptedMessage(sampleHeader, inner(), gcmCipher());
  // message id, flags, SK header reserved octet, IV, ciphertext, ICV
  for (const at of [20, 19, 29, 32, 40, 100, original.length - 1]) {
    const wire = original.slice();
    wire[at]! ^= 0x01;
    assert.equal(reasonOf(() => openEncryptedMessage(wire, gcmCipher())), 'integrity', `offset ${at}`);
  }
  const wrongKey = gcmCipher(Buffer.alloc(16, 8));
  assert.equal(reasonOf(() => openEncryptedMessage(original.slice(), wrongKey)), 'integrity');
  assert.deepEqual(openEncryptedMessage(original.slice(), gcmCipher()).payloads, inner());
});

test('sizes are checked before the cipher sees them', () => {
  const cbc = cbcHmacCipher();
  const wire = buildEncryptedMessage(sampleHeader, inner(), cbc);
  // Drop one ciphertext octet and fix up both lengths: not whole blocks, refused without calling open.
  const cut = new Uint8Array(wire.length - 1);
  cut.set(wire.subarray(0, wire.length - 17));
  cut.set(wire.subarray(wire.length - 16), wire.length - 17);
  dv(cut).setUint32(24, cut.length);
  dv(cut).setUint16(30, cut.length - 28);
  assert.equal(reasonOf(() => openEncryptedMessage(cut, cbc)), 'bad-length');
  // An SK payload too short for IV + ICV.
  const tiny = serializeMessage({ header: sampleHeader, payloads: [{ type: 46, firstInnerType: 0, body: new Uint8Array(20) }] });
  assert.equal(reasonOf(() => openEncryptedMessage(tiny, gcmCipher())), 'bad-length');
  // No SK payload at all.
  const clear = serializeMessage({ header: sampleHeader, payloads: [{ type: 43, data: new Uint8Array(4) }] });
  assert.equal(reasonOf(() => openEncryptedMessage(clear, gcmCipher())), 'invalid-syntax');
});

/** Seals an arbitrary plaintext with a hand-laid SK layout, to test what the receiver does with it. */
function sealRaw(cipher: SkCipher, firstInner: number, plaintext: Uint8Array): Uint8Array {
  const { ivLength, icvLength } = cipher.sizes;
  const total = 28 + 4 + ivLength + plaintext.length + icvLength;
  const wire = new Uint8Array(total);
  const head = serializeMessage({ header: sampleHeader, payloads: [] });
  wire.set(head.subarray(0, 28));
  wire[16] = 46;
  dv(wire).setUint32(24, total);
  wire[28] = firstInner;
  dv(wire).setUint16(30, total - 28);
  wire.set(plaintext, 32 + ivLength);
  assert.equal(cipher.seal(wire, 32, plaintext.length), total);
  return wire;
}

test('authentic but malformed plaintexts are malformed, not integrity failures', () => {
  const c = gcmCipher();
  // Pad Length larger than the plaintext.
  assert.equal(reasonOf(() => openEncryptedMessage(sealRaw(c, 0, new Uint8Array([0, 0, 9])), c)), 'invalid-syntax');
  // A V payload whose length runs past the (unpadded) plaintext.
  assert.equal(reasonOf(() => openEncryptedMessage(sealRaw(c, 43, new Uint8Array([0, 0, 0, 9, 1, 2, 3, 4, 0])), c)), 'bad-length');
  // An SK payload nested inside an SK payload.
  assert.equal(reasonOf(() => openEncryptedMessage(sealRaw(c, 46, new Uint8Array([0, 0, 0, 4, 0])), c)), 'invalid-syntax');
  // Padding (any value) before a correct Pad Length is accepted (§3.14: receivers must accept any padding).
  const ok = openEncryptedMessage(sealRaw(c, 43, new Uint8Array([0, 0, 0, 6, 0xaa, 0xbb, 0xff, 0xee, 2])), c);
  assert.deepEqual(ok.payloads, [{ type: 43, critical: false, data: new Uint8Array([0xaa, 0xbb]) }]);
});
