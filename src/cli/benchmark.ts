// `ipsec benchmark`: crypto suites compared on this host (ours through the addon, node:crypto, and
// OpenSSL's own `openssl speed` figure measured in the same run).
import { Command, InvalidArgumentError, Option } from 'commander';

import { TRIALS, TrialEntry } from '../benchmark/registry';
import { runTrials } from '../benchmark/runner';
import { tableLines } from '../benchmark/table';
import type { TrialOptions } from '../benchmark/types';

interface BenchmarkFlags {
  suite?: string[];
  size?: number[];
  nhelpers: number;
  seconds: number;
  json?: boolean;
  openssl: boolean;
  all?: boolean;
  list?: boolean;
}

const DEFAULT_SIZES = [64, 1400, 8192];

function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

function collectSizes(value: string, previous: number[] | undefined): number[] {
  const sizes = value.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || n > 65000) throw new InvalidArgumentError(`'${s}' is not a packet size (1..65000)`);
    return n;
  });
  return [...(previous ?? []), ...sizes];
}

function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1) throw new InvalidArgumentError(`'${value}' is not -1, 0 or a positive integer`);
  return n;
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 60)) throw new InvalidArgumentError(`'${value}' is not a duration in seconds (0 < s <= 60)`);
  return n;
}

export function chooseTrials(flags: Pick<BenchmarkFlags, 'suite' | 'all'>): TrialEntry[] {
  const pool = flags.all ? TRIALS : TRIALS.filter((t) => t.scope === 'crypto');
  if (!flags.suite || flags.suite.length === 0) return [...pool];
  return flags.suite.map((name) => {
    const entry = TRIALS.find((t) => t.name === name);
    if (!entry) throw new Error(`unknown suite '${name}' (known: ${TRIALS.map((t) => t.name).join(', ')})`);
    return entry;
  });
}

async function benchmark(flags: BenchmarkFlags): Promise<void> {
  if (flags.list) {
    for (const t of TRIALS) process.stdout.write(`${t.name.padEnd(18)} ${t.scope.padEnd(8)} ${t.description}\n`);
    return;
  }
  const entries = chooseTrials(flags);
  const options: TrialOptions = {
    seconds: flags.seconds,
    sizes: flags.size && flags.size.length > 0 ? flags.size : DEFAULT_SIZES,
    nhelpers: flags.nhelpers,
    openssl: flags.openssl,
  };
  const { rows, failures } = await runTrials(entries, options, (entry, got) => {
    if (!flags.json) process.stderr.write(`ipsec benchmark: ${entry.name}: ${got.length} rows\n`);
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    process.stdout.write(`${tableLines(rows, true).join('\n')}\n`);
  }
  for (const f of failures) process.stderr.write(`ipsec benchmark: ${f}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

export function register(program: Command): void {
  program
    .command('benchmark')
    .description('compare crypto suites on this host: the addon, node:crypto and openssl speed, in one run')
    .option('--suite <names>', `suites to run, comma-separated or repeated (${TRIALS.map((t) => t.name).join(', ')})`, collectList)
    .option('--size <octets>', `packet sizes for the per-packet rows (default ${DEFAULT_SIZES.join(',')})`, collectSizes)
    .addOption(new Option('--nhelpers <n>', 'helper threads for the pool rows (-1 = per CPU, 0 = inline)').argParser(parseInteger).default(2))
    .addOption(new Option('--seconds <s>', 'how long each measurement runs').argParser(parseSeconds).default(1))
    .option('--json', 'print the rows as one JSON array (name, unit, ours, reference, ratio, ...)')
    .option('--no-openssl', 'do not run `openssl speed` for the reference figures')
    .option('--all', 'also run the project benchmarks (configuration, IKE, tunnel): what `npm run bench` does')
    .option('--list', 'list the suites and exit')
    .action(async (flags: BenchmarkFlags) => benchmark(flags));
}
