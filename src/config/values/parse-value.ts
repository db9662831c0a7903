// One entry point from a keyword's ValueKind and its text to a canonical value (or a problem and what
// was expected). Every kind in keywords/types.ts has exactly one branch here.
import { ValueKind } from '../keywords/types';
import { AddressRange, IpAddress, Subnet, looksNumeric, parseIp, parseRange, parseSubnet } from './address';
import {
  Mark,
  Parsed,
  ProtoPort,
  fail,
  parseCount,
  parseInteger,
  parseMark,
  parsePercent,
  parsePort,
  parseProtoPort,
  parseTime,
  parseYesNo,
} from './scalars';

/** left=/right=: an address, a magic value, an interface (%eth0) or a DNS name resolved at load. */
export type HostValue =
  | { kind: 'address'; address: IpAddress }
  | { kind: 'hostname'; name: string; address?: IpAddress }
  | { kind: 'any' | 'defaultroute' | 'opportunistic' | 'opportunisticgroup' | 'group' | 'none' | 'direct' }
  | { kind: 'interface'; name: string };

export type NexthopValue = { kind: 'address'; address: IpAddress } | { kind: 'direct' | 'defaultroute' };

/** leftsubnet=: a subnet, or the IKEv1-only vhost:/vnet: forms kept as text. */
export type SubnetValue = Subnet | { virtual: 'vhost' | 'vnet'; text: string };

export interface VirtualPrivateEntry {
  exclude: boolean;
  subnet: Subnet;
}

export type ConfValue =
  | string
  | number
  | boolean
  | readonly string[]
  | IpAddress
  | readonly IpAddress[]
  | SubnetValue
  | readonly Subnet[]
  | HostValue
  | NexthopValue
  | ProtoPort
  | Mark
  | AddressRange
  | readonly VirtualPrivateEntry[];

const HOST_MAGIC: Record<string, HostValue> = {
  '%any': { kind: 'any' },
  '%defaultroute': { kind: 'defaultroute' },
  '%opportunistic': { kind: 'opportunistic' },
  '%opportunisticgroup': { kind: 'opportunisticgroup' },
  '%group': { kind: 'group' },
  '%none': { kind: 'none' },
  '%direct': { kind: 'direct' },
};

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

function parseHost(text: string): Parsed<HostValue> {
  const expected = 'an IP address, a DNS name, %any, %defaultroute, %opportunistic, %group, %opportunisticgroup, %none or %INTERFACE';
  const magic = HOST_MAGIC[text];
  if (magic) return { ok: true, value: magic };
  if (/^%[A-Za-z][A-Za-z0-9._-]{0,14}$/.test(text)) return { ok: true, value: { kind: 'interface', name: text.slice(1) } };
  const ip = parseIp(text);
  if (ip) return { ok: true, value: { kind: 'address', address: ip } };
  if (looksNumeric(text)) return fail(`'${text}' is not a valid IP address`, expected);
  if (HOSTNAME_RE.test(text)) return { ok: true, value: { kind: 'hostname', name: text } };
  return fail(`'${text}' is neither an address nor a host name`, expected);
}

function parseOneSubnet(text: string): Parsed<Subnet> {
  const r = parseSubnet(text);
  if (!r.ok) return fail(`bad subnet '${text}': ${r.reason}`, 'NETWORK/PREFIX such as 10.0.0.0/24 or 2001:db8::/64');
  return r.hostBitsCleared
    ? { ok: true, value: r.subnet, warning: `'${text}' has host bits set; using ${r.subnet.text} (as Libreswan does)` }
    : { ok: true, value: r.subnet };
}

function parseSubnetValue(text: string): Parsed<SubnetValue> {
  // Libreswan reads leftsubnet={10.0.0.0/24} as the one subnet inside the braces.
  const braced = /^\{\s*([^,\s{}]+)\s*\}$/.exec(text);
  if (braced) text = braced[1]!;
  const m = /^(vhost|vnet):(.+)$/.exec(text);
  if (m) {
    for (const part of m[2]!.split(',')) {
      if (part === '%priv' || part === '%no' || part === '%all') continue;
      const s = parseOneSubnet(part);
      if (!s.ok) return s;
    }
    return { ok: true, value: { virtual: m[1] as 'vhost' | 'vnet', text } };
  }
  return parseOneSubnet(text);
}

function parseSubnetList(text: string): Parsed<Subnet[]> {
  const inner = /^\{(.*)\}$/.exec(text.trim());
  const parts = (inner ? inner[1]! : text).split(/[\s,]+/).filter((p) => p !== '');
  if (parts.length === 0) return fail('empty subnet list', '{NETWORK/PREFIX,NETWORK/PREFIX...}');
  const out: Subnet[] = [];
  let warning: string | undefined;
  for (const p of parts) {
    const s = parseOneSubnet(p);
    if (!s.ok) return s;
    warning ??= s.warning;
    out.push(s.value);
  }
  return { ok: true, value: out, warning };
}

function parseIpValue(text: string): Parsed<IpAddress> {
  const ip = parseIp(text);
  return ip ? { ok: true, value: ip } : fail(`'${text}' is not an IP address`, 'an IPv4 or IPv6 address');
}

