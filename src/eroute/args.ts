// The command line of `ipsec eroute` (ipsec_eroute(8)) into one request for pluto, every name resolved here:
// host names by the resolver, protocols by /etc/protocols, ports by /etc/services. A bad argument is an
// ErouteArgError that names the option and the value; nothing is sent then.
import * as dns from 'node:dns';

import type { ErouteArgs, Said } from '../control/eroute-wire';
import { SAID_PROTOS, type SaidProto } from '../control/eroute-wire';
import { ipToBytes, looksNumeric, parseIp, parseSubnet, type Family } from '../config/values/address';
import type { KernelSelector } from '../kernel/kernel';
import { lookupProtocol, lookupService, parseCNumber, PROTOCOLS_FILE, SERVICES_FILE } from './names';
import { MIN_SPI, parseSaid } from './said';

export class ErouteArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ErouteArgError';
  }
}

export type ErouteCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'request'; args: ErouteArgs; json: boolean; rundir?: string; ctlsocket?: string };

export interface ErouteParseEnv {
  protocolsFile?: string;
  servicesFile?: string;
  /** Host name to address of `family` (default: the system resolver, as getaddrinfo). */
  resolve?: (host: string, family: Family) => Promise<string>;
}

const ACTIONS = ['add', 'replace', 'del', 'clear', 'help', 'version'] as const;
const FLAGS = new Set<string>([...ACTIONS, 'json']);
const VALUED = new Set(['eraf', 'src', 'dst', 'transport-proto', 'src-port', 'dst-port', 'af', 'edst', 'spi', 'proto', 'said', 'rundir', 'ctlsocket']);
const SELECTOR_OPTIONS = ['eraf', 'src', 'dst', 'transport-proto', 'src-port', 'dst-port'];
const SAID_PARTS = ['af', 'edst', 'spi', 'proto'];

export const USAGE = `Usage:
  ipsec eroute                                   list the eroute table
  ipsec eroute --add --eraf (inet | inet6) --src SRC/BITS|MASK --dst DST/BITS|MASK
               [--transport-proto PROTO] [--src-port PORT] [--dst-port PORT] SAID
  ipsec eroute --replace ... (as --add)
  ipsec eroute --del --eraf (inet | inet6) --src ... --dst ... [--transport-proto ...] [ports] [SAID]
  ipsec eroute --clear
  ipsec eroute --help | --version
where SAID is --af (inet | inet6) --edst EDST --spi SPI --proto (ah | esp | comp | tun)
          or --said SAID (esp.135@192.0.2.2, tun0x135@192.0.2.2, esp:135@2001:db8::2)
          or --said (%passthrough | %passthrough4 | %passthrough6 | %drop | %reject | %trap | %hold | %pass)
PROTO and PORT: decimal, hexadecimal (0x...), octal (0...) or a name from /etc/protocols, /etc/services.
Options for every form: --rundir DIR, --ctlsocket FILE (pluto's control socket), --json (the list as JSON).
`;

