// Random lengths, bytes, offsets and argument types thrown at every exported native function, through the
// raw binding (so also the types TypeScript would refuse). Each call must return or throw a JavaScript
// Error with a string `code`; a crash (or, under AddressSanitizer, a memory error) fails the whole run.
// A few properties are checked on the way (a sealed packet opens; a tampered one never opens as 'ok').
// Seeded and bounded: NATIVE_FUZZ_SEED replays a run; it takes a few seconds. Run it under ASan with
//   LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0,abort_on_error=1 \
//     node --test dist/test/fuzz/native-inputs.test.js
// after building the addon with -fsanitize=address,undefined (see docs in the report of feat/asan).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { rawBinding } from '../../src/native/binding';

const SEED = Number(process.env.NATIVE_FUZZ_SEED ?? 0xa5a5);

type Fn = (...args: unknown[]) => unknown;
type Ctor = new (...args: unknown[]) => Record<string, unknown>;
const raw = rawBinding();
const fn = (name: string): Fn => raw[name] as Fn;
const ctor = (name: string): Ctor => raw[name] as Ctor;

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

class Gen {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
  /** A length near one of the interesting sizes, or anywhere below `max`. */
  length(near: readonly number[], max: number): number {
    if (this.int(3) === 0) return this.int(max + 1);
    const base = this.pick(near);
    return Math.max(0, base + this.int(5) - 2);
  }
  /** Mostly a plausible index in [0, max + 2], sometimes a value a careless caller might pass. */
  index(max: number): unknown {
    switch (this.int(16)) {
      case 0: return this.pick([-1, -0, 0.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53, 2 ** 64]);
      case 1: return this.pick([undefined, null, '3', 3n, {}, true]);
      default: return this.int(max + 3);
    }
  }
  /** Bytes as some view type, or something that is not bytes. */
  bytesArg(n: number): unknown {
    switch (this.int(24)) {
      case 0: return this.pick([undefined, null, 'abc', 7, {}, [1, 2, 3]]);
      case 1: return new Uint16Array(Math.ceil(n / 2));
      case 2: return new DataView(new ArrayBuffer(n));
      case 3: return new Uint8Array(this.bytes(n + 5).buffer, 5, n);  // a view at an offset into a pool
      case 4: return new (ctor('SecretBytes'))(this.bytes(n));
      default: return this.bytes(n);
    }
  }
}

