// IKE_AUTH with PSK or signatures (RFC 7296 §1.2, §2.15; RFC 7427; authenticate.ts) and the first Child SA: IDs, AUTH, INITIAL_CONTACT, the ESP
// proposals (esp=), traffic selectors with the responder's narrowing (§2.9), error notifies both ways.
import { parseEspProposals } from '../../config/algorithms';
import { IkeId } from '../../config/id';
import type { IdPayload, IkeHeader, Payload } from '../codec';
import { signedOctets } from '../auth';
import { checkPeerAuth, makeOwnAuth } from '../authenticate';
import { ChildSa } from '../child-sa';
import { endId, endSelectors, hasExplicitId, localEnd, remoteEnd } from '../connection';
import {
  ExchangeType, NotifyError, NotifyStatus, PayloadType, ProtocolId, TransformType, notifyTypeName,
} from '../constants';
import { IkeState, type IkeSa } from '../ike-sa';
import { deriveChildKeys, type ChildKeys } from '../keymat';
import { first, firstErrorNotify, hasNotify, notify, readU32, u32 } from '../messages';
import { checkChosenProposal, negotiated, selectProposal, toSaProposals } from '../proposals';
import { narrow, tsFromPayload, tsToPayload, within, type Ts } from '../traffic-selectors';
import { switchResponderConn } from '../conn-select';
import { childRefusedByKernel, deleteRefusedChild } from './child-refusal';
import { startLiveness } from './informational';
import { scheduleIkeLifetime } from './rekey-ike';

function idPayload(type: 35 | 36, id: IkeId): IdPayload {
  return { type, idType: id.type ?? 0, data: new Uint8Array(id.encode()) };
}

function peerId(id: IdPayload): IkeId | null {
  try {
    return IkeId.fromPayload(id.idType, Buffer.from(id.data));
  } catch {
    return null;
  }
}

function espProposals(sa: IkeSa, spi: Uint8Array): ReturnType<typeof toSaProposals> {
  return toSaProposals(parseEspProposals(sa.conn.esp, { pfs: sa.conn.pfs }), ProtocolId.ESP, spi, false);
}

function markEstablished(sa: IkeSa): void {
  sa.state = IkeState.ESTABLISHED;
  sa.establishedAt = Math.floor(Date.now() / 1000);
  sa.log(`established IKE SA (${sa.info().algorithms}); authenticated using ${sa.peerAuth}`);
  sa.deps.events?.ikeUp?.(sa.info());
  startLiveness(sa);
  scheduleIkeLifetime(sa);
}

// ---------------------------------------------------------------------------------------- initiator

export async function startAuth(sa: IkeSa): Promise<void> {
  const conn = sa.conn;
  sa.localId = endId(localEnd(conn), sa.local.address);
  sa.remoteId = endId(remoteEnd(conn), sa.remote.address, true);
  const spiIn = await sa.deps.kernel.allocSpi(sa.remote.address, sa.local.address);
  if (sa.state !== IkeState.PARENT_I1) return;
  const transport = conn.type === 'transport';
  sa.pendingChild = {
    spiIn,
    proposals: espProposals(sa, u32(spiIn)),
    localTs: endSelectors(localEnd(conn), sa.local.address),
    remoteTs: endSelectors(remoteEnd(conn), sa.remote.address),
    transport,
  };
  const idi = idPayload(35, sa.localId);
  const keys = sa.keys!;
  const own = makeOwnAuth(sa, signedOctets(keys.prf, sa.initRequest!, sa.nr, keys.skPLocal, idi));
  if (!own.ok) throw new Error(`cannot authenticate: ${own.why}`);
  sa.localAuth = own.description;
  const payloads: Payload[] = [idi];
  if (conn.initialContact && !sa.ctx.hasPeerSa(sa)) payloads.push(notify(NotifyStatus.INITIAL_CONTACT));
  if (hasExplicitId(remoteEnd(conn))) payloads.push(idPayload(36, sa.remoteId));
  payloads.push(own.payload);
  if (transport) payloads.push(notify(NotifyStatus.USE_TRANSPORT_MODE));
  payloads.push(
    { type: PayloadType.SA, proposals: sa.pendingChild.proposals },
    { type: PayloadType.TSi, selectors: sa.pendingChild.localTs.map(tsToPayload) },
    { type: PayloadType.TSr, selectors: sa.pendingChild.remoteTs.map(tsToPayload) },
  );
  sa.state = IkeState.PARENT_I2;
  sa.sendRequest(ExchangeType.IKE_AUTH, payloads, (p) => onAuthResponse(sa, p));
}

