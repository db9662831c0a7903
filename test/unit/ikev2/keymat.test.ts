// Key derivation cross-checked against an independent prf+ written here with node:crypto HMAC (RFC 7296
// §2.13: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n)); the native PRF itself has its own RFC vectors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';

import { deriveChildKeys, deriveIkeSaKeys, espKeyLengths } from '../../../src/ikev2/keymat';
import type { Negotiated } from '../../../src/ikev2/proposals';
import { pskAuth, signedOctets } from '../../../src/ikev2/auth';
import { secretCopy } from '../../../src/native/secret';

function prfPlus(hash: string, key: Buffer, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let n = 1; Buffer.concat(out).length < length; n++) {
    t = createHmac(hash, key).update(Buffer.concat([t, seed, Buffer.from([n])])).digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, length);
}

const alg = (o: Partial<Negotiated>): Negotiated => ({ protocolId: 3, encr: 20, keyBits: 256, prf: 5, integ: 0, dh: 0, esn: false, spi: new Uint8Array(4), ...o });

test('ESP key lengths: AEAD keys carry their salt (RFC 4106 §8.1, RFC 7634 §2)', () => {
  assert.deepEqual(espKeyLengths(20, 256, 0), { encr: 36, integ: 0 });
  assert.deepEqual(espKeyLengths(20, 128, 0), { encr: 20, integ: 0 });
  assert.deepEqual(espKeyLengths(28, 256, 0), { encr: 36, integ: 0 });
  assert.deepEqual(espKeyLengths(12, 128, 12), { encr: 16, integ: 32 });
  assert.deepEqual(espKeyLengths(12, 256, 14), { encr: 32, integ: 64 });
  assert.throws(() => espKeyLengths(99, 128, 0), /not supported/);
});

test('Child SA KEYMAT = prf+(SK_d, Ni | Nr), initiator-to-responder keys first, encryption before integrity (§2.17)', () => {
  const skD = randomBytes(32);
  const ni = randomBytes(32);
  const nr = randomBytes(32);
  const keys = deriveChildKeys(5, secretCopy(skD), alg({ encr: 12, keyBits: 128, integ: 12 }), ni, nr);
  const expected = prfPlus('sha256', skD, Buffer.concat([ni, nr]), 2 * (16 + 32));
  assert.ok(keys.iToR.encr.equals(expected.subarray(0, 16)));
  assert.ok(keys.iToR.integ!.equals(expected.subarray(16, 48)));
  assert.ok(keys.rToI.encr.equals(expected.subarray(48, 64)));
  assert.ok(keys.rToI.integ!.equals(expected.subarray(64, 96)));
  const gcm = deriveChildKeys(5, secretCopy(skD), alg({}), ni, nr);
  const g = prfPlus('sha256', skD, Buffer.concat([ni, nr]), 72);
  assert.ok(gcm.iToR.encr.equals(g.subarray(0, 36)));
  assert.ok(gcm.rToI.encr.equals(g.subarray(36, 72)));
  assert.equal(gcm.iToR.integ, undefined);
});

test('IKE SA keys: SK_d and SK_p from prf+(SKEYSEED, Ni | Nr | SPIi | SPIr); each end opens what the other seals', () => {
  const ni = randomBytes(32);
  const nr = randomBytes(32);
  const gir = randomBytes(32);
  const spiI = randomBytes(8);
  const spiR = randomBytes(8);
  const a = alg({ protocolId: 1, encr: 12, keyBits: 128, integ: 12, prf: 5 });
  const i = deriveIkeSaKeys(a, ni, nr, secretCopy(gir), spiI, spiR, true);
  const r = deriveIkeSaKeys(a, ni, nr, secretCopy(gir), spiI, spiR, false);
  const skeyseed = createHmac('sha256', Buffer.concat([ni, nr])).update(gir).digest();
  // SK_d (32) | SK_ai (32) | SK_ar (32) | SK_ei (16) | SK_er (16) | SK_pi (32) | SK_pr (32)
  const ks = prfPlus('sha256', skeyseed, Buffer.concat([ni, nr, spiI, spiR]), 32 * 5 + 16 * 2);
  assert.ok(i.skD.equals(ks.subarray(0, 32)));
  assert.ok(i.skPLocal.equals(ks.subarray(128, 160)), 'the initiator signs with SK_pi');
  assert.ok(i.skPRemote.equals(ks.subarray(160, 192)));
  assert.ok(r.skPLocal.equals(ks.subarray(160, 192)), 'the responder signs with SK_pr');
  const msg = new Uint8Array(32 + 16 + 32 + 16); // AAD, CBC IV, text, HMAC-SHA2-256-128 ICV
  msg.fill(7, 0, 32);
  const plain = randomBytes(32);
  msg.set(plain, 32 + 16);
  const n = i.outbound.seal(msg, 32, 32);
  assert.equal(n, msg.length);
  const copy = new Uint8Array(msg);
  assert.equal(i.inbound.open(copy, 32, n), -1, 'the initiator cannot open its own direction');
  assert.equal(r.inbound.open(msg, 32, n), 32);
  assert.deepEqual(Buffer.from(msg.subarray(48, 80)), plain);
});

test('PSK AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage | Nonce | prf(SK_p, RestOfIDPayload)) (§2.15)', () => {
  const psk = Buffer.from('a shared secret');
  const skP = randomBytes(32);
  const message = randomBytes(300);
  const nonce = randomBytes(32);
  const id = { type: 35 as const, idType: 2, data: new Uint8Array(Buffer.from('east.example')) };
  const octets = signedOctets(5, message, nonce, secretCopy(skP), id);
  const rest = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('east.example')]);
  const maced = createHmac('sha256', skP).update(rest).digest();
  assert.deepEqual(Buffer.from(octets), Buffer.concat([message, nonce, maced]));
  const padKey = createHmac('sha256', psk).update('Key Pad for IKEv2').digest();
  const expected = createHmac('sha256', padKey).update(octets).digest();
  assert.deepEqual(Buffer.from(pskAuth(5, secretCopy(psk), octets)), expected);
});
