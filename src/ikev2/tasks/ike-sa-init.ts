// IKE_SA_INIT (RFC 7296 §1.2): SA, KE, Nonce, NAT_DETECTION_*_IP (§2.23), IKEV2_FRAGMENTATION_SUPPORTED
// (RFC 7383), SIGNATURE_HASH_ALGORITHMS (RFC 7427); the initiator's retries after COOKIE (§2.6) and
// INVALID_KE_PAYLOAD (§1.3), the responder's stateless answers and its half-open SA.
import { parseIkeProposals } from '../../config/algorithms';
import { computeSharedAsync, generateDhKeyPairAsync, isDhGroupId, type DhKeyPair } from '../../native/dh';
import type { IkeHeader, IkeHeaderInit, Payload, Proposal } from '../codec';
import { serializeMessage, unsupportedCriticalTypes } from '../codec';
import { CookieJar } from '../cookie';
import {
  ExchangeType, HashAlgorithm, NotifyError, NotifyStatus, PayloadType, ProtocolId, TransformType, notifyTypeName,
} from '../constants';
import type { Datagram, EngineDeps } from '../engine-api';
import { IkeSa, IkeState, type IkeContext } from '../ike-sa';
import { deriveIkeSaKeys } from '../keymat';
import { first, firstErrorNotify, hasNotify, notifies, notify, readU16, u16 } from '../messages';
import { detectNat, natHash } from '../nat';
import { NAT_T_PORT } from '../connection';
import { checkChosenProposal, negotiated, offeredGroups, selectProposal, toSaProposals } from '../proposals';
import type { ConnectionConfig } from '../../config/model';
import { dispatchRequests } from './dispatch';
import { startAuth } from './ike-auth';

const NONCE_LENGTH = 32;
const MAX_INIT_RETRIES = 4;
const ZERO_SPI = new Uint8Array(8);

export function ikeProposalsOf(conn: ConnectionConfig): Proposal[] {
  return toSaProposals(parseIkeProposals(conn.ike), ProtocolId.IKE, new Uint8Array(0));
}

function dhGroupOf(group: number): DhKeyPair['group'] {
  if (!isDhGroupId(group)) throw new Error(`DH group ${group} is not implemented`);
  return group;
}

/** The NAT_DETECTION pair for a message with these SPIs; encapsulation=yes fakes our source (Libreswan). */
function natNotifies(sa: IkeSa, spiR: Uint8Array): Payload[] {
  if (sa.encapsulation === 'no') return [];
  const source = sa.encapsulation === 'yes' ? sa.deps.random(20) : natHash(sa.spiI, spiR, sa.local);
  return [
    notify(NotifyStatus.NAT_DETECTION_SOURCE_IP, new Uint8Array(source)),
    notify(NotifyStatus.NAT_DETECTION_DESTINATION_IP, natHash(sa.spiI, spiR, sa.remote)),
  ];
}

function capabilityNotifies(sa: IkeSa): Payload[] {
  const out: Payload[] = [];
  if (sa.conn.fragmentation !== 'no') out.push(notify(NotifyStatus.IKEV2_FRAGMENTATION_SUPPORTED));
  const hashes = [HashAlgorithm.SHA2_256, HashAlgorithm.SHA2_384, HashAlgorithm.SHA2_512, HashAlgorithm.IDENTITY];
  out.push(notify(NotifyStatus.SIGNATURE_HASH_ALGORITHMS, new Uint8Array(hashes.flatMap((h) => [...u16(h)]))));
  return out;
}

