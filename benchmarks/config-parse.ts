// Project benchmark: parsing (and fully resolving: %default, also=, defaults, algorithm and ID
// validation) an ipsec.conf of 10,000 conns, as a large hub has. Target: under one second.
import { performance } from 'node:perf_hooks';

import { ratio, type BenchRow, type Trial, type TrialOptions } from '../src/benchmark/types';
import { parseIpsecConfText } from '../src/config';
import { generateIpsecConf } from './generate-conf';

const CONNS = 10_000;

async function run(options: TrialOptions): Promise<BenchRow[]> {
  const text = generateIpsecConf(CONNS);
  const parse = (): void => {
    const cfg = parseIpsecConfText(text, 'bench.conf');
    const sites = cfg.conns.filter((c) => c.name.startsWith('site-')).length;
    if (sites !== CONNS) throw new Error(`expected ${CONNS} site conns, parsed ${sites}`);
  };
  parse(); // warm-up
  const runs: number[] = [];
  const until = performance.now() + options.seconds * 1000;
  do {
    const start = performance.now();
    parse();
    runs.push((performance.now() - start) / 1000);
  } while (performance.now() < until && runs.length < 10);
  runs.sort((a, b) => a - b);
  const median = runs[Math.floor(runs.length / 2)]!;
  return [
    {
      name: `ipsec.conf parse, ${CONNS} conns (median of ${runs.length})`,
      unit: 'ops/s',
      ours: 1 / median,
      reference: 1,
      referenceName: 'target: one parse per second',
      ratio: ratio(1 / median, 1),
      target: '>= 1 (under a second)',
      note: `${(median * 1000).toFixed(0)} ms per parse of ${(text.length / 1e6).toFixed(1)} MB`,
    },
  ];
}

export const configParseTrial: Trial = { name: 'config-parse', description: 'parse a 10,000-conn ipsec.conf', run };
