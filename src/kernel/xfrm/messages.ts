// XFRM requests (what `ip xfrm` sends, byte for byte) and the decoding of the kernel's policy and SA
// messages. Key bytes never enter these buffers: they are SecretBytes patches applied natively.
import type { KernelPolicy, KernelSa, KernelSaCounters, KernelSelector, PolicyAction, PolicyDirection, SaMode } from '../kernel';
import { kernelEncr, kernelInteg } from './algorithms';
import {
  IPPROTO_ESP,
  NLM_F,
  SIZE,
  UDP_ENCAP_ESPINUDP,
  XFRMA,
  XFRM_INF,
  XFRM_MODE,
  XFRM_MSG,
  XFRM_POLICY_ALLOW,
  XFRM_POLICY_BLOCK,
  XFRM_POLICY_DIR,
  XFRM_STATE_FLAG,
} from './constants';
import { RequestBuilder, parseAttributes, type EncodedRequest } from './nlmsg';
import {
  XfrmCodecError,
  afOf,
  checkUint,
  familyOfAf,
  parseAddress,
  readAddress,
  readSelector,
  writeAddress,
  writeId,
  writeLifetimeCfg,
  writeSelector,
} from './structs';

type Mark = { value: number; mask: number } | undefined;

function markAttr(b: RequestBuilder, mark: Mark): void {
  if (!mark) return;
  const m = Buffer.alloc(SIZE.mark);
  m.writeUInt32LE(checkUint(mark.value, 32, 'mark value'), 0);
  m.writeUInt32LE(checkUint(mark.mask, 32, 'mark mask'), 4);
  b.attr(XFRMA.MARK, m);
}

function algName(buf: Buffer, name: string): void {
  if (Buffer.byteLength(name) >= 64) throw new XfrmCodecError(`algorithm name '${name}' is too long`);
  buf.write(name, 0, 'latin1');
}

/** XFRM_MSG_NEWSA, or XFRM_MSG_UPDSA for `update` (an SA whose SPI we allocated, or a replacement). */
export function encodeSa(sa: KernelSa, seq: number, update = false): EncodedRequest {
  const src = parseAddress(sa.src, 'SA src');
  const dst = parseAddress(sa.dst, 'SA dst');
  if (src.family !== dst.family) throw new XfrmCodecError(`SA mixes IPv4 and IPv6 outer addresses: ${sa.src} -> ${sa.dst}`);
  if (sa.proto !== 'esp') throw new XfrmCodecError(`SA protocol '${String(sa.proto)}' is not esp`);
  checkUint(sa.spi, 32, 'SPI');
  checkUint(sa.reqid, 32, 'reqid');
  checkUint(sa.replayWindow, 32, 'replay window');
  const useEsnAttr = sa.esn || sa.replayWindow > 255;

  const info = Buffer.alloc(SIZE.usersaInfo);
  writeSelector(info, 0, sa.selector);
  writeId(info, 56, dst, sa.spi, IPPROTO_ESP);
  writeAddress(info, 80, src);
  writeLifetimeCfg(info, 96, sa.lifetimes);
  // curlft (160), stats (192) and seq (204) stay 0.
  info.writeUInt32LE(sa.reqid, 208);
  info.writeUInt16LE(afOf(src.family), 212);
  info.writeUInt8(XFRM_MODE[sa.mode], 214);
  info.writeUInt8(useEsnAttr ? 0 : sa.replayWindow, 215);
  info.writeUInt8(sa.esn ? XFRM_STATE_FLAG.ESN : 0, 216);

  const b = new RequestBuilder(update ? XFRM_MSG.UPDSA : XFRM_MSG.NEWSA, NLM_F.REQUEST | NLM_F.ACK, seq).struct(info);

  const encr = kernelEncr(sa.encr.id, sa.encr.keyBits);
  const keymatBytes = encr.chosenKeyBits / 8 + encr.saltBytes;
  if (sa.encr.keymat.length !== keymatBytes) {
    throw new XfrmCodecError(`ENCR ${encr.name} wants ${keymatBytes} bytes of keying material, got ${sa.encr.keymat.length}`);
  }
  if (encr.aeadIcvBits !== undefined) {
    if (sa.integ) throw new XfrmCodecError(`an AEAD (${encr.name}) SA takes no INTEG transform`);
    const aead = Buffer.alloc(SIZE.algoAeadHeader + keymatBytes);
    algName(aead, encr.name);
    aead.writeUInt32LE(keymatBytes * 8, 64);
    aead.writeUInt32LE(encr.aeadIcvBits, 68);
    b.attr(XFRMA.ALG_AEAD, aead, { offset: SIZE.algoAeadHeader, bytes: sa.encr.keymat });
  } else {
    const crypt = Buffer.alloc(SIZE.algoHeader + keymatBytes);
    algName(crypt, encr.name);
    crypt.writeUInt32LE(keymatBytes * 8, 64);
    b.attr(XFRMA.ALG_CRYPT, crypt, { offset: SIZE.algoHeader, bytes: sa.encr.keymat });
    if (!sa.integ) throw new XfrmCodecError(`ENCR ${encr.name} is not an AEAD: the SA needs an INTEG transform`);
    const integ = kernelInteg(sa.integ.id);
    if (sa.integ.key.length * 8 !== integ.keyBits) throw new XfrmCodecError(`INTEG ${integ.name} wants a ${integ.keyBits / 8}-byte key, got ${sa.integ.key.length}`);
    const auth = Buffer.alloc(SIZE.algoAuthHeader + integ.keyBits / 8);
    algName(auth, integ.name);
    auth.writeUInt32LE(integ.keyBits, 64);
    auth.writeUInt32LE(integ.truncBits, 68);
    b.attr(XFRMA.ALG_AUTH_TRUNC, auth, { offset: SIZE.algoAuthHeader, bytes: sa.integ.key });
  }
  if (sa.encap) {
    const encap = Buffer.alloc(SIZE.encapTmpl);
    encap.writeUInt16LE(UDP_ENCAP_ESPINUDP, 0);
    encap.writeUInt16BE(checkUint(sa.encap.srcPort, 16, 'encap source port'), 2);
    encap.writeUInt16BE(checkUint(sa.encap.dstPort, 16, 'encap destination port'), 4);
    b.attr(XFRMA.ENCAP, encap);
  }
  if (useEsnAttr) {
    // Header only, as iproute2 sends it: the kernel allocates the bitmap from bmp_len (in 32-bit words).
    const esn = Buffer.alloc(SIZE.replayStateEsn);
    esn.writeUInt32LE(Math.ceil(sa.replayWindow / 32), 0);
    esn.writeUInt32LE(sa.replayWindow, 20);
    b.attr(XFRMA.REPLAY_ESN_VAL, esn);
  }
  markAttr(b, sa.mark);
  return b.finish();
}

