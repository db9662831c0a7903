// Splits an ipsec.secrets file into records as ipsec.secrets(5) describes: a record starts with a token
// in the first column and continues over indented lines; '#' at the start of a line or after
// whitespace starts a comment; "..." and '...' are single tokens; a trailing ':' is its own token.

export interface SecretsToken {
  readonly text: string;
  readonly line: number;
  /** Written between quotes (the quotes are not part of `text`). */
  readonly quoted: boolean;
}

export interface SecretsRecord {
  readonly line: number;
  readonly tokens: SecretsToken[];
}

export class SecretsSyntaxError extends Error {
  readonly code = 'ESECRETS';
  constructor(readonly file: string, readonly line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'SecretsSyntaxError';
  }
}

function lineTokens(file: string, text: string, line: number): SecretsToken[] {
  const out: SecretsToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    // '#' starts a comment only at the start of the line or after whitespace.
    if (c === '#') break;
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      // The value is never quoted back: it may be a secret.
      if (end < 0) throw new SecretsSyntaxError(file, line, `unterminated ${c === '"' ? 'double' : 'single'}-quoted string`);
      out.push({ text: text.slice(i + 1, end), line, quoted: true });
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j])) j++;
    let word = text.slice(i, j);
    // ":PSK" and "id:" are written without the separating blank often enough.
    if (word.length > 1 && word.startsWith(':') && /^:[A-Za-z]/.test(word)) {
      out.push({ text: ':', line, quoted: false });
      word = word.slice(1);
    }
    if (word.length > 1 && word.endsWith(':') && !word.endsWith('::')) {
      out.push({ text: word.slice(0, -1), line, quoted: false });
      out.push({ text: ':', line, quoted: false });
    } else {
      out.push({ text: word, line, quoted: false });
    }
    i = j;
  }
  return out;
}

/** Reads records; `text` is the file decoded as latin1 so that each byte is one character. */
export function readRecords(file: string, text: string): SecretsRecord[] {
  const records: SecretsRecord[] = [];
  let current: SecretsRecord | null = null;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const raw = lines[n];
    const tokens = lineTokens(file, raw, lineNo);
    if (tokens.length === 0) continue;
    const indented = /^[ \t]/.test(raw);
    if (!indented) {
      current = { line: lineNo, tokens: [...tokens] };
      records.push(current);
    } else if (current === null) {
      throw new SecretsSyntaxError(file, lineNo, 'indented line outside an entry (only continuation lines of an entry may be indented)');
    } else {
      current.tokens.push(...tokens);
    }
  }
  return records;
}
