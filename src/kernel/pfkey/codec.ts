// The PF_KEY v2 wire format (RFC 2367 §2): a 16-octet sadb_msg and extensions, every length counted in
// 64-bit words and every extension padded to 8 octets. Integers are in host byte order except the SPI
// and the ports inside sockaddrs (network order), as the RFC says. Keys never enter a JS buffer: the
// encoder leaves zeros and a SecretPatch for the native send to fill in.
import { endianness } from 'node:os';
import { isIP } from 'node:net';

import { secretFrom, type SecretBytes } from '../../native/secret';
import type { SecretPatch } from '../../native/pfkey';
import { EXT, PF_KEY_V2, SIZE, SOCKADDR_LINUX, type SockaddrStyle } from './constants';

export class PfkeyCodecError extends Error {
  readonly code = 'ERR_PFKEY_CODEC';
  constructor(message: string) {
    super(message);
    this.name = 'PfkeyCodecError';
  }
}

export interface Lifetime { allocations: number; bytes: number; addtime: number; usetime: number }
export interface Comb {
  auth: number; encrypt: number; flags: number;
  authMinBits: number; authMaxBits: number; encryptMinBits: number; encryptMaxBits: number;
  soft: Lifetime; hard: Lifetime;
}
export interface SupportedAlg { id: number; ivLen: number; minBits: number; maxBits: number }
export interface IpsecRequest {
  proto: number; mode: number; level: number; reqid: number;
  /** Tunnel end points (tunnel mode only). */
  src?: string; dst?: string;
}

export type PfkeyExtension =
  | { kind: 'sa'; spi: number; replay: number; state: number; auth: number; encrypt: number; flags: number }
  | ({ kind: 'lifetime'; which: 'current' | 'hard' | 'soft' } & Lifetime)
  | { kind: 'address'; which: 'src' | 'dst' | 'proxy'; proto: number; prefixLen: number; address: string; port: number }
  | { kind: 'key'; which: 'auth' | 'encrypt'; bits: number; key: SecretBytes }
  | { kind: 'identity'; which: 'src' | 'dst'; identType: number; id: number; text: string }
  | { kind: 'proposal'; replay: number; combs: Comb[] }
  | { kind: 'supported'; which: 'auth' | 'encrypt'; algs: SupportedAlg[] }
  | { kind: 'spirange'; min: number; max: number }
  | { kind: 'sa2'; mode: number; sequence: number; reqid: number }
  | { kind: 'policy'; policyType: number; dir: number; id: number; priority: number; requests: IpsecRequest[] }
  | { kind: 'natTType'; encapType: number }
  | { kind: 'natTPort'; which: 'sport' | 'dport'; port: number }
  | { kind: 'unknown'; extType: number; data: Buffer };

export interface PfkeyMessage {
  type: number;
  satype: number;
  /** sadb_msg_errno: 0 in requests, the kernel's errno in a failed reply. */
  errno: number;
  seq: number;
  pid: number;
  extensions: PfkeyExtension[];
}

export interface EncodedMessage {
  bytes: Buffer;
  /** Where key bytes go (SADB_EXT_KEY_*): filled natively just before the write. */
  patches: SecretPatch[];
}

const LE = endianness() === 'LE';
const WHICH_LIFETIME = { current: EXT.LIFETIME_CURRENT, hard: EXT.LIFETIME_HARD, soft: EXT.LIFETIME_SOFT } as const;
const WHICH_ADDRESS = { src: EXT.ADDRESS_SRC, dst: EXT.ADDRESS_DST, proxy: EXT.ADDRESS_PROXY } as const;
const WHICH_KEY = { auth: EXT.KEY_AUTH, encrypt: EXT.KEY_ENCRYPT } as const;
const WHICH_IDENT = { src: EXT.IDENTITY_SRC, dst: EXT.IDENTITY_DST } as const;
const WHICH_SUPPORTED = { auth: EXT.SUPPORTED_AUTH, encrypt: EXT.SUPPORTED_ENCRYPT } as const;
const WHICH_PORT = { sport: EXT.X_NAT_T_SPORT, dport: EXT.X_NAT_T_DPORT } as const;

