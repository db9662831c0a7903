// IKEv2 PRFs, PRF+ and key derivation (RFC 7296 sections 2.13-2.18), computed in native code.
// Secret results come back as SecretBytes (native memory, wiped when freed); only prf() returns a
// Buffer, for outputs that are public anyway (the AUTH payload).
import { nativeConstant, nativeFunction } from './binding';
import type { SecretBytes } from './secret';

/** IKEv2 transform type 2 (PRF) ids this module implements. */
export type PrfId = 2 | 4 | 5 | 6 | 7 | 8;

export const PRF = {
  HMAC_SHA1: 2,
  AES128_XCBC: 4,
  HMAC_SHA2_256: 5,
  HMAC_SHA2_384: 6,
  HMAC_SHA2_512: 7,
  AES128_CMAC: 8,
} as const satisfies Record<string, PrfId>;

/** Bytes per direction of the IKE SA keys (SK_ai/SK_ar and SK_ei/SK_er); `encr` includes any salt. */
export interface IkeKeyLengths {
  integ: number;
  encr: number;
}

/** The seven IKE SA keys, in the order prf+ produces them (RFC 7296 section 2.14). */
export interface IkeKeys {
  d: SecretBytes;
  ai: SecretBytes;
  ar: SecretBytes;
  ei: SecretBytes;
  er: SecretBytes;
  pi: SecretBytes;
  pr: SecretBytes;
}

type Key = Uint8Array | SecretBytes;

interface PrfBinding {
  prfCompute: (id: number, key: Key, data: Uint8Array) => Buffer;
  prfComputeSecret: (id: number, key: Key, data: Uint8Array) => SecretBytes;
  prfPlus: (id: number, key: Key, seed: Key, length: number) => SecretBytes;
  prfSkeyseed: (id: number, ni: Uint8Array, nr: Uint8Array, gir: SecretBytes) => SecretBytes;
  prfRekeySkeyseed: (id: number, oldSkD: SecretBytes, gir: SecretBytes, ni: Uint8Array, nr: Uint8Array) => SecretBytes;
  prfDeriveIkeKeys: (
    id: number,
    skeyseed: SecretBytes,
    ni: Uint8Array,
    nr: Uint8Array,
    spiI: Uint8Array,
    spiR: Uint8Array,
    integ: number,
    encr: number,
  ) => IkeKeys;
  prfChildKeymat: (id: number, skD: SecretBytes, ni: Uint8Array, nr: Uint8Array, length: number, gir?: SecretBytes) => SecretBytes;
  lengths: Readonly<Record<string, number>>;
}

let bound: PrfBinding | undefined;

// Looked up once, on first use, so importing this module never loads the addon by itself.
function binding(): PrfBinding {
  bound ??= {
    prfCompute: nativeFunction<PrfBinding['prfCompute']>('prfCompute'),
    prfComputeSecret: nativeFunction<PrfBinding['prfComputeSecret']>('prfComputeSecret'),
    prfPlus: nativeFunction<PrfBinding['prfPlus']>('prfPlus'),
    prfSkeyseed: nativeFunction<PrfBinding['prfSkeyseed']>('prfSkeyseed'),
    prfRekeySkeyseed: nativeFunction<PrfBinding['prfRekeySkeyseed']>('prfRekeySkeyseed'),
    prfDeriveIkeKeys: nativeFunction<PrfBinding['prfDeriveIkeKeys']>('prfDeriveIkeKeys'),
    prfChildKeymat: nativeFunction<PrfBinding['prfChildKeymat']>('prfChildKeymat'),
    lengths: nativeConstant<Readonly<Record<string, number>>>('prfOutputLengths', 'object'),
  };
  return bound;
}

export class UnknownPrfError extends Error {
  readonly code = 'ERR_IPSEC_UNKNOWN_PRF';
  constructor(id: unknown) {
    super(`unknown PRF transform id ${String(id)} (known: ${Object.entries(PRF).map(([n, v]) => `${v} ${n}`).join(', ')})`);
    this.name = 'UnknownPrfError';
  }
}

/** True for the PRF ids this module implements (e.g. for a proposal parser). */
export function isPrfId(id: unknown): id is PrfId {
  return typeof id === 'number' && Object.prototype.hasOwnProperty.call(binding().lengths, String(id));
}

function checkId(id: PrfId): void {
  if (!isPrfId(id)) throw new UnknownPrfError(id);
}

/** Output length in bytes, also the preferred key length (SK_d, SK_pi, SK_pr). */
export function prfOutputLength(id: PrfId): number {
  checkId(id);
  return binding().lengths[String(id)] as number;
}

/** prf(key, data) for a public result, e.g. the AUTH payload's prf(prf(secret, "Key Pad for IKEv2"), octets). */
export function prf(id: PrfId, key: Uint8Array | SecretBytes, data: Uint8Array): Buffer {
  checkId(id);
  return binding().prfCompute(id, key, data);
}

/** prf(key, data) whose result is secret: stays in native memory. */
export function prfSecret(id: PrfId, key: Uint8Array | SecretBytes, data: Uint8Array): SecretBytes {
  checkId(id);
  return binding().prfComputeSecret(id, key, data);
}

/** prf+(key, seed) truncated to `length` bytes; at most 255 PRF blocks (RFC 7296 section 2.13). */
export function prfPlus(id: PrfId, key: Uint8Array | SecretBytes, seed: Uint8Array | SecretBytes, length: number): SecretBytes {
  checkId(id);
  return binding().prfPlus(id, key, seed, length);
}

/**
 * SKEYSEED = prf(Ni | Nr, g^ir); with AES-XCBC and AES-CMAC only the first 64 bits of each nonce
 * key the PRF (RFC 7296 section 2.14).
 */
export function skeyseed(id: PrfId, ni: Uint8Array, nr: Uint8Array, gir: SecretBytes): SecretBytes {
  checkId(id);
  return binding().prfSkeyseed(id, ni, nr, gir);
}

/** Rekeyed IKE SA: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296 section 2.18). */
export function rekeySkeyseed(id: PrfId, oldSkD: SecretBytes, gir: SecretBytes, ni: Uint8Array, nr: Uint8Array): SecretBytes {
  checkId(id);
  return binding().prfRekeySkeyseed(id, oldSkD, gir, ni, nr);
}

/**
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 * SK_d, SK_pi and SK_pr are prfOutputLength(id) bytes; SPIs are the 8-byte header values.
 */
export function deriveIkeKeys(
  id: PrfId,
  skeyseed: SecretBytes,
  ni: Uint8Array,
  nr: Uint8Array,
  spiI: Uint8Array,
  spiR: Uint8Array,
  lengths: IkeKeyLengths,
): IkeKeys {
  checkId(id);
  return binding().prfDeriveIkeKeys(id, skeyseed, ni, nr, spiI, spiR, lengths.integ, lengths.encr);
}

/** Child SA KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr) with PFS (RFC 7296 section 2.17). */
export function deriveChildKeymat(id: PrfId, skD: SecretBytes, ni: Uint8Array, nr: Uint8Array, length: number, gir?: SecretBytes): SecretBytes {
  checkId(id);
  return gir === undefined ? binding().prfChildKeymat(id, skD, ni, nr, length) : binding().prfChildKeymat(id, skD, ni, nr, length, gir);
}
