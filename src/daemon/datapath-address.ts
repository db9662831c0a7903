// Where the userspace data path binds its one ESP-in-UDP socket (it owns that address's NAT-T port): the
// first --listen address; else the local host address of the first conn loaded from --config; else the first
// non-loopback interface address (IPv4 before IPv6); else 127.0.0.1. One data path carries one address:
// a conn added later whose local address differs negotiates, but its ESP leaves from this address (the daemon
// warns when such a conn is added).
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

import type { LoadedConfig } from '../config/model';
import { hostAddress, localEnd } from '../ikev2/connection';
import { addressesFromInterfaces } from '../net/local-addresses';

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
  if (first !== undefined) return { address: first, source: '--listen' };
  for (const conn of config?.conns ?? []) {
    if (conn.auto === 'ignore' || conn.local === undefined) continue;
    const address = hostAddress(localEnd(conn));
    if (address !== undefined) return { address, source: `conn "${conn.name}"` };
  }
  const external = new Set<string>();
  for (const infos of Object.values(interfaces)) for (const i of infos ?? []) if (!i.internal) external.add(i.address);
  const candidates = addressesFromInterfaces(interfaces).filter((a) => external.has(a.address.split('%')[0] ?? ''));
  const pick = candidates.find((a) => a.family === 4) ?? candidates[0];
  if (pick !== undefined) return { address: pick.address, source: 'first interface address' };
  return { address: '127.0.0.1', source: 'no other address' };
}
