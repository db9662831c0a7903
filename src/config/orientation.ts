// left/right orientation as Libreswan does it: the end whose address is one of this host's interface
// addresses is "us"; %defaultroute means the default-route interface, so it is us too.
import * as os from 'node:os';

import { ConfigError } from './errors';
import { ConnectionConfig, EndConfig, Side } from './model';
import { parseIp } from './values/address';

/** This host's addresses (canonical text), from the network interfaces. */
export function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      const ip = parseIp(a.address.replace(/%.*$/, ''));
      if (ip) out.push(ip.text);
    }
  }
  return out;
}

function endAddress(e: EndConfig): string | undefined {
  if (e.host?.kind === 'address') return e.host.address.text;
  if (e.host?.kind === 'hostname') return e.host.address?.text;
  return undefined;
}

function isLocal(e: EndConfig, local: ReadonlySet<string>): boolean {
  if (e.host?.kind === 'defaultroute') return true;
  const a = endAddress(e);
  return a !== undefined && local.has(a);
}

/**
 * Decides which end is this host. Returns the side, undefined when neither end is local (the conn
 * cannot be added on this host, which is not a configuration error), or a ConfigError when both are.
 */
export function orient(conn: ConnectionConfig, local: ReadonlySet<string>): Side | undefined | ConfigError {
  const l = isLocal(conn.left, local);
  const r = isLocal(conn.right, local);
  if (l && r) {
    const same = endAddress(conn.left) !== undefined && endAddress(conn.left) === endAddress(conn.right);
    return new ConfigError(conn.options.get('right')?.origin ?? conn.origin, `conn '${conn.name}': both left and right are this host${same ? ' (the same address)' : ''}`, {
      keyword: 'right',
      expected: 'one end to be an address of this host and the other the peer',
      kind: 'value',
    });
  }
  if (l) return 'left';
  if (r) return 'right';
  return undefined;
}