const pad8 = (n: number): number => (n + 7) & ~7;

// ---- host-order integers ----
function w16(b: Buffer, o: number, v: number): void {
  if (LE) b.writeUInt16LE(v, o);
  else b.writeUInt16BE(v, o);
}
function w32(b: Buffer, o: number, v: number): void {
  if (LE) b.writeUInt32LE(v >>> 0, o);
  else b.writeUInt32BE(v >>> 0, o);
}
function w64(b: Buffer, o: number, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new PfkeyCodecError(`a 64-bit field must be a safe non-negative integer, not ${v}`);
  if (LE) b.writeBigUInt64LE(BigInt(v), o);
  else b.writeBigUInt64BE(BigInt(v), o);
}
const r16 = (b: Buffer, o: number): number => (LE ? b.readUInt16LE(o) : b.readUInt16BE(o));
const r32 = (b: Buffer, o: number): number => (LE ? b.readUInt32LE(o) : b.readUInt32BE(o));
/** u64 as a number: values past 2^53 (the kernel's "no limit" all-ones) saturate at MAX_SAFE_INTEGER. */
function r64(b: Buffer, o: number): number {
  const v = LE ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

// ---- sockaddr ----

function ipBytes(address: string): Buffer {
  const v = isIP(address);
  if (v === 4) return Buffer.from(address.split('.').map((x) => Number(x)));
  if (v !== 6) throw new PfkeyCodecError(`not an IP address: ${JSON.stringify(address)}`);
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const part = (s: string | undefined): string[] => (s ? s.split(':') : []);
  let h = part(head);
  let t = part(tail);
  const v4 = (list: string[]): string[] => {
    const last = list[list.length - 1];
    if (last === undefined || !last.includes('.')) return list;
    const q = last.split('.').map(Number);
    return [...list.slice(0, -1), ((q[0]! << 8) | q[1]!).toString(16), ((q[2]! << 8) | q[3]!).toString(16)];
  };
  h = v4(h);
  t = v4(t);
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // Let the URL parser pick the canonical (RFC 5952) compression.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function sockaddrSize(address: string): number {
  return isIP(address) === 6 ? SIZE.sockaddrIn6 : SIZE.sockaddrIn;
}

/** Writes a sockaddr_in/in6 at `o` (the buffer is zeroed); returns its unpadded size. */
function writeSockaddr(b: Buffer, o: number, address: string, port: number, style: SockaddrStyle): number {
  const ip = ipBytes(address);
  const size = ip.length === 4 ? SIZE.sockaddrIn : SIZE.sockaddrIn6;
  const family = ip.length === 4 ? style.inet : style.inet6;
  if (style.bsdLength) {
    b[o] = size;
    b[o + 1] = family;
  } else {
    w16(b, o, family);
  }
  b.writeUInt16BE(port, o + 2);
  ip.copy(b, o + (ip.length === 4 ? 4 : 8));
  return size;
}

function readSockaddr(b: Buffer, o: number, end: number, style: SockaddrStyle): { address: string; port: number; size: number } {
  if (end - o < 4) throw new PfkeyCodecError('a sockaddr is truncated');
  const family = style.bsdLength ? b[o + 1]! : r16(b, o);
  const size = family === style.inet ? SIZE.sockaddrIn : family === style.inet6 ? SIZE.sockaddrIn6 : 0;
  if (size === 0) throw new PfkeyCodecError(`a sockaddr has an unknown address family ${family}`);
  if (end - o < size) throw new PfkeyCodecError('a sockaddr is truncated');
  const ip = family === style.inet ? b.subarray(o + 4, o + 8) : b.subarray(o + 8, o + 24);
  return { address: ipText(Buffer.from(ip)), port: b.readUInt16BE(o + 2), size };
}

// ---- encoding ----

function extSize(ext: PfkeyExtension): number {
  switch (ext.kind) {
    case 'sa': return SIZE.sa;
    case 'lifetime': return SIZE.lifetime;
    case 'address': return SIZE.address + pad8(sockaddrSize(ext.address));
    case 'key': return SIZE.key + pad8(Math.ceil(ext.bits / 8));
    case 'identity': return SIZE.ident + pad8(Buffer.byteLength(ext.text) + (ext.text.length > 0 ? 1 : 0));
    case 'proposal': return SIZE.prop + SIZE.comb * ext.combs.length;
    case 'supported': return SIZE.supported + SIZE.alg * ext.algs.length;
    case 'spirange': return SIZE.spirange;
    case 'sa2': return SIZE.xSa2;
    case 'policy': return SIZE.xPolicy + ext.requests.reduce((n, r) => n + requestSize(r), 0);
    case 'natTType': return SIZE.natTType;
    case 'natTPort': return SIZE.natTPort;
    case 'unknown': return pad8(SIZE.ext + ext.data.length);
  }
}

function requestSize(r: IpsecRequest): number {
  const addrs = r.src !== undefined && r.dst !== undefined ? sockaddrSize(r.src) + sockaddrSize(r.dst) : 0;
  return pad8(SIZE.xIpsecrequest + addrs);
}

function writeLifetime(b: Buffer, o: number, l: Lifetime): void {
  w32(b, o, l.allocations);
  w64(b, o + 4, l.bytes);
  w64(b, o + 12, l.addtime);
  w64(b, o + 20, l.usetime);
}

function writeExt(b: Buffer, o: number, ext: PfkeyExtension, style: SockaddrStyle, patches: SecretPatch[]): void {
  const size = extSize(ext);
  w16(b, o, size / 8);
  switch (ext.kind) {
    case 'sa':
      w16(b, o + 2, EXT.SA);
      b.writeUInt32BE(ext.spi >>> 0, o + 4);
      b[o + 8] = ext.replay;
      b[o + 9] = ext.state;
      b[o + 10] = ext.auth;
      b[o + 11] = ext.encrypt;
      w32(b, o + 12, ext.flags);
      return;
    case 'lifetime':
      w16(b, o + 2, WHICH_LIFETIME[ext.which]);
      writeLifetime(b, o + 4, ext);
      return;
    case 'address':
      w16(b, o + 2, WHICH_ADDRESS[ext.which]);
      b[o + 4] = ext.proto;
      b[o + 5] = ext.prefixLen;
      writeSockaddr(b, o + 8, ext.address, ext.port, style);
      return;
    case 'key':
      if (ext.key.length * 8 < ext.bits) throw new PfkeyCodecError(`a ${ext.bits}-bit key has only ${ext.key.length} bytes`);
      w16(b, o + 2, WHICH_KEY[ext.which]);
      w16(b, o + 4, ext.bits);
      patches.push([o + SIZE.key, ext.bits === ext.key.length * 8 ? ext.key : ext.key.slice(0, Math.ceil(ext.bits / 8))]);
      return;
    case 'identity':
      w16(b, o + 2, WHICH_IDENT[ext.which]);
      w16(b, o + 4, ext.identType);
      w64(b, o + 8, ext.id);
      b.write(ext.text, o + SIZE.ident);
      return;
    case 'proposal':
      w16(b, o + 2, EXT.PROPOSAL);
      b[o + 4] = ext.replay;
      ext.combs.forEach((c, i) => {
        const p = o + SIZE.prop + i * SIZE.comb;
        b[p] = c.auth;
        b[p + 1] = c.encrypt;
        w16(b, p + 2, c.flags);
        w16(b, p + 4, c.authMinBits);
        w16(b, p + 6, c.authMaxBits);
        w16(b, p + 8, c.encryptMinBits);
        w16(b, p + 10, c.encryptMaxBits);
        w32(b, p + 16, c.soft.allocations);
        w32(b, p + 20, c.hard.allocations);
        w64(b, p + 24, c.soft.bytes);
        w64(b, p + 32, c.hard.bytes);
        w64(b, p + 40, c.soft.addtime);
        w64(b, p + 48, c.hard.addtime);
        w64(b, p + 56, c.soft.usetime);
        w64(b, p + 64, c.hard.usetime);
      });
      return;
    case 'supported':
      w16(b, o + 2, WHICH_SUPPORTED[ext.which]);
      ext.algs.forEach((a, i) => {
        const p = o + SIZE.supported + i * SIZE.alg;
        b[p] = a.id;
        b[p + 1] = a.ivLen;
        w16(b, p + 2, a.minBits);
        w16(b, p + 4, a.maxBits);
      });
      return;
    case 'spirange':
      w16(b, o + 2, EXT.SPIRANGE);
      w32(b, o + 4, ext.min);
      w32(b, o + 8, ext.max);
      return;
    case 'sa2':
      w16(b, o + 2, EXT.X_SA2);
      b[o + 4] = ext.mode;
      w32(b, o + 8, ext.sequence);
      w32(b, o + 12, ext.reqid);
      return;
    case 'policy': {
      w16(b, o + 2, EXT.X_POLICY);
      w16(b, o + 4, ext.policyType);
      b[o + 6] = ext.dir;
      w32(b, o + 8, ext.id);
      w32(b, o + 12, ext.priority);
      let p = o + SIZE.xPolicy;
      for (const r of ext.requests) {
        const len = requestSize(r);
        w16(b, p, len); // sadb_x_ipsecrequest_len counts octets, not words
        w16(b, p + 2, r.proto);
        b[p + 4] = r.mode;
        b[p + 5] = r.level;
        w32(b, p + 8, r.reqid);
        if (r.src !== undefined && r.dst !== undefined) {
          const n = writeSockaddr(b, p + SIZE.xIpsecrequest, r.src, 0, style);
          writeSockaddr(b, p + SIZE.xIpsecrequest + n, r.dst, 0, style);
        }
        p += len;
      }
      return;
    }
    case 'natTType':
      w16(b, o + 2, EXT.X_NAT_T_TYPE);
      b[o + 4] = ext.encapType;
      return;
    case 'natTPort':
      w16(b, o + 2, WHICH_PORT[ext.which]);
      b.writeUInt16BE(ext.port, o + 4);
      return;
    case 'unknown':
      w16(b, o + 2, ext.extType);
      ext.data.copy(b, o + SIZE.ext);
      return;
  }
}

/** Encodes a message; key bytes are left as zeros and listed in `patches`. */
export function encodeMessage(msg: PfkeyMessage, style: SockaddrStyle = SOCKADDR_LINUX): EncodedMessage {
  const total = SIZE.msg + msg.extensions.reduce((n, e) => n + extSize(e), 0);
  if (total / 8 > 0xffff) throw new PfkeyCodecError(`a PF_KEY message of ${total} bytes is too long`);
  const b = Buffer.alloc(total);
  b[0] = PF_KEY_V2;
  b[1] = msg.type;
  b[2] = msg.errno;
  b[3] = msg.satype;
  w16(b, 4, total / 8);
  w32(b, 8, msg.seq);
  w32(b, 12, msg.pid);
  const patches: SecretPatch[] = [];
  let o = SIZE.msg;
  for (const ext of msg.extensions) {
    writeExt(b, o, ext, style, patches);
    o += extSize(ext);
  }
  return { bytes: b, patches };
}

// ---- decoding ----

function readLifetime(b: Buffer, o: number): Lifetime {
  return { allocations: r32(b, o), bytes: r64(b, o + 4), addtime: r64(b, o + 12), usetime: r64(b, o + 20) };
}

function need(len: number, min: number, what: string): void {
  if (len < min) throw new PfkeyCodecError(`a ${what} extension of ${len} bytes is shorter than its ${min}`);
}

function invert<K extends string>(map: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(map).map(([k, v]) => [v as number, k as K]));
}
const LIFETIME_OF = invert(WHICH_LIFETIME);
const ADDRESS_OF = invert(WHICH_ADDRESS);
const KEY_OF = invert(WHICH_KEY);
const IDENT_OF = invert(WHICH_IDENT);
const SUPPORTED_OF = invert(WHICH_SUPPORTED);
const PORT_OF = invert(WHICH_PORT);

