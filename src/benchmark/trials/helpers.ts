// The --nhelpers pool: 10,000 X25519 key exchanges (key generation + shared secret, each a Promise) with
// N helper threads against the same work done inline (--nhelpers 0), and how long the event loop stalled.
import { performance } from 'node:perf_hooks';

import { computeSharedAsync, generateDhKeyPair, generateDhKeyPairAsync } from '../../native/dh';
import { setHelperThreads } from '../../native/helpers';
import { BenchRow, Trial, TrialOptions, ratio } from '../types';

const EXCHANGES = 10_000;
const IN_FLIGHT = 64;

/** The longest gap between ticks of a 2 ms interval timer while `work` runs: how long the event loop stalled. */
async function maxEventLoopStallMs<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 2);
  try {
    const result = await work();
    worst = Math.max(worst, performance.now() - last);
    return { result, stallMs: worst };
  } finally {
    clearInterval(timer);
  }
}

async function exchanges(peer: Buffer, count: number): Promise<{ seconds: number; maxDelayMs: number }> {
  const { result: seconds, stallMs } = await maxEventLoopStallMs(async () => {
    const start = process.hrtime.bigint();
    // A daemon's shape: a bounded number of exchanges in flight, each a key pair then a shared secret.
    let started = 0;
    const lane = async (): Promise<void> => {
      while (started < count) {
        started++;
        const pair = await generateDhKeyPairAsync(31);
        const shared = await computeSharedAsync(pair, peer);
        shared.wipe();
        pair.wipe();
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    return Number(process.hrtime.bigint() - start) / 1e9;
  });
  return { seconds, maxDelayMs: stallMs };
}

async function run(options: TrialOptions): Promise<BenchRow[]> {
  const peer = generateDhKeyPair(31).publicKey;
  const n = options.nhelpers === 0 ? 2 : options.nhelpers;
  const count = Math.max(1000, Math.round(EXCHANGES * Math.min(1, options.seconds)));
  setHelperThreads(0);
  await exchanges(peer, 200);
  const inline = await exchanges(peer, count);
  const threads = setHelperThreads(n);
  await exchanges(peer, 200);
  const pooled = await exchanges(peer, count);
  setHelperThreads(0);
  const ours = count / pooled.seconds;
  const reference = count / inline.seconds;
  return [
    {
      name: `X25519 ${count} key exchanges, --nhelpers ${n} (${threads} threads)`,
      unit: 'ops/s',
      ours,
      reference,
      referenceName: '--nhelpers 0 (inline)',
      ratio: ratio(ours, reference),
      target: '>= 1.7 x inline with 2 helpers on 2 cores',
      note: `event loop max delay: ${pooled.maxDelayMs.toFixed(1)} ms with helpers, ${inline.maxDelayMs.toFixed(1)} ms inline`,
    },
  ];
}

export const helpersTrial: Trial = {
  name: 'nhelpers',
  description: 'X25519 key exchanges on the --nhelpers pool against inline',
  run,
};
