// The generic payload header (RFC 7296 §3.2) and the chain of payloads linked by Next Payload, read and
// written through one table: payload type -> codec.
import { PayloadType } from '../constants';
import { Reader, Writer } from './bytes';
import type { PayloadCodec } from './codec-types';
import { IkeParseError } from './errors';
import type { Payload } from './payloads';
import { saCodec } from './sa-codec';
import {
  authCodec, certCodec, certReqCodec, cpCodec, deleteCodec, eapCodec, idCodec, keCodec, nonceCodec, notifyCodec,
  skCodec, skfCodec, vendorIdCodec,
} from './simple-codecs';
import { tsCodec } from './ts-codec';

export const GENERIC_HEADER_LENGTH = 4;
const CRITICAL = 0x80;

const TABLE: ReadonlyMap<number, PayloadCodec> = new Map<number, PayloadCodec>([
  [PayloadType.SA, saCodec as PayloadCodec],
  [PayloadType.KE, keCodec as PayloadCodec],
  [PayloadType.IDi, idCodec as PayloadCodec],
  [PayloadType.IDr, idCodec as PayloadCodec],
  [PayloadType.CERT, certCodec as PayloadCodec],
  [PayloadType.CERTREQ, certReqCodec as PayloadCodec],
  [PayloadType.AUTH, authCodec as PayloadCodec],
  [PayloadType.NONCE, nonceCodec as PayloadCodec],
  [PayloadType.N, notifyCodec as PayloadCodec],
  [PayloadType.D, deleteCodec as PayloadCodec],
  [PayloadType.V, vendorIdCodec as PayloadCodec],
  [PayloadType.TSi, tsCodec as PayloadCodec],
  [PayloadType.TSr, tsCodec as PayloadCodec],
  [PayloadType.SK, skCodec as PayloadCodec],
  [PayloadType.CP, cpCodec as PayloadCodec],
  [PayloadType.EAP, eapCodec as PayloadCodec],
  [PayloadType.SKF, skfCodec as PayloadCodec],
]);

/** SK and SKF end the chain: their Next Payload names the first payload inside them (§3.14). */
export function isEncryptedType(type: number): boolean {
  return type === PayloadType.SK || type === PayloadType.SKF;
}

export function isKnownPayloadType(type: number): boolean {
  return TABLE.has(type);
}

export interface ParsedChain {
  payloads: Payload[];
  /** Offset of the SK/SKF payload's generic header in the buffer, when the chain ends with one. */
  encryptedAt?: number;
}

/**
 * Reads the payloads in buf[start, end) starting with type `first`. The chain must end exactly at `end`.
 * `allowEncrypted` is false inside an SK payload (no nesting).
 */
export function parsePayloadChain(buf: Uint8Array, start: number, end: number, first: number, allowEncrypted: boolean): ParsedChain {
  const r = new Reader(buf, start, end);
  const payloads: Payload[] = [];
  let type = first;
  while (type !== PayloadType.NONE) {
    const at = r.pos;
    if (r.remaining < GENERIC_HEADER_LENGTH) {
      throw new IkeParseError('truncated', `payload ${type}: ${r.remaining} octets left for its header`, at);
    }
    const next = r.u8('next payload');
    const critical = (r.u8('flags') & CRITICAL) !== 0; // the other 7 bits are reserved: ignored
    const length = r.u16('payload length');
    if (length < GENERIC_HEADER_LENGTH) throw new IkeParseError('bad-length', `payload ${type} length ${length}`, at + 2);
    const body = r.sub(length - GENERIC_HEADER_LENGTH, `payload ${type}`);
    const codec = TABLE.get(type);
    if (codec === undefined) {
      payloads.push({ type: 'unknown', payloadType: type, critical, body: body.rest() });
      type = next;
      continue;
    }
    if (body.remaining < codec.minBody) {
      throw new IkeParseError('bad-length', `payload ${type} length ${length} below its minimum ${GENERIC_HEADER_LENGTH + codec.minBody}`, at + 2);
    }
    if (isEncryptedType(type)) {
      if (!allowEncrypted) throw new IkeParseError('invalid-syntax', `payload ${type} inside an encrypted payload`, at);
      if (r.remaining !== 0) throw new IkeParseError('invalid-syntax', `payload ${type} must be the last payload`, at);
      payloads.push(codec.parse(body, type, critical, next));
      return { payloads, encryptedAt: at };
    }
    payloads.push(codec.parse(body, type, critical, next));
    body.expectEnd(`payload ${type}`);
    type = next;
  }
  r.expectEnd('payload chain');
  return { payloads };
}

/**
 * Writes payloads as a chain; returns the type of the first one (for the IKE or SK header). Each payload's
 * Next Payload is the type of the one after it; SK/SKF must come last and carry their own first inner type.
 */
export function writePayloadChain(w: Writer, payloads: readonly Payload[]): number {
  payloads.forEach((p, i) => {
    const type = p.type === 'unknown' ? p.payloadType : p.type;
    const isLast = i === payloads.length - 1;
    let next: number;
    if (p.type === PayloadType.SK || p.type === PayloadType.SKF) {
      if (!isLast) throw new RangeError('an SK/SKF payload must be the last payload');
      next = p.firstInnerType;
    } else {
      const after = payloads[i + 1];
      next = after === undefined ? PayloadType.NONE : after.type === 'unknown' ? after.payloadType : after.type;
    }
    const start = w.length;
    w.u8(next, 'next payload');
    w.u8(p.critical ? CRITICAL : 0);
    w.u16(0); // length, patched below
    if (p.type === 'unknown') {
      w.bytes(p.body);
    } else {
      const codec = TABLE.get(type);
      if (codec === undefined) throw new RangeError(`no codec for payload type ${type}`);
      codec.write(w, p);
    }
    w.patchU16(start + 2, w.length - start, `payload ${type} length`);
  });
  const first = payloads[0];
  return first === undefined ? PayloadType.NONE : first.type === 'unknown' ? first.payloadType : first.type;
}

/** The payloads serialized as a chain, for SK plaintext. */
export function serializePayloadChain(payloads: readonly Payload[]): { bytes: Uint8Array; firstType: number } {
  const w = new Writer();
  const firstType = writePayloadChain(w, payloads);
  return { bytes: w.finish(), firstType };
}
