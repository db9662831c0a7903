// The crypto helper pool: Libreswan's `--nhelpers N`. DH key generation and shared secrets run on N
// native threads (dh.ts *Async functions) and come back as Promises; N = 0 runs them inline.
import { nativeFunction } from './binding';

export interface HelperStats {
  /** Threads in use (0: inline). */
  threads: number;
  /** Jobs waiting for a thread. */
  queued: number;
  /** Jobs whose Promise was resolved / rejected. */
  completed: number;
  failed: number;
  /** Wake-ups of the JavaScript thread that delivered completions (each can settle many jobs). */
  batches: number;
}

function rangeError(message: string): RangeError & { code: string } {
  const err = new RangeError(message) as RangeError & { code: string };
  err.code = 'ERR_OUT_OF_RANGE';
  return err;
}

/** The largest --nhelpers the addon accepts. */
export const MAX_HELPERS = 256;

/**
 * Libreswan's rule, pure: n >= 0 is taken as it is; -1 means one thread per CPU when there are fewer
 * than 4 CPUs, else CPUs - 1 (the JavaScript thread keeps one).
 */
export function resolveNhelpers(n: number, cpus: number): number {
  if (!Number.isInteger(n) || n < -1 || n > MAX_HELPERS) {
    throw rangeError(`nhelpers must be an integer from -1 to ${MAX_HELPERS}, got ${String(n)}`);
  }
  if (n >= 0) return n;
  const c = Number.isInteger(cpus) && cpus >= 1 ? cpus : 1;
  return c < 4 ? c : c - 1;
}

type SetFn = (n: number) => number;
type GetFn = () => number;
type StatsFn = () => HelperStats;

/**
 * Sets the number of helper threads (-1: the default for this machine's CPUs, as os.availableParallelism()
 * counts them; 0: inline). Old threads finish their current job and are joined; queued jobs move to the
 * new threads (or run now, with 0). Returns the thread count in use.
 */
export function setHelperThreads(n: number): number {
  resolveNhelpers(n, 1); // validates, with the same message whatever the machine
  return nativeFunction<SetFn>('setHelperThreads')(n);
}

/** The thread count in use (the default, -1 resolved, until setHelperThreads is called). */
export function helperThreads(): number {
  return nativeFunction<GetFn>('helperThreads')();
}

export function helperStats(): HelperStats {
  return nativeFunction<StatsFn>('helperStats')();
}
