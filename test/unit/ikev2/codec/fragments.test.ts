// IKE fragmentation (RFC 7383): splitting into SKF payloads and reassembling.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import {
  fragmentCapacity, fragmentMessage, FragmentReassembler, IkeParseError, parseMessage, type DecryptedMessage, type IkeParseReason,
  type Payload, type ReassemblyResult,
} from '../../../../src/ikev2/codec';
import { cbcHmacCipher, gcmCipher } from './fake-sk-cipher';
import { sampleHeader } from './samples';

function bigPayloads(): Payload[] {
  const cert = new Uint8Array(3000);
  for (let i = 0; i < cert.length; i++) cert[i] = (i * 7) & 0xff;
  return [
    { type: 35, critical: false, idType: 2, data: new TextEncoder().encode('west') },
    { type: 37, critical: false, encoding: 4, data: cert },
    { type: 39, critical: false, method: 1, data: new Uint8Array(256).fill(3) },
  ];
}

function complete(r: ReassemblyResult): DecryptedMessage {
  assert.equal(r.status, 'complete');
  if (r.status !== 'complete') throw new Error('unreachable');
  return r.message;
}

function reasonOf(fn: () => unknown): IkeParseReason {
  try {
    fn();
  } catch (e) {
    if (e instanceof IkeParseError) return e.reason;
    throw e;
  }
  assert.fail('accepted');
}

test('fragments fit the size, are numbered 1..n, only the first names the inner payload (§2.5)', () => {
  for (const [cipher, max] of [[gcmCipher(), 576], [cbcHmacCipher(), 576], [gcmCipher(), 1280]] as const) {
    const frags = fragmentMessage(sampleHeader, bigPayloads(), cipher, max);
    const content = 8 + 4 + 3004 + 260; // the inner payloads' octets
    const cap = fragmentCapacity(max, cipher);
    assert.equal(frags.length, Math.ceil(content / cap));
    frags.forEach((f, i) => {
      assert.ok(f.length <= max, `fragment ${i + 1} is ${f.length} > ${max}`);
      const m = parseMessage(f);
      assert.equal(m.header.messageId, sampleHeader.messageId);
      assert.equal(m.header.nextPayload, 53);
      const skf = m.payloads[0]!;
      assert.ok(skf.type === 53);
      assert.equal(skf.fragmentNumber, i + 1);
      assert.equal(skf.totalFragments, frags.length);
      assert.equal(skf.firstInnerType, i === 0 ? 35 : 0);
    });
    // With a block length of 1 every fragment but the last is filled exactly.
    if (cipher.sizes.blockLength === 1) assert.equal(frags[0]!.length, max);
  }
});

test('reassembly in any order, duplicates ignored without decrypting (§2.6)', () => {
  const frags = fragmentMessage(sampleHeader, bigPayloads(), gcmCipher(), 576);
  assert.ok(frags.length >= 6);
  const opener = gcmCipher();
  let opens = 0;
  const counting = { sizes: opener.sizes, seal: opener.seal.bind(opener), open: (m: Uint8Array, o: number, t: number) => (opens++, opener.open(m, o, t)) };
  const r = new FragmentReassembler(counting);
  const order = frags.map((_, i) => i).reverse();
  const last = order.pop()!;
  const dup = frags[order[0]!]!.slice();
  for (const i of order) assert.equal(r.add(frags[i]!.slice()).status, 'incomplete');
  assert.deepEqual(r.add(dup), { status: 'duplicate', messageId: 1, fragmentNumber: order[0]! + 1 });
  assert.equal(opens, order.length);
  const msg = complete(r.add(frags[last]!.slice()));
  assert.deepEqual(msg.payloads, bigPayloads());
  assert.equal(msg.header.messageId, 1);
  assert.deepEqual(r.pendingMessageIds, []);
});

