// Which local addresses get a pair of IKE sockets: the --listen address, or every address of every
// interface (as pluto does, so that each received datagram's local address is known: node's dgram
// cannot report the destination address of a datagram received on a wildcard socket). Pure functions.
import { isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

export interface LocalAddress {
  /** Canonical text; an IPv6 link-local address carries its zone: "fe80::1%eth0". */
  address: string;
  family: 4 | 6;
}

export interface ScanOptions {
  ipv4?: boolean;
  ipv6?: boolean;
  /** Also bind IPv6 link-local addresses (scoped by interface name); off by default, as they need a zone. */
  linkLocal?: boolean;
}

export class ListenAddressError extends Error {
  readonly code = 'ERR_IKE_LISTEN_ADDRESS';
}

/** The one text form of an address, so that "::1" and "0:0::1" name the same socket. */
export function canonicalAddress(text: string): string {
  const zoneAt = text.indexOf('%');
  const bare = zoneAt < 0 ? text : text.slice(0, zoneAt);
  const zone = zoneAt < 0 ? '' : text.slice(zoneAt);
  const family = isIP(bare);
  if (family === 4) {
    if (zone) throw new ListenAddressError(`an IPv4 address has no scope: "${text}"`);
    return bare;
  }
  if (family !== 6) throw new ListenAddressError(`not an IP address: "${text}"`);
  if (zone === '%') throw new ListenAddressError(`empty scope in "${text}"`);
  // The WHATWG URL parser prints IPv6 in RFC 5952 form (lower case, longest zero run compressed).
  const host = new URL(`http://[${bare}]/`).hostname;
  return host.slice(1, -1) + zone;
}

export function familyOf(address: string): 4 | 6 {
  const zoneAt = address.indexOf('%');
  return isIP(zoneAt < 0 ? address : address.slice(0, zoneAt)) === 6 ? 6 : 4;
}

/** fe80::/10 */
export function isLinkLocalV6(address: string): boolean {
  if (familyOf(address) !== 6) return false;
  // Canonical form has no leading zeros, so the first group is the text before the first colon.
  const firstGroup = canonicalAddress(address).split(':')[0] ?? '';
  return (parseInt(firstGroup || '0', 16) & 0xffc0) === 0xfe80;
}

/** A --listen address: an IPv4 or IPv6 address; a link-local IPv6 address must name its zone. */
export function parseListenAddress(text: string): LocalAddress {
  const address = canonicalAddress(text.trim());
  const family = familyOf(address);
  if (family === 6 && isLinkLocalV6(address) && !address.includes('%')) {
    throw new ListenAddressError(`link-local address "${text}" needs a scope, e.g. ${address}%eth0`);
  }
  return { address, family };
}

/** Every usable address of the interfaces (os.networkInterfaces() shape), without duplicates. */
export function addressesFromInterfaces(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  options: ScanOptions = {},
): LocalAddress[] {
  const wantV4 = options.ipv4 ?? true;
  const wantV6 = options.ipv6 ?? true;
  const seen = new Set<string>();
  const out: LocalAddress[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      const family = info.family === 'IPv6' || (info.family as unknown) === 6 ? 6 : 4;
      if ((family === 4 && !wantV4) || (family === 6 && !wantV6)) continue;
      let address: string;
      try {
        address = canonicalAddress(info.address);
      } catch {
        continue;
      }
      if (family === 6 && isLinkLocalV6(address)) {
        if (!options.linkLocal) continue;
        if (!address.includes('%')) address = `${address}%${name}`;
      }
      if (seen.has(address)) continue;
      seen.add(address);
      out.push({ address, family });
    }
  }
  return out;
}
