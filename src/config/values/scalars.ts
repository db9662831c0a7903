// Scalar value forms: yes/no, integers, durations with s/m/h/d/w suffixes, percentages, byte counts,
// ports and protocol/port selectors.
import * as fs from 'node:fs';

import { YES_NO_WORDS } from '../keywords/types';

export type Parsed<T> = { ok: true; value: T; warning?: string } | { ok: false; problem: string; expected: string };

export function fail<T>(problem: string, expected: string): Parsed<T> {
  return { ok: false, problem, expected };
}

export function parseYesNo(text: string): Parsed<boolean> {
  const v = YES_NO_WORDS[text];
  return v === undefined ? fail(`'${text}' is not a yes/no value`, 'yes or no') : { ok: true, value: v };
}

export function parseInteger(text: string, min = -Infinity, max = Infinity): Parsed<number> {
  if (!/^-?\d+$/.test(text)) return fail(`'${text}' is not a whole number`, rangeText(min, max));
  const n = Number(text);
  if (n < min || n > max) return fail(`${text} is out of range`, rangeText(min, max));
  return { ok: true, value: n };
}

function rangeText(min: number, max: number): string {
  if (min === -Infinity && max === Infinity) return 'a whole number';
  if (max === Infinity) return `a whole number >= ${min}`;
  return `a whole number from ${min} to ${max}`;
}

const TIME_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A duration in seconds: "30", "30s", "500ms", "9m", "8h", "1d", "1w" (Libreswan 4.10 refuses decimals). */
export function parseTime(text: string, bareUnit: 's' | 'ms'): Parsed<number> {
  const m = /^(\d+)(ms|s|m|h|d|w)?$/.exec(text);
  if (!m) {
    return fail(`'${text}' is not a duration`, `a whole number${bareUnit === 'ms' ? ' of milliseconds' : ''} optionally followed by ms, s, m, h, d or w`);
  }
  const unit = m[2] ?? bareUnit;
  return { ok: true, value: Number(m[1]) * TIME_UNITS[unit]! };
}

export function parsePercent(text: string): Parsed<number> {
  const m = /^(\d+)%$/.exec(text);
  return m ? { ok: true, value: Number(m[1]) } : fail(`'${text}' is not a percentage`, "a whole number followed by '%', e.g. 100%");
}

const BYTE_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** A count with an optional binary prefix (KiB..EiB for bytes, Ki..Ei for packets); canonical decimal text. */
export function parseCount(text: string, unit: 'B' | ''): Parsed<string> {
  const suffixes = BYTE_SUFFIX.map((s) => (s === '' ? '' : s + unit));
  const m = /^(\d+)([A-Za-z]*)$/.exec(text);
  const power = m ? suffixes.indexOf(m[2]!) : -1;
  if (!m || power < 0) return fail(`'${text}' is not a count`, `a whole number optionally followed by ${suffixes.filter((s) => s).join(', ')}`);
  const value = BigInt(m[1]!) * (1n << BigInt(10 * power));
  if (value > 1n << 64n) return fail(`${text} is too large`, 'at most 2^64');
  return { ok: true, value: value.toString() };
}

export function parsePort(text: string): Parsed<number> {
  return parseInteger(text, 1, 65535);
}

const PROTOCOLS: Record<string, number> = {
  ip: 0, icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136,
};
const SERVICES: Record<string, number> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, pop3: 110, ntp: 123, imap: 143, snmp: 161, bgp: 179,
  ldap: 389, https: 443, isakmp: 500, syslog: 514, submission: 587, imaps: 993, pop3s: 995, openvpn: 1194,
  l2tp: 1701, pptp: 1723, radius: 1812, 'ipsec-nat-t': 4500,
};

let systemServices: Map<string, number> | undefined;

/** /etc/services, read once, as getservbyname(3) would (names and aliases). */
function serviceFromSystem(name: string): number | undefined {
  if (!systemServices) {
    systemServices = new Map();
    let text = '';
    try {
      text = fs.readFileSync('/etc/services', 'utf8');
    } catch {
      text = '';
    }
    for (const line of text.split('\n')) {
      const words = line.replace(/#.*/, '').trim().split(/\s+/);
      const port = /^(\d+)\//.exec(words[1] ?? '');
      if (!port) continue;
      for (const w of [words[0]!, ...words.slice(2)]) if (!systemServices.has(w)) systemServices.set(w, Number(port[1]));
    }
  }
  return systemServices.get(name);
}

export interface ProtoPort {
  protocol: number;
  /** 0 = any single port? No: 0 means "all ports"; 'any' is %any (a template that takes any one port). */
  port: number | 'any';
  text: string;
}

/** "tcp", "17/1701", "udp/%any", "tcp/smtp". */
export function parseProtoPort(text: string): Parsed<ProtoPort> {
  const expected = "PROTOCOL or PROTOCOL/PORT (PROTOCOL a name like tcp or a number 0-255; PORT a number, a service name or %any)";
  const [protoText, portText, extra] = text.split('/');
  if (extra !== undefined || protoText === undefined || protoText === '') return fail(`bad protocol/port '${text}'`, expected);
  let protocol: number | undefined;
  if (/^\d+$/.test(protoText)) protocol = Number(protoText) <= 255 ? Number(protoText) : undefined;
  else protocol = PROTOCOLS[protoText.toLowerCase()];
  if (protocol === undefined) return fail(`unknown protocol '${protoText}'`, expected);
  let port: number | 'any' = 0;
  if (portText !== undefined) {
    if (portText === '%any') port = 'any';
    else if (/^\d+$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
    else {
      const named = SERVICES[portText] ?? serviceFromSystem(portText);
      if (named === undefined) return fail(`unknown port '${portText}'`, expected);
      port = named;
    }
  }
  return { ok: true, value: { protocol, port, text: `${protocol}/${port === 'any' ? '%any' : port}` } };
}

export interface Mark {
  /** -1: a new unique mark for each instance. */
  value: number;
  mask: number;
  text: string;
}

/**
 * "VALUE/MASK", decimal or 0x hex, 32 bits; VALUE -1 (a unique mark per instance) may omit the mask.
 * ipsec.conf(5) says the mask is optional, but Libreswan 4.10 refuses "mark=5" ("Invalid mark value").
 */
export function parseMark(text: string): Parsed<Mark> {
  const expected = 'VALUE/MASK with 32-bit numbers (decimal or 0x hex), e.g. 5/0xffffffff, or -1 for a unique mark';
  const m = /^(-1|0x[0-9a-fA-F]+|\d+)(?:\/(0x[0-9a-fA-F]+|\d+))?$/.exec(text);
  if (!m) return fail(`bad mark '${text}'`, expected);
  if (m[2] === undefined && m[1] !== '-1') return fail(`mark '${text}' has no mask`, expected);
  const value = m[1] === '-1' ? -1 : Number(m[1]);
  const mask = m[2] === undefined ? 0xffffffff : Number(m[2]);
  if (value > 0xffffffff || mask > 0xffffffff) return fail(`mark '${text}' does not fit in 32 bits`, expected);
  if (value !== -1 && (value & ~mask) >>> 0 !== 0) return fail(`mark value ${m[1]} has bits outside the mask`, expected);
  return { ok: true, value: { value, mask, text: `${value === -1 ? -1 : '0x' + value.toString(16)}/0x${mask.toString(16).padStart(8, '0')}` } };
}
