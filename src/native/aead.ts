// The IKEv2 SK payload ciphers (RFC 7296 §3.14): in-place encryption + integrity of one direction of one
// IKE SA, done in native code with keys that never leave native memory.
import { nativeFunction } from './binding';
import type { SecretBytes } from './secret';

/** IKEv2 encryption transform ids (IANA Transform Type 1) that the SK payload supports. */
export const ENCR = {
  AES_CBC: 12,
  AES_CTR: 13,
  AES_GCM_8: 18,
  AES_GCM_12: 19,
  AES_GCM_16: 20,
  CHACHA20_POLY1305: 28,
} as const;

/** IKEv2 integrity transform ids (IANA Transform Type 3); NONE for the AEAD ciphers. */
export const INTEG = {
  NONE: 0,
  HMAC_SHA1_96: 2,
  AES_XCBC_96: 5,
  HMAC_SHA2_256_128: 12,
  HMAC_SHA2_384_192: 13,
  HMAC_SHA2_512_256: 14,
} as const;

export interface SkTransform {
  /** An ENCR id. */
  encr: number;
  /** 128, 192 or 256 for AES; 256 (or 0, no Key Length attribute) for ChaCha20-Poly1305. */
  keyBits: number;
  /** An INTEG id; INTEG.NONE for AES-GCM and ChaCha20-Poly1305. */
  integ: number;
}

export interface SkSizes {
  /** Octets of SK_e to take from the KEYMAT: the key, plus a 4-octet salt/nonce for CTR, GCM and ChaCha. */
  encrKeymatLength: number;
  /** Octets of SK_a (0 for AEAD). */
  integKeyLength: number;
  /** Octets of IV on the wire (16 for CBC, 8 otherwise). */
  ivLength: number;
  /** Octets of ICV on the wire. */
  icvLength: number;
  /** The padded plaintext must be a multiple of this (16 for CBC, 1 for the stream modes). */
  blockLength: number;
  aead: boolean;
}

/**
 * A sealer for one direction of one IKE SA. The caller owns `message`, laid out as
 * [AAD: 0..ivOffset) [IV] [plaintext / ciphertext] [ICV], where the AAD is the IKE header through the
 * end of the SK (or SKF) payload header. Not for concurrent use from several threads.
 */
export interface SkCipher {
  readonly sizes: SkSizes;
  /**
   * Writes the IV (random for CBC, a per-SA counter for the other modes, or `iv` for known-answer tests
   * only: an explicit IV bypasses the counter), encrypts the plaintext in place and writes the ICV after it.
   * For CBC the plaintext must already be padded to 16 octets. Returns ivOffset + IV + plaintext + ICV.
   * Throws (with a `code`) when the lengths do not fit `message`.
   */
  seal(message: Uint8Array, ivOffset: number, plaintextLength: number, iv?: Uint8Array): number;
  /**
   * Verifies the ICV over message[0, totalLength - ICV) and decrypts in place. Returns the plaintext
   * length (at ivOffset + IV), or -1 when the ICV does not match: then nothing usable is left in the text.
   * Throws (with a `code`) when totalLength cannot hold IV + ICV or a CBC text is not whole blocks.
   */
  open(message: Uint8Array, ivOffset: number, totalLength: number): number;
  /** Frees the keyed contexts now; later seal/open throw ERR_IPSEC_WIPED. */
  wipe(): void;
}

interface SkCipherClass {
  new (encr: number, keyBits: number, integ: number, encrKeymat: SecretBytes, integKey?: SecretBytes): SkCipher;
}
type SkCipherCtor = SkCipherClass & ((...args: never[]) => unknown);
type SkSizesFn = (encr: number, keyBits: number, integ: number) => SkSizes;

let ctor: SkCipherClass | undefined;
let sizesFn: SkSizesFn | undefined;

/**
 * The lengths a transform needs. Throws ERR_IPSEC_UNSUPPORTED_TRANSFORM on an unknown id, bad key bits,
 * an AEAD cipher with an integrity transform, or CBC/CTR without one.
 */
export function skSizes(t: SkTransform): SkSizes {
  sizesFn ??= nativeFunction<SkSizesFn>('skSizes');
  return sizesFn(t.encr, t.keyBits, t.integ);
}

/**
 * A sealer keyed with `encrKeymat` (SK_ei or SK_er: key ‖ salt) and `integKey` (SK_ai or SK_ar; omit it
 * for AEAD). Throws ERR_IPSEC_UNSUPPORTED_TRANSFORM or ERR_IPSEC_BAD_KEY_LENGTH.
 */
export function createSkCipher(t: SkTransform, encrKeymat: SecretBytes, integKey?: SecretBytes): SkCipher {
  ctor ??= nativeFunction<SkCipherCtor>('SkCipher');
  return new ctor(t.encr, t.keyBits, t.integ, encrKeymat, integKey);
}
