// A minimal client of strongSwan's vici protocol (its control socket), enough to read charon's SAs as
// structured data instead of scraping `swanctl --list-sas` text. Wire format: strongSwan's
// src/libcharon/plugins/vici/README.md (32-bit length, packet type, named commands/events, and messages
// made of sections, key/values and lists).
import * as net from 'node:net';

export type ViciValue = string | string[] | ViciSection;
export interface ViciSection {
  [key: string]: ViciValue;
}

const CMD_REQUEST = 0;
const CMD_RESPONSE = 1;
const CMD_UNKNOWN = 2;
const EVENT_REGISTER = 3;
const EVENT_UNREGISTER = 4;
const EVENT_CONFIRM = 5;
const EVENT_UNKNOWN = 6;
const EVENT = 7;

const SECTION_START = 1;
const SECTION_END = 2;
const KEY_VALUE = 3;
const LIST_START = 4;
const LIST_ITEM = 5;
const LIST_END = 6;

function name8(name: string): Buffer {
  const b = Buffer.from(name, 'utf8');
  if (b.length > 255) throw new Error(`vici name too long: ${name}`);
  return Buffer.concat([Buffer.from([b.length]), b]);
}

function value16(value: string): Buffer {
  const b = Buffer.from(value, 'utf8');
  if (b.length > 0xffff) throw new Error('vici value too long');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

export function encodeMessage(section: ViciSection): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(section)) {
    if (typeof value === 'string') parts.push(Buffer.from([KEY_VALUE]), name8(key), value16(value));
    else if (Array.isArray(value)) {
      parts.push(Buffer.from([LIST_START]), name8(key));
      for (const item of value) parts.push(Buffer.from([LIST_ITEM]), value16(item));
      parts.push(Buffer.from([LIST_END]));
    } else parts.push(Buffer.from([SECTION_START]), name8(key), encodeMessage(value), Buffer.from([SECTION_END]));
  }
  return Buffer.concat(parts);
}

export function decodeMessage(buf: Buffer): ViciSection {
  const root: ViciSection = {};
  const stack: ViciSection[] = [root];
  let list: string[] | null = null;
  let off = 0;
  const need = (n: number): void => {
    if (off + n > buf.length) throw new Error('truncated vici message');
  };
  const readName = (): string => {
    need(1);
    const len = buf[off++]!;
    need(len);
    const s = buf.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  const readValue = (): string => {
    need(2);
    const len = buf.readUInt16BE(off);
    off += 2;
    need(len);
    const s = buf.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  while (off < buf.length) {
    const type = buf[off++]!;
    const top = stack[stack.length - 1]!;
    switch (type) {
      case SECTION_START: {
        const s: ViciSection = {};
        top[readName()] = s;
        stack.push(s);
        break;
      }
      case SECTION_END:
        if (stack.length === 1) throw new Error('unbalanced vici section end');
        stack.pop();
        break;
      case KEY_VALUE: {
        const k = readName();
        top[k] = readValue();
        break;
      }
      case LIST_START:
        list = [];
        top[readName()] = list;
        break;
      case LIST_ITEM:
        if (!list) throw new Error('vici list item outside a list');
        list.push(readValue());
        break;
      case LIST_END:
        list = null;
        break;
      default:
        throw new Error(`unknown vici element type ${type}`);
    }
  }
  return root;
}

interface Packet {
  type: number;
  name?: string;
  message?: ViciSection;
}

/** One connection to charon's vici socket; requests are answered in order. */
export class ViciClient {
  private readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private waiters: Array<{ resolve: (p: Packet) => void; reject: (e: Error) => void }> = [];
  private eventHandler: ((name: string, msg: ViciSection) => void) | null = null;
  private closedError: Error | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => this.onData(d));
    const fail = (e: Error): void => {
      this.closedError = e;
      for (const w of this.waiters.splice(0)) w.reject(e);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('vici socket closed')));
  }

  static connect(path: string, timeoutMs = 5000): Promise<ViciClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`vici connect to ${path} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new ViciClient(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    while (this.buffer.length >= 4) {
      const len = this.buffer.readUInt32BE(0);
      if (this.buffer.length < 4 + len) break;
      const pkt = this.buffer.subarray(4, 4 + len);
      this.buffer = this.buffer.subarray(4 + len);
      this.onPacket(pkt);
    }
  }

  private onPacket(pkt: Buffer): void {
    const type = pkt[0]!;
    let off = 1;
    let name: string | undefined;
    if (type === EVENT) {
      const len = pkt[off++]!;
      name = pkt.toString('utf8', off, off + len);
      off += len;
      this.eventHandler?.(name, decodeMessage(pkt.subarray(off)));
      return;
    }
    const message = type === CMD_RESPONSE ? decodeMessage(pkt.subarray(off)) : undefined;
    this.waiters.shift()?.resolve({ type, name, message });
  }

  /** Every answer must come within this time (charon answers at once, or its threads are stuck). */
  timeoutMs = 10_000;

  private send(type: number, name: string, message?: ViciSection): Promise<Packet> {
    if (this.closedError) return Promise.reject(this.closedError);
    const body = Buffer.concat([Buffer.from([type]), name8(name), message ? encodeMessage(message) : Buffer.alloc(0)]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const e = new Error(`vici: no answer to ${name} within ${this.timeoutMs} ms`);
        this.closedError = e;
        for (const w of this.waiters.splice(0)) w.reject(e);
        this.socket.destroy();
      }, this.timeoutMs);
      this.waiters.push({
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(Buffer.concat([len, body]));
    });
  }

  /** A command; streamed events named `eventName` (e.g. "list-sa") are collected while it runs. */
  async request(command: string, message: ViciSection = {}, eventName?: string): Promise<{ response: ViciSection; events: ViciSection[] }> {
    const events: ViciSection[] = [];
    if (eventName) {
      const reg = await this.send(EVENT_REGISTER, eventName);
      if (reg.type === EVENT_UNKNOWN) throw new Error(`vici: unknown event ${eventName}`);
      if (reg.type !== EVENT_CONFIRM) throw new Error(`vici: event register answered with type ${reg.type}`);
      this.eventHandler = (name, msg) => {
        if (name === eventName) events.push(msg);
      };
    }
    try {
      const res = await this.send(CMD_REQUEST, command, message);
      if (res.type === CMD_UNKNOWN) throw new Error(`vici: unknown command ${command}`);
      if (res.type !== CMD_RESPONSE || !res.message) throw new Error(`vici: ${command} answered with type ${res.type}`);
      return { response: res.message, events };
    } finally {
      if (eventName) {
        this.eventHandler = null;
        await this.send(EVENT_UNREGISTER, eventName).catch(() => undefined);
      }
    }
  }
}