/** XFRM_MSG_DELSA / XFRM_MSG_GETSA: struct xfrm_usersa_id, plus XFRMA_SRCADDR when `src` is known. */
export function encodeSaId(type: 'delete' | 'get', spi: number, dst: string, seq: number, opts: { src?: string; mark?: Mark } = {}): EncodedRequest {
  const d = parseAddress(dst, 'SA dst');
  const id = Buffer.alloc(SIZE.usersaId);
  writeAddress(id, 0, d);
  id.writeUInt32BE(checkUint(spi, 32, 'SPI'), 16);
  id.writeUInt16LE(afOf(d.family), 20);
  id.writeUInt8(IPPROTO_ESP, 22);
  const b = new RequestBuilder(type === 'delete' ? XFRM_MSG.DELSA : XFRM_MSG.GETSA, type === 'delete' ? NLM_F.REQUEST | NLM_F.ACK : NLM_F.REQUEST, seq).struct(id);
  if (opts.src !== undefined) {
    const s = Buffer.alloc(16);
    writeAddress(s, 0, parseAddress(opts.src, 'SA src'));
    b.attr(XFRMA.SRCADDR, s);
  }
  markAttr(b, opts.mark);
  return b.finish();
}

export interface AllocSpiOptions {
  reqid?: number;
  mode?: SaMode;
  /** SPI range; RFC 4303 reserves 1..255. */
  min?: number;
  max?: number;
}

/** XFRM_MSG_ALLOCSPI: struct xfrm_userspi_info. The reply is the new larval SA (XFRM_MSG_NEWSA). */
export function encodeAllocSpi(src: string, dst: string, seq: number, opts: AllocSpiOptions = {}): EncodedRequest {
  const s = parseAddress(src, 'SA src');
  const d = parseAddress(dst, 'SA dst');
  if (s.family !== d.family) throw new XfrmCodecError(`allocSpi mixes IPv4 and IPv6: ${src} -> ${dst}`);
  const min = checkUint(opts.min ?? 0x100, 32, 'SPI min');
  const max = checkUint(opts.max ?? 0xffffffff, 32, 'SPI max');
  if (min < 0x100 || min > max) throw new XfrmCodecError(`SPI range ${min}..${max} is empty or reaches into 0..255`);
  const info = Buffer.alloc(SIZE.userspiInfo);
  writeId(info, 56, d, 0, IPPROTO_ESP);
  writeAddress(info, 80, s);
  info.writeUInt32LE(checkUint(opts.reqid ?? 0, 32, 'reqid'), 208);
  info.writeUInt16LE(afOf(s.family), 212);
  info.writeUInt8(XFRM_MODE[opts.mode ?? 'transport'], 214);
  info.writeUInt32LE(min, 224);
  info.writeUInt32LE(max, 228);
  return new RequestBuilder(XFRM_MSG.ALLOCSPI, NLM_F.REQUEST, seq).struct(info).finish();
}

