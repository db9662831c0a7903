// CREATE_CHILD_SA (RFC 7296 §1.3): rekeying a Child SA (§1.3.3, REKEY_SA) and new Child SAs as responder,
// with PFS when esp= names a DH group or pfs=yes (then the IKE SA's group). The rekeying end deletes the
// old Child SA with an INFORMATIONAL exchange once the new one is installed (§2.8).
import { parseEspProposals } from '../../config/algorithms';
import { computeSharedAsync, generateDhKeyPairAsync, isDhGroupId } from '../../native/dh';
import type { IkeHeader, Payload, Proposal } from '../codec';
import type { ChildSa } from '../child-sa';
import { endSelectors, localEnd, remoteEnd } from '../connection';
import {
  DhGroup, ExchangeType, NotifyError, NotifyStatus, PayloadType, ProtocolId, TransformType, notifyTypeName,
} from '../constants';
import { IkeState, type IkeSa } from '../ike-sa';
import { deriveChildKeys } from '../keymat';
import { first, firstErrorNotify, hasNotify, notifies, notify, readU32, u16, u32 } from '../messages';
import { checkChosenProposal, negotiated, selectProposal, toSaProposals } from '../proposals';
import { narrow, tsFromPayload, tsToPayload, type Ts } from '../traffic-selectors';
import { installChild, selectorsWithin } from './ike-auth';
import { childRefusedByKernel, deleteRefusedChild } from './child-refusal';
import { lowerNonce, processIkeRekey } from './rekey-ike';

const NONCE_LENGTH = 32;

/** Our ESP proposals for CREATE_CHILD_SA: esp='s DH, or with pfs=yes and none named, the IKE SA's group. */
function childProposals(sa: IkeSa, spi: Uint8Array): { proposals: Proposal[]; group: number } {
  const config = parseEspProposals(sa.conn.esp, { pfs: sa.conn.pfs });
  const proposals = toSaProposals(config, ProtocolId.ESP, spi, true);
  const named = proposals.flatMap((p) => p.transforms.filter((t) => t.type === TransformType.DH).map((t) => t.id))[0];
  const group = named ?? (sa.conn.pfs ? sa.alg?.dh ?? DhGroup.NONE : DhGroup.NONE);
  if (named === undefined && group !== DhGroup.NONE) {
    for (const p of proposals) p.transforms.splice(p.transforms.findIndex((t) => t.type === TransformType.ESN), 0, { type: TransformType.DH, id: group });
  }
  return { proposals, group };
}

function dhGroup(group: number): Parameters<typeof generateDhKeyPairAsync>[0] {
  if (!isDhGroupId(group)) throw new Error(`DH group ${group} is not implemented`);
  return group;
}

