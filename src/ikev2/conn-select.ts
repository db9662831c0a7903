// Which connection a responder uses. IKE_SA_INIT only shows addresses, so the first pick is by host pair
// (our address, the peer's address or %any). At IKE_AUTH the peer's IDi, and the IDr it asks for, may
// point at a better connection for the same addresses, as Libreswan's refine_host_connection does: road
// warriors on right=%any told apart by rightid=, or one gateway with several leftid= identities.
import type { IkeId } from '../config/id';
import type { ConnectionConfig } from '../config/model';
import { endId, endSelectors, hostAddress, localEnd, remoteEnd } from './connection';
import { AuthMethod } from './constants';
import type { Endpoint } from './engine-api';
import type { IkeSa } from './ike-sa';
import { narrow, type Ts } from './traffic-selectors';

/** How well a connection's host pair fits the addresses: 2 exact peer address, 1 %any, 0 not at all. */
export function hostPairFit(conn: ConnectionConfig, local: Endpoint, remote: Endpoint): number {
  if (!conn.ikev2 || conn.local === undefined) return 0;
  const ours = hostAddress(localEnd(conn));
  if (ours !== undefined && ours !== local.address) return 0;
  const theirs = hostAddress(remoteEnd(conn));
  if (theirs === remote.address) return 2;
  const kind = remoteEnd(conn).host?.kind;
  return theirs === undefined && (kind === 'any' || kind === undefined) ? 1 : 0;
}

/** IKE_SA_INIT: the connection with an exact peer address, else the first %any one. */
export function connForAddresses(conns: Iterable<ConnectionConfig>, local: Endpoint, remote: Endpoint): ConnectionConfig | undefined {
  let fallback: ConnectionConfig | undefined;
  for (const conn of conns) {
    const fit = hostPairFit(conn, local, remote);
    if (fit === 2) return conn;
    if (fit === 1) fallback ??= conn;
  }
  return fallback;
}

/** What the peer's IKE_AUTH request says beyond its IDs: the selectors of the first Child SA, its AUTH method. */
export interface ProposedTs {
  /** TSi: its side; TSr: ours. */
  tsi: readonly Ts[];
  tsr: readonly Ts[];
  authMethod?: number;
}

/** The authby= words (or the peer end's auth=) an AUTH payload method fits. */
const AUTHBY_OF_METHOD: Record<number, readonly string[]> = {
  [AuthMethod.SHARED_KEY_MIC]: ['secret'],
  [AuthMethod.RSA_SIG]: ['rsasig'],
  [AuthMethod.ECDSA_SHA256_P256]: ['ecdsa'],
  [AuthMethod.ECDSA_SHA384_P384]: ['ecdsa'],
  [AuthMethod.ECDSA_SHA512_P521]: ['ecdsa'],
  [AuthMethod.DIGITAL_SIGNATURE]: ['rsasig', 'ecdsa'],
  [AuthMethod.NULL]: ['null'],
};

/** True when the conn lets the peer authenticate with this AUTH method (rightauth=, else authby=). */
export function authFits(conn: ConnectionConfig, method: number): boolean {
  const allowed = remoteEnd(conn).auth !== undefined ? [remoteEnd(conn).auth!] : conn.authby;
  return (AUTHBY_OF_METHOD[method] ?? []).some((w) => allowed.includes(w));
}

/** True when narrowing the peer's selectors to the conn's subnets leaves something on both sides. */
export function selectorsFit(conn: ConnectionConfig, ts: ProposedTs, local: Endpoint, remote: Endpoint): boolean {
  return narrow([...ts.tsi], endSelectors(remoteEnd(conn), remote.address)).length > 0
    && narrow([...ts.tsr], endSelectors(localEnd(conn), local.address)).length > 0;
}

/**
 * IKE_AUTH: among the connections that accept these addresses, those whose peer ID (rightid=, by default
 * the peer's address) matches IDi. Ranked, highest first: authby= admits the peer's AUTH method; our ID
 * matches the IDr asked for; the peer's ID
 * is exact rather than %any; the proposed traffic selectors fit the conn's subnets (Libreswan then also
 * switches on the selectors); the peer's address is exact rather than %any; on a tie the current
 * connection stays. Undefined: none matches (the caller answers AUTHENTICATION_FAILED).
 */
export function connForIds(
  conns: Iterable<ConnectionConfig>, current: ConnectionConfig, local: Endpoint, remote: Endpoint, peer: IkeId, wanted: IkeId | undefined,
  ts?: ProposedTs,
): ConnectionConfig | undefined {
  let best: ConnectionConfig | undefined;
  let bestScore = -1;
  for (const conn of conns) {
    const fit = hostPairFit(conn, local, remote);
    if (fit === 0 && conn !== current) continue;
    const theirs = endId(remoteEnd(conn), remote.address, true);
    if (!theirs.equals(peer)) continue;
    // Libreswan drops a conn whose authby= does not fit; ranked first here instead, so that a conn chosen
    // by its IDs alone still gets to check the AUTH payload itself and refuse with a reason.
    const authScore = ts?.authMethod === undefined || authFits(conn, ts.authMethod) ? 64 : 0;
    const wantedScore = wanted === undefined || endId(localEnd(conn), local.address).equals(wanted) ? 32 : 0;
    const idScore = theirs.isAny() ? 0 : 16;
    const tsScore = ts !== undefined && selectorsFit(conn, ts, local, remote) ? 8 : 0;
    const score = authScore + wantedScore + idScore + tsScore + 2 * fit + (conn === current ? 1 : 0);
    if (score > bestScore) {
      best = conn;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Moves a responder's IKE SA to the connection its peer's IDs select (Libreswan logs the move as
 * `switched from "a" to "b"`); false when no connection accepts that peer ID.
 */
export function switchResponderConn(sa: IkeSa, peer: IkeId, wanted: IkeId | undefined, ts?: ProposedTs): boolean {
  const conn = sa.ctx.responderConn(sa, peer, wanted, ts);
  if (conn === undefined) return false;
  if (conn !== sa.conn) {
    sa.log(`switched from "${sa.conn.name}" to "${conn.name}"`);
    sa.conn = conn;
  }
  return true;
}
