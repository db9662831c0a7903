// What the state machine reads from an oriented ConnectionConfig: our end and the peer's, their
// addresses, IDs (leftid=/rightid=, by default the address) and traffic selectors (leftsubnet= or the host).
import { IkeId, parseId } from '../config/id';
import type { ConnectionConfig, EndConfig } from '../config/model';
import { tsFromCidr, type Ts } from './traffic-selectors';

export const IKE_PORT = 500;
export const NAT_T_PORT = 4500;

export function localEnd(conn: ConnectionConfig): EndConfig {
  if (conn.local === undefined) throw new Error(`conn "${conn.name}" is not oriented (neither end is this host)`);
  return conn[conn.local];
}

export function remoteEnd(conn: ConnectionConfig): EndConfig {
  if (conn.local === undefined) throw new Error(`conn "${conn.name}" is not oriented (neither end is this host)`);
  return conn[conn.local === 'left' ? 'right' : 'left'];
}

/** The end's literal (or resolved) address; undefined for %any, %defaultroute and the like. */
export function hostAddress(end: EndConfig): string | undefined {
  const h = end.host;
  if (h === undefined) return undefined;
  if (h.kind === 'address') return h.address.text;
  if (h.kind === 'hostname') return h.address?.text;
  return undefined;
}

/**
 * leftid= as configured, or the address (Libreswan's default ID). For the peer, %any matches any ID; for
 * our own end an ID of %any or %fromcert (no certificates yet) falls back to the address too.
 */
export function endId(end: EndConfig, address: string, peer = false): IkeId {
  if (end.id !== undefined && end.id !== '') {
    const id = parseId(end.id);
    if (id.kind !== 'any' && id.kind !== 'fromcert') return id;
    if (peer) return IkeId.any();
  }
  return IkeId.fromAddress(address);
}

/** True when the end names an ID of its own (we then send IDr as initiator). */
export function hasExplicitId(end: EndConfig): boolean {
  if (end.id === undefined || end.id === '') return false;
  const id = parseId(end.id);
  return id.kind !== 'any' && id.kind !== 'fromcert';
}

/** leftsubnet= (each of leftsubnets=) with leftprotoport=, or the host address alone. */
export function endSelectors(end: EndConfig, address: string): Ts[] {
  const proto = end.protoport?.protocol ?? 0;
  const port = typeof end.protoport?.port === 'number' ? end.protoport.port : 0;
  const subnets = end.subnets.length > 0 ? end.subnets.map((s) => s.text)
    : end.subnet !== undefined && 'text' in end.subnet && !('virtual' in end.subnet) ? [end.subnet.text] : [address];
  return subnets.map((s) => tsFromCidr(s, proto, port));
}
