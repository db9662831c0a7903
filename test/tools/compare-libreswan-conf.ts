// Runs every configuration of test/corpus/conf/ through Libreswan 4.10's addconn --checkconfig (when it
// is installed at /opt/libreswan) and through our loader, and writes test/corpus/conf/manifest.json:
// { file, libreswan: accept|reject, libreswanExit, ours: accept|reject, why }.
// Libreswan "rejects" a file when addconn exits non-zero OR prints a complaint (it often prints
// "while loading 'x': ..." and exits 0 having skipped the conn); lines starting with "warning" are not
// complaints. test/unit/config/corpus.test.ts checks that our verdicts still match the manifest.
//
// Usage: node dist/test/tools/compare-libreswan-conf.js [--write]   (--write rewrites manifest.json)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ConfigLoadError, LoadedConfig, loadIpsecConf } from '../../src/config';
import { ALL_KEYWORDS, lookupKeyword } from '../../src/config/keywords';
import { formatValue } from '../../src/config/values/format';
import { parseValue } from '../../src/config/values/parse-value';
import { REPO_ROOT } from '../helpers/paths';
import { CORPUS_LOCAL_ADDRESSES, corpusResolver } from '../corpus/conf/fixtures';

export const CORPUS_DIR = path.join(REPO_ROOT, 'test', 'corpus', 'conf');
export const MANIFEST = path.join(CORPUS_DIR, 'manifest.json');
export const KEYWORD_COVERAGE = path.join(CORPUS_DIR, 'keyword-coverage.json');

export interface KeywordCoverage {
  /** Every name in our table (aliases, old names, left/right forms), as "setup name" / "conn name". */
  checked: string[];
  /** Names Libreswan 4.10's addconn does not know (must stay empty: we accept nothing it refuses). */
  unknownToLibreswan: string[];
}

/** Every keyword name we accept, with its section. */
export function ourKeywordNames(): string[] {
  const out: string[] = [];
  for (const d of ALL_KEYWORDS) {
    for (const n of [d.name, ...(d.aliases ?? []), ...(d.oldNames ?? [])]) {
      if (d.perSide) out.push(`conn left${n}`, `conn right${n}`);
      else out.push(`${d.section} ${n}`);
    }
  }
  return out.sort();
}

