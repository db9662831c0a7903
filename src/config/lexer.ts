// The line reader: turns the text of one file into tokens, each carrying its file:line.
// The rules are ipsec.conf(5)'s: a section header starts in column 0, every line of a section body
// starts with white space, `#` after white space (or at the start) begins a comment, a value holds
// white space only inside double quotes, and a value cannot contain a double quote.
import { ConfigError, ErrorList, Origin } from './errors';

export type Token =
  | { kind: 'version'; value: string; origin: Origin }
  | { kind: 'section'; type: 'config' | 'conn'; name: string; origin: Origin }
  | { kind: 'include'; pattern: string; origin: Origin }
  | { kind: 'setting'; key: string; value: string; quoted: boolean; origin: Origin };

/** Keyword and section names: a letter, then letters, digits, `.`, `_`, `-` (ipsec.conf(5)). */
const NAME_RE = /^[A-Za-z][A-Za-z0-9._-]*$/;
const KEY_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;

function stripComment(line: string): string {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34 /* " */) inQuote = !inQuote;
    else if (c === 35 /* # */ && !inQuote && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) {
      return line.slice(0, i);
    }
  }
  return line;
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** Splits `text` into tokens; grammar errors go to `errors` (the rest of the file is still read). */
export function tokenize(text: string, file: string, errors: ErrorList): Token[] {
  const tokens: Token[] = [];
  const state: FileState = { version: false };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let raw = lines[n]!;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const origin: Origin = { file, line: n + 1 };
    const line = stripComment(raw);
    const body = line.trim();
    if (body === '') continue;
    const indented = isBlank(line[0]);
    if (!indented) {
      const token = headerToken(body, origin, errors, state);
      if (token) tokens.push(token);
      continue;
    }
    if (/^include[ \t]/.test(body) && !body.includes('=')) {
      errors.add(new ConfigError(origin, 'include must start in column 0 (it cannot sit inside a section)', { keyword: 'include', kind: 'syntax' }));
      continue;
    }
    const token = settingToken(body, origin, errors);
    if (token) tokens.push(token);
  }
  return tokens;
}

interface FileState {
  /** A version line was seen (Libreswan refuses a second one). */
  version: boolean;
}

function headerToken(body: string, origin: Origin, errors: ErrorList, state: FileState): Token | undefined {
  const words = body.split(/[ \t]+/);
  const head = words[0]!;
  if (head === 'version') {
    if (state.version) {
      errors.add(new ConfigError(origin, "a second 'version' line", { kind: 'syntax' }));
      return undefined;
    }
    state.version = true;
    if (words.length !== 2 || !/^\d+(\.\d+)?$/.test(words[1]!)) {
      errors.add(new ConfigError(origin, `bad version line '${body}'`, { expected: "'version 2' or 'version 2.0'", kind: 'syntax' }));
      return undefined;
    }
    return { kind: 'version', value: words[1]!, origin };
  }
  if (head === 'include') return includeToken(words, origin, errors);
  if (head === 'config' || head === 'conn') {
    if (words.length !== 2) {
      errors.add(new ConfigError(origin, `a section header is '${head} NAME', got '${body}'`, { kind: 'syntax' }));
      return undefined;
    }
    const name = words[1]!;
    if (head === 'config' && name !== 'setup') {
      errors.add(new ConfigError(origin, `unknown config section '${name}'`, { expected: "'config setup'", kind: 'syntax' }));
      return undefined;
    }
    if (head === 'conn' && name !== '%default' && !NAME_RE.test(name)) {
      errors.add(
        new ConfigError(origin, `bad conn name '${name}'`, {
          expected: 'a letter followed by letters, digits, ".", "_" or "-"',
          kind: 'syntax',
        }),
      );
      return undefined;
    }
    return { kind: 'section', type: head, name, origin };
  }
  if (body.includes('=')) {
    const key = body.slice(0, body.indexOf('=')).trim();
    errors.add(
      new ConfigError(origin, 'a setting must be indented under its section (config setup / conn NAME)', {
        keyword: key,
        expected: 'a line starting with white space',
        kind: 'syntax',
      }),
    );
    return undefined;
  }
  errors.add(new ConfigError(origin, `unexpected line '${body}'`, { expected: "'config setup', 'conn NAME', 'include FILE' or 'version 2'", kind: 'syntax' }));
  return undefined;
}

function includeToken(words: string[], origin: Origin, errors: ErrorList): Token | undefined {
  if (words.length !== 2) {
    errors.add(new ConfigError(origin, 'include takes exactly one file name (no white space)', { keyword: 'include', kind: 'syntax' }));
    return undefined;
  }
  return { kind: 'include', pattern: words[1]!, origin };
}

function settingToken(body: string, origin: Origin, errors: ErrorList): Token | undefined {
  const eq = body.indexOf('=');
  if (eq < 0) {
    errors.add(new ConfigError(origin, `expected 'keyword=value', got '${body}'`, { kind: 'syntax' }));
    return undefined;
  }
  const key = body.slice(0, eq).trim();
  if (!KEY_RE.test(key)) {
    errors.add(new ConfigError(origin, `bad keyword name '${key}'`, { expected: 'letters, digits, "_" and "-"', kind: 'syntax' }));
    return undefined;
  }
  let rest = body.slice(eq + 1).replace(/^[ \t]+/, '');
  if (rest.startsWith('"')) {
    const close = rest.indexOf('"', 1);
    if (close < 0) {
      errors.add(new ConfigError(origin, 'unterminated quoted value', { keyword: key, expected: 'a closing double quote on the same line', kind: 'syntax' }));
      return undefined;
    }
    const after = rest.slice(close + 1).trim();
    if (after !== '') {
      errors.add(new ConfigError(origin, `text after the quoted value: '${after}'`, { keyword: key, kind: 'syntax' }));
      return undefined;
    }
    return { kind: 'setting', key, value: rest.slice(1, close), quoted: true, origin };
  }
  rest = rest.trim();
  if (rest.includes('"')) {
    errors.add(new ConfigError(origin, 'a value cannot contain a double quote', { keyword: key, kind: 'syntax' }));
    return undefined;
  }
  if (/[ \t]/.test(rest) && !/^\{[^}]*\}$/.test(rest)) {
    errors.add(
      new ConfigError(origin, `unquoted value with white space '${rest}'`, {
        keyword: key,
        expected: 'the whole value in double quotes',
        kind: 'syntax',
      }),
    );
    return undefined;
  }
  return { kind: 'setting', key, value: rest, quoted: false, origin };
}
