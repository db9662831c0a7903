// Splitting an encrypted message into Encrypted Fragment payloads (RFC 7383 §2.5).
import { PayloadType } from '../constants';
import { sealLayout } from './encrypted';
import { IKE_HEADER_LENGTH, type IkeHeaderInit } from './header';
import type { Payload } from './payloads';
import { serializePayloadChain } from './payload-chain';
import { type SkCipher } from './sk-cipher';

/** SKF generic header (4) + Fragment Number (2) + Total Fragments (2). */
export const SKF_HEADER_LENGTH = 8;

/**
 * The most inner-payload octets one fragment can carry when each fragment's IKE message may be at most
 * `maxMessageSize` octets (the UDP payload: callers subtract IP and UDP headers and, on port 4500, the
 * 4-octet non-ESP marker, from the path MTU; RFC 7383 §2.5.1 suggests 1280 for IPv6 and 576 for IPv4).
 */
export function fragmentCapacity(maxMessageSize: number, cipher: SkCipher): number {
  const { ivLength, icvLength, blockLength } = cipher.sizes;
  const block = Math.max(1, blockLength);
  const room = maxMessageSize - IKE_HEADER_LENGTH - SKF_HEADER_LENGTH - ivLength - icvLength;
  return Math.floor(room / block) * block - 1; // the last octet of the padded text is Pad Length
}

/**
 * Serializes `innerPayloads` once and cuts the octets into as few fragments as fit `maxMessageSize`; each
 * fragment is a whole IKE message (same header, same message id) with one SKF payload, sealed on its own.
 * The first fragment's Next Payload is the first inner payload's type, the others' is 0 (§2.5).
 */
export function fragmentMessage(
  header: IkeHeaderInit,
  innerPayloads: readonly Payload[],
  cipher: SkCipher,
  maxMessageSize: number,
): Uint8Array[] {
  const capacity = fragmentCapacity(maxMessageSize, cipher);
  if (capacity < 1) throw new RangeError(`a ${maxMessageSize}-octet message cannot hold a fragment with this cipher`);
  const { bytes, firstType } = serializePayloadChain(innerPayloads);
  const total = Math.max(1, Math.ceil(bytes.length / capacity));
  if (total > 0xffff) throw new RangeError(`${total} fragments do not fit the 16-bit Total Fragments field`);
  const out: Uint8Array[] = [];
  for (let number = 1; number <= total; number++) {
    const chunk = bytes.subarray((number - 1) * capacity, number * capacity);
    out.push(
      sealLayout(header, PayloadType.SKF, SKF_HEADER_LENGTH, (w, payloadLength) => {
        w.u8(number === 1 ? firstType : PayloadType.NONE);
        w.u8(0);
        w.u16(payloadLength, 'SKF payload length');
        w.u16(number);
        w.u16(total);
      }, chunk, cipher),
    );
  }
  return out;
}
