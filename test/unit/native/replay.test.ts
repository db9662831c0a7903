// The anti-replay window (RFC 4303 §3.4.3, RFC 6479 layout) on its own, against a plain reference model.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { createReplayWindow, type ReplayCheck } from '../../../src/native/esp';

/** The RFC 4303 §3.4.3 rules written as plainly as possible: a set of received numbers and the top. */
class ModelWindow {
  private seen = new Set<bigint>();
  private top = 0n;
  constructor(private readonly size: number) {}
  check(seq: bigint): ReplayCheck {
    if (seq === 0n) return 'too-old';
    if (this.size === 0 || seq > this.top) return 'ok';
    if (this.top - seq >= BigInt(this.size)) return 'too-old';
    return this.seen.has(seq) ? 'replay' : 'ok';
  }
  update(seq: bigint): void {
    this.seen.add(seq);
    if (seq > this.top) this.top = seq;
  }
}

/** A small deterministic generator (xorshift32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

test('in-window new numbers are accepted, duplicates are replays, numbers left of the window are too old', () => {
  const w = createReplayWindow(32, false);
  assert.equal(w.size, 32);
  assert.equal(w.check(1n), 'ok');
  w.update(1n);
  assert.equal(w.check(1n), 'replay');
  w.update(40n);
  assert.equal(w.top, 40n);
  assert.equal(w.check(9n), 'ok', '40 - 32 + 1 = 9 is the left edge of the window');
  assert.equal(w.check(8n), 'too-old');
  assert.equal(w.check(1n), 'too-old');
  assert.equal(w.check(39n), 'ok');
  w.update(39n);
  assert.equal(w.check(39n), 'replay');
  assert.equal(w.check(40n), 'replay');
  assert.equal(w.check(41n), 'ok');
});

test('sequence number 0 is never accepted (the first packet is 1)', () => {
  const w = createReplayWindow(64, false);
  assert.equal(w.check(0n), 'too-old');
});

test('advancing far past the ring clears every old bit', () => {
  const w = createReplayWindow(64, false);
  for (let s = 1n; s <= 64n; s++) w.update(s);
  w.update(1_000_000n);
  // All of 999_937 .. 999_999 are in the window and were never received.
  for (let s = 999_937n; s < 1_000_000n; s++) assert.equal(w.check(s), 'ok', `seq ${s}`);
  assert.equal(w.check(999_936n), 'too-old');
  assert.equal(w.check(1_000_000n), 'replay');
});

test('window size 0 turns replay checking off', () => {
  const w = createReplayWindow(0, false);
  w.update(10n);
  assert.equal(w.check(10n), 'ok');
  assert.equal(w.check(1n), 'ok');
  assert.equal(w.top, 10n);
});

for (const size of [1, 32, 63, 64, 65, 1024, 4096]) {
  test(`window of ${size} agrees with the reference model on a random arrival order`, () => {
    const w = createReplayWindow(size, false);
    const model = new ModelWindow(size);
    const next = rng(size * 7919);
    let top = 1n;
    const results = new Map<ReplayCheck, number>();
    const accepted: bigint[] = [];
    for (let i = 0; i < 20_000; i++) {
      const r = next();
      // Mostly near the top (in window or just left of it), duplicates of recent packets, jumps ahead.
      let seq: bigint;
      if (r % 10 < 2 && accepted.length > 0) seq = accepted[(r >>> 8) % accepted.length] ?? 1n;
      else if (r % 10 < 6) seq = top - BigInt(r % (size * 2 + 3)) + 1n;
      else if (r % 10 < 9) seq = top + BigInt((r >>> 8) % 4 + 1);
      else seq = top + BigInt((r >>> 8) % (size * 3 + 200));
      if (seq < 0n) seq = 0n;
      const expected = model.check(seq);
      assert.equal(w.check(seq), expected, `size ${size}, step ${i}, seq ${seq}, top ${top}`);
      results.set(expected, (results.get(expected) ?? 0) + 1);
      if (expected === 'ok') {
        w.update(seq);
        model.update(seq);
        if (seq > top) top = seq;
        accepted.push(seq);
        if (accepted.length > 64) accepted.shift();
      }
    }
    // The walk must have exercised every outcome, or the comparison proves little.
    for (const k of ['ok', 'replay', 'too-old'] as const) assert.ok((results.get(k) ?? 0) > 50, `${k}: ${results.get(k)}`);
  });
}

test('reset(top): every number up to top counts as received', () => {
  const w = createReplayWindow(64, true);
  w.reset(0x1_0000_0005n);
  assert.equal(w.top, 0x1_0000_0005n);
  assert.equal(w.check(0x1_0000_0005n), 'replay');
  assert.equal(w.check(0x1_0000_0000n), 'replay');
  assert.equal(w.check(0xffff_fff0n), 'replay');
  assert.equal(w.check(0x1_0000_0006n), 'ok');
  assert.equal(w.check(0xffff_ffc5n), 'too-old');
});

test('ESN inference, RFC 4303 Appendix A case A (window within one epoch)', () => {
  const w = createReplayWindow(64, true);
  w.update(0x5_0000_1000n); // Th = 5, Tl = 0x1000 >= W - 1
  assert.equal(w.infer(0x1000 + 10), 0x5_0000_100an, 'ahead in the same epoch');
  assert.equal(w.infer(0x1000 - 63), 0x5_0000_0fc1n, 'left edge of the window');
  assert.equal(w.infer(0x1000 - 64), 0x6_0000_0fc0n, 'below the window: the next epoch');
  assert.equal(w.infer(0), 0x6_0000_0000n);
});

test('ESN inference, RFC 4303 Appendix A case B (window spans the start of the epoch)', () => {
  const w = createReplayWindow(64, true);
  w.update(0x5_0000_0010n); // Tl = 16 < W - 1
  assert.equal(w.infer(0x20), 0x5_0000_0020n, 'ahead in this epoch');
  assert.equal(w.infer(0x3), 0x5_0000_0003n, 'in window, this epoch');
  assert.equal(w.infer(0xffff_fff0), 0x4_ffff_fff0n, 'in window, previous epoch');
  assert.equal(w.infer(0xffff_ffd1), 0x4_ffff_ffd1n, 'left edge: 0x10 - 64 + 1 = 0xffffffd1 (mod 2^32)');
  // Just below the bottom the RFC keeps this epoch (far ahead): the ICV then decides.
  assert.equal(w.infer(0xffff_ffd0), 0x5_ffff_ffd0n);
});

test('ESN inference with epoch 0 never goes below zero; without ESN it is the identity', () => {
  const esn = createReplayWindow(64, true);
  esn.update(5n);
  assert.equal(esn.infer(0xffff_fff0), 0xffff_fff0n);
  const plain = createReplayWindow(64, false);
  plain.update(0xffff_fff0n);
  assert.equal(plain.infer(3), 3n);
});

test('bad arguments are errors, not crashes', () => {
  assert.throws(() => createReplayWindow(65537, false), /at most/);
  const w = createReplayWindow(64, false);
  assert.throws(() => w.check(5 as unknown as bigint), TypeError);
  assert.throws(() => w.update(-1n), /bigint/);
  assert.throws(() => w.infer(-1), TypeError);
});
