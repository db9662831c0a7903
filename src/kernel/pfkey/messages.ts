// The daemon's requests as PF_KEY messages, and the kernel's answers and broadcasts as the Kernel
// interface's types. One builder per message type (RFC 2367 §3.1, KAME's SPD messages).
import { isIP } from 'node:net';

import { KernelError } from '../errors';
import type { KernelEvent, KernelPolicy, KernelSa, KernelSaCounters, KernelSelector, PolicyAction, PolicyDirection, SaMode } from '../kernel';
import { pfkeyAuth, pfkeyEncr, type PfkeyPlatform } from './algorithms';
import { decodeMessage, encodeMessage, findExt, PfkeyCodecError, type EncodedMessage, type IpsecRequest, type PfkeyExtension, type PfkeyMessage } from './codec';
import { IPPROTO_ESP, IPSEC_DIR, IPSEC_LEVEL, IPSEC_MODE, IPSEC_POLICY, SADB, SADB_X_SAFLAGS_ESN, SASTATE, SATYPE, UDP_ENCAP_ESPINUDP, sockaddrStyleFor, type SockaddrStyle } from './constants';

/** IPSEC_ULPROTO_ANY: "any upper-layer protocol" in an ADDRESS extension. */
const ULPROTO_ANY = 255;

/** Who is asking: the sequence number and our pid (sadb_msg_pid), and the platform's conventions. */
export interface RequestContext {
  seq: number;
  pid: number;
  platform?: PfkeyPlatform;
}

function style(ctx: RequestContext): SockaddrStyle {
  return sockaddrStyleFor(ctx.platform ?? 'linux');
}

function message(ctx: RequestContext, type: number, satype: number, extensions: PfkeyExtension[]): EncodedMessage {
  return encodeMessage({ type, satype, errno: 0, seq: ctx.seq, pid: ctx.pid, extensions }, style(ctx));
}

function hostBits(address: string): number {
  return isIP(address) === 6 ? 128 : 32;
}

function host(which: 'src' | 'dst', address: string): PfkeyExtension {
  return { kind: 'address', which, proto: ULPROTO_ANY, prefixLen: hostBits(address), address, port: 0 };
}

function subnet(which: 'src' | 'dst', cidr: string, proto: number, port: number): PfkeyExtension {
  const slash = cidr.indexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const prefixLen = slash < 0 ? hostBits(address) : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > hostBits(address)) throw new PfkeyCodecError(`bad prefix in ${JSON.stringify(cidr)}`);
  return { kind: 'address', which, proto: proto === 0 ? ULPROTO_ANY : proto, prefixLen, address, port };
}

const MODE: Record<SaMode, number> = { transport: IPSEC_MODE.TRANSPORT, tunnel: IPSEC_MODE.TUNNEL };
const DIR: Record<PolicyDirection, number> = { in: IPSEC_DIR.INBOUND, out: IPSEC_DIR.OUTBOUND, fwd: IPSEC_DIR.FWD };

// ---- SAs ----

export interface SpiRange {
  min?: number;
  max?: number;
}

/** SADB_GETSPI: a larval SA from src to dst with a fresh SPI in [min, max]. */
export function encodeGetSpi(src: string, dst: string, ctx: RequestContext, range: SpiRange = {}, reqid = 0): EncodedMessage {
  return message(ctx, SADB.GETSPI, SATYPE.ESP, [
    { kind: 'sa2', mode: IPSEC_MODE.ANY, sequence: 0, reqid },
    host('src', src),
    host('dst', dst),
    { kind: 'spirange', min: range.min ?? 0x100, max: range.max ?? 0xffffffff },
  ]);
}

/** SADB_ADD, or SADB_UPDATE (which fills in a larval SA from GETSPI, or replaces a mature one). */
export function encodeSa(sa: KernelSa, ctx: RequestContext, update: boolean): EncodedMessage {
  if (sa.mark) throw new PfkeyCodecError('PF_KEY has no SA marks (mark=): use --use-xfrm');
  const platform = ctx.platform ?? 'linux';
  const exts: PfkeyExtension[] = [
    {
      kind: 'sa',
      spi: sa.spi,
      // RFC 2367 counts the window in packets (Linux does); KAME's BSDs in octets of bitmap (setkey -r).
      replay: Math.min(platform === 'linux' ? sa.replayWindow : Math.ceil(sa.replayWindow / 8), 255),
      state: SASTATE.MATURE,
      auth: sa.integ ? pfkeyAuth(sa.integ.id) : 0,
      encrypt: pfkeyEncr(sa.encr.id, platform),
      flags: sa.esn ? SADB_X_SAFLAGS_ESN : 0,
    },
    { kind: 'sa2', mode: MODE[sa.mode], sequence: 0, reqid: sa.reqid },
    { kind: 'lifetime', which: 'hard', allocations: sa.lifetimes.hardPackets, bytes: sa.lifetimes.hardBytes, addtime: sa.lifetimes.hardSeconds, usetime: 0 },
    { kind: 'lifetime', which: 'soft', allocations: sa.lifetimes.softPackets, bytes: sa.lifetimes.softBytes, addtime: sa.lifetimes.softSeconds, usetime: 0 },
    host('src', sa.src),
    host('dst', sa.dst),
  ];
  if (sa.integ) exts.push({ kind: 'key', which: 'auth', bits: sa.integ.key.length * 8, key: sa.integ.key });
  // The keymat is the key and its salt (RFC 4106 §8.1): PF_KEY takes both in one KEY_ENCRYPT.
  if (sa.encr.keymat.length > 0) exts.push({ kind: 'key', which: 'encrypt', bits: sa.encr.keymat.length * 8, key: sa.encr.keymat });
  if (sa.encap) {
    exts.push({ kind: 'natTType', encapType: UDP_ENCAP_ESPINUDP });
    exts.push({ kind: 'natTPort', which: 'sport', port: sa.encap.srcPort });
    exts.push({ kind: 'natTPort', which: 'dport', port: sa.encap.dstPort });
  }
  return message(ctx, update ? SADB.UPDATE : SADB.ADD, SATYPE.ESP, exts);
}

