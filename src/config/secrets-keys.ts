// RSA and ECDSA entries of ipsec.secrets. Libreswan 4 keeps private keys in its NSS database and its
// `: RSA { ... }` entries only name them (CKAIDNSS); swanlet has no NSS database, so it reads:
//   : RSA { Modulus ... Coefficient ... }   with every private field present (the old full format)
//   : RSA "key.pem"  /  : ECDSA "key.pem"   a PEM (PKCS#8, PKCS#1 or SEC1) file, unencrypted
// and refuses the rest with a message saying what to write instead. Keys become OpenSSL KeyObjects.
import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';

import { decodeSecretData, SecretDataError } from './secrets-data';
import type { SecretsToken } from './secrets-lexer';

export class KeyEntryError extends Error {}

const RSA_FIELDS = ['Modulus', 'PublicExponent', 'PrivateExponent', 'Prime1', 'Prime2', 'Exponent1', 'Exponent2', 'Coefficient'] as const;
type RsaField = (typeof RSA_FIELDS)[number];
const JWK_NAMES: Record<RsaField, string> = {
  Modulus: 'n', PublicExponent: 'e', PrivateExponent: 'd', Prime1: 'p', Prime2: 'q', Exponent1: 'dp', Exponent2: 'dq', Coefficient: 'qi',
};

const b64url = (b: Buffer): string => {
  let start = 0;
  while (start < b.length - 1 && b[start] === 0) start++; // JWK integers carry no leading zeros
  return b.subarray(start).toString('base64url');
};

/** Parses the tokens between '{' and '}' of an RSA entry. `tokens[0]` is '{'. */
export function rsaFromBraces(tokens: readonly SecretsToken[]): { key: KeyObject; used: number } {
  const fields = new Map<string, Buffer>();
  let i = 1;
  for (;;) {
    const t = tokens[i];
    if (t === undefined) throw new KeyEntryError("RSA key has no closing '}'");
    if (!t.quoted && t.text === '}') break;
    const name = [...RSA_FIELDS, 'CKAIDNSS'].find((f) => f.toLowerCase() === t.text.replace(/:$/, '').toLowerCase());
    if (name === undefined || t.quoted) throw new KeyEntryError(`RSA keyword on line ${t.line} is not one of ${[...RSA_FIELDS, 'CKAIDNSS'].join(', ')}`);
    i++;
    if (tokens[i] !== undefined && !tokens[i].quoted && tokens[i].text === ':') i++;
    const v = tokens[i];
    if (v === undefined || (!v.quoted && v.text === '}')) throw new KeyEntryError(`RSA field ${name} has no value`);
    try {
      fields.set(name, decodeSecretData(v.text));
    } catch (err) {
      if (err instanceof SecretDataError) throw new KeyEntryError(`RSA field ${name} is malformed: ${err.message}`);
      throw err;
    }
    i++;
  }
  const missing = RSA_FIELDS.filter((f) => !fields.has(f));
  if (missing.length > 0) {
    if (fields.has('CKAIDNSS')) {
      throw new KeyEntryError('RSA entry names a key in an NSS database (CKAIDNSS), which swanlet does not use: '
        + 'give the private key as a PEM file instead, e.g. : RSA "/etc/ipsec.d/private/host.pem"');
    }
    throw new KeyEntryError(`RSA entry lacks ${missing.join(', ')}`);
  }
  const jwk: Record<string, string> = { kty: 'RSA' };
  for (const f of RSA_FIELDS) {
    const v = fields.get(f);
    if (v !== undefined) jwk[JWK_NAMES[f]] = b64url(v);
  }
  try {
    const key = createPrivateKey({ key: jwk, format: 'jwk' });
    // OpenSSL imports inconsistent numbers without complaint; a signature that verifies proves the key.
    const probe = Buffer.from('swanlet ipsec.secrets RSA key check');
    if (!verify('sha256', probe, createPublicKey(key), sign('sha256', probe, key))) throw new Error('inconsistent');
    return { key, used: i + 1 };
  } catch {
    throw new KeyEntryError('RSA fields do not form a valid private key');
  } finally {
    for (const v of fields.values()) v.fill(0);
  }
}

/** Loads a PEM private key of the expected type; `contents` is wiped afterwards. */
export function keyFromPem(contents: Buffer, expected: 'rsa' | 'ecdsa', fileName: string): KeyObject {
  try {
    // Searched as bytes: a string copy of the key could not be wiped.
    if (contents.includes('BEGIN ENCRYPTED PRIVATE KEY') || contents.includes('Proc-Type: 4,ENCRYPTED')) {
      throw new KeyEntryError(`${fileName} holds an encrypted private key; swanlet reads unencrypted keys only (decrypt it with openssl pkey)`);
    }
    const header = contents.indexOf('PRIVATE KEY-----');
    if (header < 0 || contents.lastIndexOf('-----BEGIN ', header) < 0) {
      throw new KeyEntryError(`${fileName} does not hold a PEM private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)`);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: contents, format: 'pem' });
    } catch {
      throw new KeyEntryError(`${fileName} holds a PEM private key that OpenSSL cannot read`);
    }
    const type = key.asymmetricKeyType;
    const ok = expected === 'rsa' ? type === 'rsa' || type === 'rsa-pss' : type === 'ec';
    if (!ok) throw new KeyEntryError(`${fileName} holds a ${type ?? 'non-asymmetric'} key, not ${expected === 'rsa' ? 'RSA' : 'ECDSA'}`);
    return key;
  } finally {
    contents.fill(0);
  }
}
