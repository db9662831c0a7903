// Runs one trial in its own process (so one trial's threads, JIT state and allocations do not colour the
// next) and prints its rows as one JSON line on stdout.
import { findTrial, loadTrial } from './registry';
import type { TrialOptions } from './types';

async function main(): Promise<void> {
  const [name, optionsJson] = process.argv.slice(2);
  const entry = name ? findTrial(name) : undefined;
  if (!entry || !optionsJson) throw new Error(`usage: child.js TRIAL OPTIONS_JSON (unknown trial '${name ?? ''}')`);
  const options = JSON.parse(optionsJson) as TrialOptions;
  const rows = await loadTrial(entry).run(options);
  process.stdout.write(`${JSON.stringify(rows)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
