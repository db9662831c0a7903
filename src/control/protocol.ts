// The control protocol between the daemon and its clients (whack, auto, setup) over RUNDIR/pluto.ctl:
// newline-delimited JSON, one object a line. A request `{v, id, cmd, args}`; the daemon answers with any
// number of `log` lines (Libreswan's numbered progress lines, "002 ...") and one final `done` with an
// exit code. Our own versioned format: compatibility with Libreswan is at the command line, not here.
import type { EngineStatus } from '../ikev2/engine-api';

export const PROTOCOL_VERSION = 1;
/** A line longer than this is refused (a conn is a few KiB; a status of many conns stays well below). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Libreswan's whack return codes (lswlog.h rc_type) that we use. */
export const RC = {
  COMMENT: 0,
  LOG: 2,
  LOG_SERIOUS: 3,
  SUCCESS: 4,
  INFORMATIONAL: 5,
  INFORMATIONAL_TRAFFIC: 6,
  DUPNAME: 20,
  UNKNOWN_NAME: 21,
  ORIENT: 22,
  DEAF: 24,
  ROUTE: 25,
  WHACK_PROBLEM: 33,
  BADWHACKMESSAGE: 50,
  NORETRANSMISSION: 51,
  INTERNAL_ERROR: 52,
} as const;

/** A conn as the client read it from ipsec.conf: its resolved `conn` section text, and its orientation. */
export interface WireConn {
  name: string;
  /** The `conn NAME` section with %default and also= merged (the daemon parses it again). */
  text: string;
  /** Which end is this host, as the client oriented it; null = let the daemon orient. */
  local: 'left' | 'right' | null;
  /** FILE:LINE of the conn, for messages. */
  origin: string;
}

export type Request =
  | { cmd: 'add'; args: { conn: WireConn } }
  | { cmd: 'delete'; args: { name: string } }
  | { cmd: 'initiate'; args: { name: string; asynchronous: boolean } }
  | { cmd: 'terminate'; args: { name: string } }
  | { cmd: 'rekey'; args: { name: string; what: 'ike' | 'child' } }
  | { cmd: 'route'; args: { name: string } }
  | { cmd: 'unroute'; args: { name: string } }
  | { cmd: 'status'; args: Record<string, never> }
  | { cmd: 'trafficstatus'; args: Record<string, never> }
  | { cmd: 'rereadsecrets'; args: Record<string, never> }
  | { cmd: 'listen'; args: Record<string, never> }
  | { cmd: 'debug'; args: { set: string[] } }
  | { cmd: 'shutdown'; args: Record<string, never> };

export type Command = Request['cmd'];
export type RequestFrame = Request & { v: number; id: number };

export interface ConnectionSummary {
  name: string;
  local: 'left' | 'right' | null;
  /** Libreswan's one-line view: "10.0.1.0/24===192.0.2.1[@west]...192.0.2.2[@east]===10.0.2.0/24". */
  spd: string;
  routing: 'unrouted' | 'routed' | 'erouted';
  auto: string;
  ike: string;
  esp: string;
  origin: string;
}

export interface TrafficEntry {
  serial: number;
  connection: string;
  type: 'ESP';
  addTime: number;
  inBytes: number;
  outBytes: number;
  remoteId: string;
}

/** The userspace data path: where it runs and its global counters (packets through, drops by reason). */
export interface DatapathStatus {
  tun: string;
  address: string;
  port: number;
  counters: Record<string, number>;
}

export interface StatusData {
  pid: number;
  kernel: string;
  /** Present when the kernel is the userspace data path. */
  datapath?: DatapathStatus;
  listening: { address: string; port: number }[];
  connections: ConnectionSummary[];
  engine: EngineStatus;
  debug: string[];
}

/** What a final reply carries, by command. */
export type ResultData = { kind: 'status'; status: StatusData } | { kind: 'traffic'; traffic: TrafficEntry[] } | { kind: 'none' };

export type ResponseFrame =
  | { v: number; id: number; type: 'log'; rc: number; text: string }
  | { v: number; id: number; type: 'done'; exitCode: number; message?: string; data: ResultData };

