// Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 §1.3.2, §2.18): new SPIs, nonces and a fresh DH;
// SKEYSEED from the old SK_d. The Child SAs move to the new IKE SA, whose initiator is whoever started
// the rekey; the old IKE SA is then deleted by that end.
import type { IkeHeader, Payload, Proposal } from '../codec';
import { computeSharedAsync, generateDhKeyPairAsync, isDhGroupId } from '../../native/dh';
import { ExchangeType, NotifyError, PayloadType, TransformType, notifyTypeName } from '../constants';
import { IkeSa, IkeState } from '../ike-sa';
import { deriveIkeSaKeys } from '../keymat';
import { first, firstErrorNotify, notify, u16 } from '../messages';
import { checkChosenProposal, negotiated, selectProposal, type Negotiated } from '../proposals';
import { ikeProposalsOf } from './ike-sa-init';
import { dispatchRequests } from './dispatch';
import { deleteIkeSa, startLiveness } from './informational';
import type { SecretBytes } from '../../native/secret';

const NONCE_LENGTH = 32;

function withSpi(proposals: Proposal[], spi: Uint8Array): Proposal[] {
  return proposals.map((p) => ({ ...p, spi: new Uint8Array(spi) }));
}

/** Moves the Child SAs of `from` to `to` (the IKE SA that replaces it). */
export function moveChildren(from: IkeSa, to: IkeSa): void {
  to.children.push(...from.children);
  from.children = [];
  for (const c of to.children) c.p.ikeSerial = to.serial;
}

/** The lower of an exchange's two nonces (RFC 7296 §2.8.1 and §2.8.2 compare the lowest of the four). */
export function lowerNonce(a: Uint8Array, b: Uint8Array): Uint8Array {
  return Buffer.compare(a, b) <= 0 ? a : b;
}

/** The new IKE SA, established; it takes the old one's Child SAs unless a rekey collision is unsettled. */
function successor(old: IkeSa, initiator: boolean, spiI: Uint8Array, spiR: Uint8Array, alg: Negotiated, ni: Uint8Array, nr: Uint8Array, gir: SecretBytes, takeChildren = true): IkeSa {
  const sa = new IkeSa(old.ctx, old.conn, initiator, spiI, { ...old.local }, { ...old.remote });
  sa.spiR = spiR;
  sa.alg = alg;
  sa.ni = ni;
  sa.nr = nr;
  sa.keys = deriveIkeSaKeys(alg, ni, nr, gir, spiI, spiR, initiator, { prf: old.keys!.prf, skD: old.keys!.skD });
  sa.localId = old.localId;
  sa.remoteId = old.remoteId;
  sa.localBehindNat = old.localBehindNat;
  sa.localNatDetected = old.localNatDetected;
  sa.remoteBehindNat = old.remoteBehindNat;
  sa.peerFragmentation = old.peerFragmentation;
  // A rekeyed IKE SA inherits the authentication of the one it replaces (RFC 7296 §2.8: no new AUTH).
  sa.localAuth = old.localAuth;
  sa.peerAuth = old.peerAuth;
  sa.peerAuthDetail = old.peerAuthDetail;
  if (old.peerSignatureHashes !== undefined) sa.peerSignatureHashes = old.peerSignatureHashes;
  sa.ikeProposals = old.ikeProposals;
  sa.state = IkeState.ESTABLISHED;
  sa.establishedAt = Math.floor(Date.now() / 1000);
  sa.onRequest(dispatchRequests(sa));
  if (takeChildren) moveChildren(old, sa);
  old.ctx.adopt(sa);
  startLiveness(sa);
  scheduleIkeLifetime(sa);
  sa.log(`rekeyed IKE SA #${old.serial} (${sa.info().algorithms})`);
  return sa;
}

function group(id: number): Parameters<typeof generateDhKeyPairAsync>[0] {
  if (!isDhGroupId(id)) throw new Error(`DH group ${id} is not implemented`);
  return id;
}

