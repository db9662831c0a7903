// The IKE header (RFC 7296 §3.1): 28 octets before the first payload.
import { HeaderFlag, IKE_MAJOR_VERSION, IKE_MINOR_VERSION } from '../constants';
import { Reader, Writer } from './bytes';
import { IkeParseError } from './errors';

export const IKE_HEADER_LENGTH = 28;
export const SPI_LENGTH = 8;

/** What a sender chooses; the codec fills in next payload, version and length. */
export interface IkeHeaderInit {
  initiatorSpi: Uint8Array;
  /** All zeros in the first IKE_SA_INIT request. */
  responderSpi: Uint8Array;
  exchangeType: number;
  messageId: number;
  /** I flag: set in messages sent by the original initiator of the IKE SA. */
  initiator: boolean;
  /** R flag: set in responses. */
  response: boolean;
  /** V flag: "I could speak a higher major version"; we never set it (defaults to false). */
  higherVersion?: boolean;
  /** Defaults 2 and 0; other values only for tests. */
  majorVersion?: number;
  minorVersion?: number;
}

/** A header as read from the wire. */
export interface IkeHeader extends IkeHeaderInit {
  nextPayload: number;
  majorVersion: number;
  minorVersion: number;
  higherVersion: boolean;
  /** The raw flags octet (reserved bits must be ignored on receipt, §3.1, but are kept for logging). */
  flags: number;
  /** The Length field: the whole message, equal to the datagram length once parsed. */
  length: number;
}

/**
 * Reads the header of `buf` and checks it is a whole IKEv2 message: at least 28 octets and a Length field
 * equal to the datagram length. Version is not checked here (see parseIkeHeaderStrict) so a caller can
 * look at a version-mismatched header.
 */
export function readIkeHeader(buf: Uint8Array): IkeHeader {
  if (buf.length < IKE_HEADER_LENGTH) {
    throw new IkeParseError('truncated', `an IKE message needs ${IKE_HEADER_LENGTH} octets, got ${buf.length}`, 0);
  }
  const r = new Reader(buf, 0, IKE_HEADER_LENGTH);
  const initiatorSpi = r.bytes(SPI_LENGTH, 'initiator SPI');
  const responderSpi = r.bytes(SPI_LENGTH, 'responder SPI');
  const nextPayload = r.u8('next payload');
  const version = r.u8('version');
  const exchangeType = r.u8('exchange type');
  const flags = r.u8('flags');
  const messageId = r.u32('message id');
  const length = r.u32('length');
  const header: IkeHeader = {
    initiatorSpi,
    responderSpi,
    nextPayload,
    majorVersion: version >> 4,
    minorVersion: version & 0x0f,
    exchangeType,
    flags,
    initiator: (flags & HeaderFlag.INITIATOR) !== 0,
    response: (flags & HeaderFlag.RESPONSE) !== 0,
    higherVersion: (flags & HeaderFlag.VERSION) !== 0,
    messageId,
    length,
  };
  if (length !== buf.length) {
    throw new IkeParseError('bad-length', `header length ${length} but the datagram has ${buf.length} octets`, 24, header);
  }
  return header;
}

/** readIkeHeader plus the version rule: major must be 2 (minor versions are ignored, §2.5). */
export function parseIkeHeader(buf: Uint8Array): IkeHeader {
  const header = readIkeHeader(buf);
  if (header.majorVersion !== IKE_MAJOR_VERSION) {
    throw new IkeParseError('unsupported-version', `major version ${header.majorVersion}`, 17, header);
  }
  return header;
}

/** Writes the 28-octet header; `length` is the whole message. */
export function writeIkeHeader(w: Writer, h: IkeHeaderInit, nextPayload: number, length: number): void {
  if (h.initiatorSpi.length !== SPI_LENGTH || h.responderSpi.length !== SPI_LENGTH) {
    throw new RangeError('IKE SPIs are 8 octets');
  }
  w.bytes(h.initiatorSpi);
  w.bytes(h.responderSpi);
  w.u8(nextPayload, 'next payload');
  const major = h.majorVersion ?? IKE_MAJOR_VERSION;
  const minor = h.minorVersion ?? IKE_MINOR_VERSION;
  if (major > 15 || minor > 15) throw new RangeError('version numbers are 4 bits');
  w.u8((major << 4) | minor);
  w.u8(h.exchangeType, 'exchange type');
  w.u8(
    (h.initiator ? HeaderFlag.INITIATOR : 0) | (h.response ? HeaderFlag.RESPONSE : 0) | (h.higherVersion ? HeaderFlag.VERSION : 0),
  );
  w.u32(h.messageId, 'message id');
  w.u32(length, 'message length');
}
