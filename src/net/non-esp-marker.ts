// What a UDP datagram on the IKE ports is (RFC 3948): on port 500 only IKE; on the NAT-T port 4500 IKE
// behind a 4-octet non-ESP marker, UDP-encapsulated ESP (its first four octets are a non-zero SPI), or
// a one-octet NAT-keepalive. Pure functions: the socket layer and its tests share them.

/** RFC 3948 §2.2: four zero octets where ESP would have its SPI (SPI 0 never goes on the wire). */
export const NON_ESP_MARKER_LENGTH = 4;
/** RFC 3948 §2.3: a NAT-keepalive is one octet, 0xFF. */
export const NAT_KEEPALIVE_OCTET = 0xff;
/** RFC 7296 §3.1: the fixed IKE header; nothing shorter can be an IKE message. */
export const IKE_HEADER_LENGTH = 28;
/** RFC 4303 §2: SPI and sequence number; nothing shorter can be an ESP packet. */
export const ESP_MIN_LENGTH = 8;

export type MalformedReason = 'empty' | 'short-ike' | 'short-esp' | 'bad-keepalive';

export type Classified =
  /** `data` is the IKE message (marker removed), a view on the received bytes. */
  | { kind: 'ike'; data: Uint8Array }
  | { kind: 'keepalive' }
  /** `data` is the whole ESP packet (SPI first), a view on the received bytes. */
  | { kind: 'esp'; data: Uint8Array }
  | { kind: 'malformed'; reason: MalformedReason };

/** A datagram received on the IKE port (500): IKE as it is, when it can hold an IKE header. */
export function classifyIkePort(datagram: Uint8Array): Classified {
  if (datagram.length === 0) return { kind: 'malformed', reason: 'empty' };
  if (datagram.length < IKE_HEADER_LENGTH) return { kind: 'malformed', reason: 'short-ike' };
  return { kind: 'ike', data: datagram };
}

/** A datagram received on the NAT-T port (4500), per RFC 3948 §2.1–§2.3. */
export function classifyNattPort(datagram: Uint8Array): Classified {
  const n = datagram.length;
  if (n === 0) return { kind: 'malformed', reason: 'empty' };
  if (n === 1) {
    return datagram[0] === NAT_KEEPALIVE_OCTET ? { kind: 'keepalive' } : { kind: 'malformed', reason: 'bad-keepalive' };
  }
  if (n < NON_ESP_MARKER_LENGTH) return { kind: 'malformed', reason: 'short-esp' };
  if (hasNonEspMarker(datagram)) {
    if (n - NON_ESP_MARKER_LENGTH < IKE_HEADER_LENGTH) return { kind: 'malformed', reason: 'short-ike' };
    return { kind: 'ike', data: datagram.subarray(NON_ESP_MARKER_LENGTH) };
  }
  if (n < ESP_MIN_LENGTH) return { kind: 'malformed', reason: 'short-esp' };
  return { kind: 'esp', data: datagram };
}

function hasNonEspMarker(datagram: Uint8Array): boolean {
  return datagram[0] === 0 && datagram[1] === 0 && datagram[2] === 0 && datagram[3] === 0;
}

/** The bytes to put on the wire for an IKE message sent from the NAT-T port: marker, then the message. */
export function withNonEspMarker(message: Uint8Array): Buffer {
  const out = Buffer.alloc(NON_ESP_MARKER_LENGTH + message.length);
  out.set(message, NON_ESP_MARKER_LENGTH);
  return out;
}

/** One NAT-keepalive datagram (RFC 3948 §2.3). */
export function natKeepalive(): Buffer {
  return Buffer.from([NAT_KEEPALIVE_OCTET]);
}
