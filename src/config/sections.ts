// The section grammar: `version`, `config setup`, `conn NAME`, `conn %default`, settings under them.
// Each setting is looked up in the keyword table and its value parsed here, so an unknown keyword or a
// bad value is reported at its own file:line; duplicates are refused (Libreswan only complains).
import { ConfigError, ErrorList, Origin } from './errors';
import { KeywordMatch, lookupKeyword } from './keywords';
import { Section } from './keywords/types';
import { Token } from './lexer';
import { ConfValue, parseValue } from './values/parse-value';
import { Parsed } from './values/scalars';

export interface Setting {
  /** The key as written (may be an alias). */
  key: string;
  match: KeywordMatch;
  /** The raw text (without quotes). */
  text: string;
  value: ConfValue;
  origin: Origin;
}

export interface AlsoRef {
  name: string;
  flip: boolean;
  origin: Origin;
}

export interface RawSection {
  name: string;
  origin: Origin;
  /** By canonical keyword name. */
  settings: Map<string, Setting>;
  also: AlsoRef[];
}

export interface RawConfig {
  setup: RawSection;
  /** The union of every `conn %default` section. */
  defaults: RawSection;
  conns: RawSection[];
}

/** Called with a warning (obsolete keyword, host bits cleared...) and where it was found. */
export type WarningSink = (origin: Origin, message: string) => void;

/** Kinds whose empty value is meaningful text ("leftupdown=" disables the script); others refuse it. */
const EMPTY_OK = new Set(['string', 'path', 'external']);
const EMPTY_REFUSED = new Set(['yesno', 'time', 'percent', 'byteCount']);

export function buildSections(tokens: readonly Token[], errors: ErrorList, warn: WarningSink): RawConfig {
  const setup: RawSection = { name: 'setup', origin: { file: '', line: 0 }, settings: new Map(), also: [] };
  const defaults: RawSection = { name: '%default', origin: { file: '', line: 0 }, settings: new Map(), also: [] };
  const conns: RawSection[] = [];
  const byName = new Map<string, RawSection>();
  let current: { section: RawSection; type: Section } | undefined;
  let sawSection = false;

  for (const token of tokens) {
    switch (token.kind) {
      case 'version':
        if (sawSection) errors.add(new ConfigError(token.origin, "'version' must come before any section", { kind: 'syntax' }));
        break;
      case 'include':
        break; // expanded by include.ts before we get here
      case 'section': {
        sawSection = true;
        if (token.type === 'config') {
          if (setup.origin.line === 0) setup.origin = token.origin;
          current = { section: setup, type: 'setup' };
        } else if (token.name === '%default') {
          if (defaults.origin.line === 0) defaults.origin = token.origin;
          current = { section: defaults, type: 'conn' };
        } else {
          const previous = byName.get(token.name);
          if (previous) {
            errors.add(
              new ConfigError(token.origin, `conn '${token.name}' is defined twice (first at ${previous.origin.file}:${previous.origin.line})`, {
                kind: 'syntax',
              }),
            );
            current = { section: { name: token.name, origin: token.origin, settings: new Map(), also: [] }, type: 'conn' };
          } else {
            const section: RawSection = { name: token.name, origin: token.origin, settings: new Map(), also: [] };
            byName.set(token.name, section);
            conns.push(section);
            current = { section, type: 'conn' };
          }
        }
        break;
      }
      case 'setting':
        if (!current) {
          errors.add(new ConfigError(token.origin, 'setting outside any section', { keyword: token.key, expected: "a 'config setup' or 'conn NAME' line before it", kind: 'syntax' }));
          break;
        }
        addSetting(current.section, current.type, token, errors, warn);
        break;
    }
  }
  return { setup, defaults, conns };
}

function addSetting(
  section: RawSection,
  type: Section,
  token: Extract<Token, { kind: 'setting' }>,
  errors: ErrorList,
  warn: WarningSink,
): void {
  const { key, value: text, origin } = token;
  const where = type === 'setup' ? 'config setup' : `conn ${section.name}`;
  const lookup = lookupKeyword(type, key);
  if (!lookup.found) {
    if (lookup.extension) return;
    if (lookup.needsSide) {
      errors.add(
        new ConfigError(origin, 'a per-side keyword needs its side (Libreswan 4.10 silently takes it as the right side)', {
          keyword: key,
          expected: `'${lookup.suggestion}'`,
          kind: 'keyword',
        }),
      );
      return;
    }
    if (lookup.wrongSection) {
      errors.add(
        new ConfigError(origin, `not valid in ${where}`, {
          keyword: key,
          expected: lookup.wrongSection === 'setup' ? "it under 'config setup'" : "it in a 'conn' section",
          kind: 'keyword',
        }),
      );
      return;
    }
    errors.add(
      new ConfigError(origin, `unknown keyword${lookup.suggestion ? ` (did you mean '${lookup.suggestion}'?)` : ''}`, {
        keyword: key,
        kind: 'keyword',
      }),
    );
    return;
  }
  const { match } = lookup;
  if (match.def.obsolete) {
    warn(origin, `obsolete keyword '${key}' ignored`);
    return;
  }
  if (match.def.value.kind === 'also') {
    if (section.name === '%default') {
      errors.add(new ConfigError(origin, 'conn %default may not contain also= or alsoflip=', { keyword: key, kind: 'reference' }));
      return;
    }
    if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(text)) {
      errors.add(new ConfigError(origin, `'${text}' is not a conn name`, { keyword: key, expected: 'the name of another conn', kind: 'reference' }));
      return;
    }
    section.also.push({ name: text, flip: match.canonical === 'alsoflip', origin });
    return;
  }
  const previous = section.settings.get(match.canonical);
  if (previous) {
    const same = previous.key === key ? '' : ` (as '${previous.key}')`;
    errors.add(
      new ConfigError(origin, `set twice in ${where}; first set${same} at ${previous.origin.file}:${previous.origin.line}`, {
        keyword: key,
        expected: 'one value per keyword in a section',
        kind: 'value',
      }),
    );
    return;
  }
  if (text === '' && !EMPTY_OK.has(match.def.value.kind)) {
    // Libreswan's lexer refuses an empty yes/no, duration, percentage or count (exit 3); any other empty
    // value "stands for the system default", as if the line were not there (a %default still applies).
    if (EMPTY_REFUSED.has(match.def.value.kind)) {
      errors.add(new ConfigError(origin, 'empty value', { keyword: key, expected: 'a value (remove the line to use the default)', kind: 'syntax' }));
    }
    return;
  }
  const parsed: Parsed<ConfValue> = text === '' ? { ok: true, value: '' } : parseValue(match.def.value, text);
  if (!parsed.ok) {
    // Libreswan's lexer refuses a non-boolean word for a yes/no keyword as a syntax error (exit 3).
    const kind = match.def.value.kind === 'yesno' ? 'syntax' : 'value';
    errors.add(new ConfigError(origin, parsed.problem, { keyword: key, expected: parsed.expected, kind }));
    return;
  }
  if (parsed.warning) warn(origin, `${key}: ${parsed.warning}`);
  if (match.alias) warn(origin, `'${key}' is an old name for '${match.canonical}'`);
  section.settings.set(match.canonical, { key, match, text, value: parsed.value, origin });
}
