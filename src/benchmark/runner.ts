// Runs the chosen trials, each in a child process, and gathers their rows.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

import type { TrialEntry } from './registry';
import type { BenchRow, TrialOptions } from './types';

const CHILD = path.join(__dirname, 'child.js');

export async function runTrialInChild(entry: TrialEntry, options: TrialOptions): Promise<BenchRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, entry.name, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`benchmark '${entry.name}' failed (exit ${code}): ${err.trim().split('\n').slice(0, 6).join('\n')}`));
        return;
      }
      const last = out.trim().split('\n').pop() ?? '[]';
      try {
        resolve(JSON.parse(last) as BenchRow[]);
      } catch {
        reject(new Error(`benchmark '${entry.name}' printed no result line`));
      }
    });
  });
}

export async function runTrials(
  entries: readonly TrialEntry[],
  options: TrialOptions,
  onRows: (entry: TrialEntry, rows: BenchRow[]) => void,
): Promise<{ rows: BenchRow[]; failures: string[] }> {
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  for (const entry of entries) {
    try {
      const got = await runTrialInChild(entry, options);
      rows.push(...got);
      onRows(entry, got);
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  return { rows, failures };
}