/** SADB_DELETE or SADB_GET of one SA. */
export function encodeSaId(op: 'delete' | 'get', spi: number, src: string, dst: string, ctx: RequestContext): EncodedMessage {
  return message(ctx, op === 'delete' ? SADB.DELETE : SADB.GET, SATYPE.ESP, [
    { kind: 'sa', spi, replay: 0, state: 0, auth: 0, encrypt: 0, flags: 0 },
    host('src', src),
    host('dst', dst),
  ]);
}

/** SADB_FLUSH, SADB_DUMP or SADB_REGISTER for ESP SAs; the SPD's X_SPDFLUSH / X_SPDDUMP. */
export function encodeSimple(type: 'flush' | 'dump' | 'register' | 'spdflush' | 'spddump', ctx: RequestContext): EncodedMessage {
  switch (type) {
    case 'flush': return message(ctx, SADB.FLUSH, SATYPE.ESP, []);
    case 'dump': return message(ctx, SADB.DUMP, SATYPE.ESP, []);
    case 'register': return message(ctx, SADB.REGISTER, SATYPE.ESP, []);
    case 'spdflush': return message(ctx, SADB.X_SPDFLUSH, SATYPE.UNSPEC, []);
    case 'spddump': return message(ctx, SADB.X_SPDDUMP, SATYPE.UNSPEC, []);
  }
}

// ---- policies ----

function policyExt(policy: KernelPolicy): PfkeyExtension {
  const base = { kind: 'policy' as const, dir: DIR[policy.direction], id: 0, priority: policy.priority };
  switch (policy.action) {
    case 'pass':
      return { ...base, policyType: IPSEC_POLICY.NONE, requests: [] };
    case 'drop':
    case 'reject':
      return { ...base, policyType: IPSEC_POLICY.DISCARD, requests: [] };
    case 'ipsec':
    case 'trap':
    case 'hold': {
      const t = policy.template;
      // A trap with no SA behind it is what makes the kernel send ACQUIRE; hold without a template drops.
      if (!t) {
        if (policy.action === 'ipsec') throw new PfkeyCodecError('an ipsec policy needs a template');
        return { ...base, policyType: IPSEC_POLICY.DISCARD, requests: [] };
      }
      const req: IpsecRequest = { proto: IPPROTO_ESP, mode: MODE[t.mode], level: t.reqid !== 0 ? IPSEC_LEVEL.UNIQUE : IPSEC_LEVEL.REQUIRE, reqid: t.reqid };
      if (t.mode === 'tunnel') {
        req.src = t.src;
        req.dst = t.dst;
      }
      return { ...base, policyType: IPSEC_POLICY.IPSEC, requests: [req] };
    }
  }
}

/** SADB_X_SPDADD or SADB_X_SPDUPDATE. */
export function encodePolicy(policy: KernelPolicy, ctx: RequestContext, update: boolean): EncodedMessage {
  if (policy.mark) throw new PfkeyCodecError('PF_KEY has no policy marks (mark=): use --use-xfrm');
  if (policy.direction === 'fwd' && (ctx.platform ?? 'linux') !== 'linux') throw new PfkeyCodecError('BSD kernels have no forward policies');
  const s = policy.selector;
  return message(ctx, update ? SADB.X_SPDUPDATE : SADB.X_SPDADD, SATYPE.UNSPEC, [
    subnet('src', s.src, s.proto, s.srcPort),
    subnet('dst', s.dst, s.proto, s.dstPort),
    policyExt(policy),
  ]);
}

/** SADB_X_SPDDELETE by selector and direction. */
export function encodePolicyId(selector: KernelSelector, direction: PolicyDirection, ctx: RequestContext): EncodedMessage {
  return message(ctx, SADB.X_SPDDELETE, SATYPE.UNSPEC, [
    subnet('src', selector.src, selector.proto, selector.srcPort),
    subnet('dst', selector.dst, selector.proto, selector.dstPort),
    { kind: 'policy', policyType: IPSEC_POLICY.IPSEC, dir: DIR[direction], id: 0, priority: 0, requests: [] },
  ]);
}

// ---- answers ----