function applyNat(sa: IkeSa, payloads: Payload[], spiI: Uint8Array, spiR: Uint8Array, dg: Datagram): void {
  const src = notifies(payloads, NotifyStatus.NAT_DETECTION_SOURCE_IP).map((n) => n.data);
  const dst = notifies(payloads, NotifyStatus.NAT_DETECTION_DESTINATION_IP).map((n) => n.data);
  const nat = detectNat(spiI, spiR, src, dst, dg.local, dg.remote);
  sa.remoteBehindNat = nat?.remoteBehindNat ?? false;
  // encapsulation=yes: behave as if we were behind a NAT (the peer sees our fake hash and does the same).
  sa.localBehindNat = (nat?.localBehindNat ?? false) || (nat !== null && sa.encapsulation === 'yes');
  if (sa.natDetected) sa.log(`NAT detected (${sa.localBehindNat ? 'this end' : ''}${sa.localBehindNat && sa.remoteBehindNat ? ' and ' : ''}${sa.remoteBehindNat ? 'the peer' : ''})`);
}

// ---------------------------------------------------------------------------------------- initiator

/** Sends the first IKE_SA_INIT request: KE for the first group of our first proposal. */
export async function startInitiator(sa: IkeSa): Promise<void> {
  sa.ikeProposals = ikeProposalsOf(sa.conn);
  sa.onRequest(dispatchRequests(sa));
  const group = offeredGroups(sa.ikeProposals)[0];
  if (group === undefined) throw new Error('ike= offers no DH group');
  sa.dh = await generateDhKeyPairAsync(dhGroupOf(group));
  if (sa.state !== IkeState.PARENT_I1) return;
  sa.ni = new Uint8Array(sa.deps.random(NONCE_LENGTH));
  sendInit(sa);
}

function initPayloads(sa: IkeSa): Payload[] {
  const dh = sa.dh!;
  const payloads: Payload[] = [];
  if (sa.cookie !== undefined) payloads.push(notify(NotifyStatus.COOKIE, sa.cookie)); // §2.6: first
  payloads.push(
    { type: PayloadType.SA, proposals: sa.ikeProposals },
    { type: PayloadType.KE, group: dh.group, data: new Uint8Array(dh.publicKey) },
    { type: PayloadType.NONCE, nonce: sa.ni },
    ...natNotifies(sa, ZERO_SPI),
    ...capabilityNotifies(sa),
  );
  return payloads;
}

function sendInit(sa: IkeSa): void {
  sa.resendInit(initPayloads(sa), (payloads, header, dg) => onInitResponse(sa, payloads, header, dg));
}