/** Rekeys `old`: resolves with the new Child SA once it is installed (the old one's delete is under way). */
export function rekeyChild(sa: IkeSa, old: ChildSa): Promise<ChildSa> {
  return new Promise<ChildSa>((resolve, reject) => {
    const failed = (why: string): void => {
      old.rekeying = false;
      sa.log(`rekey of Child SA #${old.serial} failed: ${why}`);
      reject(Object.assign(new Error(why), { code: 'ERR_CHILD_FAILED' }));
    };
    const done = (child: ChildSa): void => {
      old.rekeying = false;
      resolve(child);
    };
    if (sa.state !== IkeState.ESTABLISHED || sa.hasOutstanding) {
      failed(sa.state !== IkeState.ESTABLISHED ? 'the IKE SA is not established' : 'another exchange is in progress');
      return;
    }
    old.rekeying = true;
    old.peerRekey = undefined;
    sa.run(async () => {
      const spiIn = await sa.deps.kernel.allocSpi(sa.remote.address, sa.local.address);
      const { proposals, group } = childProposals(sa, u32(spiIn));
      const dh = group !== DhGroup.NONE ? await generateDhKeyPairAsync(dhGroup(group)) : undefined;
      if (sa.state !== IkeState.ESTABLISHED || sa.hasOutstanding) {
        dh?.wipe();
        failed('the IKE SA changed state');
        return;
      }
      // The peer rekeyed (or deleted) it while we got ready: nothing left for us to rekey.
      const before = old.peerRekey;
      if (before !== undefined || !sa.children.includes(old)) {
        dh?.wipe();
        if (before !== undefined) done(before.replacement);
        else failed('the Child SA is gone');
        return;
      }
      const ni = new Uint8Array(sa.deps.random(NONCE_LENGTH));
      const transport = old.p.mode === 'transport';
      const payloads: Payload[] = [notify(NotifyStatus.REKEY_SA, new Uint8Array(0), ProtocolId.ESP, u32(old.p.spiIn))];
      if (transport) payloads.push(notify(NotifyStatus.USE_TRANSPORT_MODE));
      payloads.push({ type: PayloadType.SA, proposals }, { type: PayloadType.NONCE, nonce: ni });
      if (dh !== undefined) payloads.push({ type: PayloadType.KE, group: dh.group, data: new Uint8Array(dh.publicKey) });
      payloads.push(
        { type: PayloadType.TSi, selectors: old.p.localTs.map(tsToPayload) },
        { type: PayloadType.TSr, selectors: old.p.remoteTs.map(tsToPayload) },
      );
      sa.sendRequest(ExchangeType.CREATE_CHILD_SA, payloads, async (resp) => {
        try {
          const error = firstErrorNotify(resp);
          if (error !== undefined) return failed(notifyTypeName(error.notifyType));
          const saP = first(resp, PayloadType.SA);
          const nonce = first(resp, PayloadType.NONCE);
          const tsi = first(resp, PayloadType.TSi);
          const tsr = first(resp, PayloadType.TSr);
          if (saP === undefined || nonce === undefined || tsi === undefined || tsr === undefined) return failed('the response lacks SA, Nonce, TSi or TSr');
          const problem = checkChosenProposal(saP.proposals, proposals);
          if (problem !== null) return failed(problem);
          const chosen = saP.proposals[0]!;
          if (chosen.spi.length !== 4) return failed('the chosen proposal has no 4-octet SPI');
          const alg = negotiated(chosen);
          const ke = first(resp, PayloadType.KE);
          let gir;
          if (dh !== undefined) {
            if (ke === undefined || ke.group !== dh.group) return failed('the response lacks the KE payload of the PFS group');
            gir = await computeSharedAsync(dh, ke.data);
            dh.wipe();
          }
          const localTs = selectorsWithin(tsi.selectors.map(tsFromPayload), old.p.localTs);
          const remoteTs = selectorsWithin(tsr.selectors.map(tsFromPayload), old.p.remoteTs);
          if (localTs === null || remoteTs === null) return failed('TS_UNACCEPTABLE: the responder widened the traffic selectors');
          if (sa.state !== IkeState.ESTABLISHED) return failed('the IKE SA is gone');
          const keys = deriveChildKeys(sa.keys!.prf, sa.keys!.skD, alg, ni, nonce.nonce, gir);
          gir?.wipe();
          let child;
          try {
            child = await installChild(sa, alg, keys, spiIn, readU32(chosen.spi), localTs, remoteTs, transport);
          } catch (e) {
            deleteRefusedChild(sa, spiIn); // the peer has its half: it goes; the old Child SA stays
            return failed(`the kernel refused the new Child SA: ${(e as Error).message}`);
          }
          if (child === null) return failed('the IKE SA is gone');
          // The peer's own rekey of it, if its request came first, must be filed (peerRekey) before we decide.
          await sa.requestAnswered();
          const peer = old.peerRekey;
          if (peer !== undefined && Buffer.compare(lowerNonce(ni, nonce.nonce), lowerNonce(peer.ni, peer.nr)) < 0) {
            // §2.8.1: both ends rekeyed it at once; ours holds the lowest nonce, so ours is redundant and
            // we close it. The peer, which won, deletes the old SA (or already did).
            sa.log(`Child SA rekey collision lost: deleting the redundant Child SA #${child.serial}, keeping #${peer.replacement.serial}`);
            deleteChild(sa, child, 'redundant (rekey collision)');
            return done(peer.replacement);
          }
          if (peer !== undefined) sa.log(`Child SA rekey collision won: the peer closes its redundant #${peer.replacement.serial}`);
          // The peer may have deleted the old SA meanwhile: nothing left to delete then.
          if (sa.children.includes(old)) deleteChild(sa, old, 'rekeyed');
          done(child);
        } catch (e) {
          failed((e as Error).message);
        }
      }, undefined, failed);
    });
  });
}

/** Sends the INFORMATIONAL delete of a Child SA of ours; its kernel state goes when the peer answers. */
export function deleteChild(sa: IkeSa, child: ChildSa, reason: string): void {
  sa.sendRequest(ExchangeType.INFORMATIONAL, [{ type: PayloadType.D, protocolId: ProtocolId.ESP, spiSize: 4, spis: [u32(child.p.spiIn)] }], async () => {
    await sa.removeChild(child, reason);
  });
}

