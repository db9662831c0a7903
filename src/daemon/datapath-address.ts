// Where the userspace data path binds its one ESP-in-UDP socket (it owns that address's NAT-T port): the
// first --listen address; else the local host address of the first conn loaded from --config; else the first
// non-loopback interface address of the family the first conn wants (its hostaddrfamily=, else its peer's
// address family: left=%defaultroute with right=2001:db8::2 binds IPv6), IPv4 when no conn says; else 127.0.0.1. One data path carries one address:
// a conn added later whose local address differs negotiates, but its ESP leaves from this address (the daemon
// warns when such a conn is added).
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

import type { LoadedConfig } from '../config/model';
import type { ConnectionConfig } from '../config/model';
import { hostAddress, localEnd, remoteEnd } from '../ikev2/connection';
import { addressesFromInterfaces, canonicalAddress } from '../net/local-addresses';

export interface DatapathAddress {
  address: string;
  /** Why this one, for the log. */
  source: string;
}

export function chooseDatapathAddress(
  listen: readonly string[],
  config: LoadedConfig | null,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): DatapathAddress {
  const first = listen[0];
  if (first !== undefined) return { address: canonicalAddress(first.trim()), source: '--listen' };
  let wanted: { family: 4 | 6; conn: string } | undefined;
  for (const conn of config?.conns ?? []) {
    if (conn.auto === 'ignore' || conn.local === undefined) continue;
    const address = hostAddress(localEnd(conn));
    if (address !== undefined) return { address, source: `conn "${conn.name}"` };
    const family = connFamily(conn);
    if (wanted === undefined && family !== undefined) wanted = { family, conn: conn.name };
  }
  const external = new Set<string>();
  for (const infos of Object.values(interfaces)) for (const i of infos ?? []) if (!i.internal) external.add(i.address);
  const candidates = addressesFromInterfaces(interfaces).filter((a) => external.has(a.address.split('%')[0] ?? ''));
  const ofWanted = wanted && candidates.find((a) => a.family === wanted.family);
  if (ofWanted !== undefined && wanted !== undefined) {
    return { address: ofWanted.address, source: `first IPv${wanted.family} interface address, the family of conn "${wanted.conn}"` };
  }
  const pick = candidates.find((a) => a.family === 4) ?? candidates[0];
  if (pick !== undefined) return { address: pick.address, source: 'first interface address' };
  return { address: '127.0.0.1', source: 'no other address' };
}

/** The address family a conn without a literal local address wants: hostaddrfamily=, else its peer's. */
function connFamily(conn: ConnectionConfig): 4 | 6 | undefined {
  const declared = conn.options.get('hostaddrfamily')?.value;
  if (declared === 'ipv4' || declared === 'ipv6') return declared === 'ipv6' ? 6 : 4;
  const peer = hostAddress(remoteEnd(conn));
  if (peer === undefined) return undefined;
  return peer.includes(':') ? 6 : 4;
}