function readRequests(b: Buffer, o: number, end: number, style: SockaddrStyle): IpsecRequest[] {
  const out: IpsecRequest[] = [];
  while (o < end) {
    if (end - o < SIZE.xIpsecrequest) throw new PfkeyCodecError('an ipsecrequest is truncated');
    const len = r16(b, o);
    if (len < SIZE.xIpsecrequest || len > end - o) throw new PfkeyCodecError(`an ipsecrequest has a bad length ${len}`);
    const r: IpsecRequest = { proto: r16(b, o + 2), mode: b[o + 4]!, level: b[o + 5]!, reqid: r32(b, o + 8) };
    if (len > SIZE.xIpsecrequest) {
      const src = readSockaddr(b, o + SIZE.xIpsecrequest, o + len, style);
      const dst = readSockaddr(b, o + SIZE.xIpsecrequest + src.size, o + len, style);
      r.src = src.address;
      r.dst = dst.address;
    }
    out.push(r);
    o += len;
  }
  return out;
}

function readExt(b: Buffer, o: number, len: number, type: number, style: SockaddrStyle): PfkeyExtension {
  const end = o + len;
  const which = <K>(map: Map<number, K>): K => map.get(type)!;
  switch (type) {
    case EXT.SA:
      need(len, SIZE.sa, 'SA');
      return { kind: 'sa', spi: b.readUInt32BE(o + 4), replay: b[o + 8]!, state: b[o + 9]!, auth: b[o + 10]!, encrypt: b[o + 11]!, flags: r32(b, o + 12) };
    case EXT.LIFETIME_CURRENT:
    case EXT.LIFETIME_HARD:
    case EXT.LIFETIME_SOFT:
      need(len, SIZE.lifetime, 'LIFETIME');
      return { kind: 'lifetime', which: which(LIFETIME_OF), ...readLifetime(b, o + 4) };
    case EXT.ADDRESS_SRC:
    case EXT.ADDRESS_DST:
    case EXT.ADDRESS_PROXY: {
      need(len, SIZE.address + SIZE.sockaddrIn, 'ADDRESS');
      const sa = readSockaddr(b, o + SIZE.address, end, style);
      return { kind: 'address', which: which(ADDRESS_OF), proto: b[o + 4]!, prefixLen: b[o + 5]!, address: sa.address, port: sa.port };
    }
    case EXT.KEY_AUTH:
    case EXT.KEY_ENCRYPT: {
      need(len, SIZE.key, 'KEY');
      const bits = r16(b, o + 4);
      const bytes = Math.ceil(bits / 8);
      if (SIZE.key + bytes > len) throw new PfkeyCodecError(`a KEY extension of ${len} bytes cannot hold ${bits} bits`);
      return { kind: 'key', which: which(KEY_OF), bits, key: secretFrom(b.subarray(o + SIZE.key, o + SIZE.key + bytes)) };
    }
    case EXT.IDENTITY_SRC:
    case EXT.IDENTITY_DST: {
      need(len, SIZE.ident, 'IDENTITY');
      const text = b.subarray(o + SIZE.ident, end);
      const nul = text.indexOf(0);
      return { kind: 'identity', which: which(IDENT_OF), identType: r16(b, o + 4), id: r64(b, o + 8), text: text.subarray(0, nul < 0 ? text.length : nul).toString() };
    }
    case EXT.PROPOSAL: {
      need(len, SIZE.prop, 'PROPOSAL');
      if ((len - SIZE.prop) % SIZE.comb !== 0) throw new PfkeyCodecError(`a PROPOSAL of ${len} bytes is not whole combs`);
      const combs: Comb[] = [];
      for (let p = o + SIZE.prop; p < end; p += SIZE.comb) {
        combs.push({
          auth: b[p]!, encrypt: b[p + 1]!, flags: r16(b, p + 2),
          authMinBits: r16(b, p + 4), authMaxBits: r16(b, p + 6), encryptMinBits: r16(b, p + 8), encryptMaxBits: r16(b, p + 10),
          soft: { allocations: r32(b, p + 16), bytes: r64(b, p + 24), addtime: r64(b, p + 40), usetime: r64(b, p + 56) },
          hard: { allocations: r32(b, p + 20), bytes: r64(b, p + 32), addtime: r64(b, p + 48), usetime: r64(b, p + 64) },
        });
      }
      return { kind: 'proposal', replay: b[o + 4]!, combs };
    }
    case EXT.SUPPORTED_AUTH:
    case EXT.SUPPORTED_ENCRYPT: {
      need(len, SIZE.supported, 'SUPPORTED');
      const algs: SupportedAlg[] = [];
      for (let p = o + SIZE.supported; p + SIZE.alg <= end; p += SIZE.alg) algs.push({ id: b[p]!, ivLen: b[p + 1]!, minBits: r16(b, p + 2), maxBits: r16(b, p + 4) });
      return { kind: 'supported', which: which(SUPPORTED_OF), algs };
    }
    case EXT.SPIRANGE:
      need(len, SIZE.spirange, 'SPIRANGE');
      return { kind: 'spirange', min: r32(b, o + 4), max: r32(b, o + 8) };
    case EXT.X_SA2:
      need(len, SIZE.xSa2, 'X_SA2');
      return { kind: 'sa2', mode: b[o + 4]!, sequence: r32(b, o + 8), reqid: r32(b, o + 12) };
    case EXT.X_POLICY:
      need(len, SIZE.xPolicy, 'X_POLICY');
      return { kind: 'policy', policyType: r16(b, o + 4), dir: b[o + 6]!, id: r32(b, o + 8), priority: r32(b, o + 12), requests: readRequests(b, o + SIZE.xPolicy, end, style) };
    case EXT.X_NAT_T_TYPE:
      need(len, SIZE.natTType, 'X_NAT_T_TYPE');
      return { kind: 'natTType', encapType: b[o + 4]! };
    case EXT.X_NAT_T_SPORT:
    case EXT.X_NAT_T_DPORT:
      need(len, SIZE.natTPort, 'X_NAT_T_PORT');
      return { kind: 'natTPort', which: which(PORT_OF), port: b.readUInt16BE(o + 4) };
    default:
      return { kind: 'unknown', extType: type, data: Buffer.from(b.subarray(o + SIZE.ext, end)) };
  }
}

