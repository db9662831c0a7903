// Timing loops for the benchmark trials. Figures come from process.hrtime.bigint over a fixed duration.

/** Runs `batch()` (which does `perBatch` operations) repeatedly for about `seconds`; returns operations/s. */
export function opsPerSecond(seconds: number, perBatch: number, batch: () => void): number {
  // Warm up (JIT, caches, lazy OpenSSL init) for a tenth of the time, then measure.
  runFor(seconds / 10, batch);
  const { iterations, elapsedNs } = runFor(seconds, batch);
  return (iterations * perBatch * 1e9) / elapsedNs;
}

function runFor(seconds: number, batch: () => void): { iterations: number; elapsedNs: number } {
  const budget = BigInt(Math.max(1, Math.round(seconds * 1e9)));
  const start = process.hrtime.bigint();
  let iterations = 0;
  let now = start;
  do {
    batch();
    iterations++;
    now = process.hrtime.bigint();
  } while (now - start < budget);
  return { iterations, elapsedNs: Number(now - start) };
}

/** The same for an asynchronous batch. */
export async function opsPerSecondAsync(seconds: number, perBatch: number, batch: () => Promise<void>): Promise<number> {
  await runForAsync(seconds / 10, batch);
  const { iterations, elapsedNs } = await runForAsync(seconds, batch);
  return (iterations * perBatch * 1e9) / elapsedNs;
}

async function runForAsync(seconds: number, batch: () => Promise<void>): Promise<{ iterations: number; elapsedNs: number }> {
  const budget = BigInt(Math.max(1, Math.round(seconds * 1e9)));
  const start = process.hrtime.bigint();
  let iterations = 0;
  let now = start;
  do {
    await batch();
    iterations++;
    now = process.hrtime.bigint();
  } while (now - start < budget);
  return { iterations, elapsedNs: Number(now - start) };
}

/** Bytes per second to GB/s (10^9). */
export function gbps(bytesPerSecond: number): number {
  return bytesPerSecond / 1e9;
}
