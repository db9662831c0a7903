// Compares `ipsec algparse` with Libreswan 4.10's algparse (/opt/libreswan) on the generated cases:
// stdout line for line, stderr, and exit status. With --write it records the oracle's answers under
// test/corpus/algparse/, which test/unit/config/alg-corpus.test.ts then checks our output against
// (so machines without Libreswan still test against the recorded oracle).
//
//   node dist/test/tools/compare-algparse.js [--write]
//
// Last run (Libreswan 4.10 from Debian, 2026-11-25): 27311 strings over 14 option sets, all identical
// (stdout line for line, stderr and exit status); see KNOWN_DIFFERENCES in algparse-cases.ts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { algparse } from '../../src/cli/algparse';
import { REPO_ROOT } from '../helpers/paths';
import { caseGroups } from './algparse-cases';

export const ORACLE = '/opt/libreswan/usr/libexec/ipsec/algparse';
export const CORPUS_DIR = path.join(REPO_ROOT, 'test', 'corpus', 'algparse');
/** Libreswan's algparse takes many arguments; batches keep the process count low. */
const BATCH = 400;

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

export function runOurs(args: string[]): Run {
  let stdout = '';
  let stderr = '';
  const status = algparse(args, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

function runOracle(args: string[]): Run {
  const r = spawnSync(ORACLE, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface CorpusBatch {
  args: string[];
  status: number;
  stdout: string;
  stderr: string;
}

export interface CorpusFile {
  source: string;
  options: string[];
  batches: CorpusBatch[];
}

function batches<T>(list: readonly T[]): T[][] {
  // Options alone are a case too (one run with no proposal).
  if (list.length === 0) return [[]];
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += BATCH) out.push(list.slice(i, i + BATCH));
  return out;
}

/** Splits algparse's stdout into one chunk per parsed argument (each starts with the echoed command). */
export function splitCases(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('algparse ') || out.length === 0) out.push(line);
    else out[out.length - 1] += `\n${line}`;
  }
  return out;
}

/** The first differing line of two outputs, for a readable report. */
export function firstDifference(ours: string, theirs: string): string | null {
  if (ours === theirs) return null;
  const a = ours.split('\n');
  const b = theirs.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: ours ${JSON.stringify(a[i])} / Libreswan ${JSON.stringify(b[i])} (after ${JSON.stringify(a[i - 1] ?? '')})`;
  }
  return 'outputs differ';
}

function main(): number {
  if (!fs.existsSync(ORACLE)) {
    process.stdout.write(`compare-algparse: SKIPPED: Libreswan's algparse is not installed at ${ORACLE}\n`);
    return 0;
  }
  const write = process.argv.includes('--write');
  let cases = 0;
  let differing = 0;
  for (const group of caseGroups()) {
    const file: CorpusFile = {
      source: `Libreswan 4.10 (Debian) ${ORACLE} ${group.options.join(' ')}, recorded by test/tools/compare-algparse.ts`,
      options: group.options,
      batches: [],
    };
    let groupDiffs = 0;
    for (const args of batches(group.args)) {
      const theirs = runOracle([...group.options, ...args]);
      const ours = runOurs([...group.options, ...args]);
      cases += args.length;
      file.batches.push({ args, ...theirs });
      const a = splitCases(ours.stdout);
      const b = splitCases(theirs.stdout);
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (a[i] !== b[i]) {
          groupDiffs++;
          process.stdout.write(`DIFF ${group.name}:\n  ours:      ${JSON.stringify(a[i])}\n  Libreswan: ${JSON.stringify(b[i])}\n`);
        }
      }
      const diff = firstDifference(ours.stderr, theirs.stderr);
      if (diff !== null) {
        groupDiffs++;
        process.stdout.write(`DIFF ${group.name} stderr: ${diff}\n`);
      }
      if (ours.status !== theirs.status) {
        groupDiffs++;
        process.stdout.write(`DIFF ${group.name} status: ours ${ours.status} / Libreswan ${theirs.status}\n`);
      }
    }
    differing += groupDiffs;
    process.stdout.write(`${group.name}: ${group.args.length} strings, ${groupDiffs === 0 ? 'identical' : `${groupDiffs} differences`}\n`);
    // Gzipped: the matrix outputs are long and repetitive (4 MB as text, ~250 kB compressed).
    if (write) fs.writeFileSync(path.join(CORPUS_DIR, `${group.name}.json.gz`), zlib.gzipSync(`${JSON.stringify(file, null, 1)}\n`, { level: 9 }));
  }
  process.stdout.write(`compare-algparse: ${cases} strings, ${differing === 0 ? 'all identical' : `${differing} differences`}\n`);
  return differing === 0 ? 0 : 1;
}

if (require.main === module) process.exit(main());