/** Splits argv into flags and option values ("--src X" and "--src=X"); each option at most once. */
function scan(argv: readonly string[]): Map<string, string | true> {
  const seen = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ErouteArgError(`unexpected argument '${arg}' (every argument is an --option; see --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (seen.has(name)) throw new ErouteArgError(`--${name} given more than once`);
    if (FLAGS.has(name)) {
      if (eq >= 0) throw new ErouteArgError(`--${name} takes no value`);
      seen.set(name, true);
    } else if (VALUED.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new ErouteArgError(`--${name} needs a value`);
      seen.set(name, value);
    } else {
      throw new ErouteArgError(`unknown option --${name} (see --help)`);
    }
  }
  return seen;
}

function familyOf(option: string, value: string): Family {
  if (value === 'inet') return 4;
  if (value === 'inet6') return 6;
  throw new ErouteArgError(`--${option} '${value}': must be inet or inet6`);
}

const familyName = (f: Family): string => (f === 4 ? 'inet (IPv4)' : 'inet6 (IPv6)');

async function systemResolve(host: string, family: Family): Promise<string> {
  return (await dns.promises.lookup(host, { family })).address;
}

class Resolver {
  constructor(private readonly env: ErouteParseEnv) {}

  /** An address of `family`: numeric as given, else a host name looked up. */
  async address(option: string, text: string, family: Family): Promise<string> {
    const ip = parseIp(text);
    if (ip) {
      if (ip.family !== family) throw new ErouteArgError(`--${option} '${text}' is not an ${familyName(family)} address`);
      return ip.text;
    }
    if (looksNumeric(text) || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(text)) {
      throw new ErouteArgError(`--${option} '${text}' is neither an address nor a host name`);
    }
    try {
      return await (this.env.resolve ?? systemResolve)(text, family);
    } catch (err) {
      throw new ErouteArgError(`--${option} '${text}': no ${familyName(family)} address for this name (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }

  /** "net/bits" or "net/mask" (dotted or coloned); host bits are cleared, as KLIPS's ttosubnet did. */
  async subnet(option: string, text: string, family: Family): Promise<string> {
    const slash = text.lastIndexOf('/');
    if (slash < 0) throw new ErouteArgError(`--${option} '${text}': needs /maskbits or /mask (e.g. 192.0.2.0/24)`);
    const address = await this.address(option, text.slice(0, slash), family);
    const maskText = text.slice(slash + 1);
    const max = family === 4 ? 32 : 128;
    let prefix: number | undefined;
    if (/^\d{1,3}$/.test(maskText)) prefix = Number(maskText);
    else prefix = maskPrefix(maskText, family);
    if (prefix === undefined || prefix > max) throw new ErouteArgError(`--${option} '${text}': '${maskText}' is not a mask (0..${max} bits, or a contiguous ${family === 4 ? 'dotted' : 'coloned'} mask)`);
    const r = parseSubnet(`${address}/${prefix}`);
    if (!r.ok) throw new ErouteArgError(`--${option} '${text}': ${r.reason}`);
    return r.subnet.text;
  }
}

/** 255.255.255.0 → 24, ffff:ffff:: → 32; undefined if not a contiguous mask of `family`. */
function maskPrefix(mask: string, family: Family): number | undefined {
  const ip = parseIp(mask);
  if (!ip || ip.family !== family) return undefined;
  const bits = Array.from(ipToBytes(ip.text, family), (b) => b.toString(2).padStart(8, '0')).join('');
  const m = /^(1*)0*$/.exec(bits);
  return m ? m[1]!.length : undefined;
}

function protocolNumber(text: string, file: string): number {
  const n = parseCNumber(text) ?? (/^\d/.test(text) ? undefined : lookupProtocol(text, file));
  if (n === undefined) throw new ErouteArgError(`--transport-proto '${text}': not a number nor a protocol named in ${file}`);
  if (n > 255) throw new ErouteArgError(`--transport-proto '${text}': must be 0..255`);
  return n;
}

function portNumber(option: string, text: string, proto: number, file: string): number {
  if (proto !== 6 && proto !== 17) throw new ErouteArgError(`--${option} is only legal with --transport-proto tcp (6) or udp (17)`);
  const n = parseCNumber(text) ?? (/^\d/.test(text) ? undefined : lookupService(text, proto === 6 ? 'tcp' : 'udp', file));
  if (n === undefined) throw new ErouteArgError(`--${option} '${text}': not a number nor a ${proto === 6 ? 'tcp' : 'udp'} service named in ${file}`);
  if (n > 65535) throw new ErouteArgError(`--${option} '${text}': must be 0..65535`);
  return n;
}

async function selectorFrom(o: Map<string, string | true>, op: string, env: ErouteParseEnv, resolver: Resolver): Promise<KernelSelector> {
  for (const k of ['eraf', 'src', 'dst']) if (!o.has(k)) throw new ErouteArgError(`--${op} needs --${k}`);
  const family = familyOf('eraf', o.get('eraf') as string);
  const src = await resolver.subnet('src', o.get('src') as string, family);
  const dst = await resolver.subnet('dst', o.get('dst') as string, family);
  const protoText = o.get('transport-proto');
  const proto = typeof protoText === 'string' ? protocolNumber(protoText, env.protocolsFile ?? PROTOCOLS_FILE) : 0;
  const port = (k: string): number => {
    const v = o.get(k);
    return typeof v === 'string' ? portNumber(k, v, proto, env.servicesFile ?? SERVICES_FILE) : 0;
  };
  return { src, dst, proto, srcPort: port('src-port'), dstPort: port('dst-port') };
}

async function saidFrom(o: Map<string, string | true>, eraf: Family, resolver: Resolver): Promise<Said | null> {
  const parts = SAID_PARTS.filter((k) => o.has(k));
  const said = o.get('said');
  if (typeof said === 'string') {
    if (parts.length > 0) throw new ErouteArgError(`--said and --${parts.join(', --')} name the SA twice: give one or the other`);
    const p = parseSaid(said);
    if (typeof p === 'string') throw new ErouteArgError(`--said: ${p}`);
    if (p.kind === 'magic') {
      if (p.family !== undefined && p.family !== eraf) throw new ErouteArgError(`--said '${said}' is for ${familyName(p.family)}, but --eraf is ${familyName(eraf)}`);
      return { kind: 'magic', action: p.action };
    }
    const edst = await resolver.address('said', p.host, p.family ?? (p.host.includes(':') ? 6 : 4));
    return { kind: 'sa', proto: p.proto, spi: p.spi, edst };
  }
  if (parts.length === 0) return null;
  const missing = SAID_PARTS.filter((k) => !o.has(k));
  if (missing.length > 0) throw new ErouteArgError(`--${parts.join(', --')} without --${missing.join(', --')}: an SA is named by all of --af, --edst, --spi and --proto (or by --said)`);
  const af = familyOf('af', o.get('af') as string);
  const edst = await resolver.address('edst', o.get('edst') as string, af);
  const spiText = o.get('spi') as string;
  const spi = parseCNumber(spiText);
  if (spi === undefined || spi > 0xffffffff) throw new ErouteArgError(`--spi '${spiText}': not a 32-bit number (decimal, 0x hexadecimal or 0 octal)`);
  if (spi < MIN_SPI) throw new ErouteArgError(`--spi '${spiText}': must be 0x100 or more`);
  const protoText = o.get('proto') as string;
  const proto = SAID_PROTOS.find((p) => p === protoText);
  if (proto === undefined) throw new ErouteArgError(`--proto '${protoText}': must be one of ${SAID_PROTOS.join(', ')}`);
  return { kind: 'sa', proto: proto as SaidProto, spi, edst };
}

/** Parses `ipsec eroute ARGS`. */
export async function parseErouteArgv(argv: readonly string[], env: ErouteParseEnv = {}): Promise<ErouteCommand> {
  const o = scan(argv);
  if (o.has('help')) return { kind: 'help' };
  if (o.has('version')) return { kind: 'version' };
  const actions = ACTIONS.filter((a) => o.has(a));
  if (actions.length > 1) throw new ErouteArgError(`only one of --${actions.join(', --')} at a time`);
  const where = {
    json: o.has('json'),
    ...(typeof o.get('rundir') === 'string' ? { rundir: o.get('rundir') as string } : {}),
    ...(typeof o.get('ctlsocket') === 'string' ? { ctlsocket: o.get('ctlsocket') as string } : {}),
  };
  const op = (actions[0] as (typeof ACTIONS)[number] | undefined) ?? 'list';
  const extra = [...SELECTOR_OPTIONS, ...SAID_PARTS, 'said'].filter((k) => o.has(k));
  if (op === 'list' || op === 'clear') {
    if (extra.length > 0) throw new ErouteArgError(`--${extra[0]} needs --add, --replace or --del`);
    return { kind: 'request', args: { op }, ...where };
  }
  const resolver = new Resolver(env);
  const selector = await selectorFrom(o, op, env, resolver);
  const said = await saidFrom(o, familyOf('eraf', o.get('eraf') as string), resolver);
  if (op === 'del') return { kind: 'request', args: { op, selector, said }, ...where };
  if (said === null) throw new ErouteArgError(`--${op} needs the SA: --said SAID, or --af, --edst, --spi and --proto`);
  return { kind: 'request', args: { op: op as 'add' | 'replace', selector, said }, ...where };
}

