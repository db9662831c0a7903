// The AUTH payload of each end (RFC 7296 §2.15, RFC 7427): ours made with the method our policy and keys
// allow (a signature when we hold a private key of an allowed type, else the PSK), the peer's checked
// against its policy, its configured public key or the PSK. The signed octets are the same for all.
import type { KeyObject } from 'node:crypto';

import type { AuthPayload } from './codec';
import { allowsSignatures, localPolicy, remotePolicy, type AuthPolicy } from './auth-policy';
import { authEquals, pskAuth } from './auth';
import { localEnd, remoteEnd } from './connection';
import { AuthMethod, authMethodName } from './constants';
import type { IkeSa } from './ike-sa';
import { describeScheme, fixedEcdsaMethod, fixedScheme, libreswanSignatureText, signAuth, SignatureError, verifyAuth, type SignatureScheme } from './signatures';
import { usableHashes } from './signature-hashes';

const PSK_TEXT = 'authby=secret';

export type AuthOutcome = { ok: true; payload: AuthPayload; description: string } | { ok: false; why: string };
/** `detail`: Libreswan's wording for a verified signature ("'3072-bit RSASSA-PSS with SHA2_512' digital signature"). */
export type VerifyOutcome = { ok: true; description: string; detail?: string } | { ok: false; why: string };

function kindsOf(p: AuthPolicy): ('rsa' | 'ecdsa')[] {
  const kinds: ('rsa' | 'ecdsa')[] = [];
  if (p.ecdsaHashes.length > 0) kinds.push('ecdsa');
  if (p.rsaSha1 || p.rsaHashes.length > 0) kinds.push('rsa');
  return kinds;
}

/** leftckaid=, else the CKAID of our own leftrsasigkey= / leftecdsakey=, else none. */
function ourCkaid(sa: IkeSa): string | undefined {
  const end = localEnd(sa.conn);
  if (end.ckaid !== undefined && end.ckaid !== '') return end.ckaid.toLowerCase().replace(/^0x/, '').replace(/[^0-9a-f]/g, '');
  const pk = end.publicKey;
  return pk !== undefined && pk !== 'cert' ? pk.ckaid : undefined;
}

function privateKey(sa: IkeSa, p: AuthPolicy): KeyObject | null {
  const find = sa.deps.secrets.findPrivateKey;
  if (find === undefined) return null;
  const ckaid = ourCkaid(sa);
  return find({ local: sa.localId!, remote: sa.remoteId!, kinds: kindsOf(p), ...(ckaid !== undefined ? { ckaid } : {}) });
}

/** Method and scheme for our key: RFC 7427 with a hash both allow, else the fixed-hash methods. */
function chooseSignature(key: KeyObject, p: AuthPolicy, peerHashes: number[] | undefined): { method: number; scheme?: SignatureScheme } | string {
  const type = key.asymmetricKeyType;
  if (type === 'rsa' || type === 'rsa-pss') {
    const hashes = usableHashes(p.rsaHashes, peerHashes);
    if (hashes.length > 0) return { method: AuthMethod.DIGITAL_SIGNATURE, scheme: { keyType: 'rsa', hash: hashes[0]!, padding: 'pss' } };
    if (p.rsaSha1) return { method: AuthMethod.RSA_SIG };
    return `the peer announced no hash our RSA policy allows (peer: ${peerHashes?.join(',') ?? 'none'})`;
  }
  if (type === 'ec') {
    const fixed = fixedEcdsaMethod(key.asymmetricKeyDetails?.namedCurve);
    const hashes = usableHashes(p.ecdsaHashes, peerHashes, fixed?.hash);
    if (hashes.length > 0) return { method: AuthMethod.DIGITAL_SIGNATURE, scheme: { keyType: 'ecdsa', hash: hashes[0]! } };
    if (fixed !== undefined && p.ecdsaHashes.includes(fixed.hash)) return { method: fixed.method };
    return `the peer announced no hash our ECDSA policy allows (peer: ${peerHashes?.join(',') ?? 'none'})`;
  }
  return `a ${type ?? '?'} key cannot sign IKE_AUTH`;
}

