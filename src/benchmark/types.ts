// The shape every benchmark trial produces: one row per thing measured, with its reference.

export type BenchUnit = 'ops/s' | 'GB/s' | 'Mbit/s';

export interface BenchRow {
  /** What was measured, e.g. "ESP seal AES-128-GCM 1400B". */
  name: string;
  unit: BenchUnit;
  /** Our figure (through the addon). */
  ours: number;
  /** The reference figure measured in the same run, or null when none could be had. */
  reference: number | null;
  /** Where the reference comes from: "openssl speed ...", "node:crypto", "--nhelpers 0", ... */
  referenceName: string;
  /** ours / reference (higher is better for us), or null without a reference. */
  ratio: number | null;
  /** The same work through node:crypto, where Node has it. */
  node?: number | null;
  /** ours / node. */
  nodeRatio?: number | null;
  /** A target this row is measured against (e.g. ">= 0.9 x openssl"), informative. */
  target?: string;
  /** Anything else worth printing (event-loop delay, sizes). */
  note?: string;
}

/** Options given to a trial by the runner (from `ipsec benchmark` flags). */
export interface TrialOptions {
  /** Seconds each measurement runs for. */
  seconds: number;
  /** Packet sizes for the per-packet rows. */
  sizes: number[];
  /** --nhelpers for the helper-pool rows. */
  nhelpers: number;
  /** Measure OpenSSL's own figure with the `openssl` command where present. */
  openssl: boolean;
}

export interface Trial {
  /** The --suite name. */
  name: string;
  description: string;
  run(options: TrialOptions): Promise<BenchRow[]>;
}

export function ratio(ours: number, reference: number | null | undefined): number | null {
  return reference && reference > 0 ? ours / reference : null;
}
