// Signature AUTH payloads: RSA (method 1: RSASSA-PKCS1-v1_5 with SHA-1, RFC 7296 §3.8), ECDSA with a fixed
// curve and hash (methods 9, 10, 11: RFC 4754, r | s), and Digital Signature (method 14, RFC 7427 §3:
// the length of an ASN.1 AlgorithmIdentifier, the AlgorithmIdentifier, then the signature: RSASSA-PSS,
// RSASSA-PKCS1-v1_5 or DER-encoded ECDSA over SHA2-256/384/512). Signing and verifying use node:crypto.
import { sign as cryptoSign, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';

import { AuthMethod, HashAlgorithm } from './constants';
import { keyKind } from '../config/public-keys';
import { DerError, derInt, derNull, oid, oidText, readAll, readTlv, seq, tlv } from '../der';

export type SignatureKeyType = 'rsa' | 'ecdsa';

export interface SignatureScheme {
  keyType: SignatureKeyType;
  /** HashAlgorithm (RFC 7427 §7). */
  hash: number;
  /** RSA only. */
  padding?: 'pkcs1' | 'pss';
  /** RSASSA-PSS only: octets of salt (the hash length is the usual choice). */
  saltLength?: number;
}

export class SignatureError extends Error {}

const HASHES: Record<number, { node: string; oid: string; length: number; name: string }> = {
  [HashAlgorithm.SHA1]: { node: 'sha1', oid: '1.3.14.3.2.26', length: 20, name: 'SHA1' },
  [HashAlgorithm.SHA2_256]: { node: 'sha256', oid: '2.16.840.1.101.3.4.2.1', length: 32, name: 'SHA2_256' },
  [HashAlgorithm.SHA2_384]: { node: 'sha384', oid: '2.16.840.1.101.3.4.2.2', length: 48, name: 'SHA2_384' },
  [HashAlgorithm.SHA2_512]: { node: 'sha512', oid: '2.16.840.1.101.3.4.2.3', length: 64, name: 'SHA2_512' },
};

const PKCS1_OIDS: Record<number, string> = {
  [HashAlgorithm.SHA1]: '1.2.840.113549.1.1.5',
  [HashAlgorithm.SHA2_256]: '1.2.840.113549.1.1.11',
  [HashAlgorithm.SHA2_384]: '1.2.840.113549.1.1.12',
  [HashAlgorithm.SHA2_512]: '1.2.840.113549.1.1.13',
};
const ECDSA_OIDS: Record<number, string> = {
  [HashAlgorithm.SHA1]: '1.2.840.10045.4.1',
  [HashAlgorithm.SHA2_256]: '1.2.840.10045.4.3.2',
  [HashAlgorithm.SHA2_384]: '1.2.840.10045.4.3.3',
  [HashAlgorithm.SHA2_512]: '1.2.840.10045.4.3.4',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';

/** Methods 9, 10, 11: the curve (OpenSSL's name) and hash each fixes. */
const ECDSA_METHODS: Record<number, { curve: string; hash: number }> = {
  [AuthMethod.ECDSA_SHA256_P256]: { curve: 'prime256v1', hash: HashAlgorithm.SHA2_256 },
  [AuthMethod.ECDSA_SHA384_P384]: { curve: 'secp384r1', hash: HashAlgorithm.SHA2_384 },
  [AuthMethod.ECDSA_SHA512_P521]: { curve: 'secp521r1', hash: HashAlgorithm.SHA2_512 },
};

/** The method (9, 10 or 11) for a key on this curve (OpenSSL's name), and the hash it fixes. */
export function fixedEcdsaMethod(curve: string | undefined): { method: number; hash: number } | undefined {
  const entry = Object.entries(ECDSA_METHODS).find(([, m]) => m.curve === curve);
  return entry === undefined ? undefined : { method: Number(entry[0]), hash: entry[1].hash };
}

export function hashName(hash: number): string {
  return HASHES[hash]?.name ?? `HASH_${hash}`;
}

function hashInfo(hash: number): { node: string; oid: string; length: number; name: string } {
  const h = HASHES[hash];
  if (h === undefined) throw new SignatureError(`hash algorithm ${hash} is not supported`);
  return h;
}

const hashAlgId = (hash: number): Uint8Array => seq(oid(hashInfo(hash).oid), derNull());

/** The AlgorithmIdentifier of a scheme (RFC 7427 appendix A's encodings). */
export function algorithmIdentifier(s: SignatureScheme): Uint8Array {
  if (s.keyType === 'ecdsa') {
    const o = ECDSA_OIDS[s.hash];
    if (o === undefined) throw new SignatureError(`no ECDSA with ${hashName(s.hash)}`);
    return seq(oid(o));
  }
  if (s.padding === 'pss') {
    const h = hashInfo(s.hash);
    const params = seq(
      tlv(0xa0, hashAlgId(s.hash)),
      tlv(0xa1, seq(oid(MGF1), hashAlgId(s.hash))),
      tlv(0xa2, derInt(s.saltLength ?? h.length)),
    );
    return seq(oid(RSASSA_PSS), params);
  }
  const o = PKCS1_OIDS[s.hash];
  if (o === undefined) throw new SignatureError(`no RSA PKCS#1 v1.5 with ${hashName(s.hash)}`);
  return seq(oid(o), derNull());
}

function hashByOid(text: string): number | undefined {
  const entry = Object.entries(HASHES).find(([, h]) => h.oid === text);
  return entry === undefined ? undefined : Number(entry[0]);
}

function readInt(value: Uint8Array): number {
  if (value.length === 0 || value.length > 4) throw new SignatureError('bad INTEGER in RSASSA-PSS parameters');
  return value.reduce((n, b) => n * 256 + b, 0);
}

/** RSASSA-PSS-params (RFC 4055 §3.1); absent fields take their defaults (SHA-1, MGF1 with SHA-1, 20). */
function pssParams(params: Uint8Array | undefined): SignatureScheme {
  let hash: number = HashAlgorithm.SHA1;
  let mgfHash: number = HashAlgorithm.SHA1;
  let salt = 20;
  if (params !== undefined) {
    for (const f of readAll(params)) {
      if (f.tag === 0xa0) {
        const h = hashByOid(oidText(readAll(readTlv(f.value).value)[0]!.value));
        if (h === undefined) throw new SignatureError('RSASSA-PSS with an unknown hash');
        hash = h;
      } else if (f.tag === 0xa1) {
        const [mgfOid, mgfParams] = readAll(readTlv(f.value).value);
        if (mgfOid === undefined || oidText(mgfOid.value) !== MGF1 || mgfParams === undefined) throw new SignatureError('RSASSA-PSS with a mask generation function other than MGF1');
        const h = hashByOid(oidText(readAll(mgfParams.value)[0]!.value));
        if (h === undefined) throw new SignatureError('MGF1 with an unknown hash');
        mgfHash = h;
      } else if (f.tag === 0xa2) {
        salt = readInt(readTlv(f.value).value);
      } else if (f.tag === 0xa3) {
        if (readInt(readTlv(f.value).value) !== 1) throw new SignatureError('RSASSA-PSS trailer field other than 1');
      }
    }
  }
  if (mgfHash !== hash) throw new SignatureError(`RSASSA-PSS with MGF1 over ${hashName(mgfHash)} but hash ${hashName(hash)} is not supported`);
  return { keyType: 'rsa', hash, padding: 'pss', saltLength: salt };
}

/** Reads an AlgorithmIdentifier from an AUTH payload; throws SignatureError for what we cannot verify. */
export function parseAlgorithmIdentifier(blob: Uint8Array): SignatureScheme {
  try {
    const top = readTlv(blob);
    if (top.tag !== 0x30 || top.raw.length !== blob.length) throw new SignatureError('AlgorithmIdentifier is not one DER SEQUENCE');
    const [algOid, params] = readAll(top.value);
    if (algOid === undefined || algOid.tag !== 0x06) throw new SignatureError('AlgorithmIdentifier lacks its OID');
    const text = oidText(algOid.value);
    if (text === RSASSA_PSS) return pssParams(params?.tag === 0x30 ? params.value : undefined);
    for (const [hash, o] of Object.entries(PKCS1_OIDS)) if (o === text) return { keyType: 'rsa', hash: Number(hash), padding: 'pkcs1' };
    for (const [hash, o] of Object.entries(ECDSA_OIDS)) if (o === text) return { keyType: 'ecdsa', hash: Number(hash) };
    throw new SignatureError(`signature algorithm ${text} is not supported`);
  } catch (e) {
    if (e instanceof DerError) throw new SignatureError(`malformed AlgorithmIdentifier: ${e.message}`);
    throw e;
  }
}

/** "RSA with SHA2_256", as Libreswan says how a peer authenticated. */
export function describeScheme(s: SignatureScheme): string {
  const base = `${s.keyType === 'rsa' ? 'RSA' : 'ECDSA'} with ${hashName(s.hash)}`;
  return s.padding === 'pkcs1' && s.hash !== HashAlgorithm.SHA1 ? `${base} (PKCS#1 v1.5)` : base;
}

interface NodeKeyOptions {
  key: KeyObject;
  dsaEncoding?: 'der' | 'ieee-p1363';
  padding?: number;
  saltLength?: number;
}

const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/**
 * How Libreswan 4.10 names a verified signature after "authenticated peer": the key ("3072-bit", "P-256"),
 * the signer (RSASSA-PSS, PKCS#1 1.5 RSA, RSA for method 1, ECDSA) and the hash.
 */
export function libreswanSignatureText(s: SignatureScheme, key: KeyObject, method: number): string {
  const d = key.asymmetricKeyDetails;
  const size = s.keyType === 'rsa' ? `${d?.modulusLength ?? 0}-bit` : (CURVE_NAMES[d?.namedCurve ?? ''] ?? d?.namedCurve ?? 'EC');
  const signer = s.keyType === 'ecdsa' ? 'ECDSA' : s.padding === 'pss' ? 'RSASSA-PSS' : method === AuthMethod.DIGITAL_SIGNATURE ? 'PKCS#1 1.5 RSA' : 'RSA';
  return `'${size} ${signer} with ${hashName(s.hash)}' digital signature`;
}

function nodeOptions(key: KeyObject, s: SignatureScheme, method: number): NodeKeyOptions {
  if (s.keyType === 'ecdsa') return { key, dsaEncoding: method === AuthMethod.DIGITAL_SIGNATURE ? 'der' : 'ieee-p1363' };
  if (s.padding === 'pss') return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: s.saltLength ?? hashInfo(s.hash).length };
  return { key, padding: constants.RSA_PKCS1_PADDING };
}

/** The scheme a method-1 or method-9/10/11 AUTH implies, checked against the key; null for other methods. */
export function fixedScheme(method: number, key: KeyObject): SignatureScheme | null {
  if (method === AuthMethod.RSA_SIG) return { keyType: 'rsa', hash: HashAlgorithm.SHA1, padding: 'pkcs1' };
  const ec = ECDSA_METHODS[method];
  if (ec === undefined) return null;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (keyKind(key) !== 'ecdsa' || curve !== ec.curve) throw new SignatureError(`auth method ${method} needs a ${ec.curve} key, not ${curve ?? key.asymmetricKeyType ?? '?'}`);
  return { keyType: 'ecdsa', hash: ec.hash };
}

/** AUTH data for `method` (1, 9-11, or 14 with `scheme`) over the signed octets. */
export function signAuth(key: KeyObject, method: number, octets: Uint8Array, scheme?: SignatureScheme): Uint8Array {
  const s = fixedScheme(method, key) ?? (method === AuthMethod.DIGITAL_SIGNATURE ? scheme : undefined);
  if (s === undefined) throw new SignatureError(`auth method ${method} is not a signature method (or lacks its scheme)`);
  if (keyKind(key) !== s.keyType) throw new SignatureError(`a ${key.asymmetricKeyType ?? '?'} key cannot make ${describeScheme(s)} signatures`);
  const signature = cryptoSign(hashInfo(s.hash).node, octets, nodeOptions(key, s, method));
  if (method !== AuthMethod.DIGITAL_SIGNATURE) return new Uint8Array(signature);
  const algId = algorithmIdentifier(s);
  return new Uint8Array(Buffer.concat([Buffer.from([algId.length]), algId, signature]));
}

/**
 * Verifies a signature AUTH payload with the peer's public key; returns the scheme it used, or throws
 * SignatureError saying why it does not verify.
 */
export function verifyAuth(key: KeyObject, method: number, data: Uint8Array, octets: Uint8Array): SignatureScheme {
  let s = fixedScheme(method, key);
  let signature = data;
  if (s === null) {
    if (method !== AuthMethod.DIGITAL_SIGNATURE) throw new SignatureError(`auth method ${method} is not a signature method`);
    const len = data[0] ?? 0;
    if (len === 0 || 1 + len >= data.length) throw new SignatureError('Digital Signature AUTH payload is truncated');
    s = parseAlgorithmIdentifier(data.subarray(1, 1 + len));
    signature = data.subarray(1 + len);
  }
  if (keyKind(key) !== s.keyType) throw new SignatureError(`the peer signed with ${describeScheme(s)} but its configured key is ${key.asymmetricKeyType ?? '?'}`);
  let ok = false;
  try {
    ok = cryptoVerify(hashInfo(s.hash).node, octets, nodeOptions(key, s, method), signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new SignatureError(`the ${describeScheme(s)} signature does not verify`);
  return s;
}
