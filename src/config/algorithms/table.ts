// Libreswan 4.10's algorithm table, as its `algparse -v` prints it: names, aliases, IKEv2 transform
// ids, key lengths, and where each algorithm may be used. The facts come from that listing and from
// the IANA IKEv2 registry; lookups are case-insensitive over the canonical name and the aliases.

export type AlgorithmKind = 'encrypt' | 'prf' | 'integ' | 'dh';

/** Where an algorithm has an IKEv1 number: the Oakley (IKE SA) table and/or the ESP/AH table. */
export interface IkeV1Ids {
  readonly ike: boolean;
  readonly esp: boolean;
}

interface AlgorithmBase {
  readonly kind: AlgorithmKind;
  /** Canonical name, as Libreswan prints it (AES_CBC, HMAC_SHA2_256, DH19). */
  readonly fqn: string;
  /** Extra names accepted in ike=/esp=/ah= (lower case). */
  readonly aliases: readonly string[];
  /** IKEv2 transform id (RFC 7296 section 3.3.2 and IANA), or null when IKEv2 cannot use it. */
  readonly ikev2Id: number | null;
  readonly ikev1: IkeV1Ids;
  /** Implemented in-process, so usable for the IKE SA itself (not only by the kernel for ESP/AH). */
  readonly ike: boolean;
  /** Allowed in FIPS mode. */
  readonly fips: boolean;
}

export interface EncryptAlgorithm extends AlgorithmBase {
  readonly kind: 'encrypt';
  /** Valid key lengths in bits, ascending; empty when the key length may not be given. */
  readonly keyLengths: readonly number[];
  /** The key length used when none is given (IKEv2 proposes each valid one; this one first). */
  readonly defaultKeyLength: number;
  readonly aead: boolean;
}

export interface PrfAlgorithm extends AlgorithmBase {
  readonly kind: 'prf';
}

export interface IntegAlgorithm extends AlgorithmBase {
  readonly kind: 'integ';
  /** The PRF this integrity algorithm is built from (its name), used to derive IKE integrity. */
  readonly prf: string | null;
}

export interface DhAlgorithm extends AlgorithmBase {
  readonly kind: 'dh';
}

export type Algorithm = EncryptAlgorithm | PrfAlgorithm | IntegAlgorithm | DhAlgorithm;

const v1 = (ike: boolean, esp: boolean): IkeV1Ids => ({ ike, esp });
const AES_KEYS = [128, 192, 256] as const;

function enc(
  fqn: string,
  ikev2Id: number,
  aliases: string[],
  o: { keys: readonly number[]; def: number; aead?: boolean; v1: IkeV1Ids; ike: boolean; fips: boolean },
): EncryptAlgorithm {
  return {
    kind: 'encrypt', fqn, aliases, ikev2Id, ikev1: o.v1, ike: o.ike, fips: o.fips,
    keyLengths: o.keys, defaultKeyLength: o.def, aead: o.aead ?? false,
  };
}

// Order matters: it is the order Libreswan searches and lists them.
export const ENCRYPT_ALGORITHMS: readonly EncryptAlgorithm[] = [
  enc('AES_CCM_16', 16, ['aes_ccm', 'aes_ccm_c'], { keys: AES_KEYS, def: 128, aead: true, v1: v1(false, true), ike: false, fips: true }),
  enc('AES_CCM_12', 15, ['aes_ccm_b'], { keys: AES_KEYS, def: 128, aead: true, v1: v1(false, true), ike: false, fips: true }),
  enc('AES_CCM_8', 14, ['aes_ccm_a'], { keys: AES_KEYS, def: 128, aead: true, v1: v1(false, true), ike: false, fips: true }),
  enc('3DES_CBC', 3, ['3des'], { keys: [], def: 192, v1: v1(true, true), ike: true, fips: true }),
  enc('CAMELLIA_CTR', 24, [], { keys: AES_KEYS, def: 128, v1: v1(true, true), ike: false, fips: false }),
  enc('CAMELLIA_CBC', 23, ['camellia'], { keys: AES_KEYS, def: 128, v1: v1(true, true), ike: true, fips: false }),
  enc('AES_GCM_16', 20, ['aes_gcm', 'aes_gcm_c'], { keys: AES_KEYS, def: 128, aead: true, v1: v1(false, true), ike: true, fips: true }),
  enc('AES_GCM_12', 19, ['aes_gcm_b'], { keys: AES_KEYS, def: 128, aead: true, v1: v1(false, true), ike: true, fips: true }),
  enc('AES_GCM_8', 18, ['aes_gcm_a'], { keys: AES_KEYS, def: 128, aead: true, v1: v1(false, true), ike: true, fips: true }),
  enc('AES_CTR', 13, ['aesctr'], { keys: AES_KEYS, def: 128, v1: v1(true, true), ike: true, fips: true }),
  enc('AES_CBC', 12, ['aes'], { keys: AES_KEYS, def: 128, v1: v1(true, true), ike: true, fips: true }),
  enc('NULL_AUTH_AES_GMAC', 21, ['aes_gmac'], { keys: AES_KEYS, def: 128, aead: true, v1: v1(false, true), ike: false, fips: true }),
  enc('NULL', 11, [], { keys: [], def: 0, v1: v1(false, true), ike: false, fips: false }),
  enc('CHACHA20_POLY1305', 28, ['chacha20poly1305'], { keys: [], def: 256, aead: true, v1: v1(false, false), ike: true, fips: false }),
];