/** The responder's CREATE_CHILD_SA: a Child SA rekey, a new Child SA, or (SA of protocol IKE) an IKE SA rekey. */
export async function processCreateChild(sa: IkeSa, payloads: Payload[], _header: IkeHeader): Promise<Payload[]> {
  const saP = first(payloads, PayloadType.SA);
  const nonce = first(payloads, PayloadType.NONCE);
  const tsi = first(payloads, PayloadType.TSi);
  const tsr = first(payloads, PayloadType.TSr);
  if (saP !== undefined && saP.proposals.some((p) => p.protocolId === ProtocolId.IKE)) return processIkeRekey(sa, payloads, _header);
  if (saP === undefined || nonce === undefined || tsi === undefined || tsr === undefined) return [notify(NotifyError.INVALID_SYNTAX)];
  const rekey = notifies(payloads, NotifyStatus.REKEY_SA)[0];
  let old: ChildSa | undefined;
  if (rekey !== undefined) {
    old = rekey.spi.length === 4 ? sa.children.find((c) => c.p.spiOut === readU32(rekey.spi)) : undefined;
    if (old === undefined) return [notify(NotifyError.CHILD_SA_NOT_FOUND, new Uint8Array(0), rekey.protocolId, rekey.spi)];
  }
  const { proposals } = childProposals(sa, new Uint8Array(0));
  const chosen = selectProposal(saP.proposals, proposals);
  if (chosen === null || chosen.spi.length !== 4) return [notify(NotifyError.NO_PROPOSAL_CHOSEN)];
  const alg = negotiated(chosen);
  const ke = first(payloads, PayloadType.KE);
  if (alg.dh !== DhGroup.NONE && (ke === undefined || ke.group !== alg.dh)) return [notify(NotifyError.INVALID_KE_PAYLOAD, u16(alg.dh))];
  const remoteTs = narrow(tsi.selectors.map(tsFromPayload).filter((t): t is Ts => t !== null), endSelectors(remoteEnd(sa.conn), sa.remote.address));
  const localTs = narrow(tsr.selectors.map(tsFromPayload).filter((t): t is Ts => t !== null), endSelectors(localEnd(sa.conn), sa.local.address));
  if (remoteTs.length === 0 || localTs.length === 0) return [notify(NotifyError.TS_UNACCEPTABLE)];
  let spiIn;
  try {
    spiIn = await sa.deps.kernel.allocSpi(sa.remote.address, sa.local.address);
  } catch (e) {
    return childRefusedByKernel(sa, e);
  }
  const nr = new Uint8Array(sa.deps.random(NONCE_LENGTH));
  let gir;
  const answer: Payload[] = [];
  if (alg.dh !== DhGroup.NONE) {
    const dh = await generateDhKeyPairAsync(dhGroup(alg.dh));
    gir = await computeSharedAsync(dh, ke!.data);
    answer.push({ type: PayloadType.KE, group: dh.group, data: new Uint8Array(dh.publicKey) });
    dh.wipe();
  }
  if (sa.state !== IkeState.ESTABLISHED) {
    gir?.wipe();
    return [notify(NotifyError.TEMPORARY_FAILURE)];
  }
  const keys = deriveChildKeys(sa.keys!.prf, sa.keys!.skD, alg, nonce.nonce, nr, gir);
  gir?.wipe();
  const transport = sa.conn.type === 'transport' && hasNotify(payloads, NotifyStatus.USE_TRANSPORT_MODE);
  let child;
  try {
    child = await installChild(sa, alg, keys, spiIn, readU32(chosen.spi), localTs, remoteTs, transport);
  } catch (e) {
    return childRefusedByKernel(sa, e);
  }
  if (child === null) return [notify(NotifyError.TEMPORARY_FAILURE)];
  // A rekey collision (§2.8.1): our own rekey of the same SA is in flight; settled when its answer comes.
  if (old?.rekeying === true) old.peerRekey = { ni: new Uint8Array(nonce.nonce), nr, replacement: child };
  return [
    ...(transport ? [notify(NotifyStatus.USE_TRANSPORT_MODE)] : []),
    { type: PayloadType.SA, proposals: [{ ...chosen, spi: u32(spiIn) }] },
    { type: PayloadType.NONCE, nonce: nr },
    ...answer,
    { type: PayloadType.TSi, selectors: remoteTs.map(tsToPayload) },
    { type: PayloadType.TSr, selectors: localTs.map(tsToPayload) },
  ];
}