/** Asks Libreswan whether it knows each of our keyword names in its section. */
function keywordCoverage(): KeywordCoverage {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'swanlet-kw-'));
  const file = path.join(dir, 'k.conf');
  const checked = ourKeywordNames();
  const unknownToLibreswan: string[] = [];
  for (const entry of checked) {
    const [section, name] = entry.split(' ') as [string, string];
    fs.writeFileSync(file, section === 'setup' ? `config setup\n\t${name}=x\n` : `conn a\n\t${name}=x\n`);
    const r = spawnSync(ADDCONN, ['--config', file, '--checkconfig'], { encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    if (out.includes(`syntax error [${name}]`) || out.includes('unexpected keyword') || out.includes('not valid in')) unknownToLibreswan.push(entry);
  }
  fs.rmSync(dir, { recursive: true });
  return { checked, unknownToLibreswan };
}
const ADDCONN = '/opt/libreswan/usr/libexec/ipsec/addconn';
const READWRITECONF = '/opt/libreswan/usr/libexec/ipsec/readwriteconf';

export type Verdict = 'accept' | 'reject';

export interface ManifestEntry {
  file: string;
  libreswan: Verdict;
  libreswanExit: number;
  ours: Verdict;
  /** Our first error (or "" when accepted). */
  ourError: string;
  /**
   * When both accept: every conn value Libreswan's readwriteconf prints that reads differently in our
   * result ("conn/key: libreswan X, ours Y"); empty = the same meaning for every value it prints.
   */
  meaningDifferences: string[];
  why: string;
}

/** Why we differ from Libreswan, or what both do, per file (written by hand after reading the outputs). */
const WHY: Record<string, string> = {
  'reject-bad-esp.conf': 'addconn does not parse esp= (pluto refuses the conn only when it is added, as algparse says: ESP integrity algorithm rot13 is not recognized); we refuse the file at load',
  'reject-bad-ike.conf': 'addconn does not parse ike= (pluto refuses the conn only when it is added); we refuse the file at load',
  'reject-bad-id.conf': 'addconn keeps leftid=%bogus as text (pluto fails when the conn is added); we refuse the file at load',
  'alsoflip.conf': "Libreswan 4.10 accepts alsoflip= but does not merge the section (readwriteconf shows it unflipped and unmerged); we merge it flipped, as ipsec.conf(5) says",
  'reject-bad-time.conf': 'Libreswan 4.10 silently drops ikelifetime=1.5h (no message, default used); we refuse the value',
  'reject-bad-rekeyfuzz.conf': 'Libreswan 4.10 silently drops rekeyfuzz (even valid ones); we refuse a value that is not a percentage',
  'reject-also-cycle.conf': 'Libreswan stops at the cycle without a word; we report the cycle',
  'reject-duplicate-conn.conf': 'Libreswan keeps one of two conns with the same name without a word; we refuse',
  'reject-subnet-and-subnets.conf': 'Libreswan loads leftsubnet= with leftsubnets= (pluto fails later); ipsec.conf(5) forbids it, we refuse',
  'reject-unresolvable-host.conf': "addconn does not resolve host names (pluto does later, and retries); we resolve at load and refuse a name that does not resolve, naming it",
  'reject-sideless-keyword.conf': 'Libreswan 4.10 silently reads a per-side keyword written without left/right (subnets=) as the right side; we ask which side is meant',
  'reject-quote-inside-value.conf': 'ipsec.conf(5): "a value cannot itself contain a double quote"; Libreswan 4.10 keeps it in the value anyway; we refuse',
  'reject-leftauth-alone.conf': 'ipsec.conf(5): "If leftauth is set, rightauth must also be set"; addconn does not check it (pluto refuses the conn later); we refuse the file',
  'reject-both-defaultroute.conf': 'ipsec.conf(5): "Either left or right may be %defaultroute, but not both"; addconn does not check it; we refuse',
  'reject-ikeport-500.conf': 'ipsec.conf(5): leftikeport "cannot be 0 or 500"; addconn does not check it; we refuse',
  'reject-auto-add-without-left.conf': 'left= is "(required)" in ipsec.conf(5); addconn does not check it (pluto refuses the conn at --add); we refuse',
  'reject-missing-include.conf': 'Libreswan only warns about an include that cannot be opened; we refuse (a gateway must not start half-configured)',
};

function libreswanVerdict(file: string): { verdict: Verdict; exit: number } {
  // Libreswan 4.10 resolves relative include names against its working directory, not the including
  // file as its man page says, so it runs from the corpus directory.
  const r = spawnSync(ADDCONN, ['--config', path.basename(file), '--checkconfig'], { cwd: path.dirname(file), encoding: 'utf8' });
  const output = `${r.stdout}\n${r.stderr}`;
  const complaints = output.split('\n').filter((l) => l.trim() !== '' && !/^\s*warning/i.test(l));
  const exit = r.status ?? -1;
  return { verdict: exit === 0 && complaints.length === 0 ? 'accept' : 'reject', exit };
}

export async function ourVerdict(file: string): Promise<{ verdict: Verdict; error: string; config?: LoadedConfig }> {
  try {
    const config = await loadIpsecConf(file, { resolveHost: corpusResolver, localAddresses: CORPUS_LOCAL_ADDRESSES });
    return { verdict: 'accept', error: '', config };
  } catch (err) {
    if (err instanceof ConfigLoadError) return { verdict: 'reject', error: err.errors[0]!.message.replaceAll(CORPUS_DIR + path.sep, '') };
    throw err;
  }
}

/**
 * Libreswan's readwriteconf: section -> key -> the first non-empty value it prints (later ones are
 * derived); the config setup section is under the name "config setup".
 */
function libreswanSections(file: string): Map<string, Map<string, string>> {
  const r = spawnSync(READWRITECONF, ['--config', path.basename(file)], { cwd: path.dirname(file), encoding: 'utf8' });
  const conns = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of r.stdout.split('\n')) {
    const head = /^conn (\S+)/.exec(line);
    if (head) {
      current = new Map();
      conns.set(head[1]!, current);
      continue;
    }
    if (/^config setup/.test(line)) {
      current = new Map();
      conns.set('config setup', current);
      continue;
    }
    const kv = /^\t([a-z0-9-]+)=(.*)$/.exec(line);
    if (!current || !kv || kv[2] === '' || current.has(kv[1]!)) continue;
    // Values with special characters are printed in double quotes.
    current.set(kv[1]!, kv[2]!.replace(/^"(.*)"$/, '$1'));
  }
  return conns;
}

/** Reads a value as Libreswan printed it (times in milliseconds) into our canonical text. */
function libreswanText(section: 'conn' | 'setup', key: string, text: string): string | undefined {
  const lookup = lookupKeyword(section, key);
  if (!lookup.found) return undefined;
  const kind = lookup.match.def.value;
  const parsed = parseValue(kind.kind === 'time' ? { ...kind, bareUnit: 'ms', max: undefined } : kind, text);
  return parsed.ok ? formatValue(kind, parsed.value) : `unreadable '${text}'`;
}

