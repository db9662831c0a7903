// Raw public keys of ipsec.conf: leftrsasigkey=, leftpubkey= and leftecdsakey=. Accepted forms:
//   0s<base64> / 0x<hex> of an RFC 3110 RSA key (exponent length, exponent, modulus) - Libreswan's form;
//   0s / 0x of a DER SubjectPublicKeyInfo (RSA or EC: what `openssl pkey -pubout -outform DER` writes),
//   or that base64 without 0s, as Libreswan 4's `showhostkey --pubkey` prints leftpubkey=;
//   0s / 0x of an uncompressed EC point (04 | x | y) or of x | y alone (RFC 6605's form), P-256/384/521;
//   a PEM file (BEGIN PUBLIC KEY or RSA PUBLIC KEY), by an absolute path or one relative to ipsec.conf;
//   %none (no key) and %cert (the key of leftcert=; swanlet has no certificates: refused when used).
// CKAID: as Libreswan's showhostkey prints it, the SHA-1 of the RSA modulus or of the EC public point.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { decodeSecretData, SecretDataError } from './secrets-data';

export type PublicKeyKind = 'rsa' | 'ecdsa';

export interface PublicKeyInfo {
  kind: PublicKeyKind;
  key: KeyObject;
  /** Hex, lower case. */
  ckaid: string;
}

export class PublicKeyError extends Error {}

/** RSA keys shorter than this are refused (RFC 8247 §3.2 wants 2048; 1024 is Libreswan's hard floor). */
export const MIN_RSA_BITS = 1024;

const CURVE_BY_COORD: Record<number, string> = { 32: 'P-256', 48: 'P-384', 66: 'P-521' };

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** The CKAID of a public or private RSA / EC key (hex). */
export function ckaidOf(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  let material: Buffer;
  if (jwk.kty === 'RSA' && jwk.n !== undefined) material = Buffer.from(jwk.n, 'base64url');
  else if (jwk.kty === 'EC' && jwk.x !== undefined && jwk.y !== undefined) {
    material = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  } else throw new PublicKeyError(`keys of type ${jwk.kty ?? '?'} have no CKAID here`);
  return createHash('sha1').update(material).digest('hex');
}

/** The kind of an OpenSSL key object, or null when it is neither RSA nor EC. */
export function keyKind(key: KeyObject): PublicKeyKind | null {
  const t = key.asymmetricKeyType;
  return t === 'rsa' || t === 'rsa-pss' ? 'rsa' : t === 'ec' ? 'ecdsa' : null;
}

function info(key: KeyObject, what: string): PublicKeyInfo {
  const kind = keyKind(key);
  if (kind === null) throw new PublicKeyError(`${what} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not RSA or ECDSA`);
  if (kind === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new PublicKeyError(`${what} is a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
  }
  return { kind, key, ckaid: ckaidOf(key) };
}

/** RFC 3110 §2: 1 octet exponent length (or 0 and 2 octets), the exponent, then the modulus. */
export function rsaFromRfc3110(bytes: Uint8Array): KeyObject {
  if (bytes.length < 3) throw new PublicKeyError('RFC 3110 key is too short');
  let elen = bytes[0]!;
  let off = 1;
  if (elen === 0) {
    elen = (bytes[1]! << 8) | bytes[2]!;
    off = 3;
  }
  if (elen === 0 || off + elen >= bytes.length) throw new PublicKeyError('RFC 3110 key: the exponent length leaves no modulus');
  const e = stripZeros(bytes.subarray(off, off + elen));
  const n = stripZeros(bytes.subarray(off + elen));
  if ((e[e.length - 1]! & 1) === 0 || (n[n.length - 1]! & 1) === 0) throw new PublicKeyError('RFC 3110 key: exponent and modulus must be odd');
  try {
    return createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' });
  } catch {
    throw new PublicKeyError('RFC 3110 key is not a valid RSA key');
  }
}

/** The RFC 3110 bytes of an RSA public key (what Libreswan's showhostkey prints after 0s). */
export function rfc3110Of(key: KeyObject): Buffer {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || jwk.n === undefined || jwk.e === undefined) throw new PublicKeyError('not an RSA key');
  const e = Buffer.from(jwk.e, 'base64url');
  const n = Buffer.from(jwk.n, 'base64url');
  const head = e.length < 256 ? Buffer.from([e.length]) : Buffer.from([0, e.length >> 8, e.length & 0xff]);
  return Buffer.concat([head, e, n]);
}

/** 04 | x | y, or x | y alone, of a NIST curve. */
function ecFromPoint(bytes: Uint8Array): KeyObject | null {
  let body = bytes;
  if (bytes.length % 2 === 1) {
    if (bytes[0] !== 4) return null;
    body = bytes.subarray(1);
  }
  const coord = body.length / 2;
  const crv = CURVE_BY_COORD[coord];
  if (crv === undefined) return null;
  try {
    return createPublicKey({ key: { kty: 'EC', crv, x: b64url(body.subarray(0, coord)), y: b64url(body.subarray(coord)) }, format: 'jwk' });
  } catch {
    throw new PublicKeyError(`the ${crv} point is not on the curve`);
  }
}

function fromDer(bytes: Uint8Array): KeyObject | null {
  if (bytes[0] !== 0x30) return null;
  try {
    return createPublicKey({ key: Buffer.from(bytes), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

function fromPemFile(file: string): KeyObject {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (e) {
    throw new PublicKeyError(`cannot read public key file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new PublicKeyError(`${file} holds a private key; give the public key (openssl pkey -pubout) here, the private one in ipsec.secrets`);
  }
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) throw new PublicKeyError(`${file} holds no PEM public key (BEGIN PUBLIC KEY)`);
  try {
    return createPublicKey({ key: text, format: 'pem' });
  } catch {
    throw new PublicKeyError(`${file} holds a PEM public key that OpenSSL cannot read`);
  }
}

