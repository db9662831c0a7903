// Whole unencrypted messages: IKE header + payload chain (RFC 7296 §3.1, §3.2).
import { Writer } from './bytes';
import { IKE_HEADER_LENGTH, type IkeHeader, type IkeHeaderInit, parseIkeHeader, writeIkeHeader } from './header';
import type { Payload } from './payloads';
import { parsePayloadChain, writePayloadChain } from './payload-chain';

export interface IkeMessage<H extends IkeHeaderInit = IkeHeader> {
  header: H;
  payloads: Payload[];
}

/**
 * Parses one datagram as an IKEv2 message. An SK (or SKF) payload stays opaque (see openEncryptedMessage).
 * Throws IkeParseError, and nothing else, on any malformed input.
 */
export function parseMessage(buf: Uint8Array): IkeMessage {
  const header = parseIkeHeader(buf);
  const { payloads } = parsePayloadChain(buf, IKE_HEADER_LENGTH, buf.length, header.nextPayload, true);
  return { header, payloads };
}

/** Serializes a message; the header's Next Payload and Length are computed. */
export function serializeMessage(msg: IkeMessage<IkeHeaderInit>): Uint8Array {
  const w = new Writer();
  w.zeros(IKE_HEADER_LENGTH);
  const first = writePayloadChain(w, msg.payloads);
  const out = w.finish();
  const hw = new Writer();
  writeIkeHeader(hw, msg.header, first, out.length);
  out.set(hw.finish(), 0);
  return out;
}
