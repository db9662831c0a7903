// IP addresses, subnets and ranges in the forms Libreswan's ttoaddress/ttosubnet accept, in canonical text
// (IPv6 compressed and lower case, subnets with the host bits cleared).
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export interface IpAddress {
  family: Family;
  /** Canonical text: dotted quad, or RFC 5952 IPv6. */
  text: string;
}

export interface Subnet {
  family: Family;
  /** The network address (host bits cleared). */
  address: string;
  prefix: number;
  /** "10.0.0.0/24". */
  text: string;
}

export interface AddressRange {
  family: Family;
  start: string;
  end: string;
  text: string;
}

/** Parses one IP address; undefined when `text` is not one. */
export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, text };
  if (isIPv6(text) && !text.includes('%')) return { family: 6, text: bytesToIp(ipToBytes(text, 6), 6) };
  return undefined;
}

/** True for text that can only be meant as a numeric address (digits and dots, or hex and colons). */
export function looksNumeric(text: string): boolean {
  return /^[0-9.]+$/.test(text) || (text.includes(':') && /^[0-9a-fA-F:.]+$/.test(text));
}

export function ipToBytes(text: string, family: Family): Uint8Array {
  if (family === 4) return Uint8Array.from(text.split('.').map((p) => Number(p)));
  const out = new Uint8Array(16);
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = text.slice(lastColon + 1).split('.').map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const lw = left ? left.split(':').filter((s) => s !== '') : [];
  const rw = right !== undefined && right !== '' ? right.split(':') : [];
  const words = right === undefined ? lw : [...lw, ...new Array<string>(8 - lw.length - rw.length).fill('0'), ...rw];
  words.forEach((w, i) => {
    const v = parseInt(w, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (tailV4.length === 4) out.set(tailV4, 12);
  return out;
}

export function bytesToIp(bytes: Uint8Array, family: Family): string {
  if (family === 4) return Array.from(bytes).join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952: compress the longest run (length >= 2) of zero words, the first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = out[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** Prefix length of a dotted netmask (255.255.255.0 -> 24), or undefined if not contiguous. */
function netmaskPrefix(mask: string): number | undefined {
  if (!isIPv4(mask)) return undefined;
  const bits = ipToBytes(mask, 4).reduce((acc, b) => acc + b.toString(2).padStart(8, '0'), '');
  const m = /^(1*)0*$/.exec(bits);
  return m ? m[1]!.length : undefined;
}

export type SubnetResult = { ok: true; subnet: Subnet; hostBitsCleared: boolean } | { ok: false; reason: string };

/** Parses "network/prefix" or "network/netmask" ("0/0" is 0.0.0.0/0, as in Libreswan). */
export function parseSubnet(text: string): SubnetResult {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: `no '/' in '${text}'` };
  let addrText = text.slice(0, slash);
  const maskText = text.slice(slash + 1);
  if (addrText === '0') addrText = '0.0.0.0';
  const ip = parseIp(addrText);
  if (!ip) return { ok: false, reason: `'${addrText}' is not an IP address` };
  const max = ip.family === 4 ? 32 : 128;
  let prefix: number | undefined;
  if (/^\d{1,3}$/.test(maskText)) prefix = Number(maskText);
  else if (ip.family === 4) prefix = netmaskPrefix(maskText);
  if (prefix === undefined || prefix > max) return { ok: false, reason: `bad prefix length '${maskText}' (0..${max})` };
  const bytes = ipToBytes(ip.text, ip.family);
  const masked = maskBytes(bytes, prefix);
  const address = bytesToIp(masked, ip.family);
  const hostBitsCleared = address !== ip.text;
  return { ok: true, subnet: { family: ip.family, address, prefix, text: `${address}/${prefix}` }, hostBitsCleared };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Parses "start-end" (same family, start <= end). */
export function parseRange(text: string): AddressRange | string {
  const dash = text.indexOf('-');
  if (dash < 0) return `no '-' in '${text}'`;
  const a = parseIp(text.slice(0, dash));
  const b = parseIp(text.slice(dash + 1));
  if (!a || !b) return `'${text}' is not two IP addresses joined by '-'`;
  if (a.family !== b.family) return `'${text}' mixes IPv4 and IPv6`;
  if (compareBytes(ipToBytes(a.text, a.family), ipToBytes(b.text, b.family)) > 0) return `'${text}' starts after it ends`;
  return { family: a.family, start: a.text, end: b.text, text: `${a.text}-${b.text}` };
}
