// Collecting Encrypted Fragment payloads back into one message (RFC 7383 §2.6).
import { PayloadType } from '../constants';
import { type DecryptedMessage, openLayout } from './encrypted';
import { IkeParseError } from './errors';
import { IKE_HEADER_LENGTH, type IkeHeader, parseIkeHeader } from './header';
import { SKF_HEADER_LENGTH } from './fragments';
import { parsePayloadChain } from './payload-chain';
import type { SkCipher } from './sk-cipher';

export interface ReassemblyLimits {
  /** Most fragments one message may have (Total Fragments above it is refused). Default 64. */
  maxFragments?: number;
  /** Most decrypted octets kept for one message. Default 64 KiB (a UDP datagram's worth). */
  maxBytes?: number;
  /** Most messages being collected at once; adding one more drops the oldest. Default 2. */
  maxMessages?: number;
}

export type ReassemblyResult =
  /** Stored; more fragments are needed. */
  | { status: 'incomplete'; messageId: number; received: number; total: number }
  /** A fragment number already held: ignored, not even decrypted (§2.6). */
  | { status: 'duplicate'; messageId: number; fragmentNumber: number }
  /** Ignored by rule: fewer Total Fragments than fragments already held, or an exchange type mismatch. */
  | { status: 'ignored'; messageId: number; why: string }
  /** All fragments verified; the inner payloads parsed. `header` is that of fragment 1. */
  | { status: 'complete'; message: DecryptedMessage };

interface Pending {
  total: number;
  header?: IkeHeader;
  exchangeType: number;
  firstInnerType: number;
  parts: Map<number, Uint8Array>;
  bytes: number;
}

/**
 * One per IKE SA and direction. `add` takes each datagram whose first payload is SKF (after the state
 * machine checked SPIs and the message id window); it decrypts the fragment in place with `cipher`.
 * Throws IkeParseError for malformed fragments, 'integrity' for forged ones (the stored ones are kept),
 * 'fragment-limit' when a message goes beyond the limits (its fragments are dropped).
 */
export class FragmentReassembler {
  private readonly pending = new Map<number, Pending>();
  private readonly maxFragments: number;
  private readonly maxBytes: number;
  private readonly maxMessages: number;

  constructor(
    private readonly cipher: SkCipher,
    limits: ReassemblyLimits = {},
  ) {
    this.maxFragments = limits.maxFragments ?? 64;
    this.maxBytes = limits.maxBytes ?? 65536;
    this.maxMessages = limits.maxMessages ?? 2;
  }

  add(datagram: Uint8Array): ReassemblyResult {
    const header = parseIkeHeader(datagram);
    const { payloads, encryptedAt } = parsePayloadChain(datagram, IKE_HEADER_LENGTH, datagram.length, header.nextPayload, true);
    const skf = payloads[0];
    if (payloads.length !== 1 || skf === undefined || skf.type !== PayloadType.SKF || encryptedAt === undefined) {
      throw new IkeParseError('invalid-syntax', 'a fragment message holds exactly one SKF payload', IKE_HEADER_LENGTH, header);
    }
    const { messageId } = header;
    const { fragmentNumber: number, totalFragments: total } = skf;
    if (total > this.maxFragments) {
      this.pending.delete(messageId);
      throw new IkeParseError('fragment-limit', `${total} fragments (limit ${this.maxFragments})`, encryptedAt + 6, header);
    }
    if (number === 1 && skf.firstInnerType === PayloadType.NONE) {
      throw new IkeParseError('invalid-syntax', 'fragment 1 must name the first inner payload', encryptedAt, header);
    }
    let p = this.pending.get(messageId);
    if (p !== undefined && p.exchangeType !== header.exchangeType) {
      return { status: 'ignored', messageId, why: `exchange type ${header.exchangeType} differs from ${p.exchangeType}` };
    }
    if (p !== undefined && total < p.total) return { status: 'ignored', messageId, why: `total ${total} below ${p.total}` };
    if (p !== undefined && p.parts.has(number) && total === p.total) return { status: 'duplicate', messageId, fragmentNumber: number };

    // Verify before it can change anything we hold (§2.6: only authentic fragments count).
    const plain = openLayout(datagram, encryptedAt + SKF_HEADER_LENGTH, datagram.length, this.cipher);

    if (p === undefined || total > p.total) {
      // §2.6: a larger Total Fragments (the sender re-fragmented for a smaller PMTU) means "discard all
      // received fragments and start the reassembly process over with just the received IKE Fragment".
      this.pending.delete(messageId);
      while (this.pending.size >= this.maxMessages) this.pending.delete(this.pending.keys().next().value as number);
      p = { total, exchangeType: header.exchangeType, firstInnerType: PayloadType.NONE, parts: new Map(), bytes: 0 };
      this.pending.set(messageId, p);
    }
    p.parts.set(number, plain);
    p.bytes += plain.length;
    if (number === 1) {
      p.header = header;
      p.firstInnerType = skf.firstInnerType;
    }
    if (p.bytes > this.maxBytes) {
      this.pending.delete(messageId);
      throw new IkeParseError('fragment-limit', `${p.bytes} octets of fragments (limit ${this.maxBytes})`, undefined, header);
    }
    if (p.parts.size < p.total) return { status: 'incomplete', messageId, received: p.parts.size, total: p.total };

    this.pending.delete(messageId);
    const whole = new Uint8Array(p.bytes);
    let at = 0;
    for (let i = 1; i <= p.total; i++) {
      const part = p.parts.get(i)!;
      whole.set(part, at);
      at += part.length;
    }
    const inner = parsePayloadChain(whole, 0, whole.length, p.firstInnerType, false);
    return { status: 'complete', message: { header: p.header!, payloads: inner.payloads, unprotected: [] } };
  }

  /** Drops what is held for a message (its exchange finished or timed out). */
  discard(messageId: number): void {
    this.pending.delete(messageId);
  }

  /** Message ids being collected. */
  get pendingMessageIds(): number[] {
    return [...this.pending.keys()];
  }
}

