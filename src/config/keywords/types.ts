// The shape of one keyword in the table: its name, aliases, section, whether it exists once per side
// (left*/right*), how its value is parsed, and Libreswan's default.

/** How a value is read. Each kind has one parser in src/config/values/parse-value.ts. */
export type ValueKind =
  | { kind: 'string' }
  | { kind: 'path' }
  | { kind: 'yesno' }
  | { kind: 'int'; min?: number; max?: number }
  /** A duration; a bare number is `bareUnit` (Libreswan reads retransmit-interval in milliseconds). */
  | { kind: 'time'; bareUnit: 's' | 'ms'; max?: number }
  | { kind: 'percent' }
  /** One of a set of words; `map` takes each accepted spelling (aliases included) to its canonical word. */
  | { kind: 'enum'; map: Readonly<Record<string, string>> }
  /** A comma list of words from `map` (authby=rsasig,ecdsa; plutodebug="base crypt" uses white space too). */
  | { kind: 'enumList'; map: Readonly<Record<string, string>>; separators: 'comma' | 'space-or-comma' }
  | { kind: 'host' }
  | { kind: 'nexthop' }
  | { kind: 'ip' }
  | { kind: 'ipList' }
  | { kind: 'subnet' }
  /** ADDRESS/PREFIX for an interface (leftvti=): the host bits are the address, so they are kept. */
  | { kind: 'interfaceAddress' }
  | { kind: 'subnets' }
  | { kind: 'protoport' }
  | { kind: 'mark' }
  | { kind: 'byteCount'; unit: 'B' | '' }
  | { kind: 'keyingtries' }
  | { kind: 'ipsecInterface' }
  | { kind: 'addressPool' }
  | { kind: 'virtualPrivate' }
  | { kind: 'port' }
  /** Validated by src/config/algorithms/ and src/config/id.ts (kept as text here). */
  | { kind: 'external'; what: 'ike' | 'esp' | 'id' }
  | { kind: 'also' };

export type Section = 'setup' | 'conn';

export interface KeywordDef {
  /** The canonical name (for a per-side keyword, without the left/right prefix: "subnet"). */
  name: string;
  section: Section;
  /** Exists as leftNAME and rightNAME (and `left`/`right` themselves, whose name is ""). */
  perSide: boolean;
  value: ValueKind;
  /** Other accepted names (without prefix for per-side keywords). */
  aliases?: readonly string[];
  /** Older names still accepted, with a warning naming the current one. */
  oldNames?: readonly string[];
  /** Accepted with a warning and ignored, as Libreswan does. */
  obsolete?: boolean;
  /** Libreswan's default, already canonical (seconds for times). */
  default?: DefaultValue;
}

export type DefaultValue = string | number | boolean | readonly string[];

export const yesno: ValueKind = { kind: 'yesno' };
export const str: ValueKind = { kind: 'string' };
export const pathValue: ValueKind = { kind: 'path' };

export function int(min?: number, max?: number): ValueKind {
  return { kind: 'int', min, max };
}

export function time(max?: number): ValueKind {
  return { kind: 'time', bareUnit: 's', max };
}

/** An enum whose words are their own canonical form, plus optional alias spellings; matched in any case. */
export function oneOf(words: readonly string[], aliases: Readonly<Record<string, string>> = {}): ValueKind {
  const map: Record<string, string> = {};
  for (const w of words) map[w] = w;
  Object.assign(map, aliases);
  return { kind: 'enum', map };
}

export const YES_NO_WORDS: Readonly<Record<string, boolean>> = {
  yes: true,
  y: true,
  true: true,
  on: true,
  no: false,
  n: false,
  false: false,
  off: false,
};
