// `include PATTERN`: shell globs, relative to the including file's directory, expanded in sorted order
// (as glob(3) does), nested, with include cycles refused. Reading goes through a small interface so the
// parser can run on in-memory files (tests, the benchmark).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ConfigError, ErrorList, Origin } from './errors';
import { Token, tokenize } from './lexer';

export interface FileSource {
  /** The text of a file, or undefined when it does not exist. */
  read(file: string): string | undefined;
  /** Names in a directory, or undefined when it is not a readable directory. */
  list(dir: string): string[] | undefined;
  /** A canonical name for cycle detection. */
  canonical(file: string): string;
}

export const diskFiles: FileSource = {
  read(file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  list(dir) {
    try {
      return fs.readdirSync(dir);
    } catch {
      return undefined;
    }
  },
  canonical(file) {
    try {
      return fs.realpathSync(file);
    } catch {
      return path.resolve(file);
    }
  },
};

const MAX_INCLUDE_DEPTH = 10;

function hasMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** Converts one shell glob segment to a RegExp (`*`, `?`, `[...]`, `[!...]`); a leading dot is literal. */
function segmentRegExp(segment: string): RegExp {
  let re = '^';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let set = segment.slice(i + 1, close);
      if (set.startsWith('!')) set = '^' + set.slice(1);
      re += '[' + set.replace(/\\/g, '\\\\') + ']';
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/** Expands a glob pattern (absolute) into existing paths, sorted like glob(3). */
export function expandGlob(pattern: string, files: FileSource): string[] {
  const parts = pattern.split('/');
  let current: string[] = [parts[0] === '' ? '/' : parts[0]!];
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === '') continue;
    const next: string[] = [];
    for (const base of current) {
      if (!hasMagic(seg)) {
        next.push(path.join(base, seg));
        continue;
      }
      const names = files.list(base);
      if (!names) continue;
      const re = segmentRegExp(seg);
      for (const name of names.slice().sort()) {
        if (name.startsWith('.') && !seg.startsWith('.')) continue;
        if (re.test(name)) next.push(path.join(base, name));
      }
    }
    current = next;
  }
  return current;
}

/** Reads `file` and every file it includes into one token stream, in reading order. */
export function readTokens(file: string, text: string, files: FileSource, errors: ErrorList): Token[] {
  const out: Token[] = [];
  expand(file, text, files, errors, out, [files.canonical(file)]);
  return out;
}

function expand(file: string, text: string, files: FileSource, errors: ErrorList, out: Token[], stack: string[]): void {
  for (const token of tokenize(text, file, errors)) {
    if (token.kind !== 'include') {
      out.push(token);
      continue;
    }
    includeOne(file, token.pattern, token.origin, files, errors, out, stack);
  }
}

function includeOne(
  file: string,
  pattern: string,
  origin: Origin,
  files: FileSource,
  errors: ErrorList,
  out: Token[],
  stack: string[],
): void {
  const absolute = path.isAbsolute(pattern) ? pattern : path.join(path.dirname(file), pattern);
  const magic = hasMagic(pattern);
  const matches = magic ? expandGlob(absolute, files) : [absolute];
  if (magic && matches.length === 0) {
    // No match in an existing directory is fine (an empty /etc/ipsec.d); a directory that does not exist
    // is a mistake (Libreswan complains "problem with include filename" and goes on; we refuse).
    const parts = absolute.split('/');
    const fixed = parts.slice(0, parts.findIndex(hasMagic)).join('/') || '/';
    if (files.list(fixed) === undefined) {
      errors.add(new ConfigError(origin, `the directory '${fixed}' of include '${pattern}' does not exist`, { keyword: 'include', expected: 'an existing directory', kind: 'include' }));
    }
  }
  for (const target of matches) {
    const text = files.read(target);
    if (text === undefined) {
      // A pattern that matches nothing is fine (`include /etc/ipsec.d/*.conf` with an empty directory);
      // a plain file name that does not exist is refused (Libreswan complains and goes on).
      if (!magic) errors.add(new ConfigError(origin, `cannot read included file '${target}'`, { keyword: 'include', expected: 'an existing, readable file', kind: 'include' }));
      continue;
    }
    const canonical = files.canonical(target);
    if (stack.includes(canonical)) {
      const chain = [...stack, canonical].map((f) => path.basename(f)).join(' -> ');
      errors.add(new ConfigError(origin, `include cycle: ${chain}`, { keyword: 'include', kind: 'include' }));
      continue;
    }
    if (stack.length >= MAX_INCLUDE_DEPTH) {
      errors.add(new ConfigError(origin, `includes nested deeper than ${MAX_INCLUDE_DEPTH} files`, { keyword: 'include', kind: 'include' }));
      continue;
    }
    expand(target, text, files, errors, out, [...stack, canonical]);
  }
}
