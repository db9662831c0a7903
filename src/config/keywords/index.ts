// Keyword lookup: a key as written (leftsubnet, lifetime, plutostderrlog) to its table entry, its side
// and its canonical spelling; unknown keys get the closest known one for "did you mean".
import { closest } from '../errors';
import { CONN_KEYWORDS } from './conn-keywords';
import { END_KEYWORDS } from './end-keywords';
import { SETUP_KEYWORDS } from './setup-keywords';
import { KeywordDef, Section } from './types';

export type Side = 'left' | 'right';

export interface KeywordMatch {
  def: KeywordDef;
  side?: Side;
  /** The canonical full name: "leftsubnet", "salifetime". */
  canonical: string;
  /** True when the key was an old name (lifetime for salifetime): accepted with a warning. */
  alias: boolean;
}

export type Lookup =
  | { found: true; match: KeywordMatch }
  | { found: false; wrongSection?: Section; suggestion?: string; extension?: boolean; needsSide?: boolean };

const tables: Record<Section, Map<string, KeywordMatch>> = { setup: new Map(), conn: new Map() };

function add(section: Section, key: string, match: KeywordMatch): void {
  tables[section].set(key, match);
}

for (const def of [...CONN_KEYWORDS, ...SETUP_KEYWORDS]) {
  add(def.section, def.name, { def, canonical: def.name, alias: false });
  for (const a of def.aliases ?? []) add(def.section, a, { def, canonical: def.name, alias: false });
  for (const a of def.oldNames ?? []) add(def.section, a, { def, canonical: def.name, alias: true });
}
for (const def of END_KEYWORDS) {
  for (const side of ['left', 'right'] as const) {
    add('conn', side + def.name, { def, side, canonical: side + def.name, alias: false });
    for (const a of def.aliases ?? []) add('conn', side + a, { def, side, canonical: side + def.name, alias: false });
    for (const a of def.oldNames ?? []) add('conn', side + a, { def, side, canonical: side + def.name, alias: true });
  }
}

const sideless = new Set(END_KEYWORDS.filter((d) => d.name !== '').flatMap((d) => [d.name, ...(d.aliases ?? []), ...(d.oldNames ?? [])]));

/** Every keyword name (aliases included) valid in a section. */
export function keywordNames(section: Section): string[] {
  return [...tables[section].keys()];
}

export function lookupKeyword(section: Section, key: string): Lookup {
  const match = tables[section].get(key);
  if (match) return { found: true, match };
  // x-foo / X_foo: reserved for user extensions, accepted and ignored (ipsec.conf(5)).
  if (/^[xX][-_]/.test(key)) return { found: false, extension: true };
  // "subnets=" without left/right: Libreswan 4.10 silently takes it as the right side; we ask which.
  if (section === 'conn' && sideless.has(key)) return { found: false, needsSide: true, suggestion: `left${key}' or 'right${key}` };
  const other: Section = section === 'conn' ? 'setup' : 'conn';
  if (tables[other].has(key)) return { found: false, wrongSection: other };
  return { found: false, suggestion: closest(key, tables[section].keys()) };
}

/** The table entries, for the writer and the tests. */
export const ALL_KEYWORDS: readonly KeywordDef[] = [...SETUP_KEYWORDS, ...CONN_KEYWORDS, ...END_KEYWORDS];
export { CONN_KEYWORDS, END_KEYWORDS, SETUP_KEYWORDS };
