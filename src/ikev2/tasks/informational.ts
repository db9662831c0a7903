// INFORMATIONAL (RFC 7296 §1.4): deletes of the IKE SA and of Child SAs, both ways; empty requests as
// liveness checks (dpddelay), the peer declared dead when one goes unanswered for retransmit-timeout.
import type { IkeHeader, Payload } from '../codec';
import { ExchangeType, ProtocolId, PayloadType, NotifyError } from '../constants';
import { IkeState, type IkeSa } from '../ike-sa';
import { all, notifies, readU32, u32 } from '../messages';
import { moveChildren } from './rekey-ike';

/** Answers the peer's INFORMATIONAL request; null when the answer was sent here already. */
export async function processInformational(sa: IkeSa, payloads: Payload[], header: IkeHeader): Promise<Payload[] | null> {
  const deletes = all(payloads, PayloadType.D);
  if (deletes.some((d) => d.protocolId === ProtocolId.IKE)) {
    sa.log('the peer deleted the IKE SA');
    // It won a rekey collision (§2.8.2) and deletes the old SA before our own rekey's answer came: its
    // new IKE SA takes the Child SAs.
    if (sa.peerRekey !== undefined) moveChildren(sa, sa.peerRekey.successor);
    sa.respond(header, []);
    sa.teardown('deleted by the peer');
    return null;
  }
  if (notifies(payloads, NotifyError.AUTHENTICATION_FAILED).length > 0) {
    sa.respond(header, []);
    sa.teardown('AUTHENTICATION_FAILED from the peer');
    return null;
  }
  const ourSpis: Uint8Array[] = [];
  for (const d of deletes.filter((x) => x.protocolId === ProtocolId.ESP)) {
    for (const spi of d.spis) {
      if (spi.length !== 4) continue;
      const peerSpi = readU32(spi);
      const child = sa.children.find((c) => c.p.spiOut === peerSpi);
      if (child === undefined) continue;
      await sa.removeChild(child, 'deleted by the peer');
      ourSpis.push(u32(child.p.spiIn));
    }
  }
  // §1.4.1: the response deletes our halves of the same Child SAs.
  return ourSpis.length > 0 ? [{ type: PayloadType.D, protocolId: ProtocolId.ESP, spiSize: 4, spis: ourSpis }] : [];
}

/**
 * Deletes the IKE SA (and with it its Child SAs): the kernel state goes at once, then the INFORMATIONAL
 * request; the SA is forgotten on the response or when the peer never answers.
 */
export async function deleteIkeSa(sa: IkeSa, reason: string): Promise<void> {
  if (sa.state !== IkeState.ESTABLISHED) {
    sa.teardown(reason);
    return;
  }
  sa.state = IkeState.DELETING;
  for (const c of [...sa.children]) await sa.removeChild(c, reason);
  if (sa.hasOutstanding) sa.abortOutstanding(`the IKE SA is being deleted (${reason})`);
  sa.sendRequest(ExchangeType.INFORMATIONAL, [{ type: PayloadType.D, protocolId: ProtocolId.IKE, spiSize: 0, spis: [] }], () => {
    sa.teardown(reason);
  });
}

/** dpddelay: when nothing was heard for that long, an empty INFORMATIONAL request; no answer = dead. */
export function startLiveness(sa: IkeSa): void {
  const delayMs = sa.conn.dpddelay * 1000;
  if (delayMs <= 0) return;
  const tick = (): void => {
    if (sa.state !== IkeState.ESTABLISHED) return;
    const idle = sa.deps.clock.now() - sa.lastHeard;
    if (idle >= delayMs && !sa.hasOutstanding) {
      sa.sendRequest(ExchangeType.INFORMATIONAL, [], () => undefined);
    }
    sa.addTimer(delayMs, tick);
  };
  sa.addTimer(delayMs, tick);
}