function actionOf(action: PolicyAction): number {
  return action === 'drop' || action === 'reject' ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW;
}

/** XFRM_MSG_NEWPOLICY / XFRM_MSG_UPDPOLICY: struct xfrm_userpolicy_info, XFRMA_TMPL, XFRMA_MARK. */
export function encodePolicy(policy: KernelPolicy, seq: number, update = false): EncodedRequest {
  const info = Buffer.alloc(SIZE.userpolicyInfo);
  writeSelector(info, 0, policy.selector);
  writeLifetimeCfg(info, 56);
  info.writeUInt32LE(checkUint(policy.priority, 32, 'priority'), 152);
  info.writeUInt8(XFRM_POLICY_DIR[policy.direction], 160);
  info.writeUInt8(actionOf(policy.action), 161);
  const b = new RequestBuilder(update ? XFRM_MSG.UPDPOLICY : XFRM_MSG.NEWPOLICY, NLM_F.REQUEST | NLM_F.ACK, seq).struct(info);
  const needsTemplate = policy.action === 'ipsec' || policy.action === 'trap' || policy.action === 'hold';
  if (needsTemplate && !policy.template) throw new XfrmCodecError(`a '${policy.action}' policy needs a template`);
  if (!needsTemplate && policy.template) throw new XfrmCodecError(`a '${policy.action}' policy takes no template`);
  if (policy.template) {
    const t = policy.template;
    const s = parseAddress(t.src, 'template src');
    const d = parseAddress(t.dst, 'template dst');
    if (s.family !== d.family) throw new XfrmCodecError(`template mixes IPv4 and IPv6: ${t.src} -> ${t.dst}`);
    const tmpl = Buffer.alloc(SIZE.userTmpl);
    writeId(tmpl, 0, d, 0, IPPROTO_ESP);
    tmpl.writeUInt16LE(afOf(s.family), 24);
    writeAddress(tmpl, 28, s);
    tmpl.writeUInt32LE(checkUint(t.reqid, 32, 'template reqid'), 44);
    tmpl.writeUInt8(XFRM_MODE[t.mode], 48);
    // share 0, optional 0; any algorithm (the SA decides).
    tmpl.writeUInt32LE(0xffffffff, 52);
    tmpl.writeUInt32LE(0xffffffff, 56);
    tmpl.writeUInt32LE(0xffffffff, 60);
    b.attr(XFRMA.TMPL, tmpl);
  }
  markAttr(b, policy.mark);
  return b.finish();
}

/** XFRM_MSG_DELPOLICY / XFRM_MSG_GETPOLICY by selector and direction: struct xfrm_userpolicy_id. */
export function encodePolicyId(type: 'delete' | 'get', selector: KernelSelector, direction: PolicyDirection, seq: number, mark?: Mark): EncodedRequest {
  const id = Buffer.alloc(SIZE.userpolicyId);
  writeSelector(id, 0, selector);
  id.writeUInt8(XFRM_POLICY_DIR[direction], 60);
  const b = new RequestBuilder(type === 'delete' ? XFRM_MSG.DELPOLICY : XFRM_MSG.GETPOLICY, type === 'delete' ? NLM_F.REQUEST | NLM_F.ACK : NLM_F.REQUEST, seq).struct(id);
  markAttr(b, mark);
  return b.finish();
}

export function encodeFlushPolicies(seq: number): EncodedRequest {
  return new RequestBuilder(XFRM_MSG.FLUSHPOLICY, NLM_F.REQUEST | NLM_F.ACK, seq).finish();
}

/** XFRM_MSG_FLUSHSA: struct xfrm_usersa_flush { u8 proto } (0 = every IPsec protocol). */
export function encodeFlushSas(seq: number, proto = 0): EncodedRequest {
  return new RequestBuilder(XFRM_MSG.FLUSHSA, NLM_F.REQUEST | NLM_F.ACK, seq).struct(Buffer.from([proto])).finish();
}

export function encodeDump(what: 'policies' | 'sas', seq: number): EncodedRequest {
  return new RequestBuilder(what === 'policies' ? XFRM_MSG.GETPOLICY : XFRM_MSG.GETSA, NLM_F.REQUEST | NLM_F.DUMP, seq).finish();
}

