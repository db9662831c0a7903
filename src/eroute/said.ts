// SAIDs in ipsec_eroute(8)'s text form: "protoafSPI@address" (esp.135@192.0.2.2, tun:135@2001:db8::2), the
// older "tun0x135@192.0.2.2" that KLIPS printed for IPv4, and the magic SAIDs (%pass, %drop, %reject, %trap,
// %hold, %passthrough, %passthrough4, %passthrough6).
import { isIPv6 } from 'node:net';

import { SAID_PROTOS, type MagicAction, type Said, type SaidProto } from '../control/eroute-wire';

/** The smallest SPI a SAID may name (0..255 are reserved, RFC 4303 §2.1). */
export const MIN_SPI = 0x100;

const MAGIC: Record<string, { action: MagicAction; family?: 4 | 6 }> = {
  '%pass': { action: 'pass' },
  '%passthrough': { action: 'pass' },
  '%passthrough4': { action: 'pass', family: 4 },
  '%passthrough6': { action: 'pass', family: 6 },
  '%drop': { action: 'drop' },
  '%reject': { action: 'reject' },
  '%trap': { action: 'trap' },
  '%hold': { action: 'hold' },
};

/** A SAID as typed: the address may still be a host name (family: what the af character asked for). */
export type SaidText =
  | { kind: 'magic'; action: MagicAction; family?: 4 | 6 }
  | { kind: 'sa'; proto: SaidProto; spi: number; host: string; family?: 4 | 6 };

/** Parses a SAID; a string is the reason it is not one. */
export function parseSaid(text: string): SaidText | string {
  if (text.startsWith('%')) {
    const m = MAGIC[text];
    if (!m) return `unknown magic SAID '${text}' (known: ${Object.keys(MAGIC).join(', ')})`;
    return { kind: 'magic', ...m };
  }
  const at = text.indexOf('@');
  if (at < 0) return `SAID '${text}' has no '@' (the form is protoafSPI@address, e.g. esp.135@192.0.2.2)`;
  const head = text.slice(0, at);
  const host = text.slice(at + 1);
  const proto = SAID_PROTOS.find((p) => head.startsWith(p));
  if (proto === undefined) return `SAID '${text}': the protocol must be one of ${SAID_PROTOS.join(', ')}`;
  const rest = head.slice(proto.length);
  let family: 4 | 6 | undefined;
  let hex: string;
  if (rest.startsWith('0x') || rest.startsWith('0X')) {
    hex = rest.slice(2);
  } else if (rest.startsWith('.') || rest.startsWith(':')) {
    family = rest.startsWith('.') ? 4 : 6;
    hex = rest.slice(1);
  } else {
    return `SAID '${text}': the protocol must be followed by '.' (IPv4), ':' (IPv6) or 0x and the SPI in hexadecimal`;
  }
  if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) return `SAID '${text}': '${hex}' is not an SPI (1 to 8 hexadecimal digits)`;
  const spi = parseInt(hex, 16);
  if (spi < MIN_SPI) return `SAID '${text}': SPI 0x${spi.toString(16)} is below 0x100 (reserved)`;
  if (host === '') return `SAID '${text}' has no address after '@'`;
  return { kind: 'sa', proto, spi, host, ...(family !== undefined ? { family } : {}) };
}

/** KLIPS's printed form: %trap; tun0x135@192.0.2.2 for IPv4; tun:135@2001:db8::2 for IPv6. */
export function formatSaid(said: Said): string {
  if (said.kind === 'magic') return `%${said.action}`;
  const spi = (said.spi >>> 0).toString(16);
  return isIPv6(said.edst) ? `${said.proto}:${spi}@${said.edst}` : `${said.proto}0x${spi}@${said.edst}`;
}
