// Who authenticates how (Libreswan 4 semantics): leftauth=/rightauth= when set, else authby= for both.
// authby=rsasig: RSA, RFC 7427 with SHA2 or method 1 (SHA-1); rsa-sha1: method 1 only; rsa-sha2: RFC 7427
// RSA with SHA2-256/384/512; rsa-sha2_N: that hash only; ecdsa / ecdsa-sha2: ECDSA (RFC 7427, or methods
// 9-11 with a peer that does not announce hashes); ecdsa-sha2_N: that hash only; secret: PSK; null: NULL.
import type { ConnectionConfig, EndConfig } from '../config/model';
import { localEnd, remoteEnd } from './connection';
import { HashAlgorithm } from './constants';

export interface AuthPolicy {
  psk: boolean;
  null: boolean;
  /** RSA method 1 (PKCS#1 v1.5 with SHA-1). */
  rsaSha1: boolean;
  /** RFC 7427 hashes allowed with RSA, strongest first; empty: no RSA digital signatures. */
  rsaHashes: number[];
  /** RFC 7427 hashes allowed with ECDSA, strongest first; empty: no ECDSA. */
  ecdsaHashes: number[];
  /** The words it came from, for status ("rsasig+ecdsa"). */
  words: string[];
}

const SHA2 = [HashAlgorithm.SHA2_512, HashAlgorithm.SHA2_384, HashAlgorithm.SHA2_256];
const BY_SUFFIX: Record<string, number> = { '256': HashAlgorithm.SHA2_256, '384': HashAlgorithm.SHA2_384, '512': HashAlgorithm.SHA2_512 };

function addHashes(list: number[], add: readonly number[]): void {
  for (const h of add) if (!list.includes(h)) list.push(h);
  list.sort((a, b) => b - a);
}

export function policyFromWords(words: readonly string[]): AuthPolicy {
  const p: AuthPolicy = { psk: false, null: false, rsaSha1: false, rsaHashes: [], ecdsaHashes: [], words: [...words] };
  for (const w of words) {
    const m = /^(rsa|ecdsa)-sha2_(256|384|512)$/.exec(w);
    if (m !== null) addHashes(m[1] === 'rsa' ? p.rsaHashes : p.ecdsaHashes, [BY_SUFFIX[m[2]!]!]);
    else if (w === 'secret') p.psk = true;
    else if (w === 'null') p.null = true;
    else if (w === 'rsasig' || w === 'rsa') {
      p.rsaSha1 = true;
      addHashes(p.rsaHashes, SHA2);
    } else if (w === 'rsa-sha1') p.rsaSha1 = true;
    else if (w === 'rsa-sha2') addHashes(p.rsaHashes, SHA2);
    else if (w === 'ecdsa' || w === 'ecdsa-sha2') addHashes(p.ecdsaHashes, SHA2);
    // never, eaponly: nothing is accepted.
  }
  return p;
}

function endPolicy(conn: ConnectionConfig, end: EndConfig): AuthPolicy {
  return policyFromWords(end.auth !== undefined ? [end.auth] : conn.authby);
}

/** How we authenticate to the peer. */
export function localPolicy(conn: ConnectionConfig): AuthPolicy {
  return endPolicy(conn, localEnd(conn));
}

/** How the peer must authenticate to us. */
export function remotePolicy(conn: ConnectionConfig): AuthPolicy {
  return endPolicy(conn, remoteEnd(conn));
}

export function allowsSignatures(p: AuthPolicy): boolean {
  return p.rsaSha1 || p.rsaHashes.length > 0 || p.ecdsaHashes.length > 0;
}

/** Libreswan's status word for a policy: "rsasig", "ecdsa", "secret", "rsasig+ecdsa"... */
export function policyText(p: AuthPolicy): string {
  return p.words.length > 0 ? p.words.join('+') : 'never';
}
