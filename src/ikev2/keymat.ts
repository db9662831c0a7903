// Keys of an IKE SA (RFC 7296 §2.14) and of its Child SAs (§2.17), from the native PRF; the secrets stay
// in native memory (SecretBytes) and the SK payload ciphers are keyed there.
import { createSkCipher, skSizes, type SkCipher } from '../native/aead';
import { deriveChildKeymat, deriveIkeKeys, isPrfId, rekeySkeyseed, skeyseed, type PrfId } from '../native/prf';
import type { SecretBytes } from '../native/secret';
import { EncrId, IntegId } from './constants';
import type { Negotiated } from './proposals';

export interface IkeSaKeys {
  prf: PrfId;
  skD: SecretBytes;
  /** SK_pi when we are the initiator, SK_pr otherwise: keys the prf over our own ID (AUTH we send). */
  skPLocal: SecretBytes;
  skPRemote: SecretBytes;
  /** Seals what we send (SK_ei/SK_ai for the initiator, SK_er/SK_ar for the responder). */
  outbound: SkCipher;
  /** Opens what we receive. */
  inbound: SkCipher;
}

export function checkPrf(id: number): PrfId {
  if (!isPrfId(id)) throw new RangeError(`PRF ${id} is not implemented`);
  return id;
}

/**
 * SKEYSEED = prf(Ni | Nr, g^ir), then {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). The intermediate secrets are wiped before returning.
 */
export function deriveIkeSaKeys(
  alg: Negotiated,
  ni: Uint8Array,
  nr: Uint8Array,
  gir: SecretBytes,
  spiI: Uint8Array,
  spiR: Uint8Array,
  initiator: boolean,
  /** Rekeying (§2.18): SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's PRF. */
  rekeyOf?: { prf: PrfId; skD: SecretBytes },
): IkeSaKeys {
  const prf = checkPrf(alg.prf);
  const t = { encr: alg.encr, keyBits: alg.keyBits === 0 && alg.encr === EncrId.CHACHA20_POLY1305 ? 256 : alg.keyBits, integ: alg.integ };
  const sizes = skSizes(t);
  const seed = rekeyOf === undefined ? skeyseed(prf, ni, nr, gir) : rekeySkeyseed(rekeyOf.prf, rekeyOf.skD, gir, ni, nr);
  const k = deriveIkeKeys(prf, seed, ni, nr, spiI, spiR, { integ: sizes.integKeyLength, encr: sizes.encrKeymatLength });
  seed.wipe();
  const cipher = (e: SecretBytes, a: SecretBytes): SkCipher => (sizes.aead ? createSkCipher(t, e) : createSkCipher(t, e, a));
  const iToR = cipher(k.ei, k.ai);
  const rToI = cipher(k.er, k.ar);
  for (const s of [k.ei, k.ai, k.er, k.ar]) s.wipe();
  return {
    prf,
    skD: k.d,
    skPLocal: initiator ? k.pi : k.pr,
    skPRemote: initiator ? k.pr : k.pi,
    outbound: initiator ? iToR : rToI,
    inbound: initiator ? rToI : iToR,
  };
}

export function wipeIkeSaKeys(k: IkeSaKeys): void {
  k.skD.wipe();
  k.skPLocal.wipe();
  k.skPRemote.wipe();
  k.outbound.wipe();
  k.inbound.wipe();
}

/** Octets of ESP key material per direction (RFC 4106 §8.1 / RFC 7634 §2: AEAD keys carry a 4-octet salt). */
export function espKeyLengths(encr: number, keyBits: number, integ: number): { encr: number; integ: number } {
  let e: number;
  switch (encr) {
    case EncrId.AES_CBC: e = keyBits / 8; break;
    case EncrId.AES_CTR: case EncrId.AES_GCM_8: case EncrId.AES_GCM_12: case EncrId.AES_GCM_16: case EncrId.NULL_AUTH_AES_GMAC:
      e = keyBits / 8 + 4; break;
    case EncrId.AES_CCM_8: case EncrId.AES_CCM_12: case EncrId.AES_CCM_16: e = keyBits / 8 + 3; break;
    case EncrId.CHACHA20_POLY1305: e = 36; break;
    case EncrId['3DES']: e = 24; break;
    case EncrId.NULL: e = 0; break;
    default: throw new RangeError(`ESP encryption ${encr} is not supported`);
  }
  if (!Number.isInteger(e) || e < 0) throw new RangeError(`ESP encryption ${encr} with ${keyBits} bits`);
  const integLengths: Record<number, number> = {
    [IntegId.NONE]: 0,
    [IntegId.HMAC_MD5_96]: 16,
    [IntegId.HMAC_SHA1_96]: 20,
    [IntegId.AES_XCBC_96]: 16,
    [IntegId.AES_CMAC_96]: 16,
    [IntegId.HMAC_SHA2_256_128]: 32,
    [IntegId.HMAC_SHA2_384_192]: 48,
    [IntegId.HMAC_SHA2_512_256]: 64,
  };
  const i = integLengths[integ];
  if (i === undefined) throw new RangeError(`ESP integrity ${integ} is not supported`);
  return { encr: e, integ: i };
}

export interface EspDirectionKeys {
  encr: SecretBytes;
  /** Absent for AEAD. */
  integ?: SecretBytes;
}

export interface ChildKeys {
  /** Initiator to responder. */
  iToR: EspDirectionKeys;
  rToI: EspDirectionKeys;
}

/**
 * KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr), cut as §2.17 says: the initiator-to-responder SA's keys first,
 * each SA's encryption key before its integrity key.
 */
export function deriveChildKeys(prf: PrfId, skD: SecretBytes, alg: Negotiated, ni: Uint8Array, nr: Uint8Array, gir?: SecretBytes): ChildKeys {
  const keyBits = alg.keyBits === 0 && alg.encr === EncrId.CHACHA20_POLY1305 ? 256 : alg.keyBits;
  const len = espKeyLengths(alg.encr, keyBits, alg.integ);
  const per = len.encr + len.integ;
  const keymat = deriveChildKeymat(prf, skD, ni, nr, 2 * per, gir);
  const part = (offset: number): EspDirectionKeys => {
    const encr = keymat.slice(offset, len.encr);
    return len.integ === 0 ? { encr } : { encr, integ: keymat.slice(offset + len.encr, len.integ) };
  };
  const keys = { iToR: part(0), rToI: part(per) };
  keymat.wipe();
  return keys;
}
