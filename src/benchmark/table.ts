// The human-readable table of `ipsec benchmark`.
import type { BenchRow } from './types';

function fmt(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (unit === 'GB/s') return value.toFixed(3);
  if (unit === 'Mbit/s') return value.toFixed(0);
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(value >= 100 ? 0 : 1);
}

function fmtRatio(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.toFixed(2)}x`;
}

export const TABLE_HEADER = ['benchmark', 'unit', 'ours', 'node:crypto', 'reference', 'ours/ref', 'reference is'];

export function tableLines(rows: readonly BenchRow[], withHeader: boolean): string[] {
  const cells = rows.map((r) => [r.name, r.unit, fmt(r.ours, r.unit), fmt(r.node, r.unit), fmt(r.reference, r.unit), fmtRatio(r.ratio), r.referenceName]);
  const all = withHeader ? [TABLE_HEADER, ...cells] : cells;
  const widths = TABLE_HEADER.map((_, i) => Math.max(...[TABLE_HEADER, ...cells].map((c) => (c[i] ?? '').length)));
  widths[0] = Math.max(widths[0] ?? 0, 58);
  const lines = all.map((c) =>
    c.map((cell, i) => (i === 0 || i === c.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd(),
  );
  for (const r of rows) if (r.note) lines.push(`    ${r.name}: ${r.note}`);
  return lines;
}
