// Orientation for pluto when both ends of a conn are addresses of this host: as Libreswan does for
// several plutos on one machine, the end whose IKE port (leftikeport/rightikeport, default 500) is the
// port this pluto listens on (--ike-port) is us. Everything else is the usual address-only orientation.
import { ConfigError } from '../config/errors';
import type { LoadedConfig } from '../config/model';
import { localAddresses, orient } from '../config/orientation';
import { parseIp } from '../config/values/address';

const IKE_PORT = 500;

/**
 * Orients every conn of a config loaded without orientation (localAddresses: []). Returns the errors of
 * conns that stay ambiguous (both ends local and the ports do not tell them apart).
 */
export function orientWithPorts(config: LoadedConfig, ikePort: number, addresses: readonly string[] = localAddresses()): ConfigError[] {
  const local = new Set(addresses.map((a) => parseIp(a)?.text ?? a));
  const errors: ConfigError[] = [];
  for (const conn of config.conns) {
    const side = orient(conn, local);
    if (!(side instanceof ConfigError)) {
      conn.local = side;
      continue;
    }
    const leftPort = conn.left.ikeport ?? IKE_PORT;
    const rightPort = conn.right.ikeport ?? IKE_PORT;
    if (ikePort !== 0 && leftPort !== rightPort && (leftPort === ikePort || rightPort === ikePort)) {
      conn.local = leftPort === ikePort ? 'left' : 'right';
    } else {
      conn.local = undefined;
      errors.push(side);
    }
  }
  return errors;
}
