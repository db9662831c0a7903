// ESP SA (RFC 4303) seal/open in place, and the anti-replay window, over the native addon.
// The data path calls the C++ EspSa directly from its threads; this facade is for the control plane
// (programming SAs, reading counters), tests and benchmarks.
import { nativeFunction } from './binding';
import { isSecretBytes, type SecretBytes } from './secret';

/** IKEv2 encryption transform ids (RFC 7296 §3.3.2, IANA Transform Type 1). */
export const ESP_ENCR = { NULL: 11, AES_CBC: 12, AES_GCM_16: 20, CHACHA20_POLY1305: 28 } as const;
/** IKEv2 integrity transform ids (IANA Transform Type 3). */
export const ESP_INTEG = { NONE: 0, HMAC_SHA1_96: 2, HMAC_SHA2_256_128: 12, HMAC_SHA2_384_192: 13, HMAC_SHA2_512_256: 14 } as const;

export interface EspSaParams {
  spi: number;
  direction: 'in' | 'out';
  encr: number;
  /** 128/256 for AES-GCM, 128/192/256 for AES-CBC, 256 for ChaCha20-Poly1305, 0 for NULL. */
  keyBits: number;
  integ: number;
  /** The encryption key, followed by the 4-octet salt for AES-GCM and ChaCha20-Poly1305. */
  encrKeymat: SecretBytes;
  integKey?: SecretBytes;
  esn: boolean;
  /** Inbound replay window in packets; 0 turns replay checking off. Ignored outbound. */
  replayWindow: number;
  /**
   * Resuming an SA (and tests near 2^32): outbound, the last sequence number already sent; inbound,
   * every number up to this one counts as received. Default 0 (a fresh SA: the first packet is 1).
   */
  initialSeq?: bigint;
}

export type EspDropReason = 'auth' | 'replay' | 'too-old' | 'bad-spi' | 'malformed' | 'padding';

export type EspOpenResult =
  | { ok: true; payloadOffset: number; payloadLength: number; nextHeader: number; seq: bigint }
  | { ok: false; reason: EspDropReason };

export interface EspCounters {
  /** Packets sealed (out) or accepted (in). */
  packets: number;
  /** Payload octets (the inner packets) sealed or accepted. */
  bytes: number;
  authFailures: number;
  replayDrops: number;
  tooOld: number;
  /** Truncated, misaligned or badly padded packets. */
  malformed: number;
  badSpi: number;
  seqOverflow: number;
}

export interface EspSa {
  readonly spi: number;
  /** Octets the caller leaves before the payload for seal: SPI, sequence number, IV. */
  readonly headerLength: number;
  /** Most octets seal appends after the payload: padding, pad length, next header, ICV. */
  readonly trailerMax: number;
  /**
   * Encrypts the payload at buf[payloadOffset, +payloadLength) in place, writing the ESP header before it and
   * the trailer after it. Throws ERR_IPSEC_ESP_NO_ROOM if the buffer lacks the room, ERR_IPSEC_ESP_SEQ_OVERFLOW
   * once the sequence numbers are used up (rekey).
   */
  seal(buf: Uint8Array, payloadOffset: number, payloadLength: number, nextHeader: number): { offset: number; length: number };
  /**
   * Verifies and decrypts in place the ESP packet at buf[offset, +length) (starting with the SPI). The replay
   * check comes before the ICV, the window moves only after it verified. On an AEAD 'auth' drop the
   * ciphertext bytes are zeroed (no unauthenticated plaintext is left in the buffer).
   */
  open(buf: Uint8Array, offset: number, length: number): EspOpenResult;
  counters(): EspCounters;
  /** Frees the OpenSSL contexts and wipes the keys; later seal/open throw ERR_IPSEC_SA_WIPED. */
  wipe(): void;
}

interface RawOpen {
  status: 'ok' | EspDropReason;
  payloadOffset?: number;
  payloadLength?: number;
  nextHeader?: number;
  seq?: bigint;
}
interface RawEspSa {
  readonly headerLength: number;
  readonly trailerMax: number;
  readonly wiped: boolean;
  seal(buf: Uint8Array, payloadOffset: number, payloadLength: number, nextHeader: number): number;
  open(buf: Uint8Array, offset: number, length: number): RawOpen;
  counters(): EspCounters;
  wipe(): void;
}
type RawEspSaClass = new (
  spi: number, outbound: boolean, encr: number, keyBits: number, integ: number, encrKeymat: SecretBytes,
  integKey: SecretBytes | undefined, esn: boolean, replayWindow: number, initialSeq: bigint,
) => RawEspSa;
type Ctor<T> = T & ((...args: never[]) => unknown);

const DROP_REASONS: ReadonlySet<string> = new Set<EspDropReason>(['auth', 'replay', 'too-old', 'bad-spi', 'malformed', 'padding']);