async function onAuthResponse(sa: IkeSa, payloads: Payload[]): Promise<void> {
  if (sa.state !== IkeState.PARENT_I2) return;
  const idr = first(payloads, PayloadType.IDr);
  const authP = first(payloads, PayloadType.AUTH);
  if (idr === undefined || authP === undefined) {
    const err = firstErrorNotify(payloads);
    throw new Error(err !== undefined ? notifyTypeName(err.notifyType) : 'IKE_AUTH response lacks IDr or AUTH');
  }
  // §2.21.2: when the initiator refuses the responder, it says so in an INFORMATIONAL of its own.
  const refuse = (why: string): never => {
    sa.sendRequest(ExchangeType.INFORMATIONAL, [notify(NotifyError.AUTHENTICATION_FAILED)], () => undefined);
    throw new Error(`AUTHENTICATION_FAILED: ${why}`);
  };
  const id = peerId(idr);
  if (id === null || !sa.remoteId!.equals(id)) refuse(`the peer's ID ${id?.toString() ?? '(malformed)'} is not ${sa.remoteId!.toString()}`);
  sa.remoteId = id!;
  const keys = sa.keys!;
  const verdict = checkPeerAuth(sa, authP, signedOctets(keys.prf, sa.initResponse!, sa.ni, keys.skPRemote, idr));
  if (!verdict.ok) refuse(`the responder's AUTH: ${verdict.why}`);
  sa.peerAuth = verdict.ok ? verdict.description : '';
  sa.peerAuthDetail = verdict.ok ? verdict.detail ?? '' : '';
  markEstablished(sa);
  sa.ctx.established(sa);
  const pending = sa.pendingChild!;
  sa.pendingChild = undefined;
  const childError = firstErrorNotify(payloads);
  if (childError !== undefined) return childFailed(sa, notifyTypeName(childError.notifyType));
  const saP = first(payloads, PayloadType.SA);
  const tsi = first(payloads, PayloadType.TSi);
  const tsr = first(payloads, PayloadType.TSr);
  if (saP === undefined || tsi === undefined || tsr === undefined) return childFailed(sa, 'the IKE_AUTH response lacks SA, TSi or TSr');
  const problem = checkChosenProposal(saP.proposals, pending.proposals);
  if (problem !== null) return childFailed(sa, problem);
  const chosen = saP.proposals[0]!;
  if (chosen.spi.length !== 4) return childFailed(sa, 'the chosen ESP proposal has no 4-octet SPI');
  const localTs = selectorsWithin(tsi.selectors.map(tsFromPayload), pending.localTs);
  const remoteTs = selectorsWithin(tsr.selectors.map(tsFromPayload), pending.remoteTs);
  if (localTs === null || remoteTs === null) return childFailed(sa, 'TS_UNACCEPTABLE: the responder widened the traffic selectors');
  const alg = negotiated(chosen);
  const transport = pending.transport && hasNotify(payloads, NotifyStatus.USE_TRANSPORT_MODE);
  const childKeys = deriveChildKeys(sa.keys!.prf, sa.keys!.skD, alg, sa.ni, sa.nr);
  let child;
  try {
    child = await installChild(sa, alg, childKeys, pending.spiIn, readU32(chosen.spi), localTs, remoteTs, transport);
  } catch (e) {
    // The IKE SA stays; the peer installed its half of the Child SA, so it is told to delete it.
    deleteRefusedChild(sa, pending.spiIn);
    return childFailed(sa, `the kernel refused the Child SA: ${(e as Error).message}`);
  }
  if (child === null) return;
  const w = sa.waiter;
  sa.waiter = undefined;
  w?.resolve({ ike: sa.info(), child: child.info() });
}

