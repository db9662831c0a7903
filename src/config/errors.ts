// One error type for every refusal of a configuration file, printed as
// `FILE:LINE: keyword 'x': what is wrong (expected ...)` so an operator can go straight to the line.

/** Where a value, a section or a keyword came from. */
export interface Origin {
  file: string;
  line: number;
}

/** What kind of problem: Libreswan's addconn exits 3 for grammar/keyword problems, 1 for bad values. */
export type ConfigErrorKind = 'syntax' | 'keyword' | 'value' | 'reference' | 'include' | 'resolve';

export class ConfigError extends Error {
  readonly file: string;
  readonly line: number;
  readonly keyword: string | undefined;
  readonly expected: string | undefined;
  readonly kind: ConfigErrorKind;
  /** The bare problem, without the location prefix. */
  readonly problem: string;

  constructor(
    origin: Origin,
    problem: string,
    options: { keyword?: string; expected?: string; kind?: ConfigErrorKind } = {},
  ) {
    const where = `${origin.file}:${origin.line}: `;
    const kw = options.keyword !== undefined ? `keyword '${options.keyword}': ` : '';
    const exp = options.expected !== undefined ? ` (expected ${options.expected})` : '';
    super(`${where}${kw}${problem}${exp}`);
    this.name = 'ConfigError';
    this.file = origin.file;
    this.line = origin.line;
    this.keyword = options.keyword;
    this.expected = options.expected;
    this.kind = options.kind ?? 'value';
    this.problem = problem;
  }
}

/** Thrown when a file is refused: every error found in it (cheap ones are collected, not just the first). */
export class ConfigLoadError extends Error {
  readonly errors: readonly ConfigError[];

  constructor(errors: readonly ConfigError[]) {
    const head = errors.length === 1 ? errors[0]!.message : `${errors.length} errors:\n${errors.map((e) => e.message).join('\n')}`;
    super(head);
    this.name = 'ConfigLoadError';
    this.errors = errors;
  }
}

/** Collects errors while a file is read; `throwIfAny` refuses the file with all of them. */
export class ErrorList {
  readonly errors: ConfigError[] = [];

  add(error: ConfigError): void {
    this.errors.push(error);
  }

  get size(): number {
    return this.errors.length;
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw new ConfigLoadError(this.errors);
  }
}

/** Levenshtein distance, for "did you mean" on unknown keywords. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, or undefined when nothing is reasonably close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance || (d === bestDistance && best !== undefined && c < best)) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