/**
 * Parses a leftrsasigkey= / leftecdsakey= value. Returns null for %none, 'cert' for %cert; throws
 * PublicKeyError saying what is wrong (never the key itself: it is public, but long).
 */
export function parsePublicKey(text: string, keyword: 'rsasigkey' | 'ecdsakey' | 'pubkey', baseDir: string): PublicKeyInfo | 'cert' | null {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (t === '' || lower === '%none') return null;
  if (lower === '%cert') return 'cert';
  if (lower.startsWith('%dns')) throw new PublicKeyError(`${t}: keys from DNS are not supported; give the key itself (0s...) or a PEM file`);
  if (lower.startsWith('0s') || lower.startsWith('0x')) {
    let bytes: Buffer;
    try {
      bytes = decodeSecretData(t);
    } catch (e) {
      if (e instanceof SecretDataError) throw new PublicKeyError(e.message);
      throw e;
    }
    const der = fromDer(bytes);
    if (der !== null) return info(der, 'the SubjectPublicKeyInfo');
    if (keyword === 'ecdsakey') {
      const ec = ecFromPoint(bytes);
      if (ec === null) throw new PublicKeyError('neither a SubjectPublicKeyInfo nor an EC point of P-256, P-384 or P-521');
      return info(ec, 'the EC point');
    }
    try {
      return info(rsaFromRfc3110(bytes), 'the RFC 3110 key');
    } catch (e) {
      // leftpubkey= (and, leniently, leftrsasigkey=) may hold an EC point, as Libreswan's showhostkey --pubkey prints for ECDSA.
      const ec = ecFromPoint(bytes);
      if (ec !== null) return info(ec, 'the EC point');
      throw e;
    }
  }
  if (t.startsWith('%')) throw new PublicKeyError(`${t} is not a key (expected 0s..., 0x..., a PEM file, %none or %cert)`);
  const bare = bareSpki(t);
  if (bare !== null) return info(bare, 'the SubjectPublicKeyInfo');
  return info(fromPemFile(path.isAbsolute(t) ? t : path.resolve(baseDir, t)), `the key in ${t}`);
}

/** Base64 of a DER SubjectPublicKeyInfo without the 0s prefix (leftpubkey=MIIB...), else null. */
function bareSpki(t: string): KeyObject | null {
  if (!t.startsWith('M') || t.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return null;
  return fromDer(Buffer.from(t, 'base64'));
}

/** True when the value names a file (relative ones must travel to the daemon made absolute). */
export function isKeyFileValue(text: string): boolean {
  const t = text.trim();
  return t !== '' && !t.startsWith('%') && !/^0[sx]/i.test(t) && bareSpki(t) === null;
}
