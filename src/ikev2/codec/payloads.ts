// The typed values of every IKEv2 payload (RFC 7296 §3.2-§3.16, RFC 7383 §2.5). Parsed byte fields are
// copies. `critical` is the C bit of the generic header: for payload types we know, receivers ignore it
// (§3.2) and senders leave it clear, so it is optional when building.

/** A transform attribute other than Key Length: TV (AF = 1, 2-octet value) or TLV (AF = 0). */
export type RawTransformAttribute = { type: number; format: 'tv'; value: number } | { type: number; format: 'tlv'; data: Uint8Array };

/** §3.3.2: one algorithm. `keyLength` is the Key Length TV attribute (§3.3.5), in bits. */
export interface Transform {
  type: number;
  id: number;
  keyLength?: number;
  /** Attributes this codec does not interpret; RFC 7296 says such a transform must not be chosen. */
  otherAttributes?: RawTransformAttribute[];
}

/** §3.3.1 */
export interface Proposal {
  number: number;
  protocolId: number;
  /** Empty in IKE_SA_INIT, 8 octets when rekeying an IKE SA, 4 for ESP/AH. */
  spi: Uint8Array;
  transforms: Transform[];
}

export interface SaPayload { type: 33; critical?: boolean; proposals: Proposal[] }
export interface KePayload { type: 34; critical?: boolean; group: number; data: Uint8Array }
/** §3.5: IDi (35) or IDr (36). */
export interface IdPayload { type: 35 | 36; critical?: boolean; idType: number; data: Uint8Array }
export interface CertPayload { type: 37; critical?: boolean; encoding: number; data: Uint8Array }
export interface CertReqPayload { type: 38; critical?: boolean; encoding: number; data: Uint8Array }
export interface AuthPayload { type: 39; critical?: boolean; method: number; data: Uint8Array }
/** §3.9: 16 to 256 octets. */
export interface NoncePayload { type: 40; critical?: boolean; nonce: Uint8Array }
/** §3.10 */
export interface NotifyPayload {
  type: 41;
  critical?: boolean;
  /** 0 when the notification is not about a particular SA. */
  protocolId: number;
  spi: Uint8Array;
  notifyType: number;
  data: Uint8Array;
}
/** §3.11: for the IKE SA itself protocolId 1, spiSize 0 and no SPIs. */
export interface DeletePayload { type: 42; critical?: boolean; protocolId: number; spiSize: number; spis: Uint8Array[] }
export interface VendorIdPayload { type: 43; critical?: boolean; data: Uint8Array }

/** §3.13.1: addresses are 4 octets for TS_IPV4_ADDR_RANGE (7), 16 for TS_IPV6_ADDR_RANGE (8). */
export interface TrafficSelector {
  tsType: number;
  /** 0 = any protocol. */
  ipProtocol: number;
  startPort: number;
  endPort: number;
  startAddress: Uint8Array;
  endAddress: Uint8Array;
}
/** §3.13: TSi (44) or TSr (45). */
export interface TsPayload { type: 44 | 45; critical?: boolean; selectors: TrafficSelector[] }

/**
 * §3.14 as it appears on the wire: IV, ciphertext and ICV, opaque until openEncryptedMessage decrypts it.
 * `firstInnerType` is the Next Payload field of the SK header (the type of the first encrypted payload).
 */
export interface SkPayload { type: 46; critical?: boolean; firstInnerType: number; body: Uint8Array }
/** RFC 7383 §2.5: one fragment of an SK payload. `firstInnerType` is 0 except in fragment 1. */
export interface SkfPayload {
  type: 53;
  critical?: boolean;
  firstInnerType: number;
  fragmentNumber: number;
  totalFragments: number;
  body: Uint8Array;
}

/** §3.15.1: a configuration attribute (the R bit is reserved and dropped). */
export interface CfgAttributeValue { type: number; value: Uint8Array }
export interface CpPayload { type: 47; critical?: boolean; cfgType: number; attributes: CfgAttributeValue[] }
/** §3.16: the whole EAP message (code, identifier, length, type data), its length checked. */
export interface EapPayload { type: 48; critical?: boolean; message: Uint8Array }

/**
 * A payload type this codec does not know, kept as it was. If `critical` is set the whole message must be
 * rejected with UNSUPPORTED_CRITICAL_PAYLOAD carrying `payloadType` (§2.5): see unsupportedCriticalTypes().
 */
export interface UnknownPayload { type: 'unknown'; payloadType: number; critical: boolean; body: Uint8Array }

export type Payload =
  | SaPayload
  | KePayload
  | IdPayload
  | CertPayload
  | CertReqPayload
  | AuthPayload
  | NoncePayload
  | NotifyPayload
  | DeletePayload
  | VendorIdPayload
  | TsPayload
  | SkPayload
  | SkfPayload
  | CpPayload
  | EapPayload
  | UnknownPayload;

/** The numeric payload type of any payload (unknown ones included). */
export function payloadTypeOf(p: Payload): number {
  return p.type === 'unknown' ? p.payloadType : p.type;
}

/** The unknown payload types that carried the critical bit, in order, without repeats. */
export function unsupportedCriticalTypes(payloads: readonly Payload[]): number[] {
  const out: number[] = [];
  for (const p of payloads) if (p.type === 'unknown' && p.critical && !out.includes(p.payloadType)) out.push(p.payloadType);
  return out;
}