test('a small message becomes one fragment; CBC fragments reassemble too', () => {
  const one = fragmentMessage(sampleHeader, [{ type: 43, critical: false, data: new Uint8Array(3) }], cbcHmacCipher(), 1280);
  assert.equal(one.length, 1);
  assert.deepEqual(complete(new FragmentReassembler(cbcHmacCipher()).add(one[0]!)).payloads, [{ type: 43, critical: false, data: new Uint8Array(3) }]);
  const frags = fragmentMessage(sampleHeader, bigPayloads(), cbcHmacCipher(), 500);
  const r = new FragmentReassembler(cbcHmacCipher());
  let result: ReassemblyResult | undefined;
  for (const f of frags) result = r.add(f);
  assert.deepEqual(complete(result!).payloads, bigPayloads());
});

test('a forged fragment is an integrity failure and leaves the collected ones alone', () => {
  const frags = fragmentMessage(sampleHeader, bigPayloads(), gcmCipher(), 1000);
  const r = new FragmentReassembler(gcmCipher());
  assert.equal(r.add(frags[0]!.slice()).status, 'incomplete');
  const forged = frags[1]!.slice();
  forged[forged.length - 20]! ^= 0x80;
  assert.equal(reasonOf(() => r.add(forged)), 'integrity');
  let result: ReassemblyResult | undefined;
  for (const f of frags.slice(1)) result = r.add(f.slice());
  assert.deepEqual(complete(result!).payloads, bigPayloads());
});

test('a larger Total Fragments restarts collection; a smaller one is ignored (§2.6)', () => {
  const coarse = fragmentMessage(sampleHeader, bigPayloads(), gcmCipher(), 1280);
  const fine = fragmentMessage(sampleHeader, bigPayloads(), gcmCipher(), 576);
  assert.ok(fine.length > coarse.length);
  const r = new FragmentReassembler(gcmCipher());
  r.add(coarse[0]!.slice());
  assert.equal(r.add(fine[1]!.slice()).status, 'incomplete'); // restarts: only fine[1] held now
  const smaller = r.add(coarse[1]!.slice());
  assert.equal(smaller.status, 'ignored');
  let result: ReassemblyResult | undefined;
  for (const [i, f] of fine.entries()) if (i !== 1) result = r.add(f.slice());
  assert.deepEqual(complete(result!).payloads, bigPayloads());
});

test('limits on fragment count and size drop the message', () => {
  const frags = fragmentMessage(sampleHeader, bigPayloads(), gcmCipher(), 576);
  assert.equal(reasonOf(() => new FragmentReassembler(gcmCipher(), { maxFragments: frags.length - 1 }).add(frags[0]!.slice())), 'fragment-limit');
  const r = new FragmentReassembler(gcmCipher(), { maxBytes: 1000 });
  assert.throws(() => frags.forEach((f) => r.add(f.slice())), (e: unknown) => e instanceof IkeParseError && e.reason === 'fragment-limit');
  assert.deepEqual(r.pendingMessageIds, []);
  // Only maxMessages message ids are held at once: the oldest goes.
  const r2 = new FragmentReassembler(gcmCipher(), { maxMessages: 2 });
  for (const id of [5, 6, 7]) r2.add(fragmentMessage({ ...sampleHeader, messageId: id }, bigPayloads(), gcmCipher(), 576)[0]!);
  assert.deepEqual(r2.pendingMessageIds, [6, 7]);
  r2.discard(6);
  assert.deepEqual(r2.pendingMessageIds, [7]);
});

test('fragment messages that break the rules are malformed', () => {
  const r = new FragmentReassembler(gcmCipher());
  const plain = fragmentMessage(sampleHeader, [{ type: 43, data: new Uint8Array(4) }], gcmCipher(), 1280)[0]!;
  const noFirst = plain.slice();
  noFirst[28] = 0; // fragment 1 with Next Payload 0
  assert.equal(reasonOf(() => r.add(noFirst)), 'invalid-syntax');
  assert.throws(() => fragmentMessage(sampleHeader, bigPayloads(), gcmCipher(), 60), RangeError);
});
