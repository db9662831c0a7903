// Traffic selectors (RFC 7296 §2.9, §3.13.1): from leftsubnet=/rightsubnet= (or the host address), the
// responder's narrowing (intersection with what the initiator proposed), and the kernel's CIDR form.
import { ipToBytes, bytesToIp, type Family } from '../config/values/address';
import type { KernelSelector } from '../kernel/kernel';
import type { TrafficSelector } from './codec';
import { TsType } from './constants';

/** A selector as numbers: an address range, a protocol (0 = any) and a port range. */
export interface Ts {
  family: Family;
  start: bigint;
  end: bigint;
  proto: number;
  startPort: number;
  endPort: number;
}

function toBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBig(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const bitsOf = (f: Family): number => (f === 4 ? 32 : 128);

/** "10.1.0.0/24" (or a bare address: a /32 or /128), with an optional protocol and port. */
export function tsFromCidr(cidr: string, proto = 0, port = 0): Ts {
  const [addr, len] = cidr.split('/');
  const family: Family = addr!.includes(':') ? 6 : 4;
  const bits = bitsOf(family);
  const prefix = len === undefined ? bits : Number(len);
  const base = toBig(ipToBytes(addr!, family));
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const start = base & ~hostMask & ((1n << BigInt(bits)) - 1n);
  return { family, start, end: start | hostMask, proto, startPort: port === 0 ? 0 : port, endPort: port === 0 ? 65535 : port };
}

export function tsToPayload(ts: Ts): TrafficSelector {
  const n = ts.family === 4 ? 4 : 16;
  return {
    tsType: ts.family === 4 ? TsType.IPV4_ADDR_RANGE : TsType.IPV6_ADDR_RANGE,
    ipProtocol: ts.proto,
    startPort: ts.startPort,
    endPort: ts.endPort,
    startAddress: fromBig(ts.start, n),
    endAddress: fromBig(ts.end, n),
  };
}

/** Null for a selector that is not a valid range (start after end). */
export function tsFromPayload(s: TrafficSelector): Ts | null {
  const family: Family = s.tsType === TsType.IPV4_ADDR_RANGE ? 4 : 6;
  const start = toBig(s.startAddress);
  const end = toBig(s.endAddress);
  if (start > end || s.startPort > s.endPort) return null;
  return { family, start, end, proto: s.ipProtocol, startPort: s.startPort, endPort: s.endPort };
}

/** The common part of two selectors, or null when they do not overlap. */
export function intersect(a: Ts, b: Ts): Ts | null {
  if (a.family !== b.family) return null;
  if (a.proto !== 0 && b.proto !== 0 && a.proto !== b.proto) return null;
  const start = a.start > b.start ? a.start : b.start;
  const end = a.end < b.end ? a.end : b.end;
  const startPort = Math.max(a.startPort, b.startPort);
  const endPort = Math.min(a.endPort, b.endPort);
  if (start > end || startPort > endPort) return null;
  return { family: a.family, start, end, proto: a.proto !== 0 ? a.proto : b.proto, startPort, endPort };
}

/** a lies within b. */
export function within(a: Ts, b: Ts): boolean {
  const i = intersect(a, b);
  return i !== null && i.start === a.start && i.end === a.end && i.proto === a.proto && i.startPort === a.startPort && i.endPort === a.endPort;
}

/**
 * The responder's narrowing (§2.9): each of our selectors intersected with each the peer proposed;
 * empty when nothing overlaps (TS_UNACCEPTABLE). Ranges that are not one CIDR block are split into blocks
 * only when printed or given to the kernel.
 */
export function narrow(proposed: readonly Ts[], ours: readonly Ts[]): Ts[] {
  const out: Ts[] = [];
  for (const p of proposed) {
    for (const o of ours) {
      const i = intersect(p, o);
      if (i !== null && !out.some((x) => within(i, x))) out.push(i);
    }
  }
  return out;
}

/** The range as CIDR blocks (a subnet gives one). */
export function tsToCidrs(ts: Ts): string[] {
  const bits = bitsOf(ts.family);
  const out: string[] = [];
  let cur = ts.start;
  while (cur <= ts.end) {
    let size = 0;
    while (size < bits) {
      const next = size + 1;
      const mask = (1n << BigInt(next)) - 1n;
      if ((cur & mask) !== 0n || cur + mask > ts.end) break;
      size = next;
    }
    out.push(`${bytesToIp(fromBig(cur, bits / 8), ts.family)}/${bits - size}`);
    cur += 1n << BigInt(size);
  }
  return out;
}

/** "10.1.0.0/24", with ":proto/port" when narrower than any. */
export function formatTs(ts: Ts): string {
  const cidr = tsToCidrs(ts).join(',');
  if (ts.proto === 0 && ts.startPort === 0 && ts.endPort === 65535) return cidr;
  const port = ts.startPort === ts.endPort ? String(ts.startPort) : ts.startPort === 0 && ts.endPort === 65535 ? '0' : `${ts.startPort}-${ts.endPort}`;
  return `${cidr}:${ts.proto}/${port}`;
}

/** Kernel selectors for local → remote traffic (one per pair of CIDR blocks); ports only for one port. */
export function kernelSelectors(local: readonly Ts[], remote: readonly Ts[]): KernelSelector[] {
  const out: KernelSelector[] = [];
  for (const l of local) {
    for (const r of remote) {
      if (l.family !== r.family) continue;
      const proto = l.proto !== 0 ? l.proto : r.proto;
      for (const src of tsToCidrs(l)) {
        for (const dst of tsToCidrs(r)) {
          out.push({
            src, dst, proto,
            srcPort: l.startPort === l.endPort ? l.startPort : 0,
            dstPort: r.startPort === r.endPort ? r.startPort : 0,
          });
        }
      }
    }
  }
  return out;
}

/** The reverse direction of a selector (in/fwd policies and inbound SAs). */
export function reverseSelector(s: KernelSelector): KernelSelector {
  return { src: s.dst, dst: s.src, proto: s.proto, srcPort: s.dstPort, dstPort: s.srcPort };
}
