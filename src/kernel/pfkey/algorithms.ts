// IKEv2 transform ids (RFC 7296 §3.3.2) to PF_KEY algorithm numbers (sadb_sa_auth / sadb_sa_encrypt) and
// back. RFC 2367 numbered a few (the IPsec DOI's); the rest are KAME's SADB_X_ ones, the same on Linux
// (linux/pfkeyv2.h) and FreeBSD. ChaCha20-Poly1305 has a PF_KEY number only on OpenBSD (22, which is
// Camellia on Linux), so it maps only with platform 'openbsd'.
import { EncrId, IntegId } from '../../ikev2/constants';
import { PfkeyCodecError } from './codec';

export type PfkeyPlatform = 'linux' | 'freebsd' | 'openbsd';

export const SADB_AALG = {
  NONE: 0,
  MD5HMAC: 2,
  SHA1HMAC: 3,
  X_SHA2_256HMAC: 5,
  X_SHA2_384HMAC: 6,
  X_SHA2_512HMAC: 7,
  X_AES_XCBC_MAC: 9,
} as const;

export const SADB_EALG = {
  NONE: 0,
  DESCBC: 2,
  '3DESCBC': 3,
  NULL: 11,
  X_AESCBC: 12,
  X_AESCTR: 13,
  X_AES_CCM_ICV8: 14,
  X_AES_CCM_ICV12: 15,
  X_AES_CCM_ICV16: 16,
  X_AES_GCM_ICV8: 18,
  X_AES_GCM_ICV12: 19,
  X_AES_GCM_ICV16: 20,
  X_CAMELLIACBC: 22,
  X_NULL_AES_GMAC: 23,
  /** OpenBSD only. */
  X_CHACHA20POLY1305_OPENBSD: 22,
} as const;

/** [IKEv2 ENCR id, PF_KEY number], common to every platform. */
const ENCR_COMMON: readonly (readonly [number, number])[] = [
  [EncrId['3DES'], SADB_EALG['3DESCBC']],
  [EncrId.NULL, SADB_EALG.NULL],
  [EncrId.AES_CBC, SADB_EALG.X_AESCBC],
  [EncrId.AES_CTR, SADB_EALG.X_AESCTR],
  [EncrId.AES_GCM_8, SADB_EALG.X_AES_GCM_ICV8],
  [EncrId.AES_GCM_12, SADB_EALG.X_AES_GCM_ICV12],
  [EncrId.AES_GCM_16, SADB_EALG.X_AES_GCM_ICV16],
];
const ENCR_KAME: readonly (readonly [number, number])[] = [
  [EncrId.AES_CCM_8, SADB_EALG.X_AES_CCM_ICV8],
  [EncrId.AES_CCM_12, SADB_EALG.X_AES_CCM_ICV12],
  [EncrId.AES_CCM_16, SADB_EALG.X_AES_CCM_ICV16],
  [EncrId.CAMELLIA_CBC, SADB_EALG.X_CAMELLIACBC],
  [EncrId.NULL_AUTH_AES_GMAC, SADB_EALG.X_NULL_AES_GMAC],
];
const ENCR_OPENBSD: readonly (readonly [number, number])[] = [
  [EncrId.NULL_AUTH_AES_GMAC, 21],
  [EncrId.CHACHA20_POLY1305, SADB_EALG.X_CHACHA20POLY1305_OPENBSD],
];

const INTEG: readonly (readonly [number, number])[] = [
  [IntegId.NONE, SADB_AALG.NONE],
  [IntegId.HMAC_MD5_96, SADB_AALG.MD5HMAC],
  [IntegId.HMAC_SHA1_96, SADB_AALG.SHA1HMAC],
  [IntegId.HMAC_SHA2_256_128, SADB_AALG.X_SHA2_256HMAC],
  [IntegId.HMAC_SHA2_384_192, SADB_AALG.X_SHA2_384HMAC],
  [IntegId.HMAC_SHA2_512_256, SADB_AALG.X_SHA2_512HMAC],
  [IntegId.AES_XCBC_96, SADB_AALG.X_AES_XCBC_MAC],
];

function encrTable(platform: PfkeyPlatform): readonly (readonly [number, number])[] {
  return platform === 'openbsd' ? [...ENCR_COMMON, ...ENCR_OPENBSD] : [...ENCR_COMMON, ...ENCR_KAME];
}

/** The PF_KEY encryption algorithm for an IKEv2 ENCR id. */
export function pfkeyEncr(ikeId: number, platform: PfkeyPlatform = 'linux'): number {
  const hit = encrTable(platform).find(([ike]) => ike === ikeId);
  if (!hit) throw new PfkeyCodecError(`ENCR transform ${ikeId} has no PF_KEY algorithm on ${platform}`);
  return hit[1];
}

/** The IKEv2 ENCR id of a PF_KEY encryption algorithm, undefined when there is none. */
export function ikeEncr(sadbId: number, platform: PfkeyPlatform = 'linux'): number | undefined {
  return encrTable(platform).find(([, sadb]) => sadb === sadbId)?.[0];
}

export function pfkeyAuth(ikeId: number): number {
  const hit = INTEG.find(([ike]) => ike === ikeId);
  if (!hit) throw new PfkeyCodecError(`INTEG transform ${ikeId} has no PF_KEY algorithm`);
  return hit[1];
}

export function ikeInteg(sadbId: number): number | undefined {
  return INTEG.find(([, sadb]) => sadb === sadbId)?.[0];
}
