// also= / alsoflip= and %default: each conn gets its own settings, then those of the conns it names
// (depth first, in order, flipped left<->right through alsoflip), then %default for what is still unset.
// A key set twice along the way is refused (Libreswan complains "duplicate key" and loads anyway);
// an also= cycle or an also= to a missing conn is refused.
import { ConfigError, ErrorList } from './errors';
import { lookupKeyword } from './keywords';
import { RawConfig, RawSection, Setting } from './sections';

export interface ResolvedConn {
  section: RawSection;
  /** Canonical keyword -> the setting that won (from the conn, an also= target, or %default). */
  settings: Map<string, Setting>;
  /** The also= chain in merge order, for readwriteconf's comment. */
  alsoChain: string[];
}

function flipKey(canonical: string): string {
  if (canonical.startsWith('left')) return 'right' + canonical.slice(4);
  if (canonical.startsWith('right')) return 'left' + canonical.slice(5);
  return canonical;
}

function flipped(setting: Setting): Setting {
  const key = flipKey(setting.match.canonical);
  if (key === setting.match.canonical) return setting;
  const lookup = lookupKeyword('conn', key);
  if (!lookup.found) return setting;
  return { ...setting, key: flipKey(setting.key), match: lookup.match };
}

export function resolveConns(raw: RawConfig, errors: ErrorList): ResolvedConn[] {
  const byName = new Map(raw.conns.map((c) => [c.name, c]));
  const out: ResolvedConn[] = [];
  for (const conn of raw.conns) {
    const settings = new Map(conn.settings);
    const alsoChain: string[] = [];
    const merged = new Set<string>([conn.name]);
    const visit = (section: RawSection, flip: boolean, stack: string[]): void => {
      for (const ref of section.also) {
        const target = byName.get(ref.name);
        if (!target) {
          errors.add(new ConfigError(ref.origin, `conn '${ref.name}' does not exist`, { keyword: ref.flip ? 'alsoflip' : 'also', expected: 'the name of a conn in this configuration', kind: 'reference' }));
          continue;
        }
        if (stack.includes(ref.name)) {
          errors.add(new ConfigError(ref.origin, `also= cycle: ${[...stack, ref.name].join(' -> ')}`, { keyword: ref.flip ? 'alsoflip' : 'also', kind: 'reference' }));
          continue;
        }
        // The same conn reached twice (a diamond) is merged once, as Libreswan does.
        if (merged.has(ref.name)) continue;
        merged.add(ref.name);
        alsoChain.push(ref.name);
        const flipHere = flip !== ref.flip;
        for (const original of target.settings.values()) {
          const s = flipHere ? flipped(original) : original;
          const previous = settings.get(s.match.canonical);
          if (previous) {
            errors.add(
              new ConfigError(s.origin, `conn '${conn.name}' gets ${s.match.canonical} twice: here (through also=${ref.name}) and at ${previous.origin.file}:${previous.origin.line}`, {
                keyword: s.key,
                expected: 'each keyword set once across a conn and its also= sections',
                kind: 'reference',
              }),
            );
            continue;
          }
          settings.set(s.match.canonical, s);
        }
        visit(target, flipHere, [...stack, ref.name]);
      }
    };
    visit(conn, false, [conn.name]);
    for (const [key, s] of raw.defaults.settings) if (!settings.has(key)) settings.set(key, s);
    out.push({ section: conn, settings, alsoChain });
  }
  return out;
}