function prf(fqn: string, ikev2Id: number | null, aliases: string[], o: { v1: boolean; fips: boolean }): PrfAlgorithm {
  return { kind: 'prf', fqn, aliases, ikev2Id, ikev1: v1(o.v1, false), ike: true, fips: o.fips };
}

export const PRF_ALGORITHMS: readonly PrfAlgorithm[] = [
  prf('HMAC_MD5', 1, ['md5'], { v1: true, fips: false }),
  prf('HMAC_SHA1', 2, ['sha', 'sha1'], { v1: true, fips: true }),
  prf('HMAC_SHA2_256', 5, ['sha2', 'sha256', 'sha2_256'], { v1: true, fips: true }),
  prf('HMAC_SHA2_384', 6, ['sha384', 'sha2_384'], { v1: true, fips: true }),
  prf('HMAC_SHA2_512', 7, ['sha512', 'sha2_512'], { v1: true, fips: true }),
  prf('AES_XCBC', 4, ['aes128_xcbc'], { v1: false, fips: false }),
];

function integ(
  fqn: string,
  ikev2Id: number | null,
  aliases: string[],
  o: { prf: string | null; v1: IkeV1Ids; ike: boolean; fips: boolean },
): IntegAlgorithm {
  return { kind: 'integ', fqn, aliases, ikev2Id, ikev1: o.v1, ike: o.ike, fips: o.fips, prf: o.prf };
}

export const INTEG_ALGORITHMS: readonly IntegAlgorithm[] = [
  integ('HMAC_MD5_96', 1, ['md5', 'hmac_md5'], { prf: 'HMAC_MD5', v1: v1(true, true), ike: true, fips: false }),
  integ('HMAC_SHA1_96', 2, ['sha', 'sha1', 'sha1_96', 'hmac_sha1'], { prf: 'HMAC_SHA1', v1: v1(true, true), ike: true, fips: true }),
  integ('HMAC_SHA2_512_256', 14, ['sha512', 'sha2_512', 'sha2_512_256', 'hmac_sha2_512'], { prf: 'HMAC_SHA2_512', v1: v1(true, true), ike: true, fips: true }),
  integ('HMAC_SHA2_384_192', 13, ['sha384', 'sha2_384', 'sha2_384_192', 'hmac_sha2_384'], { prf: 'HMAC_SHA2_384', v1: v1(true, true), ike: true, fips: true }),
  integ('HMAC_SHA2_256_128', 12, ['sha2', 'sha256', 'sha2_256', 'sha2_256_128', 'hmac_sha2_256'], { prf: 'HMAC_SHA2_256', v1: v1(true, true), ike: true, fips: true }),
  // Linux's old 96-bit truncation of SHA2_256 (IKEv1 only, private use number).
  integ('HMAC_SHA2_256_TRUNCBUG', null, [], { prf: null, v1: v1(false, true), ike: false, fips: false }),
  integ('AES_XCBC_96', 5, ['aes_xcbc', 'aes128_xcbc', 'aes128_xcbc_96'], { prf: 'AES_XCBC', v1: v1(false, true), ike: true, fips: false }),
  integ('AES_CMAC_96', 8, ['aes_cmac'], { prf: null, v1: v1(false, true), ike: false, fips: true }),
  integ('NONE', 0, ['null'], { prf: null, v1: v1(false, true), ike: true, fips: true }),
];

function dh(fqn: string, ikev2Id: number, aliases: string[], o: { v1: IkeV1Ids; fips: boolean }): DhAlgorithm {
  return { kind: 'dh', fqn, aliases, ikev2Id, ikev1: o.v1, ike: true, fips: o.fips };
}

export const DH_ALGORITHMS: readonly DhAlgorithm[] = [
  dh('NONE', 0, ['null', 'dh0'], { v1: v1(false, false), fips: true }),
  dh('MODP1536', 5, ['dh5'], { v1: v1(true, true), fips: false }),
  dh('MODP2048', 14, ['dh14'], { v1: v1(true, true), fips: true }),
  dh('MODP3072', 15, ['dh15'], { v1: v1(true, true), fips: true }),
  dh('MODP4096', 16, ['dh16'], { v1: v1(true, true), fips: true }),
  dh('MODP6144', 17, ['dh17'], { v1: v1(true, true), fips: true }),
  dh('MODP8192', 18, ['dh18'], { v1: v1(true, true), fips: true }),
  dh('DH19', 19, ['ecp_256', 'ecp256'], { v1: v1(true, false), fips: true }),
  dh('DH20', 20, ['ecp_384', 'ecp384'], { v1: v1(true, false), fips: true }),
  dh('DH21', 21, ['ecp_521', 'ecp521'], { v1: v1(true, false), fips: true }),
  dh('DH31', 31, ['curve25519'], { v1: v1(true, false), fips: false }),
];