/**
 * Decodes one message; throws PfkeyCodecError on any length or layout that does not add up. KEY extensions
 * are moved into SecretBytes: their bytes in `input` are zeroed.
 */
export function decodeMessage(input: Uint8Array, style: SockaddrStyle = SOCKADDR_LINUX): PfkeyMessage {
  const b = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (b.length < SIZE.msg) throw new PfkeyCodecError(`a PF_KEY message of ${b.length} bytes is shorter than its 16-byte header`);
  if (b[0] !== PF_KEY_V2) throw new PfkeyCodecError(`PF_KEY version ${b[0]}, not ${PF_KEY_V2}`);
  const total = r16(b, 4) * 8;
  if (total < SIZE.msg || total > b.length) throw new PfkeyCodecError(`sadb_msg_len says ${total} bytes but ${b.length} arrived`);
  const msg: PfkeyMessage = { type: b[1]!, errno: b[2]!, satype: b[3]!, seq: r32(b, 8), pid: r32(b, 12), extensions: [] };
  let o = SIZE.msg;
  while (o < total) {
    if (total - o < SIZE.ext) throw new PfkeyCodecError(`an extension header at offset ${o} is truncated`);
    const len = r16(b, o) * 8;
    const type = r16(b, o + 2);
    if (len === 0 || len > total - o) throw new PfkeyCodecError(`extension ${type} at offset ${o} has a bad length ${len}`);
    msg.extensions.push(readExt(b, o, len, type, style));
    o += len;
  }
  return msg;
}

/** sadb_msg_seq of an encoded message. */
export function messageSeq(bytes: Uint8Array): number {
  if (bytes.length < SIZE.msg) throw new PfkeyCodecError('a PF_KEY message is at least its 16-byte header');
  return r32(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 8);
}

/** The first extension of a kind (and `which`, where the kind has several). */
export function findExt<K extends PfkeyExtension['kind']>(msg: PfkeyMessage, kind: K, which?: string): Extract<PfkeyExtension, { kind: K }> | undefined {
  return msg.extensions.find((e) => e.kind === kind && (which === undefined || ('which' in e && e.which === which))) as Extract<PfkeyExtension, { kind: K }> | undefined;
}