/** Each returned selector must lie within one we proposed (the responder may only narrow). */
export function selectorsWithin(got: (Ts | null)[], proposed: readonly Ts[]): Ts[] | null {
  if (got.length === 0) return null;
  for (const t of got) if (t === null || !proposed.some((p) => within(t, p))) return null;
  return got as Ts[];
}

function childFailed(sa: IkeSa, reason: string): void {
  sa.log(`Child SA not established: ${reason}`);
  const w = sa.waiter;
  sa.waiter = undefined;
  w?.reject(Object.assign(new Error(reason), { code: 'ERR_CHILD_FAILED' }));
}

/** Builds, installs and files a Child SA; null when the IKE SA died meanwhile (then nothing stays installed). */
export async function installChild(
  sa: IkeSa, alg: ReturnType<typeof negotiated>, childKeys: ChildKeys, spiIn: number, spiOut: number, localTs: Ts[], remoteTs: Ts[], transport: boolean,
): Promise<ChildSa | null> {
  const encap = sa.natDetected || sa.encapsulation === 'yes' ? { localPort: sa.local.port, remotePort: sa.remote.port } : undefined;
  const child = new ChildSa({
    conn: sa.conn, serial: sa.ctx.nextSerial(), ikeSerial: sa.serial, reqid: sa.ctx.reqidFor(sa.conn), initiator: sa.initiator,
    spiIn, spiOut, alg, keys: childKeys, localTs, remoteTs, mode: transport ? 'transport' : 'tunnel',
    localAddress: sa.local.address, remoteAddress: sa.remote.address, ...(encap !== undefined ? { encap } : {}),
  });
  await child.install(sa.deps.kernel);
  if (sa.state !== IkeState.ESTABLISHED) {
    await child.remove(sa.deps.kernel);
    return null;
  }
  sa.children.push(child);
  sa.log(`established Child SA #${child.serial} (${child.info().algorithms}, SPIs in ${child.p.spiIn.toString(16).padStart(8, '0')} out ${child.p.spiOut.toString(16).padStart(8, '0')})`);
  sa.deps.events?.childUp?.(child.info());
  return child;
}

// ---------------------------------------------------------------------------------------- responder

/** The responder's IKE_AUTH: authenticate the initiator, answer with IDr and AUTH, then the Child SA. */
export async function processAuthRequest(sa: IkeSa, payloads: Payload[], header: IkeHeader): Promise<Payload[] | null> {
  const refuse = (why: string, type: number = NotifyError.AUTHENTICATION_FAILED): null => {
    sa.log(`IKE_AUTH refused: ${why}`);
    sa.respond(header, [notify(type)]);
    sa.teardown(notifyTypeName(type));
    return null;
  };
  const idi = first(payloads, PayloadType.IDi);
  const authP = first(payloads, PayloadType.AUTH);
  if (idi === undefined || authP === undefined) return refuse('no IDi or AUTH', NotifyError.INVALID_SYNTAX);
  const id = peerId(idi);
  if (id === null) return refuse('malformed IDi');
  // The peer's IDs may select a better connection for the same addresses than IKE_SA_INIT could.
  const idr = first(payloads, PayloadType.IDr);
  if (!switchResponderConn(sa, id, idr !== undefined ? peerId(idr) ?? undefined : undefined, { ...proposedTs(payloads), authMethod: authP.method })) {
    return refuse(`peer ID ${id.toString()} matches no connection (configured: ${endId(remoteEnd(sa.conn), sa.remote.address, true).toString()})`);
  }
  const conn = sa.conn;
  sa.remoteId = id;
  sa.localId = endId(localEnd(conn), sa.local.address);
  const keys = sa.keys!;
  const verdict = checkPeerAuth(sa, authP, signedOctets(keys.prf, sa.initRequest!, sa.nr, keys.skPRemote, idi));
  if (!verdict.ok) return refuse(`the initiator's AUTH: ${verdict.why}`);
  sa.peerAuth = verdict.description;
  sa.peerAuthDetail = verdict.detail ?? '';
  const ourIdr = idPayload(36, sa.localId);
  const own = makeOwnAuth(sa, signedOctets(keys.prf, sa.initResponse!, sa.ni, keys.skPLocal, ourIdr));
  if (!own.ok) return refuse(`cannot authenticate ourselves: ${own.why}`);
  sa.localAuth = own.description;
  const head: Payload[] = [ourIdr, own.payload];
  if (hasNotify(payloads, NotifyStatus.INITIAL_CONTACT)) sa.initialContact = true;
  markEstablished(sa);
  if (sa.initialContact) await sa.ctx.purgePeer(sa);
  const child = await respondChild(sa, payloads);
  if (sa.state !== IkeState.ESTABLISHED) return null;
  sa.respond(header, [...head, ...child]);
  // Only now may older IKE SAs of this peer go (uniqueids, INITIAL_CONTACT): their policies pass to the new one.
  sa.ctx.established(sa);
  return null;
}