async function onInitResponse(sa: IkeSa, payloads: Payload[], header: IkeHeader, dg: Datagram): Promise<void> {
  if (sa.state !== IkeState.PARENT_I1) return;
  const cookie = notifies(payloads, NotifyStatus.COOKIE)[0];
  if (cookie !== undefined) {
    if (++sa.initRetries > MAX_INIT_RETRIES) throw new Error('too many COOKIE / INVALID_KE_PAYLOAD rounds');
    sa.log('responder is busy: retrying IKE_SA_INIT with its COOKIE');
    sa.cookie = new Uint8Array(cookie.data);
    sendInit(sa);
    return;
  }
  const invalidKe = notifies(payloads, NotifyError.INVALID_KE_PAYLOAD)[0];
  if (invalidKe !== undefined) {
    const group = readU16(invalidKe.data);
    if (group === null || !offeredGroups(sa.ikeProposals).includes(group) || group === sa.dh?.group) {
      throw new Error(`INVALID_KE_PAYLOAD asks for group ${String(group)}, which we did not offer`);
    }
    if (++sa.initRetries > MAX_INIT_RETRIES) throw new Error('too many COOKIE / INVALID_KE_PAYLOAD rounds');
    sa.log(`responder wants DH group ${group}: retrying IKE_SA_INIT`);
    sa.dh?.wipe();
    sa.dh = await generateDhKeyPairAsync(dhGroupOf(group));
    if (sa.state !== IkeState.PARENT_I1) return;
    sendInit(sa);
    return;
  }
  const error = firstErrorNotify(payloads);
  if (error !== undefined) throw new Error(`IKE_SA_INIT refused: ${notifyTypeName(error.notifyType)}`);
  const saPayload = first(payloads, PayloadType.SA);
  const ke = first(payloads, PayloadType.KE);
  const nonce = first(payloads, PayloadType.NONCE);
  if (saPayload === undefined || ke === undefined || nonce === undefined) throw new Error('IKE_SA_INIT response lacks SA, KE or Nonce');
  const problem = checkChosenProposal(saPayload.proposals, sa.ikeProposals);
  if (problem !== null) throw new Error(`IKE_SA_INIT response: ${problem}`);
  const alg = negotiated(saPayload.proposals[0]!);
  if (alg.dh !== ke.group || ke.group !== sa.dh?.group) throw new Error(`IKE_SA_INIT response: KE group ${ke.group} is not the chosen ${alg.dh}`);
  sa.alg = alg;
  sa.spiR = new Uint8Array(header.responderSpi);
  sa.nr = new Uint8Array(nonce.nonce);
  sa.initResponse = new Uint8Array(dg.data);
  sa.peerFragmentation = hasNotify(payloads, NotifyStatus.IKEV2_FRAGMENTATION_SUPPORTED);
  applyNat(sa, payloads, sa.spiI, sa.spiR, dg);
  const dh = sa.dh;
  const gir = await computeSharedAsync(dh, ke.data);
  if (sa.state !== IkeState.PARENT_I1) {
    gir.wipe();
    return;
  }
  sa.keys = deriveIkeSaKeys(alg, sa.ni, sa.nr, gir, sa.spiI, sa.spiR, true);
  gir.wipe();
  dh.wipe();
  sa.setNextRequestId(1);
  // §2.23: after IKE_SA_INIT, behind a NAT (or with encapsulation=yes), IKE moves to port 4500.
  if ((sa.natDetected || sa.encapsulation === 'yes') && sa.remote.port !== NAT_T_PORT) {
    sa.local = { address: sa.local.address, port: sa.localNattPort };
    sa.remote = { address: sa.remote.address, port: NAT_T_PORT };
  }
  await startAuth(sa);
}

// ---------------------------------------------------------------------------------------- responder

export interface InitResponderEnv {
  ctx: IkeContext;
  cookies: CookieJar;
  /** forceBusy, or more half-open SAs than ddosIkeThreshold. */
  busy: boolean;
  /** Files the new SA (by SPI, and as half-open for duplicate requests) before any await. */
  register(sa: IkeSa): void;
}

/** An IKE_SA_INIT error response without state (responder SPI zero). */
export function sendStateless(deps: EngineDeps, dg: Datagram, request: IkeHeader, payloads: Payload[]): void {
  const header: IkeHeaderInit = {
    initiatorSpi: request.initiatorSpi, responderSpi: ZERO_SPI, exchangeType: ExchangeType.IKE_SA_INIT, messageId: request.messageId,
    initiator: false, response: true,
  };
  deps.transport.send(serializeMessage({ header, payloads }), dg.local, dg.remote);
}

/**
 * Chooses a proposal preferring one whose DH is the group of the initiator's KE (saving a round trip),
 * else the first acceptable one (whose group then goes back in INVALID_KE_PAYLOAD).
 */
function chooseIke(offered: readonly Proposal[], ours: readonly Proposal[], keGroup: number): Proposal | null {
  const withKe = offered
    .filter((p) => p.transforms.some((t) => t.type === TransformType.DH && t.id === keGroup))
    .map((p) => ({ ...p, transforms: p.transforms.filter((t) => t.type !== TransformType.DH || t.id === keGroup) }));
  return selectProposal(withKe, ours) ?? selectProposal(offered, ours);
}