/** Rekeys `old` as the exchange initiator; resolves with the new IKE SA (the old one's delete under way). */
export function rekeyIke(old: IkeSa): Promise<IkeSa> {
  return new Promise<IkeSa>((resolve, reject) => {
    const failed = (why: string): void => {
      old.rekeying = false;
      reject(Object.assign(new Error(`IKE SA rekey failed: ${why}`), { code: 'ERR_IKE_REKEY' }));
    };
    if (old.state !== IkeState.ESTABLISHED || old.hasOutstanding || old.alg === undefined) {
      failed(old.state !== IkeState.ESTABLISHED ? 'the IKE SA is not established' : 'another exchange is in progress');
      return;
    }
    const alg0 = old.alg;
    old.run(async () => {
      const spiI = new Uint8Array(old.deps.random(8));
      // Our proposals, with the current DH group's first so that the KE we send is the likely choice.
      const proposals = withSpi(ikeProposalsOf(old.conn), spiI);
      const dh = await generateDhKeyPairAsync(group(alg0.dh));
      if (old.rekeyedTo !== undefined) {
        // The peer rekeyed it while we got ready (no collision: our request was not out yet).
        dh.wipe();
        resolve(old.rekeyedTo);
        return;
      }
      if (old.state !== IkeState.ESTABLISHED || old.hasOutstanding) {
        dh.wipe();
        failed('the IKE SA changed state');
        return;
      }
      old.rekeying = true;
      old.peerRekey = undefined;
      const ni = new Uint8Array(old.deps.random(NONCE_LENGTH));
      const payloads: Payload[] = [
        { type: PayloadType.SA, proposals },
        { type: PayloadType.NONCE, nonce: ni },
        { type: PayloadType.KE, group: dh.group, data: new Uint8Array(dh.publicKey) },
      ];
      old.sendRequest(ExchangeType.CREATE_CHILD_SA, payloads, async (resp) => {
        try {
          const error = firstErrorNotify(resp);
          if (error !== undefined) return failed(notifyTypeName(error.notifyType));
          const saP = first(resp, PayloadType.SA);
          const nonce = first(resp, PayloadType.NONCE);
          const ke = first(resp, PayloadType.KE);
          if (saP === undefined || nonce === undefined || ke === undefined) return failed('the response lacks SA, Nonce or KE');
          const problem = checkChosenProposal(saP.proposals.map((p) => ({ ...p })), proposals);
          if (problem !== null) return failed(problem);
          const chosen = saP.proposals[0]!;
          if (chosen.spi.length !== 8) return failed('the chosen proposal has no 8-octet SPI');
          const alg = negotiated(chosen);
          if (ke.group !== dh.group || alg.dh !== dh.group) return failed(`KE group ${ke.group} is not ${dh.group}`);
          const gir = await computeSharedAsync(dh, ke.data);
          dh.wipe();
          if (old.state !== IkeState.ESTABLISHED) {
            gir.wipe();
            return failed('the IKE SA is gone');
          }
          const peer = old.peerRekey;
          const sa = successor(old, true, spiI, new Uint8Array(chosen.spi), alg, ni, new Uint8Array(nonce.nonce), gir, peer === undefined);
          gir.wipe();
          old.rekeying = false;
          if (peer !== undefined && Buffer.compare(lowerNonce(ni, nonce.nonce), lowerNonce(peer.ni, peer.nr)) < 0) {
            // §2.8.2: both ends rekeyed at once and ours holds the lowest nonce: our new IKE SA is the
            // redundant one and we delete it; the peer's takes the Child SAs, and the peer deletes the old.
            sa.log(`IKE SA rekey collision lost: deleting the redundant IKE SA, keeping #${peer.successor.serial}`);
            moveChildren(old, peer.successor);
            await deleteIkeSa(sa, 'redundant (rekey collision)');
            resolve(peer.successor);
            return;
          }
          if (peer !== undefined) {
            sa.log(`IKE SA rekey collision won: the peer deletes its redundant #${peer.successor.serial}`);
            moveChildren(old, sa);
          }
          await deleteIkeSa(old, 'rekeyed');
          resolve(sa);
        } catch (e) {
          failed((e as Error).message);
        }
      }, undefined, failed);
    });
  });
}