function proposedTs(payloads: Payload[]): { tsi: Ts[]; tsr: Ts[] } {
  const tsi = first(payloads, PayloadType.TSi);
  const tsr = first(payloads, PayloadType.TSr);
  if (tsi === undefined || tsr === undefined) return { tsi: [], tsr: [] };
  const valid = (t: Ts | null): t is Ts => t !== null;
  return { tsi: tsi.selectors.map(tsFromPayload).filter(valid), tsr: tsr.selectors.map(tsFromPayload).filter(valid) };
}

/** The first Child SA as responder: proposal, narrowed selectors, SPI, keys, kernel; or an error notify. */
async function respondChild(sa: IkeSa, payloads: Payload[]): Promise<Payload[]> {
  const saP = first(payloads, PayloadType.SA);
  const tsi = first(payloads, PayloadType.TSi);
  const tsr = first(payloads, PayloadType.TSr);
  if (saP === undefined || tsi === undefined || tsr === undefined) return [notify(NotifyError.INVALID_SYNTAX)];
  // §1.2: the first Child SA uses the IKE SA's keys; DH transforms in its proposals are ignored.
  const offered = saP.proposals.map((p) => ({ ...p, transforms: p.transforms.filter((t) => t.type !== TransformType.DH) }));
  const chosen = selectProposal(offered, espProposals(sa, new Uint8Array(0)));
  if (chosen === null || chosen.spi.length !== 4) {
    sa.log('Child SA: no ESP proposal chosen');
    return [notify(NotifyError.NO_PROPOSAL_CHOSEN)];
  }
  const theirTsi = tsi.selectors.map(tsFromPayload).filter((t): t is Ts => t !== null);
  const theirTsr = tsr.selectors.map(tsFromPayload).filter((t): t is Ts => t !== null);
  const remoteTs = narrow(theirTsi, endSelectors(remoteEnd(sa.conn), sa.remote.address));
  const localTs = narrow(theirTsr, endSelectors(localEnd(sa.conn), sa.local.address));
  if (remoteTs.length === 0 || localTs.length === 0) {
    sa.log('Child SA: traffic selectors unacceptable');
    return [notify(NotifyError.TS_UNACCEPTABLE)];
  }
  let spiIn;
  try {
    spiIn = await sa.deps.kernel.allocSpi(sa.remote.address, sa.local.address);
  } catch (e) {
    return childRefusedByKernel(sa, e);
  }
  const spiOut = readU32(chosen.spi);
  const alg = negotiated(chosen);
  const transport = sa.conn.type === 'transport' && hasNotify(payloads, NotifyStatus.USE_TRANSPORT_MODE);
  const childKeys = deriveChildKeys(sa.keys!.prf, sa.keys!.skD, alg, sa.ni, sa.nr);
  let child;
  try {
    child = await installChild(sa, alg, childKeys, spiIn, spiOut, localTs, remoteTs, transport);
  } catch (e) {
    return childRefusedByKernel(sa, e);
  }
  if (child === null) return [notify(NotifyError.TEMPORARY_FAILURE)];
  const answer: Payload[] = [];
  if (transport) answer.push(notify(NotifyStatus.USE_TRANSPORT_MODE));
  answer.push(
    { type: PayloadType.SA, proposals: [{ ...chosen, spi: u32(spiIn) }] },
    { type: PayloadType.TSi, selectors: remoteTs.map(tsToPayload) },
    { type: PayloadType.TSr, selectors: localTs.map(tsToPayload) },
  );
  return answer;
}
