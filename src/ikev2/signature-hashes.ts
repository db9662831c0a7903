// SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4): each end lists, in IKE_SA_INIT, the hashes it can verify
// (2 octets each); a signer picks one the verifier listed. We verify SHA2-256, SHA2-384 and SHA2-512, and
// announce those our policies allow (none, and no notify, for authby=secret or rsa-sha1 alone).
import type { ConnectionConfig } from '../config/model';
import { localPolicy, remotePolicy } from './auth-policy';
import { HashAlgorithm, NotifyStatus } from './constants';
import type { NotifyPayload } from './codec';
import { notify, u16 } from './messages';

export const OUR_SIGNATURE_HASHES: readonly number[] = [HashAlgorithm.SHA2_256, HashAlgorithm.SHA2_384, HashAlgorithm.SHA2_512];

/** The hashes a conn's policies (ours and the peer's) allow in RFC 7427 signatures, ascending. */
export function signatureHashesOf(conn: ConnectionConfig): number[] {
  const set = new Set<number>();
  for (const p of [localPolicy(conn), remotePolicy(conn)]) for (const h of [...p.rsaHashes, ...p.ecdsaHashes]) set.add(h);
  return OUR_SIGNATURE_HASHES.filter((h) => set.has(h));
}

export function hashNotify(hashes: readonly number[] = OUR_SIGNATURE_HASHES): NotifyPayload {
  return notify(NotifyStatus.SIGNATURE_HASH_ALGORITHMS, new Uint8Array(hashes.flatMap((h) => [...u16(h)])));
}

/** The peer's list; null when the data is not a whole number of 2-octet values (the notify is ignored). */
export function parseHashNotify(data: Uint8Array): number[] | null {
  if (data.length === 0 || data.length % 2 !== 0) return null;
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 2) out.push((data[i]! << 8) | data[i + 1]!);
  return out;
}

/**
 * The hashes we may sign with: those allowed by our policy (in its order of preference) that the peer
 * announced; `prefer` (e.g. the hash that matches an ECDSA curve) goes first when both allow it.
 */
export function usableHashes(allowed: readonly number[], peer: readonly number[] | undefined, prefer?: number): number[] {
  if (peer === undefined) return [];
  const common = allowed.filter((h) => peer.includes(h));
  if (prefer !== undefined && common.includes(prefer)) return [prefer, ...common.filter((h) => h !== prefer)];
  return common;
}
