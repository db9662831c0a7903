// Byte layouts of the linux/xfrm.h structures we send and receive, field by field at their C offsets
// (checked with offsetof on Linux 6.18). Host byte order for plain integers (every Linux ABI we run on is
// little-endian), network order for SPIs and ports, as the kernel expects.
import { bytesToIp, ipToBytes, parseIp, parseSubnet, type Family } from '../../config/values/address';
import type { KernelSaLifetimes, KernelSelector } from '../kernel';
import { AF_INET, AF_INET6, SIZE, XFRM_INF } from './constants';

export class XfrmCodecError extends Error {
  readonly code = 'ERR_XFRM_CODEC';
  constructor(message: string) {
    super(message);
    this.name = 'XfrmCodecError';
  }
}

export interface Address {
  family: Family;
  bytes: Uint8Array;
}

export function afOf(family: Family): number {
  return family === 4 ? AF_INET : AF_INET6;
}

export function familyOfAf(af: number): Family {
  if (af === AF_INET) return 4;
  if (af === AF_INET6) return 6;
  throw new XfrmCodecError(`unknown address family ${af}`);
}

export function parseAddress(text: string, what: string): Address {
  const ip = parseIp(text);
  if (!ip) throw new XfrmCodecError(`${what} '${text}' is not an IP address`);
  return { family: ip.family, bytes: ipToBytes(ip.text, ip.family) };
}

/** xfrm_address_t: 16 bytes, an IPv4 address in the first 4. */
export function writeAddress(buf: Buffer, offset: number, addr: Address): void {
  buf.fill(0, offset, offset + 16);
  buf.set(addr.bytes, offset);
}

export function readAddress(buf: Buffer, offset: number, family: Family): string {
  return bytesToIp(buf.subarray(offset, offset + (family === 4 ? 4 : 16)), family);
}

interface ParsedSelector {
  family: Family;
  src: Address;
  dst: Address;
  srcPrefix: number;
  dstPrefix: number;
}

export function parseSelector(sel: KernelSelector): ParsedSelector {
  const src = parseSubnet(sel.src);
  const dst = parseSubnet(sel.dst);
  if (!src.ok) throw new XfrmCodecError(`selector src '${sel.src}': ${src.reason}`);
  if (!dst.ok) throw new XfrmCodecError(`selector dst '${sel.dst}': ${dst.reason}`);
  if (src.subnet.family !== dst.subnet.family) throw new XfrmCodecError(`selector mixes IPv4 and IPv6: ${sel.src} -> ${sel.dst}`);
  for (const [v, name, max] of [[sel.proto, 'proto', 255], [sel.srcPort, 'srcPort', 65535], [sel.dstPort, 'dstPort', 65535]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new XfrmCodecError(`selector ${name} ${v} is not in 0..${max}`);
  }
  const family = src.subnet.family;
  return {
    family,
    src: { family, bytes: ipToBytes(src.subnet.address, family) },
    dst: { family, bytes: ipToBytes(dst.subnet.address, family) },
    srcPrefix: src.subnet.prefix,
    dstPrefix: dst.subnet.prefix,
  };
}

/** struct xfrm_selector (56 bytes). A port of 0 means any port (mask 0), as `ip xfrm` does. */
export function writeSelector(buf: Buffer, offset: number, sel: KernelSelector): void {
  const p = parseSelector(sel);
  buf.fill(0, offset, offset + SIZE.selector);
  writeAddress(buf, offset + 0, p.dst);
  writeAddress(buf, offset + 16, p.src);
  buf.writeUInt16BE(sel.dstPort, offset + 32);
  buf.writeUInt16BE(sel.dstPort !== 0 ? 0xffff : 0, offset + 34);
  buf.writeUInt16BE(sel.srcPort, offset + 36);
  buf.writeUInt16BE(sel.srcPort !== 0 ? 0xffff : 0, offset + 38);
  buf.writeUInt16LE(afOf(p.family), offset + 40);
  buf.writeUInt8(p.dstPrefix, offset + 42);
  buf.writeUInt8(p.srcPrefix, offset + 43);
  buf.writeUInt8(sel.proto, offset + 44);
  // ifindex (48) and user (52) stay 0: any interface, any user.
}

export function readSelector(buf: Buffer, offset: number): KernelSelector {
  const af = buf.readUInt16LE(offset + 40);
  const family = af === 0 ? 4 : familyOfAf(af);
  return {
    src: `${readAddress(buf, offset + 16, family)}/${buf.readUInt8(offset + 43)}`,
    dst: `${readAddress(buf, offset + 0, family)}/${buf.readUInt8(offset + 42)}`,
    proto: buf.readUInt8(offset + 44),
    srcPort: buf.readUInt16BE(offset + 36) & buf.readUInt16BE(offset + 38),
    dstPort: buf.readUInt16BE(offset + 32) & buf.readUInt16BE(offset + 34),
  };
}

const NO_LIFETIMES: KernelSaLifetimes = { softBytes: 0, hardBytes: 0, softPackets: 0, hardPackets: 0, softSeconds: 0, hardSeconds: 0 };

/**
 * struct xfrm_lifetime_cfg (64 bytes): soft/hard byte and packet limits (0 = none = XFRM_INF), then
 * soft/hard add-expire seconds (0 = none), then use-expire seconds (unused: 0).
 */
export function writeLifetimeCfg(buf: Buffer, offset: number, lt: KernelSaLifetimes = NO_LIFETIMES): void {
  const limit = (n: number): bigint => (n === 0 ? XFRM_INF : BigInt(n));
  for (const [name, v] of Object.entries(lt) as [string, number][]) {
    if (!Number.isSafeInteger(v) || v < 0) throw new XfrmCodecError(`lifetime ${name} ${String(v)} is not a non-negative integer`);
  }
  buf.writeBigUInt64LE(limit(lt.softBytes), offset + 0);
  buf.writeBigUInt64LE(limit(lt.hardBytes), offset + 8);
  buf.writeBigUInt64LE(limit(lt.softPackets), offset + 16);
  buf.writeBigUInt64LE(limit(lt.hardPackets), offset + 24);
  buf.writeBigUInt64LE(BigInt(lt.softSeconds), offset + 32);
  buf.writeBigUInt64LE(BigInt(lt.hardSeconds), offset + 40);
  buf.writeBigUInt64LE(0n, offset + 48);
  buf.writeBigUInt64LE(0n, offset + 56);
}

export function readLifetimeCfg(buf: Buffer, offset: number): KernelSaLifetimes {
  const limit = (at: number): number => {
    const v = buf.readBigUInt64LE(offset + at);
    return v === XFRM_INF ? 0 : Number(v);
  };
  return {
    softBytes: limit(0),
    hardBytes: limit(8),
    softPackets: limit(16),
    hardPackets: limit(24),
    softSeconds: Number(buf.readBigUInt64LE(offset + 32)),
    hardSeconds: Number(buf.readBigUInt64LE(offset + 40)),
  };
}

/** struct xfrm_id (24 bytes): daddr, spi (network order), proto. */
export function writeId(buf: Buffer, offset: number, dst: Address, spi: number, proto: number): void {
  buf.fill(0, offset, offset + SIZE.id);
  writeAddress(buf, offset, dst);
  buf.writeUInt32BE(spi >>> 0, offset + 16);
  buf.writeUInt8(proto, offset + 20);
}

/** A range check with a codec error instead of a RangeError from Buffer. */
export function checkUint(value: number, bits: 8 | 16 | 32, what: string): number {
  const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new XfrmCodecError(`${what} ${value} is not in 0..${max}`);
  return value;
}