function selectorOf(msg: PfkeyMessage): KernelSelector {
  const src = findExt(msg, 'address', 'src');
  const dst = findExt(msg, 'address', 'dst');
  if (!src || !dst) throw new PfkeyCodecError(`message type ${msg.type} has no source or destination address`);
  const proto = src.proto === ULPROTO_ANY ? 0 : src.proto;
  return { src: `${src.address}/${src.prefixLen}`, dst: `${dst.address}/${dst.prefixLen}`, proto, srcPort: src.port, dstPort: dst.port };
}

function directionOf(dir: number): PolicyDirection {
  if (dir === IPSEC_DIR.INBOUND) return 'in';
  if (dir === IPSEC_DIR.OUTBOUND) return 'out';
  if (dir === IPSEC_DIR.FWD) return 'fwd';
  throw new PfkeyCodecError(`policy direction ${dir} is not in, out or fwd`);
}

/** A policy from an X_SPDDUMP / X_SPDGET answer. */
export function decodePolicy(msg: PfkeyMessage): KernelPolicy {
  const pol = findExt(msg, 'policy');
  if (!pol) throw new PfkeyCodecError('an SPD message has no X_POLICY extension');
  const policy: KernelPolicy = { selector: selectorOf(msg), direction: directionOf(pol.dir), action: 'ipsec', priority: pol.priority };
  let action: PolicyAction;
  if (pol.policyType === IPSEC_POLICY.NONE || pol.policyType === IPSEC_POLICY.BYPASS) action = 'pass';
  else if (pol.policyType === IPSEC_POLICY.DISCARD) action = 'drop';
  else action = 'ipsec';
  policy.action = action;
  const req = pol.requests[0];
  if (action === 'ipsec' && req) {
    const mode: SaMode = req.mode === IPSEC_MODE.TUNNEL ? 'tunnel' : 'transport';
    policy.template = { src: req.src ?? '', dst: req.dst ?? '', proto: 'esp', mode, reqid: req.reqid };
  }
  return policy;
}

/** SA counters from a SADB_GET answer's LIFETIME_CURRENT (allocations are packets on KAME and Linux). */
export function decodeCounters(msg: PfkeyMessage): KernelSaCounters {
  const cur = findExt(msg, 'lifetime', 'current');
  return { bytes: cur?.bytes ?? 0, packets: cur?.allocations ?? 0, lastUsed: cur?.usetime ?? 0, replayDrops: 0, authFailures: 0 };
}

/** The new SPI of a SADB_GETSPI answer. */
export function decodeSpi(msg: PfkeyMessage): number {
  const sa = findExt(msg, 'sa');
  if (!sa) throw new PfkeyCodecError('a GETSPI answer has no SA extension');
  return sa.spi;
}

/** ACQUIRE, EXPIRE and X_SPDEXPIRE broadcasts as KernelEvents; undefined for anything else. */
export function decodeEvent(msg: PfkeyMessage): KernelEvent | undefined {
  if (msg.errno !== 0) return undefined;
  switch (msg.type) {
    case SADB.ACQUIRE: {
      const pol = findExt(msg, 'policy');
      return { type: 'acquire', selector: selectorOf(msg), policyDirection: pol ? directionOf(pol.dir) : 'out' };
    }
    case SADB.EXPIRE: {
      const sa = findExt(msg, 'sa');
      const dst = findExt(msg, 'address', 'dst');
      if (!sa || !dst) throw new PfkeyCodecError('an EXPIRE has no SA or destination address');
      // RFC 2367 §3.1.8: the expire carries the lifetime that ran out: HARD for a hard expiry.
      return { type: 'expire', spi: sa.spi, dst: dst.address, hard: findExt(msg, 'lifetime', 'hard') !== undefined };
    }
    case SADB.X_SPDEXPIRE: {
      const pol = findExt(msg, 'policy');
      if (!pol) throw new PfkeyCodecError('an SPDEXPIRE has no X_POLICY extension');
      return { type: 'polexpire', selector: selectorOf(msg), direction: directionOf(pol.dir), hard: findExt(msg, 'lifetime', 'hard') !== undefined };
    }
    default:
      return undefined;
  }
}

const ERRNO_CODES: ReadonlyMap<number, string> = new Map([
  [2, 'ERR_KERNEL_NOT_FOUND'], // ENOENT
  [3, 'ERR_KERNEL_NOT_FOUND'], // ESRCH
  [17, 'ERR_KERNEL_EXISTS'], // EEXIST
  [1, 'ERR_KERNEL_PERMISSION'], // EPERM
]);

/** A failed answer (sadb_msg_errno != 0) as a KernelError; undefined for a successful one. */
export function errorOf(msg: PfkeyMessage, operation: string, strerror: (errno: number) => string = (n) => `errno ${n}`): KernelError | undefined {
  if (msg.errno === 0) return undefined;
  const code = ERRNO_CODES.get(msg.errno) ?? 'ERR_KERNEL_REQUEST';
  return new KernelError(code, operation, `${operation}: ${strerror(msg.errno)} (PF_KEY errno ${msg.errno})`, msg.errno);
}

export { decodeMessage };