export function meaningDifferences(file: string, config: LoadedConfig): string[] {
  const out: string[] = [];
  const theirs = libreswanSections(file);
  for (const [key, text] of theirs.get('config setup') ?? []) {
    const expected = libreswanText('setup', key, text);
    if (expected === undefined) continue;
    const lookup = lookupKeyword('setup', key);
    const ours = lookup.found ? config.setup.options.get(lookup.match.canonical)?.text : undefined;
    if (ours !== expected) out.push(`config setup/${key}: libreswan ${text} (${expected}), ours ${ours ?? 'unset'}`);
  }
  for (const conn of config.conns) {
    const values = theirs.get(conn.name);
    if (!values) {
      out.push(`${conn.name}: missing from Libreswan's readwriteconf`);
      continue;
    }
    for (const [key, text] of values) {
      if (key === 'also' || key === 'alsoflip') continue;
      // Without authby=, readwriteconf prints the policy bits it derived ("none"); pluto then applies the
      // documented default rsasig,ecdsa, which is what we fill in.
      if (key === 'authby' && text === 'none' && !conn.options.get('authby')?.origin) continue;
      const expected = libreswanText('conn', key, text);
      if (expected === undefined) continue;
      const lookup = lookupKeyword('conn', key);
      const ours = lookup.found ? conn.options.get(lookup.match.canonical)?.text : undefined;
      if (ours !== expected) out.push(`${conn.name}/${key}: libreswan ${text} (${expected}), ours ${ours ?? 'unset'}`);
    }
  }
  return out;
}

export function corpusFiles(): string[] {
  return fs
    .readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((f) => path.join(CORPUS_DIR, f));
}

async function main(): Promise<number> {
  if (!fs.existsSync(ADDCONN)) {
    process.stdout.write(`SKIP: Libreswan is not installed at ${ADDCONN}; the comparison was not run (manifest.json unchanged)\n`);
    return 0;
  }
  const entries: ManifestEntry[] = [];
  for (const file of corpusFiles()) {
    const lsw = libreswanVerdict(file);
    const ours = await ourVerdict(file);
    const name = path.basename(file);
    const meaning = lsw.verdict === 'accept' && ours.config ? meaningDifferences(file, ours.config) : [];
    const same = lsw.verdict === ours.verdict && meaning.length === 0;
    const why = WHY[name] ?? (same ? (lsw.verdict === 'accept' ? 'both accept, same values' : 'both reject') : 'UNEXPLAINED DIFFERENCE');
    entries.push({ file: name, libreswan: lsw.verdict, libreswanExit: lsw.exit, ours: ours.verdict, ourError: ours.error, meaningDifferences: meaning, why });
  }
  const differ = entries.filter((e) => e.libreswan !== e.ours || e.meaningDifferences.length > 0);
  for (const e of entries) {
    process.stdout.write(`${e.libreswan === e.ours ? 'same' : 'DIFF'}  ${e.file.padEnd(36)} libreswan=${e.libreswan}(${e.libreswanExit}) ours=${e.ours}  ${e.why}\n`);
    for (const d of e.meaningDifferences) process.stdout.write(`        value: ${d}\n`);
  }
  process.stdout.write(`${entries.length} files, ${entries.length - differ.length} same verdict and values, ${differ.length} different (each explained)\n`);
  const coverage = keywordCoverage();
  process.stdout.write(`keywords: ${coverage.checked.length} names checked, ${coverage.unknownToLibreswan.length} unknown to Libreswan${coverage.unknownToLibreswan.length ? `: ${coverage.unknownToLibreswan.join(', ')}` : ''}\n`);
  if (process.argv.includes('--write')) {
    fs.writeFileSync(MANIFEST, `${JSON.stringify(entries, null, 2)}\n`);
    fs.writeFileSync(KEYWORD_COVERAGE, `${JSON.stringify(coverage, null, 2)}\n`);
  }
  return differ.some((e) => e.why === 'UNEXPLAINED DIFFERENCE') || coverage.unknownToLibreswan.length > 0 ? 1 : 0;
}

// `node --test dist/test/` also runs this file; the comparison is a tool, not part of the suite
// (corpus.test.ts checks the recorded result), so it only runs when invoked directly.
if (require.main === module && process.env['NODE_TEST_CONTEXT'] === undefined) {
  main().then((code) => process.exit(code), (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
