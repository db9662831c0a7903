// Messages whose payloads travel inside an SK payload (RFC 7296 §3.14).
import { PayloadType } from '../constants';
import { Writer } from './bytes';
import { IkeParseError } from './errors';
import { IKE_HEADER_LENGTH, type IkeHeader, type IkeHeaderInit, parseIkeHeader, writeIkeHeader } from './header';
import type { Payload } from './payloads';
import { GENERIC_HEADER_LENGTH, parsePayloadChain, serializePayloadChain } from './payload-chain';
import { checkSizes, paddedPlaintextLength, type SkCipher } from './sk-cipher';

/** A decrypted message: `payloads` came out of the SK payload; `unprotected` preceded it in clear (rare). */
export interface DecryptedMessage {
  header: IkeHeader;
  payloads: Payload[];
  unprotected: Payload[];
}

/**
 * Lays out one sealed message: header, one encrypted payload header of `encHeaderLength` octets (4 for SK,
 * 8 for SKF) written by `writeEncHeader`, then IV, content, padding, pad length, ICV; seals it.
 */
export function sealLayout(
  header: IkeHeaderInit,
  payloadType: number,
  encHeaderLength: number,
  writeEncHeader: (w: Writer, payloadLength: number) => void,
  content: Uint8Array,
  cipher: SkCipher,
): Uint8Array {
  const { ivLength, icvLength, blockLength } = cipher.sizes;
  checkSizes(cipher.sizes);
  const plaintextLength = paddedPlaintextLength(content.length, blockLength);
  const padLength = plaintextLength - content.length - 1;
  if (padLength > 255) throw new RangeError(`block length ${blockLength} needs ${padLength} octets of padding`);
  const ivOffset = IKE_HEADER_LENGTH + encHeaderLength;
  const total = ivOffset + ivLength + plaintextLength + icvLength;
  const w = new Writer();
  // The lengths are final before sealing: they are part of the AAD / integrity-protected data.
  writeIkeHeader(w, header, payloadType, total);
  writeEncHeader(w, total - IKE_HEADER_LENGTH);
  if (w.length !== ivOffset) throw new Error('encrypted payload header has the wrong size');
  w.zeros(ivLength);
  w.bytes(content);
  w.zeros(padLength);
  w.u8(padLength);
  w.zeros(icvLength);
  const buf = w.finish();
  const used = cipher.seal(buf, ivOffset, plaintextLength);
  if (used !== total) throw new Error(`cipher sealed ${used} octets, the layout has ${total}`);
  return buf;
}

/** Builds header + SK{innerPayloads}, encrypted and integrity-protected by `cipher`. */
export function buildEncryptedMessage(header: IkeHeaderInit, innerPayloads: readonly Payload[], cipher: SkCipher): Uint8Array {
  const { bytes, firstType } = serializePayloadChain(innerPayloads);
  return sealLayout(header, PayloadType.SK, GENERIC_HEADER_LENGTH, (w, payloadLength) => {
    w.u8(firstType);
    w.u8(0);
    w.u16(payloadLength, 'SK payload length');
  }, bytes, cipher);
}

/**
 * Verifies and decrypts buf[ivOffset..totalLength) in place; returns the inner payload octets (without
 * padding), a copy. Integrity failure is IkeParseError('integrity'); bad sizes or padding are malformed.
 */
export function openLayout(buf: Uint8Array, ivOffset: number, totalLength: number, cipher: SkCipher): Uint8Array {
  const { ivLength, icvLength, blockLength } = cipher.sizes;
  const textLength = totalLength - ivOffset - ivLength - icvLength;
  if (textLength < 1) throw new IkeParseError('bad-length', `encrypted payload too short for IV, pad length and ICV`, ivOffset);
  if (textLength % Math.max(1, blockLength) !== 0) {
    throw new IkeParseError('bad-length', `ciphertext of ${textLength} octets is not whole ${blockLength}-octet blocks`, ivOffset);
  }
  const n = cipher.open(buf, ivOffset, totalLength);
  if (n < 0) throw new IkeParseError('integrity', 'the ICV does not match', ivOffset);
  if (n !== textLength) throw new Error(`cipher opened ${n} octets of ${textLength}`);
  const start = ivOffset + ivLength;
  const padLength = buf[start + n - 1]!;
  if (padLength + 1 > n) throw new IkeParseError('invalid-syntax', `pad length ${padLength} in ${n} octets`, start + n - 1);
  return new Uint8Array(buf.subarray(start, start + n - 1 - padLength)); // a copy, even of a Buffer
}

/**
 * Parses a message carrying an SK payload, verifies and decrypts it (in place: `buf` is overwritten) and
 * parses the inner payloads. Throws IkeParseError only: 'integrity' when the cipher rejects the ICV.
 */
export function openEncryptedMessage(buf: Uint8Array, cipher: SkCipher): DecryptedMessage {
  const header = parseIkeHeader(buf);
  const outer = parsePayloadChain(buf, IKE_HEADER_LENGTH, buf.length, header.nextPayload, true);
  const sk = outer.payloads[outer.payloads.length - 1];
  if (outer.encryptedAt === undefined || sk === undefined || sk.type !== PayloadType.SK) {
    throw new IkeParseError('invalid-syntax', 'no SK payload', IKE_HEADER_LENGTH, header);
  }
  const inner = openLayout(buf, outer.encryptedAt + GENERIC_HEADER_LENGTH, buf.length, cipher);
  const { payloads } = parsePayloadChain(inner, 0, inner.length, sk.firstInnerType, false);
  return { header, payloads, unprotected: outer.payloads.slice(0, -1) };
}
