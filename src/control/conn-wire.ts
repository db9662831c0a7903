// A conn travels from the client (which read ipsec.conf, as Libreswan's addconn does) to the daemon as
// the text of one resolved `conn` section: every keyword with %default and also= merged and host names
// replaced by the addresses the client resolved. The daemon parses that text with the same parser, so
// there is one definition of a conn and no second, hand-written serialisation to drift from it.
import { parseIpsecConfText } from '../config';
import { ConfigLoadError } from '../config/errors';
import type { ConnectionConfig, EndConfig } from '../config/model';
import type { WireConn } from './protocol';
import { isKeyFileValue } from '../config/public-keys';
import * as path from 'node:path';

const KEY_FILE_KEYWORDS = new Set(['leftrsasigkey', 'rightrsasigkey', 'leftecdsakey', 'rightecdsakey']);

function quote(text: string): string {
  return text === '' || /[\s#"]/.test(text) ? `"${text.replace(/"/g, '\\"')}"` : text;
}

function hostText(end: EndConfig, written: string): string {
  return end.host?.kind === 'hostname' && end.host.address ? end.host.address.text : written;
}

/** Client side: the conn as a self-contained `conn` section. */
export function connToWire(conn: ConnectionConfig): WireConn {
  const lines = [`conn ${conn.name}`];
  for (const [key, option] of conn.options) {
    // Defaults are left out (the parser supplies them again, and some, like nexthop=%direct, may not be written).
    if (key === 'also' || option.origin === undefined) continue;
    let text = option.text;
    if (key === 'left') text = hostText(conn.left, text);
    if (key === 'right') text = hostText(conn.right, text);
    // A PEM key file named relative to ipsec.conf: the daemon has no such directory, so it gets the full path.
    if (KEY_FILE_KEYWORDS.has(key) && isKeyFileValue(text) && !path.isAbsolute(text)) text = path.resolve(path.dirname(path.resolve(option.origin.file)), text);
    lines.push(`\t${key}=${quote(text)}`);
  }
  return { name: conn.name, text: `${lines.join('\n')}\n`, local: conn.local ?? null, origin: `${conn.origin.file}:${conn.origin.line}` };
}

/** Daemon side: parses the section back; throws Error with every problem listed. */
export function connFromWire(wire: WireConn): ConnectionConfig {
  let conns: readonly ConnectionConfig[];
  try {
    conns = parseIpsecConfText(wire.text, `whack:${wire.name}`).conns;
  } catch (err) {
    if (err instanceof ConfigLoadError) throw new Error(`conn "${wire.name}" (${wire.origin}) refused: ${err.errors.map((e) => e.message).join('; ')}`);
    throw err;
  }
  const conn = conns.find((c) => c.name === wire.name);
  if (!conn || conns.length !== 1) throw new Error(`the message for conn "${wire.name}" holds ${conns.length} conns`);
  if (wire.local) conn.local = wire.local;
  return conn;
}
