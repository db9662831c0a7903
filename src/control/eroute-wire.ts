// `ipsec eroute` over the control socket: what the client asks (list, add, replace, del, clear) and the
// table the daemon answers with. Everything on the wire is numeric: the client resolved host, service and
// protocol names before sending.
import type { KernelSelector } from '../kernel/kernel';
import { ProtocolError } from './protocol-error';

/** The magic SAIDs of ipsec_eroute(8) (%passthrough* are %pass). */
export type MagicAction = 'pass' | 'drop' | 'reject' | 'hold' | 'trap';
export const MAGIC_ACTIONS: readonly MagicAction[] = ['pass', 'drop', 'reject', 'hold', 'trap'];

/** The SA protocols a SAID can name ("tun" is the tunnel-mode ESP SA, as in KLIPS's SA groups). */
export type SaidProto = 'ah' | 'esp' | 'comp' | 'tun';
export const SAID_PROTOS: readonly SaidProto[] = ['ah', 'esp', 'comp', 'tun'];

export type Said =
  | { kind: 'magic'; action: MagicAction }
  /** proto, SPI, effective destination (an address: the client resolved names). */
  | { kind: 'sa'; proto: SaidProto; spi: number; edst: string };

/** One line of the table: a packet count (0 when the kernel keeps none), the selector, the SAID. */
export interface ErouteEntry {
  packets: number;
  selector: KernelSelector;
  said: Said;
}

export type ErouteArgs =
  | { op: 'list' }
  | { op: 'add' | 'replace'; selector: KernelSelector; said: Said }
  /** The SAID, when given, must be the one the eroute has. */
  | { op: 'del'; selector: KernelSelector; said: Said | null }
  | { op: 'clear' };

type JsonRecord = { [key: string]: unknown };

const isRecord = (x: unknown): x is JsonRecord => typeof x === 'object' && x !== null && !Array.isArray(x);

function uint(o: JsonRecord, key: string, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new ProtocolError(`'${key}' must be an integer from 0 to ${max}`);
  return v;
}

function text(o: JsonRecord, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new ProtocolError(`'${key}' must be a non-empty string`);
  return v;
}

export function parseSelectorWire(x: unknown): KernelSelector {
  if (!isRecord(x)) throw new ProtocolError(`'selector' must be an object`);
  return {
    src: text(x, 'src'),
    dst: text(x, 'dst'),
    proto: uint(x, 'proto', 255),
    srcPort: uint(x, 'srcPort', 65535),
    dstPort: uint(x, 'dstPort', 65535),
  };
}

export function parseSaidWire(x: unknown): Said {
  if (!isRecord(x)) throw new ProtocolError(`'said' must be an object`);
  if (x.kind === 'magic') {
    const action = MAGIC_ACTIONS.find((a) => a === x.action);
    if (action === undefined) throw new ProtocolError(`'action' must be one of ${MAGIC_ACTIONS.join(', ')}`);
    return { kind: 'magic', action };
  }
  if (x.kind === 'sa') {
    const proto = SAID_PROTOS.find((p) => p === x.proto);
    if (proto === undefined) throw new ProtocolError(`'proto' must be one of ${SAID_PROTOS.join(', ')}`);
    return { kind: 'sa', proto, spi: uint(x, 'spi', 0xffffffff), edst: text(x, 'edst') };
  }
  throw new ProtocolError(`'said' must be of kind "magic" or "sa"`);
}

/** The daemon side: checks the `args` of an eroute request. */
export function parseErouteArgs(args: JsonRecord): ErouteArgs {
  switch (args.op) {
    case 'list':
    case 'clear':
      return { op: args.op };
    case 'add':
    case 'replace':
      return { op: args.op, selector: parseSelectorWire(args.selector), said: parseSaidWire(args.said) };
    case 'del':
      return { op: 'del', selector: parseSelectorWire(args.selector), said: args.said === null || args.said === undefined ? null : parseSaidWire(args.said) };
    default:
      throw new ProtocolError(`'op' must be one of list, add, replace, del, clear`);
  }
}