const DIR_NAMES: readonly PolicyDirection[] = ['in', 'out', 'fwd'];
const MODE_NAMES: Readonly<Record<number, SaMode>> = { [XFRM_MODE.transport]: 'transport', [XFRM_MODE.tunnel]: 'tunnel' };

/** A policy as the kernel reports it, with the index the kernel gave it. */
export interface DecodedPolicy extends KernelPolicy {
  index: number;
}

function readMark(attr: Buffer | undefined): Mark {
  return attr && attr.length >= SIZE.mark ? { value: attr.readUInt32LE(0), mask: attr.readUInt32LE(4) } : undefined;
}

/**
 * Decodes struct xfrm_userpolicy_info and its attributes (a XFRM_MSG_NEWPOLICY reply or dump part).
 * The kernel has no trap/hold/reject: an ALLOW with a template reads as 'ipsec', a BLOCK as 'drop'.
 * Returns undefined for the per-socket and sub-policy types (dir >= 3) that are not ours to list.
 */
export function decodePolicy(payload: Buffer): DecodedPolicy | undefined {
  if (payload.length < SIZE.userpolicyInfo) throw new XfrmCodecError(`policy message of ${payload.length} bytes is shorter than xfrm_userpolicy_info`);
  const dir = payload.readUInt8(160);
  const direction = DIR_NAMES[dir];
  if (direction === undefined) return undefined;
  const attrs = parseAttributes(payload, SIZE.userpolicyInfo);
  const tmplAttr = attrs.get(XFRMA.TMPL);
  const block = payload.readUInt8(161) === XFRM_POLICY_BLOCK;
  const policy: DecodedPolicy = {
    selector: readSelector(payload, 0),
    direction,
    action: block ? 'drop' : tmplAttr ? 'ipsec' : 'pass',
    priority: payload.readUInt32LE(152),
    index: payload.readUInt32LE(156),
  };
  if (tmplAttr && tmplAttr.length >= SIZE.userTmpl) {
    // Several templates (AH+ESP bundles) are not ours: the first one is the one we install.
    const family = familyOfAf(tmplAttr.readUInt16LE(24));
    const mode = MODE_NAMES[tmplAttr.readUInt8(48)];
    if (mode === undefined) throw new XfrmCodecError(`template mode ${tmplAttr.readUInt8(48)} is not transport or tunnel`);
    if (tmplAttr.readUInt8(20) !== IPPROTO_ESP) throw new XfrmCodecError(`template protocol ${tmplAttr.readUInt8(20)} is not ESP`);
    policy.template = { src: readAddress(tmplAttr, 28, family), dst: readAddress(tmplAttr, 0, family), proto: 'esp', mode, reqid: tmplAttr.readUInt32LE(44) };
  }
  const mark = readMark(attrs.get(XFRMA.MARK));
  if (mark) policy.mark = mark;
  return policy;
}

/** The identity and counters of an SA from struct xfrm_usersa_info (+ XFRMA_REPLAY_VAL / LASTUSED). */
export interface DecodedSa {
  spi: number;
  src: string;
  dst: string;
  proto: number;
  reqid: number;
  mode: SaMode | undefined;
  selector: KernelSelector;
  counters: KernelSaCounters;
}

export function decodeSa(payload: Buffer): DecodedSa {
  if (payload.length < SIZE.usersaInfo) throw new XfrmCodecError(`SA message of ${payload.length} bytes is shorter than xfrm_usersa_info`);
  const family = familyOfAf(payload.readUInt16LE(212));
  const attrs = parseAttributes(payload, SIZE.usersaInfo);
  const lastUsed = attrs.get(XFRMA.LASTUSED);
  const u64 = (at: number): number => {
    const v = payload.readBigUInt64LE(at);
    return v === XFRM_INF ? 0 : Number(v);
  };
  return {
    spi: payload.readUInt32BE(56 + 16),
    proto: payload.readUInt8(56 + 20),
    dst: readAddress(payload, 56, family),
    src: readAddress(payload, 80, family),
    reqid: payload.readUInt32LE(208),
    mode: MODE_NAMES[payload.readUInt8(214)],
    selector: readSelector(payload, 0),
    counters: {
      bytes: u64(160),
      packets: u64(168),
      lastUsed: lastUsed && lastUsed.length >= 8 ? Number(lastUsed.readBigUInt64LE(0)) : u64(184),
      // struct xfrm_stats { replay_window; replay; integrity_failed }
      replayDrops: payload.readUInt32LE(192) + payload.readUInt32LE(196),
      authFailures: payload.readUInt32LE(200),
    },
  };
}
