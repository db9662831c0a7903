// Netlink framing: building one request (header, fixed struct, attributes, secret patches) and splitting
// a received datagram into messages and attributes. NLMSG_ALIGN / NLA_ALIGN are both 4 bytes.
import type { SecretBytes } from '../../native/secret';
import type { SecretPatch } from '../../native/netlink';
import { NLMSG, NLMSG_HDRLEN, NLMSGERR_ATTR, NLM_F } from './constants';
import { XfrmCodecError } from './structs';

const align4 = (n: number): number => (n + 3) & ~3;

/** A request ready for NetlinkSocket.send: the bytes (key bytes left zero) and where the keys go. */
export interface EncodedRequest {
  bytes: Buffer;
  patches: SecretPatch[];
  seq: number;
  type: number;
  flags: number;
}

export class RequestBuilder {
  private readonly parts: Buffer[] = [];
  private length = NLMSG_HDRLEN;
  private readonly patches: SecretPatch[] = [];

  constructor(
    private readonly type: number,
    private readonly flags: number,
    private readonly seq: number,
  ) {}

  /** Appends a fixed structure (not padded: nlmsg_len = NLMSG_LENGTH(sizeof), as iproute2 sends it). */
  struct(body: Buffer): this {
    this.push(body, false);
    return this;
  }

  /** Appends a netlink attribute. `secret` goes at `secretOffset` within `payload` (left zero here). */
  attr(type: number, payload: Buffer, secret?: { offset: number; bytes: SecretBytes }): this {
    const header = Buffer.alloc(4);
    const len = 4 + payload.length;
    if (len > 0xffff) throw new XfrmCodecError(`attribute ${type} is too long (${len} bytes)`);
    header.writeUInt16LE(len, 0);
    header.writeUInt16LE(type, 2);
    if (secret) this.patches.push([align4(this.length) + 4 + secret.offset, secret.bytes]);
    this.push(Buffer.concat([header, payload]), true);
    return this;
  }

  finish(): EncodedRequest {
    const header = Buffer.alloc(NLMSG_HDRLEN);
    header.writeUInt32LE(this.length, 0);
    header.writeUInt16LE(this.type, 4);
    header.writeUInt16LE(this.flags, 6);
    header.writeUInt32LE(this.seq >>> 0, 8);
    header.writeUInt32LE(0, 12);
    return { bytes: Buffer.concat([header, ...this.parts]), patches: this.patches, seq: this.seq, type: this.type, flags: this.flags };
  }

  /** Aligns what is there to 4 bytes, then appends `body` (padded itself for an attribute: RTA_ALIGN). */
  private push(body: Buffer, pad: boolean): void {
    const gap = align4(this.length) - this.length;
    if (gap > 0) this.parts.push(Buffer.alloc(gap));
    const padded = pad ? align4(body.length) : body.length;
    this.parts.push(padded === body.length ? body : Buffer.concat([body, Buffer.alloc(padded - body.length)]));
    this.length += gap + padded;
  }
}

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** The bytes after the 16-byte header. */
  payload: Buffer;
}

/** Splits a datagram into messages; a truncated or malformed one ends the walk with an error. */
export function splitMessages(datagram: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= datagram.length) {
    const len = datagram.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > datagram.length) throw new XfrmCodecError(`netlink message of length ${len} at ${off} overruns the ${datagram.length}-byte datagram`);
    out.push({
      type: datagram.readUInt16LE(off + 4),
      flags: datagram.readUInt16LE(off + 6),
      seq: datagram.readUInt32LE(off + 8),
      pid: datagram.readUInt32LE(off + 12),
      payload: datagram.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Attributes after a fixed structure of `start` bytes: type → payload (the last wins on repeats). */
export function parseAttributes(payload: Buffer, start: number): Map<number, Buffer> {
  const attrs = new Map<number, Buffer>();
  let off = align4(start);
  while (off + 4 <= payload.length) {
    const len = payload.readUInt16LE(off);
    if (len < 4 || off + len > payload.length) throw new XfrmCodecError(`attribute of length ${len} at ${off} overruns its ${payload.length}-byte message`);
    // NLA_F_NESTED / NLA_F_NET_BYTEORDER live in the top bits of the type.
    attrs.set(payload.readUInt16LE(off + 2) & 0x3fff, payload.subarray(off + 4, off + len));
    off += align4(len);
  }
  return attrs;
}

export interface NetlinkErrorReply {
  /** 0 for an ACK, else a positive errno. */
  errno: number;
  /** The sequence number of the request it answers. */
  requestSeq: number;
  /** Extended ACK text ("Requested type not found"), when the kernel gave one. */
  message?: string;
}

/** Parses a NLMSG_ERROR payload: struct nlmsgerr { int error; struct nlmsghdr msg; } + extack TLVs. */
export function parseErrorReply(msg: NetlinkMessage): NetlinkErrorReply {
  if (msg.type !== NLMSG.ERROR || msg.payload.length < 4 + NLMSG_HDRLEN) throw new XfrmCodecError('not a NLMSG_ERROR message');
  const error = msg.payload.readInt32LE(0);
  const requestSeq = msg.payload.readUInt32LE(4 + 8);
  const reply: NetlinkErrorReply = { errno: error === 0 ? 0 : -error, requestSeq };
  if (msg.flags & NLM_F.ACK_TLVS) {
    // With NLM_F_CAPPED only the request's header was echoed; otherwise the whole request.
    const echoed = msg.flags & NLM_F.CAPPED ? NLMSG_HDRLEN : msg.payload.readUInt32LE(4);
    const tlvs = parseAttributes(msg.payload, 4 + echoed);
    const text = tlvs.get(NLMSGERR_ATTR.MSG);
    if (text) reply.message = text.toString('utf8').replace(/\0.*$/s, '');
  }
  return reply;
}