function parseIpList(text: string): Parsed<IpAddress[]> {
  const out: IpAddress[] = [];
  for (const p of text.split(/[\s,]+/).filter((s) => s !== '')) {
    const ip = parseIpValue(p);
    if (!ip.ok) return fail(ip.problem, 'a list of IP addresses separated by commas or spaces');
    out.push(ip.value);
  }
  return { ok: true, value: out };
}

function parseVirtualPrivate(text: string): Parsed<VirtualPrivateEntry[]> {
  const expected = 'a comma list of %v4:NET/PREFIX, %v6:NET/PREFIX, with ! to exclude';
  const out: VirtualPrivateEntry[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^(?:%v([46]):)?(!)?(.+)$/.exec(part)!;
    const s = parseOneSubnet(m[3]!);
    if (!s.ok) return fail(s.problem, expected);
    if (m[1] !== undefined && Number(m[1]) !== s.value.family) return fail(`'${part}': the %v${m[1]} prefix does not match the address`, expected);
    out.push({ exclude: m[2] === '!', subnet: s.value });
  }
  return { ok: true, value: out };
}

function parseEnumList(text: string, map: Readonly<Record<string, string>>, separators: 'comma' | 'space-or-comma'): Parsed<string[]> {
  const words = text.split(separators === 'comma' ? /\s*,\s*/ : /[\s,]+/).filter((w) => w !== '');
  const expected = `a ${separators === 'comma' ? 'comma-separated ' : ''}list of ${Object.keys(map).join(', ')}`;
  if (words.length === 0) return fail('empty list', expected);
  const out: string[] = [];
  for (const w of words) {
    const c = map[w];
    if (c === undefined) return fail(`unknown value '${w}'`, expected);
    if (!out.includes(c)) out.push(c);
  }
  return { ok: true, value: out };
}

export function parseValue(kind: ValueKind, text: string): Parsed<ConfValue> {
  switch (kind.kind) {
    case 'string':
    case 'path':
    case 'also':
    case 'external':
      return { ok: true, value: text };
    case 'yesno':
      return parseYesNo(text);
    case 'int':
      return parseInteger(text, kind.min, kind.max);
    case 'time': {
      const t = parseTime(text, kind.bareUnit);
      if (t.ok && kind.max !== undefined && t.value > kind.max) {
        return { ok: true, value: kind.max, warning: `${text} is more than the maximum ${kind.max / 3600}h; using ${kind.max / 3600}h (as Libreswan does)` };
      }
      return t;
    }
    case 'percent':
      return parsePercent(text);
    case 'enum': {
      // Libreswan 4.10 matches enum words in any case (type=TUNNEL, auto=ADD); yes/no values are not enums.
      const v = kind.map[text] ?? kind.map[text.toLowerCase()];
      return v === undefined ? fail(`'${text}' is not a valid value`, `one of ${Object.keys(kind.map).join(', ')}`) : { ok: true, value: v };
    }
    case 'enumList':
      return parseEnumList(text, kind.map, kind.separators);
    case 'host':
      return parseHost(text);
    case 'nexthop': {
      // %direct is the default, but Libreswan 4.10 reads an explicit %direct as a host name and fails.
      if (text === '%defaultroute') return { ok: true, value: { kind: 'defaultroute' } };
      const ip = parseIp(text);
      if (ip) return { ok: true, value: { kind: 'address', address: ip } };
      if (text === '%direct') return fail("%direct is the default and cannot be written (Libreswan 4.10 refuses it too)", 'an IP address or %defaultroute, or no line at all');
      return fail(`'${text}' is not a next hop`, 'an IP address or %defaultroute');
    }
    case 'ip':
      return parseIpValue(text);
    case 'ipList':
      return parseIpList(text);
    case 'subnet':
      return parseSubnetValue(text);
    case 'subnets':
      return parseSubnetList(text);
    case 'interfaceAddress': {
      const r = parseSubnet(text);
      if (!r.ok) return fail(`bad interface address '${text}': ${r.reason}`, 'ADDRESS/PREFIX such as 10.9.9.1/30');
      const address = text.slice(0, text.indexOf('/'));
      const ip = parseIp(address === '0' ? '0.0.0.0' : address)!;
      return { ok: true, value: { family: ip.family, address: ip.text, prefix: r.subnet.prefix, text: `${ip.text}/${r.subnet.prefix}` } };
    }
    case 'protoport':
      return parseProtoPort(text);
    case 'mark':
      return parseMark(text);
    case 'byteCount':
      return parseCount(text, kind.unit);
    case 'port':
      return parsePort(text);
    case 'keyingtries':
      return text === '%forever' ? { ok: true, value: 0 } : parseInteger(text, 0, 0x7fffffff);
    case 'ipsecInterface': {
      if (text === 'no') return { ok: true, value: 'no' };
      if (text === 'yes') return { ok: true, value: 1 };
      const n = parseInteger(text, 0, 0xfffffff);
      return n.ok ? n : fail(`'${text}' is not an ipsec-interface`, 'yes, no or an interface number');
    }
    case 'addressPool': {
      if (text.includes('/')) return parseOneSubnet(text);
      const r = parseRange(text);
      return typeof r === 'string' ? fail(r, 'START-END (IPv4) or NETWORK/PREFIX (IPv6)') : { ok: true, value: r };
    }
    case 'virtualPrivate':
      return parseVirtualPrivate(text);
  }
}
