// The entry points: parseIpsecConfText (sync: text in, typed config out, no DNS and no orientation)
// and loadIpsecConf (reads the file and its includes, resolves host names, orients left/right).
// A file with any error is refused as a whole: nothing is half-applied.
import * as dns from 'node:dns';
import * as path from 'node:path';

import { Logger, silentLogger } from '../log';
import { buildConn, buildSetup } from './build';
import { ConfigError, ConfigLoadError, ErrorList, Origin } from './errors';
import { validateExternalValues } from './external-values';
import { FileSource, diskFiles, readTokens } from './include';
import { ConnectionConfig, EndConfig, LoadedConfig } from './model';
import { localAddresses, orient } from './orientation';
import { resolveConns } from './resolve';
import { buildSections } from './sections';
import { IpAddress, parseIp } from './values/address';
import { HostValue } from './values/parse-value';

export interface ParseOptions {
  /** Where included files are read from (default: the disk). */
  files?: FileSource;
  logger?: Logger;
}

export interface LoadOptions extends ParseOptions {
  /** Resolves a host name to addresses (default: the system resolver, dns.lookup). */
  resolveHost?: (name: string) => Promise<string[]>;
  /** This host's addresses, for orientation (default: the network interfaces). */
  localAddresses?: readonly string[];
}

/** Parses the text of a configuration (and any file it includes); throws ConfigLoadError when refused. */
export function parseIpsecConfText(text: string, filename: string, options: ParseOptions = {}): LoadedConfig {
  const errors = new ErrorList();
  const warnings: string[] = [];
  const logger = options.logger ?? silentLogger;
  const warn = (origin: Origin, message: string): void => {
    const line = `${origin.file}:${origin.line}: warning: ${message}`;
    warnings.push(line);
    logger.warn(line);
  };
  const tokens = readTokens(filename, text, options.files ?? diskFiles, errors);
  const raw = buildSections(tokens, errors, warn);
  const resolved = resolveConns(raw, errors);
  const conns = resolved.map((r) => buildConn(r, errors));
  for (const conn of conns) for (const e of validateExternalValues(conn)) errors.add(e);
  const setup = buildSetup(raw.setup);
  errors.throwIfAny();
  return { file: filename, setup, conns, warnings };
}

const defaultResolver = async (name: string): Promise<string[]> => {
  const list = await dns.promises.lookup(name, { all: true });
  return list.map((a) => a.address);
};

async function resolveEnd(conn: ConnectionConfig, e: EndConfig, resolver: (name: string) => Promise<string[]>, errors: ErrorList): Promise<void> {
  const host = e.host;
  if (host?.kind !== 'hostname') return;
  // The family: hostaddrfamily=, else that of the other end when it is a literal address, else the first.
  const other = e.side === 'left' ? conn.right.host : conn.left.host;
  const family = conn.options.get('hostaddrfamily')?.value ?? (other?.kind === 'address' ? (other.address.family === 6 ? 'ipv6' : 'ipv4') : undefined);
  const origin = conn.options.get(e.side)?.origin ?? conn.origin;
  let found: IpAddress | undefined;
  let why = 'no address';
  try {
    const addresses = (await resolver(host.name)).map((a) => parseIp(a)).filter((a): a is IpAddress => a !== undefined);
    found = addresses.find((a) => family === undefined || (family === 'ipv6' ? a.family === 6 : a.family === 4));
    if (!found && addresses.length > 0) why = `no ${String(family)} address`;
  } catch (err) {
    why = err instanceof Error ? (err as NodeJS.ErrnoException).code ?? err.message : String(err);
  }
  if (!found) {
    errors.add(new ConfigError(origin, `conn '${conn.name}': host name '${host.name}' does not resolve (${why})`, { keyword: e.side, expected: 'a name that resolves, or an IP address', kind: 'resolve' }));
    return;
  }
  // A host value can be shared by several conns (through %default or also=), each with its own
  // hostaddrfamily: give this conn its own resolved copy.
  const resolved: HostValue = { kind: 'hostname', name: host.name, address: found };
  e.host = resolved;
  const option = conn.options.get(e.side);
  if (option) conn.options.set(e.side, { ...option, value: resolved });
}

/** Reads `file`, resolves host names, orients every conn; throws ConfigLoadError when the file is refused. */
export async function loadIpsecConf(file: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const files = options.files ?? diskFiles;
  const text = files.read(file);
  if (text === undefined) {
    throw new ConfigLoadError([new ConfigError({ file, line: 0 }, `cannot read the configuration file`, { expected: 'an existing, readable file', kind: 'include' })]);
  }
  const config = parseIpsecConfText(text, path.normalize(file), options);
  const errors = new ErrorList();
  const resolver = options.resolveHost ?? defaultResolver;
  await Promise.all(config.conns.flatMap((c) => [resolveEnd(c, c.left, resolver, errors), resolveEnd(c, c.right, resolver, errors)]));
  const local = new Set((options.localAddresses ?? localAddresses()).map((a) => parseIp(a)?.text ?? a));
  for (const conn of config.conns) {
    const side = orient(conn, local);
    if (side instanceof ConfigError) errors.add(side);
    else conn.local = side;
  }
  errors.errors.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  errors.throwIfAny();
  return config;
}