/** The responder's side of an IKE SA rekey: answers and files the new IKE SA; the peer deletes the old. */
export async function processIkeRekey(old: IkeSa, payloads: Payload[], _header: IkeHeader): Promise<Payload[]> {
  const saP = first(payloads, PayloadType.SA);
  const nonce = first(payloads, PayloadType.NONCE);
  const ke = first(payloads, PayloadType.KE);
  if (saP === undefined || nonce === undefined || ke === undefined) return [notify(NotifyError.INVALID_SYNTAX)];
  const chosen = selectProposal(saP.proposals, ikeProposalsOf(old.conn));
  if (chosen === null || chosen.spi.length !== 8) return [notify(NotifyError.NO_PROPOSAL_CHOSEN)];
  const hasKeGroup = saP.proposals.some((p) => p.transforms.some((t) => t.type === TransformType.DH && t.id === ke.group));
  let alg = negotiated(chosen);
  if (alg.dh !== ke.group) {
    // Prefer the group the KE already uses when we accept it in the proposal chosen (no extra round trip).
    const retry = hasKeGroup
      ? selectProposal(saP.proposals.map((p) => ({ ...p, transforms: p.transforms.filter((t) => t.type !== TransformType.DH || t.id === ke.group) })), ikeProposalsOf(old.conn))
      : null;
    if (retry === null) return [notify(NotifyError.INVALID_KE_PAYLOAD, u16(alg.dh))];
    chosen.transforms = retry.transforms;
    alg = negotiated(retry);
  }
  const dh = await generateDhKeyPairAsync(group(alg.dh));
  const gir = await computeSharedAsync(dh, ke.data);
  if (old.state !== IkeState.ESTABLISHED) {
    dh.wipe();
    gir.wipe();
    return [notify(NotifyError.TEMPORARY_FAILURE)];
  }
  const spiR = new Uint8Array(old.deps.random(8));
  const nr = new Uint8Array(old.deps.random(NONCE_LENGTH));
  // A collision (§2.8.2) when our own rekey is in flight: the Child SAs stay until its answer settles it.
  const collision = old.rekeying;
  const next = successor(old, false, new Uint8Array(chosen.spi), spiR, alg, new Uint8Array(nonce.nonce), nr, gir, !collision);
  gir.wipe();
  if (collision) old.peerRekey = { ni: new Uint8Array(nonce.nonce), nr, successor: next };
  else old.rekeyedTo = next;
  const answer: Payload[] = [
    { type: PayloadType.SA, proposals: [{ ...chosen, spi: spiR }] },
    { type: PayloadType.NONCE, nonce: nr },
    { type: PayloadType.KE, group: dh.group, data: new Uint8Array(dh.publicKey) },
  ];
  dh.wipe();
  return answer;
}


/**
 * ikelifetime: the end that initiated the IKE SA rekeys it rekeymargin (plus up to rekeyfuzz percent of
 * it, at random) before it expires, if rekey=yes; at ikelifetime either end deletes it.
 */
export function scheduleIkeLifetime(sa: IkeSa): void {
  const life = sa.conn.ikelifetime * 1000;
  if (life <= 0) return;
  if (sa.initiator && sa.conn.rekey) {
    const margin = sa.conn.rekeymargin * 1000;
    const fuzz = (margin * sa.conn.rekeyfuzz) / 100;
    const r = sa.deps.random(4).readUInt32BE(0) / 0x100000000;
    const at = Math.max(1000, life - margin - Math.floor(r * fuzz));
    sa.addTimer(at, () => {
      rekeyIke(sa).catch((e: unknown) => sa.log((e as Error).message));
    });
  }
  sa.addTimer(life, () => {
    sa.ctx.track(deleteIkeSa(sa, 'ikelifetime expired'));
  });
}