/** Our AUTH payload over `octets` (or why we cannot make one). */
export function makeOwnAuth(sa: IkeSa, octets: Uint8Array): AuthOutcome {
  const p = localPolicy(sa.conn);
  if (allowsSignatures(p)) {
    const key = privateKey(sa, p);
    if (key !== null) {
      const choice = chooseSignature(key, p, sa.peerSignatureHashes);
      if (typeof choice === 'string') {
        if (!p.psk) return { ok: false, why: choice };
      } else {
        try {
          const data = signAuth(key, choice.method, octets, choice.scheme);
          const s = choice.scheme ?? fixedScheme(choice.method, key)!;
          return { ok: true, payload: { type: 39, method: choice.method, data }, description: describeScheme(s) };
        } catch (e) {
          // SignatureError, or OpenSSL refusing the key (an rsa-pss key asked for PKCS#1 v1.5).
          return { ok: false, why: e instanceof SignatureError ? e.message : `signing failed: ${(e as Error).message}` };
        }
      }
    } else if (!p.psk) {
      const ck = ourCkaid(sa);
      return { ok: false, why: `no ${kindsOf(p).map((k) => k.toUpperCase()).join(' or ')} private key for ${sa.localId!.toString()}${ck !== undefined ? ` (CKAID ${ck})` : ''}` };
    }
  }
  if (!p.psk) return { ok: false, why: `our auth policy (${p.words.join(',') || 'never'}) allows no method we can use` };
  const psk = sa.deps.secrets.findPsk(sa.localId!, sa.remoteId!);
  if (psk === null) return { ok: false, why: `no PSK for ${sa.localId!.toString()} - ${sa.remoteId!.toString()}` };
  return { ok: true, payload: { type: 39, method: AuthMethod.SHARED_KEY_MIC, data: pskAuth(sa.keys!.prf, psk, octets) }, description: PSK_TEXT };
}

function allowedBy(p: AuthPolicy, s: SignatureScheme, method: number): boolean {
  if (method === AuthMethod.RSA_SIG) return p.rsaSha1;
  return (s.keyType === 'rsa' ? p.rsaHashes : p.ecdsaHashes).includes(s.hash);
}

/** Checks the peer's AUTH payload over `octets` against its policy and credentials. */
export function checkPeerAuth(sa: IkeSa, auth: AuthPayload, octets: Uint8Array): VerifyOutcome {
  const p = remotePolicy(sa.conn);
  const method = auth.method;
  if (method === AuthMethod.SHARED_KEY_MIC) {
    if (!p.psk) return { ok: false, why: `the peer used a PSK but its policy is ${p.words.join(',')}` };
    const psk = sa.deps.secrets.findPsk(sa.localId!, sa.remoteId!);
    if (psk === null) return { ok: false, why: `no PSK for ${sa.localId!.toString()} - ${sa.remoteId!.toString()}` };
    if (!authEquals(pskAuth(sa.keys!.prf, psk, octets), auth.data)) return { ok: false, why: 'the PSK AUTH does not verify' };
    return { ok: true, description: PSK_TEXT };
  }
  const name = authMethodName(method);
  if (method !== AuthMethod.RSA_SIG && method !== AuthMethod.DIGITAL_SIGNATURE && !(method >= 9 && method <= 11)) {
    return { ok: false, why: `auth method ${name} is not supported` };
  }
  if (!allowsSignatures(p)) return { ok: false, why: `the peer signed (${name}) but its policy is ${p.words.join(',')}` };
  const key = remoteEnd(sa.conn).publicKey;
  const side = remoteEnd(sa.conn).side;
  if (key === undefined) return { ok: false, why: `no public key for the peer (${side}rsasigkey= / ${side}pubkey= / ${side}ecdsakey=)` };
  if (key === 'cert') return { ok: false, why: `${side}rsasigkey=%cert: certificates are not supported; configure the peer's raw public key` };
  try {
    const scheme = verifyAuth(key.key, method, auth.data, octets);
    if (!allowedBy(p, scheme, method)) return { ok: false, why: `${describeScheme(scheme)} (${name}) is not allowed by the peer's policy ${p.words.join(',')}` };
    return { ok: true, description: describeScheme(scheme), detail: libreswanSignatureText(scheme, key.key, method) };
  } catch (e) {
    if (e instanceof SignatureError) return { ok: false, why: e.message };
    throw e;
  }
}