export class ProtocolError extends Error {
  constructor(message: string, readonly rc: number = RC.BADWHACKMESSAGE) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export function encodeFrame(frame: RequestFrame | ResponseFrame): string {
  return `${JSON.stringify(frame)}\n`;
}

/** Splits a byte stream into lines; refuses a line longer than MAX_LINE_BYTES. */
export class LineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, start)) {
      this.pending.push(chunk.subarray(start, i));
      lines.push(Buffer.concat(this.pending).toString('utf8'));
      this.pending = [];
      this.pendingBytes = 0;
      start = i + 1;
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
    }
    if (this.pendingBytes > this.maxBytes) throw new ProtocolError(`control message longer than ${this.maxBytes} bytes`);
    return lines;
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function parseJson(line: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError('control message is not JSON');
  }
  if (!isObject(value)) throw new ProtocolError('control message is not a JSON object');
  return value;
}

function checkVersion(o: JsonObject): void {
  if (o.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(`control protocol version mismatch: got ${JSON.stringify(o.v ?? null)}, this side speaks ${PROTOCOL_VERSION} (are the daemon and the ipsec command from the same build?)`);
  }
}

function str(o: JsonObject, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new ProtocolError(`'${key}' must be a non-empty string`);
  return v;
}

function bool(o: JsonObject, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new ProtocolError(`'${key}' must be true or false`);
  return v;
}

function parseWireConn(o: Json | undefined): WireConn {
  if (!isObject(o)) throw new ProtocolError(`'conn' must be an object`);
  const local = o.local;
  if (local !== null && local !== 'left' && local !== 'right') throw new ProtocolError(`'local' must be "left", "right" or null`);
  return { name: str(o, 'name'), text: str(o, 'text'), local, origin: str(o, 'origin') };
}

const NO_ARGS = new Set<Command>(['status', 'trafficstatus', 'rereadsecrets', 'listen', 'shutdown']);
const NAME_ONLY = new Set<Command>(['delete', 'terminate', 'route', 'unroute']);

/** Parses and checks one request line (the daemon side). */
export function parseRequest(line: string): RequestFrame {
  const o = parseJson(line);
  checkVersion(o);
  const id = o.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new ProtocolError(`'id' must be an integer`);
  const cmd = o.cmd;
  const args = o.args ?? {};
  if (!isObject(args)) throw new ProtocolError(`'args' must be an object`);
  if (typeof cmd !== 'string') throw new ProtocolError(`'cmd' must be a string`);
  const v = PROTOCOL_VERSION;
  if (NO_ARGS.has(cmd as Command)) return { v, id, cmd: cmd as 'status', args: {} };
  if (NAME_ONLY.has(cmd as Command)) return { v, id, cmd: cmd as 'delete', args: { name: str(args, 'name') } };
  switch (cmd) {
    case 'add':
      return { v, id, cmd, args: { conn: parseWireConn(args.conn) } };
    case 'initiate':
      return { v, id, cmd, args: { name: str(args, 'name'), asynchronous: bool(args, 'asynchronous') } };
    case 'rekey': {
      const what = args.what;
      if (what !== 'ike' && what !== 'child') throw new ProtocolError(`'what' must be "ike" or "child"`);
      return { v, id, cmd, args: { name: str(args, 'name'), what } };
    }
    case 'debug': {
      const set = args.set;
      if (!Array.isArray(set) || !set.every((s): s is string => typeof s === 'string')) throw new ProtocolError(`'set' must be a list of strings`);
      return { v, id, cmd, args: { set } };
    }
    default:
      throw new ProtocolError(`unknown control command '${cmd}'`);
  }
}

/** Parses one response line (the client side). The data of a `done` is trusted to be of our build once the version matches. */
export function parseResponse(line: string): ResponseFrame {
  const o = parseJson(line);
  checkVersion(o);
  const id = o.id;
  if (typeof id !== 'number') throw new ProtocolError(`'id' must be a number`);
  if (o.type === 'log') {
    if (typeof o.rc !== 'number' || typeof o.text !== 'string') throw new ProtocolError('a log line needs rc and text');
    return { v: PROTOCOL_VERSION, id, type: 'log', rc: o.rc, text: o.text };
  }
  if (o.type === 'done') {
    if (typeof o.exitCode !== 'number' || !Number.isInteger(o.exitCode) || o.exitCode < 0 || o.exitCode > 255) throw new ProtocolError('a final reply needs an exit code from 0 to 255');
    const data = o.data;
    if (!isObject(data) || (data.kind !== 'status' && data.kind !== 'traffic' && data.kind !== 'none')) throw new ProtocolError('a final reply needs data of a known kind');
    const message = typeof o.message === 'string' ? o.message : undefined;
    return { v: PROTOCOL_VERSION, id, type: 'done', exitCode: o.exitCode, message, data: data as unknown as ResultData };
  }
  throw new ProtocolError(`unknown reply type ${JSON.stringify(o.type ?? null)}`);
}
