// A Child SA that negotiation accepted but the kernel refused (RFC 7296 §1.2, §2.21.3): the IKE SA stays
// up, the responder refuses the Child SA with an error notify, the initiator deletes the half the peer
// installed. Nothing half-installed stays in our kernel (ChildSa.install undoes its own steps).
import type { Payload } from '../codec';
import { ExchangeType, NotifyError, PayloadType, ProtocolId } from '../constants';
import { IkeState, type IkeSa } from '../ike-sa';
import { notify, u32 } from '../messages';

/**
 * The answer when the kernel refuses a Child SA we accepted (IKE_AUTH or CREATE_CHILD_SA): the IKE SA
 * stays, the Child SA is refused with NO_PROPOSAL_CHOSEN. RFC 7296 §2.21.3 names the notifies that tell an
 * IKE_AUTH initiator "IKE SA up, Child SA failed" (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE,
 * SINGLE_PAIR_REQUIRED, INTERNAL_ADDRESS_FAILURE, FAILED_CP_REQUIRED); an unknown one there would fail the
 * whole exchange. Of those, only NO_PROPOSAL_CHOSEN fits "the proposal chosen cannot be used" (the other
 * four are about selectors and addresses). TEMPORARY_FAILURE (§2.25) means "the SA is being rekeyed or
 * deleted, retry later", a promise a kernel without ESP cannot keep. strongSwan answers a failed install
 * the same way.
 */
export function childRefusedByKernel(sa: IkeSa, err: unknown): Payload[] {
  sa.log(`Child SA refused: the kernel could not install it: ${(err as Error).message}`);
  return [notify(NotifyError.NO_PROPOSAL_CHOSEN)];
}

/** Tells the peer to delete the Child SA (by our inbound SPI) that we could not install after all. */
export function deleteRefusedChild(sa: IkeSa, spiIn: number): void {
  if (sa.state !== IkeState.ESTABLISHED || sa.hasOutstanding) return;
  sa.sendRequest(ExchangeType.INFORMATIONAL, [{ type: PayloadType.D, protocolId: ProtocolId.ESP, spiSize: 4, spis: [u32(spiIn)] }], () => undefined);
}
