// The codec's SK payload with the real native sealer (src/native/aead.ts), both directions of one SA:
// one SkCipher seals with SK_ei/SK_ai, the peer's own SkCipher built from the same keys opens.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import { buildEncryptedMessage, fragmentMessage, FragmentReassembler, IkeParseError, openEncryptedMessage, type Payload } from '../../../../src/ikev2/codec';
import { createSkCipher, ENCR, INTEG, skSizes, type SkTransform } from '../../../../src/native/aead';
import { secretCopy } from '../../../../src/native/secret';
import { sampleHeader, samplePayloads } from './samples';

const inner = (): Payload[] => samplePayloads().filter((p) => p.type !== 33);

const TRANSFORMS: Array<[string, SkTransform]> = [
  ['AES-GCM-16-256', { encr: ENCR.AES_GCM_16, keyBits: 256, integ: INTEG.NONE }],
  ['CHACHA20-POLY1305', { encr: ENCR.CHACHA20_POLY1305, keyBits: 256, integ: INTEG.NONE }],
  ['AES-CBC-128 + HMAC-SHA2-256-128', { encr: ENCR.AES_CBC, keyBits: 128, integ: INTEG.HMAC_SHA2_256_128 }],
  ['AES-CTR-256 + HMAC-SHA2-512-256', { encr: ENCR.AES_CTR, keyBits: 256, integ: INTEG.HMAC_SHA2_512_256 }],
];

function pair(t: SkTransform): { sender: ReturnType<typeof createSkCipher>; receiver: ReturnType<typeof createSkCipher> } {
  const sizes = skSizes(t);
  const ek = crypto.randomBytes(sizes.encrKeymatLength);
  const ik = crypto.randomBytes(sizes.integKeyLength);
  const make = (): ReturnType<typeof createSkCipher> =>
    createSkCipher(t, secretCopy(ek), sizes.integKeyLength ? secretCopy(ik) : undefined);
  return { sender: make(), receiver: make() };
}

for (const [label, t] of TRANSFORMS) {
  test(`SK payload sealed and opened with the native ${label} cipher`, () => {
    const { sender, receiver } = pair(t);
    const wire = buildEncryptedMessage(sampleHeader, inner(), sender);
    const opened = openEncryptedMessage(Uint8Array.from(wire), receiver);
    assert.deepEqual(opened.payloads, inner());
    const tampered = Uint8Array.from(wire);
    tampered[tampered.length - 1]! ^= 1;
    assert.throws(() => openEncryptedMessage(tampered, receiver), (e: unknown) => e instanceof IkeParseError && e.reason === 'integrity');
  });

  test(`fragments (RFC 7383) sealed with the native ${label} cipher reassemble`, () => {
    const { sender, receiver } = pair(t);
    const fragments = fragmentMessage(sampleHeader, inner(), sender, 200);
    assert.ok(fragments.length > 1, `expected several fragments, got ${fragments.length}`);
    const reassembler = new FragmentReassembler(receiver);
    let result: ReturnType<FragmentReassembler['add']> | undefined;
    for (const f of [...fragments].reverse()) result = reassembler.add(Uint8Array.from(f));
    assert.equal(result?.status, 'complete');
    if (result?.status === 'complete') assert.deepEqual(result.message.payloads, inner());
  });
}