/** Answers an IKE_SA_INIT request; returns the new half-open SA, or null after a stateless answer. */
export async function respondToInit(env: InitResponderEnv, conn: ConnectionConfig, dg: Datagram, header: IkeHeader, payloads: Payload[]): Promise<IkeSa | null> {
  const { deps } = env.ctx;
  const critical = unsupportedCriticalTypes(payloads);
  if (critical.length > 0) {
    sendStateless(deps, dg, header, [notify(NotifyError.UNSUPPORTED_CRITICAL_PAYLOAD, new Uint8Array([critical[0]!]))]);
    return null;
  }
  const saPayload = first(payloads, PayloadType.SA);
  const ke = first(payloads, PayloadType.KE);
  const nonce = first(payloads, PayloadType.NONCE);
  if (saPayload === undefined || ke === undefined || nonce === undefined) {
    sendStateless(deps, dg, header, [notify(NotifyError.INVALID_SYNTAX)]);
    return null;
  }
  if (env.busy) {
    const cookie = payloads[0]?.type === PayloadType.N && payloads[0].notifyType === NotifyStatus.COOKIE ? payloads[0].data : undefined;
    if (cookie === undefined || !env.cookies.verify(cookie, nonce.nonce, dg.remote.address, header.initiatorSpi)) {
      sendStateless(deps, dg, header, [notify(NotifyStatus.COOKIE, env.cookies.make(nonce.nonce, dg.remote.address, header.initiatorSpi))]);
      return null;
    }
  }
  const chosen = chooseIke(saPayload.proposals, ikeProposalsOf(conn), ke.group);
  if (chosen === null) {
    deps.logger.info(`"${conn.name}": IKE_SA_INIT from ${dg.remote.address}: no proposal chosen`);
    sendStateless(deps, dg, header, [notify(NotifyError.NO_PROPOSAL_CHOSEN)]);
    return null;
  }
  const alg = negotiated(chosen);
  if (alg.dh !== ke.group) {
    sendStateless(deps, dg, header, [notify(NotifyError.INVALID_KE_PAYLOAD, u16(alg.dh))]);
    return null;
  }
  const sa = new IkeSa(env.ctx, conn, false, new Uint8Array(header.initiatorSpi), { ...dg.local }, { ...dg.remote });
  sa.spiR = new Uint8Array(deps.random(8));
  sa.alg = alg;
  sa.ni = new Uint8Array(nonce.nonce);
  sa.initRequest = new Uint8Array(dg.data);
  sa.peerFragmentation = hasNotify(payloads, NotifyStatus.IKEV2_FRAGMENTATION_SUPPORTED);
  sa.onRequest(dispatchRequests(sa));
  sa.setDeadline(conn.retransmitTimeout * 1000, 'half-open IKE SA timed out');
  env.register(sa);
  applyNat(sa, payloads, sa.spiI, ZERO_SPI, dg);
  sa.dh = await generateDhKeyPairAsync(dhGroupOf(alg.dh));
  if (sa.state !== IkeState.PARENT_R1) return null;
  sa.nr = new Uint8Array(deps.random(NONCE_LENGTH));
  const response: Payload[] = [
    { type: PayloadType.SA, proposals: [chosen] },
    { type: PayloadType.KE, group: sa.dh.group, data: new Uint8Array(sa.dh.publicKey) },
    { type: PayloadType.NONCE, nonce: sa.nr },
    ...natNotifies(sa, sa.spiR),
    ...capabilityNotifies(sa).filter((n) => n.type !== PayloadType.N || n.notifyType !== NotifyStatus.IKEV2_FRAGMENTATION_SUPPORTED || sa.peerFragmentation),
  ];
  const gir = await computeSharedAsync(sa.dh, ke.data);
  if (sa.state !== IkeState.PARENT_R1) {
    gir.wipe();
    return null;
  }
  // Keys first, then the response: the IKE_AUTH that the response triggers finds them ready.
  sa.keys = deriveIkeSaKeys(alg, sa.ni, sa.nr, gir, sa.spiI, sa.spiR, false);
  gir.wipe();
  sa.respond(header, response);
  sa.dh.wipe();
  return sa;
}

