// Random mutations of valid messages thrown at the parsers: each must succeed or raise IkeParseError,
// nothing else (no RangeError from a DataView, no TypeError from undefined). Seeded, so failures replay.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import {
  buildEncryptedMessage, fragmentMessage, FragmentReassembler, IkeParseError, openEncryptedMessage, parseMessage, serializeMessage,
} from '../../src/ikev2/codec';
import { hex, loadVectors } from '../helpers/vectors';
import { gcmCipher, cbcHmacCipher } from '../unit/ikev2/codec/fake-sk-cipher';
import { sampleHeader, samplePayloads } from '../unit/ikev2/codec/samples';

const SEED = Number(process.env.CODEC_FUZZ_SEED ?? 0x5eed);
const CASES_PER_SEED = 120;

/** xorshift32: small and reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function mutate(src: Uint8Array, next: () => number): Uint8Array {
  let b = src.slice();
  const rounds = 1 + (next() % 3);
  for (let k = 0; k < rounds; k++) {
    const at = b.length === 0 ? 0 : next() % b.length;
    switch (next() % 7) {
      case 0: // flip a bit
        if (b.length) b[at]! ^= 1 << (next() % 8);
        break;
      case 1: // a random octet
        if (b.length) b[at] = next() & 0xff;
        break;
      case 2: { // a boundary value in a 16-bit field (most lengths are 16 bits)
        const v = [0, 1, 3, 4, 5, 7, 8, 0xff, 0x100, 0x7fff, 0x8000, 0xffff][next() % 12]!;
        if (at + 1 < b.length) { b[at] = v >> 8; b[at + 1] = v & 0xff; }
        break;
      }
      case 3: // truncate
        b = b.slice(0, at);
        break;
      case 4: { // append random octets
        const extra = new Uint8Array(1 + (next() % 16)).map(() => next() & 0xff);
        const out = new Uint8Array(b.length + extra.length);
        out.set(b);
        out.set(extra, b.length);
        b = out;
        break;
      }
      case 5: { // delete a few octets in the middle
        const n = 1 + (next() % 4);
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + n)]);
        break;
      }
      default: { // duplicate a slice
        const n = 1 + (next() % 8);
        b = new Uint8Array([...b.subarray(0, at + n), ...b.subarray(at, at + n), ...b.subarray(at + n)]);
      }
    }
  }
  // Most of the time keep the header Length right, so the payload parsers are reached.
  if (b.length >= 28 && next() % 4 !== 0) new DataView(b.buffer, b.byteOffset).setUint32(24, b.length);
  return b;
}

function acceptable(fn: () => void, input: Uint8Array): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof IkeParseError) return;
    assert.fail(`${String(e)} for ${Buffer.from(input).toString('hex')}`);
  }
}

test('parseMessage: only success or IkeParseError; what parses re-serializes to the same values', () => {
  const seeds = [serializeMessage({ header: sampleHeader, payloads: samplePayloads() })];
  for (const p of samplePayloads()) seeds.push(serializeMessage({ header: sampleHeader, payloads: [p] }));
  // A real message too: strongSwan's IKE_SA_INIT request.
  for (const v of loadVectors<{ message: string }>('ikev2-strongswan-ike-sa-init.json').vectors) seeds.push(new Uint8Array(hex(v.message)));
  const next = rng(SEED);
  let parsed = 0;
  for (const seed of seeds) {
    for (let i = 0; i < CASES_PER_SEED; i++) {
      const input = mutate(seed, next);
      acceptable(() => {
        const m = parseMessage(input);
        parsed++;
        assert.deepEqual(parseMessage(serializeMessage(m)).payloads, m.payloads);
      }, input);
    }
  }
  assert.ok(parsed > 0, 'some mutations should still parse');
});

test('openEncryptedMessage and the reassembler: only success or IkeParseError', () => {
  const next = rng(SEED + 1);
  for (const make of [gcmCipher, cbcHmacCipher]) {
    const sealed = buildEncryptedMessage(sampleHeader, samplePayloads().slice(1, 8), make());
    for (let i = 0; i < 400; i++) {
      const input = mutate(sealed, next);
      acceptable(() => openEncryptedMessage(input.slice(), make()), input);
    }
    const frags = fragmentMessage(sampleHeader, samplePayloads(), make(), 300);
    const r = new FragmentReassembler(make());
    for (let i = 0; i < 400; i++) {
      const input = mutate(frags[next() % frags.length]!, next);
      acceptable(() => void r.add(input.slice()), input);
    }
  }
});