/** Runs `f`: a value is fine, an Error with a string `code` is fine, anything else fails. */
function accept(what: string, f: () => unknown): unknown {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof Error) || typeof (err as { code?: unknown }).code !== 'string') {
      assert.fail(`${what}: threw without a code: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    return undefined;
  }
}

async function acceptAsync(what: string, p: unknown): Promise<void> {
  assert.ok(p instanceof Promise, `${what}: expected a Promise`);
  try {
    await p;
  } catch (err) {
    if (!(err instanceof Error) || typeof (err as { code?: unknown }).code !== 'string') {
      assert.fail(`${what}: rejected without a code: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

test('DH: random peer values, lengths and private keys for every group', async () => {
  const g = new Gen(SEED);
  const publicLengths = raw['dhPublicLengths'] as Record<string, number>;
  const generate = fn('dhGenerateKeyPair');
  // MODP 3072..8192 keygen and exponentiation cost tens of milliseconds each: random lengths mostly.
  for (const group of [14, 15, 16, 18, 19, 20, 21, 31, 32]) {
    const len = publicLengths[group] as number;
    const modp = group <= 18;
    const pair = generate(group) as { computeShared: Fn; publicKey: Buffer; wipe: Fn };
    const cases = modp ? 40 : 250;
    for (let i = 0; i < cases; i++) {
      let peer: unknown;
      const kind = g.int(8);
      if (kind === 0 && (!modp || group === 14)) peer = g.bytes(len);  // full length: a real computation
      else if (kind === 1) peer = Buffer.alloc(len, g.pick([0, 0xff, 1]));
      else if (kind === 2) {
        const p = Buffer.from(pair.publicKey);
        p[g.int(p.length)]! ^= 1 << g.int(8);
        peer = modp && group !== 14 ? p.subarray(1) : p;
      } else peer = g.bytesArg(g.length([0, 1, len - 1, len + 1, len * 2], len * 2 + 8));
      accept(`DH${group} computeShared`, () => pair.computeShared(peer));
    }
    const asyncPeers = modp ? [g.bytes(len - 1), 'x'] : [g.bytes(len), g.bytes(len + 1), null];
    for (const peer of asyncPeers) await acceptAsync(`DH${group} async`, fn('dhComputeSharedAsync')(pair, peer));
    for (let i = 0; i < (modp ? 3 : 60); i++) {
      const size = modp ? g.int(40) : g.length([len, (len + 1) >> 1, len >> 1], len + 8);
      accept(`DH${group} fromPrivate`, () => fn('dhKeyPairFromPrivate')(group, g.bytesArg(size)));
    }
    pair.wipe();
    accept(`DH${group} after wipe`, () => pair.computeShared(g.bytes(len)));
    await acceptAsync(`DH${group} async after wipe`, fn('dhComputeSharedAsync')(pair, g.bytes(len)));
  }
  for (let i = 0; i < 40; i++) {
    const group = g.index(40);
    accept('dhGenerateKeyPair', () => (group === 14 || group === 15 || group === 16 || group === 18 ? null : generate(group)));
    accept('dhGroupPrime', () => fn('dhGroupPrime')(group));
    await acceptAsync('dhGenerateKeyPairAsync', group === 31 || !(typeof group === 'number' && group >= 14 && group <= 32)
      ? fn('dhGenerateKeyPairAsync')(group) : Promise.resolve());
    await acceptAsync('dhComputeSharedAsync odd pair', fn('dhComputeSharedAsync')(g.bytesArg(32), g.bytes(32)));
  }
});

const SK_TRANSFORMS: readonly (readonly [number, number, number])[] = [
  [12, 128, 2], [12, 256, 5], [12, 192, 12], [12, 128, 13], [12, 256, 14],
  [13, 128, 12], [13, 256, 2],
  [18, 128, 0], [19, 192, 0], [20, 256, 0], [28, 0, 0], [28, 256, 0],
];

test('SkCipher: random messages, offsets and lengths for open and seal', () => {
  const g = new Gen(SEED + 1);
  const SkCipher = ctor('SkCipher');
  for (const [encr, keyBits, integ] of SK_TRANSFORMS) {
    const sizes = fn('skSizes')(encr, keyBits, integ) as { encrKeymatLength: number; integKeyLength: number; ivLength: number; icvLength: number };
    const keymat = g.bytes(sizes.encrKeymatLength);
    const integKey = sizes.integKeyLength ? g.bytes(sizes.integKeyLength) : undefined;
    const a = new SkCipher(encr, keyBits, integ, keymat, integKey);
    const b = new SkCipher(encr, keyBits, integ, keymat, integKey);
    const overhead = sizes.ivLength + sizes.icvLength;
    for (let i = 0; i < 200; i++) {
      const msg = g.bytes(g.length([0, overhead - 1, overhead, overhead + 16, 64], 160));
      const ivOffset = g.index(msg.length);
      const total = g.index(msg.length);
      accept(`SkCipher ${encr}/${integ} open`, () => (a['open'] as Fn).call(a, g.int(12) === 0 ? g.bytesArg(msg.length) : msg, ivOffset, total));
      const ptLen = g.index(msg.length);
      const iv = g.int(4) === 0 ? g.bytesArg(g.length([sizes.ivLength], 20)) : undefined;
      accept(`SkCipher ${encr}/${integ} seal`, () => (a['seal'] as Fn).call(a, msg, g.index(msg.length), ptLen, iv));
    }
    // A genuine message opens; with any one bit flipped it does not.
    for (let i = 0; i < 20; i++) {
      const aad = g.int(40);
      const pt = encr === 12 ? 16 * g.int(5) : g.int(70);
      const msg = Buffer.concat([g.bytes(aad + sizes.ivLength + pt), Buffer.alloc(sizes.icvLength)]);
      const plain = Buffer.from(msg.subarray(aad + sizes.ivLength, aad + sizes.ivLength + pt));
      const total = (a['seal'] as Fn).call(a, msg, aad, pt) as number;
      assert.equal(total, msg.length);
      const tampered = Buffer.from(msg);
      tampered[g.int(total)]! ^= 1 << g.int(8);
      assert.equal((b['open'] as Fn).call(b, tampered, aad, total), -1, `SkCipher ${encr}/${integ}: a flipped bit opened`);
      assert.equal((b['open'] as Fn).call(b, msg, aad, total), pt);
      assert.deepEqual(msg.subarray(aad + sizes.ivLength, aad + sizes.ivLength + pt), plain);
    }
    (a['wipe'] as Fn).call(a);
    accept('SkCipher seal after wipe', () => (a['seal'] as Fn).call(a, g.bytes(80), 0, 16));
    accept('SkCipher open after wipe', () => (a['open'] as Fn).call(a, g.bytes(80), 0, 80));
  }
  for (let i = 0; i < 200; i++) {
    const args = [g.index(30), g.pick([0, 128, 192, 256, g.index(300)]), g.index(15), g.bytesArg(g.int(70)), g.bytesArg(g.int(70))];
    accept('new SkCipher', () => new SkCipher(...args));
    accept('skSizes', () => fn('skSizes')(...args.slice(0, 3)));
  }
});

const ESP_TRANSFORMS: readonly (readonly [number, number, number])[] = [
  [20, 128, 0], [20, 256, 0], [28, 256, 0], [12, 128, 2], [12, 256, 12], [12, 192, 13], [12, 128, 14], [11, 0, 12], [11, 0, 2],
];

test('EspSa: random packets, offsets and lengths for open; tampered packets never open', () => {
  const g = new Gen(SEED + 2);
  const EspSa = ctor('EspSa');
  const SPI = 0x11223344;
  for (const [encr, keyBits, integ] of ESP_TRANSFORMS) {
    for (const esn of [false, true]) {
      const lengths = fn('espKeymatLengths')(encr, keyBits, integ) as { encr: number; integ: number };
      const keymat = g.bytes(lengths.encr);
      const integKey = lengths.integ ? g.bytes(lengths.integ) : undefined;
      const window = g.pick([0, 1, 32, 64, 65, 1000]);
      // With ESN, start near and beyond 2^32 too (the receiver starts where the sender does).
      const initialSeq = esn ? BigInt(g.int(3)) * 0xfffffff0n : 0n;
      const out = new EspSa(SPI, true, encr, keyBits, integ, keymat, integKey, esn, 0, initialSeq);
      const inn = new EspSa(SPI, false, encr, keyBits, integ, keymat, integKey, esn, window, initialSeq);
      const header = out['headerLength'] as number;
      const trailer = out['trailerMax'] as number;
      for (let i = 0; i < 150; i++) {
        const len = g.length([0, header, header + 2, header + 18, header + 34, 60], 200);
        const buf = g.bytes(len + g.int(8));
        if (len >= 4 && g.int(2) === 0) buf.writeUInt32BE(SPI, 0);
        const offset = g.int(6) === 0 ? g.index(buf.length) : 0;
        accept(`EspSa ${encr}/${integ} open`, () => (inn['open'] as Fn).call(inn, g.int(20) === 0 ? g.bytesArg(len) : buf, offset, g.index(len)));
        accept(`EspSa ${encr}/${integ} seal`, () =>
          (out['seal'] as Fn).call(out, g.bytes(g.int(120)), g.index(60), g.index(80), g.pick([0, 4, 41, 255, 256, -1])));
      }
      for (let i = 0; i < 30; i++) {
        const payload = g.bytes(g.int(90));
        const buf = Buffer.alloc(header + payload.length + trailer + g.int(70));
        payload.copy(buf, header);
        const espLength = (out['seal'] as Fn).call(out, buf, header, payload.length, 4) as number;
        const packet = buf.subarray(0, espLength);
        const tampered = Buffer.from(packet);
        tampered[g.int(espLength)]! ^= 1 << g.int(8);
        const bad = (inn['open'] as Fn).call(inn, tampered, 0, espLength) as { status: string };
        assert.notEqual(bad.status, 'ok', `EspSa ${encr}/${integ}: a flipped bit opened`);
        const good = (inn['open'] as Fn).call(inn, Buffer.from(packet), 0, espLength) as { status: string; payloadLength?: number };
        assert.equal(good.status, 'ok', `EspSa ${encr}/${integ} esn=${esn}: a genuine packet did not open`);
        assert.equal(good.payloadLength, payload.length);
      }
      (inn['wipe'] as Fn).call(inn);
      accept('EspSa open after wipe', () => (inn['open'] as Fn).call(inn, g.bytes(80), 0, 80));
      accept('espBenchmark with a wiped SA', () => fn('espBenchmark')(inn, 16, 1, out));
    }
  }
  for (let i = 0; i < 150; i++) {
    const args = [g.index(2 ** 32), g.pick([true, false, 0, 'x']), g.pick([11, 12, 20, 28, g.index(40)]), g.pick([0, 128, 192, 256, g.index(300)]),
      g.pick([0, 2, 12, 13, 14, g.index(20)]), g.bytesArg(g.pick([0, 16, 20, 32, 36, g.int(70)])), g.int(2) ? undefined : g.bytesArg(g.pick([20, 32, 48, 64, g.int(70)])),
      g.pick([true, false]), g.index(70000), g.pick([0n, 1n, 2n ** 32n, 2n ** 64n - 1n, 2n ** 64n, -1n, 5])];
    accept('new EspSa', () => new EspSa(...args));
    accept('espKeymatLengths', () => fn('espKeymatLengths')(args[2], args[3], args[4]));
    accept('espBenchmark odd sa', () => fn('espBenchmark')(g.bytesArg(8), 16, 1));
  }
});

test('PRF: odd ids, key and data sizes, prf+ lengths and IKE key layouts', () => {
  const g = new Gen(SEED + 3);
  const ids = [2, 4, 5, 6, 7, 8];
  for (let i = 0; i < 600; i++) {
    const id = g.int(8) === 0 ? g.index(10) : g.pick(ids);
    const key = g.bytesArg(g.length([0, 1, 15, 16, 17, 64, 128, 129], 200));
    const data = g.bytesArg(g.length([0, 1, 16, 64], 300));
    accept('prfCompute', () => fn('prfCompute')(id, key, data));
    accept('prfComputeSecret', () => fn('prfComputeSecret')(id, key, data));
    const outLen = g.pick([16, 20, 32, 48, 64]) * 255;
    accept('prfPlus', () => fn('prfPlus')(id, key, data, g.int(3) === 0 ? g.index(outLen + 2) : g.length([0, 1, outLen - 1, outLen, outLen + 1], 200)));
    const nonce = () => g.bytesArg(g.length([0, 7, 8, 16, 32], 64));
    accept('prfSkeyseed', () => fn('prfSkeyseed')(id, nonce(), nonce(), g.bytesArg(g.int(300))));
    accept('prfRekeySkeyseed', () => fn('prfRekeySkeyseed')(id, key, g.bytesArg(g.int(64)), nonce(), nonce()));
    accept('prfDeriveIkeKeys', () => fn('prfDeriveIkeKeys')(id, key, nonce(), nonce(), g.bytesArg(g.pick([8, 8, 7, 0])), g.bytesArg(g.pick([8, 8, 9])),
      g.index(g.pick([0, 32, 64, 20000])), g.index(g.pick([0, 36, 20000]))));
    accept('prfChildKeymat', () => fn('prfChildKeymat')(id, key, nonce(), nonce(), g.index(g.pick([64, 1000, 20000])), g.int(2) ? undefined : g.bytesArg(g.int(40))));
  }
});

test('SecretBytes: slice with odd ranges, equals, reveal and use after wipe', () => {
  const g = new Gen(SEED + 4);
  const SecretBytes = ctor('SecretBytes');
  for (let i = 0; i < 800; i++) {
    const n = g.length([0, 1, 16, 32], 100);
    const s = new SecretBytes(g.bytes(n));
    const sliced = accept('slice', () => (s['slice'] as Fn).call(s, g.index(n), g.index(n))) as Record<string, unknown> | undefined;
    if (sliced !== undefined) assert.ok((sliced['length'] as number) <= n);
    accept('equals', () => (s['equals'] as Fn).call(s, g.bytesArg(g.length([n], 40))));
    if (g.int(4) === 0) (s['wipe'] as Fn).call(s);
    accept('reveal', () => (s['reveal'] as Fn).call(s));
    accept('slice after', () => (s['slice'] as Fn).call(s, g.index(2), g.index(2)));
    accept('new SecretBytes odd source', () => new SecretBytes(g.bytesArg(g.int(10))));
  }
});

test('ReplayWindow: random sizes and sequence numbers', () => {
  const g = new Gen(SEED + 5);
  const ReplayWindow = ctor('ReplayWindow');
  const seqArg = (top: bigint): unknown => g.pick([0n, 1n, top, top + 1n, top - 1n, top + BigInt(g.int(200)), top - BigInt(g.int(70000)),
    2n ** 64n - 1n, 2n ** 64n, -1n, 5, undefined]);
  for (let w = 0; w < 40; w++) {
    const win = accept('new ReplayWindow', () => new ReplayWindow(g.pick([0, 1, 63, 64, 65, 1024, 65536, 65537, g.index(70000)]), g.int(2) === 1)) as
      Record<string, unknown> | undefined;
    if (win === undefined) continue;
    for (let i = 0; i < 60; i++) {
      const top = win['top'] as bigint;
      accept('check', () => (win['check'] as Fn).call(win, seqArg(top)));
      accept('update', () => (win['update'] as Fn).call(win, seqArg(top)));
      accept('infer', () => (win['infer'] as Fn).call(win, g.index(2 ** 32)));
      if (g.int(20) === 0) accept('reset', () => (win['reset'] as Fn).call(win, seqArg(top)));
    }
  }
});

test('helpers: odd thread counts', () => {
  const g = new Gen(SEED + 6);
  const before = fn('helperThreads')() as number;
  try {
    for (let i = 0; i < 30; i++) accept('setHelperThreads', () => fn('setHelperThreads')(g.pick([-2, -1, 0, 1, 2, 3, 0.5, 257, NaN, '2', undefined])));
  } finally {
    fn('setHelperThreads')(before);
  }
  assert.equal(fn('helperThreads')(), before);
});