/**
 * Names Libreswan knows from the IANA/IKEv1 registries but does not implement: these give
 * "is not supported" rather than "is not recognized". `ike` lists apply to ike=, `child` to esp=/ah=.
 */
export const KNOWN_UNIMPLEMENTED: Readonly<Record<AlgorithmKind, { ike: readonly string[]; child: readonly string[] }>> = {
  encrypt: {
    ike: ['des', 'idea', 'cast', 'blowfish', '3idea', 'cast128', 'twofish_cbc', 'serpent_cbc', 'twofish_cbc_ssh',
      'des_cbc', 'idea_cbc', 'blowfish_cbc', 'rc5_r16_b64_cbc', 'cast_cbc'],
    child: ['des', 'idea', 'cast', 'blowfish', '3idea', 'cast128', 'twofish_cbc', 'serpent_cbc', 'twofish_cbc_ssh',
      'twofish', 'serpent', 'mars', 'esp_des'],
  },
  prf: { ike: ['tiger'], child: ['tiger'] },
  integ: {
    ike: ['des_mac', 'kpdk_md5', 'kpdk', 'hmac_md5_128', 'hmac_sha1_160', 'aes_128_gmac', 'aes_192_gmac', 'aes_256_gmac', 'hmac_ripemd'],
    child: ['des_mac', 'kpdk_md5', 'kpdk', 'hmac_md5_128', 'hmac_sha1_160', 'aes_128_gmac', 'aes_192_gmac', 'aes_256_gmac', 'hmac_ripemd'],
  },
  dh: {
    ike: ['modp768', 'modp1024', 'dh22', 'dh23', 'dh24', 'ecp_192', 'ecp_224', 'curve448'],
    child: ['modp768', 'modp1024', 'dh22', 'dh23', 'dh24', 'ecp_192', 'ecp_224', 'curve448'],
  },
};

/**
 * In FIPS mode the non-FIPS algorithms are unregistered; these of their names are still registry
 * names, so they too give "is not supported" (the others "is not recognized").
 */
export const FIPS_DISABLED_KNOWN: Readonly<Record<AlgorithmKind, { ike: readonly string[]; child: readonly string[] }>> = {
  encrypt: {
    ike: ['camellia_ctr', 'camellia_cbc', 'null', 'chacha20_poly1305'],
    child: ['camellia_ctr', 'camellia_cbc', 'camellia', 'null', 'chacha20_poly1305'],
  },
  prf: { ike: ['hmac_md5', 'md5', 'aes128_xcbc'], child: [] },
  integ: {
    ike: ['hmac_md5_96', 'hmac_md5', 'hmac_sha2_256_truncbug', 'aes_xcbc_96', 'aes_xcbc'],
    child: ['hmac_md5_96', 'hmac_md5', 'hmac_sha2_256_truncbug', 'aes_xcbc_96', 'aes_xcbc'],
  },
  dh: { ike: ['modp1536', 'curve25519'], child: ['modp1536', 'curve25519'] },
};

export const ALGORITHMS: Readonly<Record<AlgorithmKind, readonly Algorithm[]>> = {
  encrypt: ENCRYPT_ALGORITHMS,
  prf: PRF_ALGORITHMS,
  integ: INTEG_ALGORITHMS,
  dh: DH_ALGORITHMS,
};

/** Finds an algorithm of `kind` by canonical name or alias, ignoring case. */
export function findAlgorithm(kind: 'encrypt', name: string): EncryptAlgorithm | undefined;
export function findAlgorithm(kind: 'prf', name: string): PrfAlgorithm | undefined;
export function findAlgorithm(kind: 'integ', name: string): IntegAlgorithm | undefined;
export function findAlgorithm(kind: 'dh', name: string): DhAlgorithm | undefined;
export function findAlgorithm(kind: AlgorithmKind, name: string): Algorithm | undefined;
export function findAlgorithm(kind: AlgorithmKind, name: string): Algorithm | undefined {
  const lower = name.toLowerCase();
  return ALGORITHMS[kind].find((a) => a.fqn.toLowerCase() === lower || a.aliases.includes(lower));
}

/** The integrity algorithm built from `prf` (HMAC_SHA1 gives HMAC_SHA1_96), if there is one. */
export function integForPrf(prf: PrfAlgorithm): IntegAlgorithm | undefined {
  return INTEG_ALGORITHMS.find((i) => i.prf === prf.fqn);
}

/** Integrity NONE: what AEAD ciphers carry in the integrity slot. */
export const INTEG_NONE: IntegAlgorithm = INTEG_ALGORITHMS[INTEG_ALGORITHMS.length - 1];

export function isAead(alg: EncryptAlgorithm): boolean {
  return alg.aead;
}
