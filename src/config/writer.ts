// readwriteconf's output: the configuration as it was understood, every conn with %default and also=
// resolved, defaults filled in, values in canonical form. Text for people, JSON for machines.
import { LoadedConfig } from './model';
import { OptionMap } from './option-map';

function quote(text: string): string {
  return text === '' || /[\s#]/.test(text) ? `"${text}"` : text;
}

/**
 * A defaulted next hop cannot be written back: an explicit nexthop=%direct is read as a host name (by Libreswan
 * 4.10 too), and the %defaultroute filled in from left=%defaultroute may not be given beside it. Such lines are
 * comments, so that the output reads back as the same configuration.
 */
function unwritableDefault(keyword: string, fromDefault: boolean): boolean {
  return fromDefault && keyword.endsWith('nexthop');
}

function lines(options: OptionMap): string[] {
  return [...options].map(([k, o]) => (unwritableDefault(k, !o.origin) ? `\t#${k}=${o.text} (default)` : `\t${k}=${quote(o.text)}`));
}

export function writeConfigText(config: LoadedConfig): string {
  const out: string[] = ['config setup', ...lines(config.setup.options), ''];
  for (const conn of config.conns) {
    out.push(`conn ${conn.name}`);
    if (conn.also.length > 0) out.push(`\t#also = ${conn.also.join(' ')}`);
    if (conn.local) out.push(`\t#local = ${conn.local}`);
    out.push(...lines(conn.options), '');
  }
  return out.join('\n');
}

function jsonOptions(options: OptionMap): Record<string, { value: string; from: string }> {
  const out: Record<string, { value: string; from: string }> = {};
  for (const [k, o] of options) out[k] = { value: o.text, from: o.origin ? `${o.origin.file}:${o.origin.line}` : 'default' };
  return out;
}

export function writeConfigJson(config: LoadedConfig): string {
  return JSON.stringify(
    {
      file: config.file,
      setup: jsonOptions(config.setup.options),
      conns: config.conns.map((c) => ({
        name: c.name,
        from: `${c.origin.file}:${c.origin.line}`,
        local: c.local ?? null,
        also: c.also,
        options: jsonOptions(c.options),
      })),
      warnings: config.warnings,
    },
    null,
    2,
  );
}
