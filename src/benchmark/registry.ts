// Every benchmark trial, by --suite name. Trials are loaded lazily (in the child process that runs them).
import * as path from 'node:path';

import type { Trial } from './types';

export interface TrialEntry {
  name: string;
  description: string;
  /** Compiled module that exports the trial. */
  module: string;
  exportName: string;
  /** Part of the user-facing crypto suites (`ipsec benchmark`), or a project benchmark (`npm run bench`). */
  scope: 'crypto' | 'project';
}

const trialsDir = path.join(__dirname, 'trials');
/** Project benchmarks (dist/benchmarks): what `npm run bench` adds to the crypto suites. */
const projectDir = path.join(__dirname, '..', '..', 'benchmarks');

export const TRIALS: readonly TrialEntry[] = [
  { name: 'dh', description: 'DH/ECDH shared secrets per second', module: path.join(trialsDir, 'dh.js'), exportName: 'dhTrial', scope: 'crypto' },
  { name: 'esp', description: 'ESP seal throughput by transform and packet size', module: path.join(trialsDir, 'esp.js'), exportName: 'espTrial', scope: 'crypto' },
  { name: 'prf', description: 'PRF+ key derivation', module: path.join(trialsDir, 'prf.js'), exportName: 'prfTrial', scope: 'crypto' },
  { name: 'nhelpers', description: 'X25519 exchanges on the --nhelpers pool', module: path.join(trialsDir, 'helpers.js'), exportName: 'helpersTrial', scope: 'crypto' },
  { name: 'config-parse', description: 'parse a 10,000-conn ipsec.conf', module: path.join(projectDir, 'config-parse.js'), exportName: 'configParseTrial', scope: 'project' },
  { name: 'ike-setup', description: 'IKE SA setups per second between two of our daemons on loopback (PSK, X25519)', module: path.join(projectDir, 'ike-setup.js'), exportName: 'ikeSetupTrial', scope: 'project' },
  { name: 'tunnel-strongswan', description: 'TCP through a strongSwan <-> strongSwan tunnel (kernel-libipsec), iperf3', module: path.join(projectDir, 'tunnel-strongswan.js'), exportName: 'tunnelStrongswanTrial', scope: 'project' },
  { name: 'tunnel-ours', description: 'TCP throughput (iperf3) through our userspace ESP data path', module: path.join(projectDir, 'tunnel-ours.js'), exportName: 'tunnelOursTrial', scope: 'project' },
];

export function findTrial(name: string): TrialEntry | undefined {
  return TRIALS.find((t) => t.name === name);
}

export function loadTrial(entry: TrialEntry): Trial {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(entry.module) as Record<string, unknown>;
  const trial = mod[entry.exportName] as Trial | undefined;
  if (!trial || typeof trial.run !== 'function') throw new Error(`${entry.module} does not export the trial ${entry.exportName}`);
  return trial;
}