class NativeEspSa implements EspSa {
  readonly headerLength: number;
  readonly trailerMax: number;
  constructor(readonly spi: number, readonly raw: RawEspSa) {
    this.headerLength = raw.headerLength;
    this.trailerMax = raw.trailerMax;
  }
  seal(buf: Uint8Array, payloadOffset: number, payloadLength: number, nextHeader: number): { offset: number; length: number } {
    const length = this.raw.seal(buf, payloadOffset, payloadLength, nextHeader);
    return { offset: payloadOffset - this.headerLength, length };
  }
  open(buf: Uint8Array, offset: number, length: number): EspOpenResult {
    const r = this.raw.open(buf, offset, length);
    if (r.status === 'ok') {
      return { ok: true, payloadOffset: r.payloadOffset ?? 0, payloadLength: r.payloadLength ?? 0, nextHeader: r.nextHeader ?? 0, seq: r.seq ?? 0n };
    }
    if (!DROP_REASONS.has(r.status)) throw new Error(`unexpected ESP open status ${String(r.status)}`);
    return { ok: false, reason: r.status };
  }
  counters(): EspCounters {
    return this.raw.counters();
  }
  wipe(): void {
    this.raw.wipe();
  }
}

let espClass: RawEspSaClass | undefined;

/** Makes one direction of an ESP SA; throws ERR_IPSEC_ESP_CONFIG for a bad combination or key length. */
export function createEspSa(p: EspSaParams): EspSa {
  if (!Number.isInteger(p.spi) || p.spi < 0 || p.spi > 0xffffffff) throw new RangeError('spi must be a 32-bit unsigned integer');
  if (p.direction !== 'in' && p.direction !== 'out') throw new TypeError("direction must be 'in' or 'out'");
  if (!isSecretBytes(p.encrKeymat)) throw new TypeError('encrKeymat must be SecretBytes');
  if (p.integKey !== undefined && !isSecretBytes(p.integKey)) throw new TypeError('integKey must be SecretBytes');
  espClass ??= nativeFunction<Ctor<RawEspSaClass>>('EspSa');
  const raw = new espClass(p.spi, p.direction === 'out', p.encr, p.keyBits, p.integ, p.encrKeymat, p.integKey, p.esn,
    p.replayWindow, p.initialSeq ?? 0n);
  return new NativeEspSa(p.spi, raw);
}

/** Keymat octets a transform needs: encr includes the 4-octet salt of the AEADs. Throws if unsupported. */
export function espKeymatLengths(encr: number, keyBits: number, integ: number): { encr: number; integ: number } {
  return nativeFunction<(e: number, k: number, i: number) => { encr: number; integ: number }>('espKeymatLengths')(encr, keyBits, integ);
}

/**
 * Runs `count` seals (outbound `sa`) or opens (inbound `sa`; `peer` is the matching outbound SA that makes each
 * packet, untimed) of a `size`-octet payload in a C++ loop on one buffer; returns the elapsed nanoseconds.
 * This is the figure comparable with `openssl speed` (the data path calls seal/open from C++ too).
 */
export function espBenchmark(sa: EspSa, size: number, count: number, peer?: EspSa): bigint {
  const fn = nativeFunction<(sa: RawEspSa, size: number, count: number, peer?: RawEspSa) => bigint>('espBenchmark');
  return fn(rawOf(sa), size, count, peer === undefined ? undefined : rawOf(peer));
}

function rawOf(sa: EspSa): RawEspSa {
  if (!(sa instanceof NativeEspSa)) throw new TypeError('expected an EspSa made by createEspSa');
  return sa.raw;
}

// ---- The anti-replay window on its own (the EspSa has one inside; this face is for tests and tools) ----

export type ReplayCheck = 'ok' | 'replay' | 'too-old';

export interface ReplayWindow {
  /** The window size in packets (0 = off). */
  readonly size: number;
  /** The highest sequence number accepted so far. */
  readonly top: bigint;
  /** Whether `seq` may be accepted (check before the ICV is verified). */
  check(seq: bigint): ReplayCheck;
  /** Marks `seq` as received (after the ICV verified). */
  update(seq: bigint): void;
  /** The 64-bit sequence number for the low 32 bits on the wire (RFC 4303 Appendix A; identity without ESN). */
  infer(low: number): bigint;
  /** Starts over as if every number up to `top` had been received. */
  reset(top: bigint): void;
}

interface RawReplay {
  readonly size: number;
  readonly top: bigint;
  check(seq: bigint): number;
  update(seq: bigint): void;
  infer(low: number): bigint;
  reset(top: bigint): void;
}
type RawReplayClass = new (size: number, esn: boolean) => RawReplay;
const REPLAY_RESULTS: readonly ReplayCheck[] = ['ok', 'replay', 'too-old'];

export function createReplayWindow(size: number, esn: boolean): ReplayWindow {
  const cls = nativeFunction<Ctor<RawReplayClass>>('ReplayWindow');
  const raw = new cls(size, esn);
  return {
    get size() { return raw.size; },
    get top() { return raw.top; },
    check: (seq) => {
      const r = REPLAY_RESULTS[raw.check(seq)];
      if (r === undefined) throw new Error('unexpected replay check result');
      return r;
    },
    update: (seq) => raw.update(seq),
    infer: (low) => raw.infer(low),
    reset: (top) => raw.reset(top),
  };
}
