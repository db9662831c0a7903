// The little DER that swanlet needs (RFC 7427 AlgorithmIdentifiers, DER_ASN1_DN IDs): TLVs built and read
// back with definite lengths only, and OBJECT IDENTIFIERs. Anything malformed throws DerError.

export class DerError extends Error {}

export interface DerNode {
  tag: number;
  /** The content octets. */
  value: Uint8Array;
  /** The whole TLV. */
  raw: Uint8Array;
}

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  return new Uint8Array(Buffer.concat([Buffer.from([tag, ...lengthOctets(body.length)]), body]));
}

export const seq = (...parts: Uint8Array[]): Uint8Array => tlv(0x30, ...parts);
export const derNull = (): Uint8Array => new Uint8Array([0x05, 0x00]);

export function derInt(n: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, new Uint8Array(bytes));
}

/** An OBJECT IDENTIFIER (the whole TLV) from its dotted form. */
export function oid(dotted: string): Uint8Array {
  return tlv(0x06, oidContent(dotted));
}

/** The content octets of an OBJECT IDENTIFIER. */
export function oidContent(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const groups: number[] = [];
    let v = arc;
    do {
      groups.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < groups.length - 1; i++) groups[i]! |= 0x80;
    out.push(...groups);
  }
  return new Uint8Array(out);
}

/** The dotted form of an OBJECT IDENTIFIER's content octets. */
export function oidText(value: Uint8Array): string {
  if (value.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const first = value[0]!;
  const arcs: number[] = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  let v = 0;
  for (let i = 1; i < value.length; i++) {
    v = v * 128 + (value[i]! & 0x7f);
    if ((value[i]! & 0x80) === 0) {
      arcs.push(v);
      v = 0;
    } else if (i === value.length - 1) {
      throw new DerError('truncated OBJECT IDENTIFIER');
    }
  }
  return arcs.join('.');
}

/** Reads one TLV at `offset`. */
export function readTlv(data: Uint8Array, offset = 0): DerNode {
  if (offset + 2 > data.length) throw new DerError('truncated DER');
  const tag = data[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-octet DER tags are not supported');
  let len = data[offset + 1]!;
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3) throw new DerError('unsupported DER length');
    if (offset + 2 + n > data.length) throw new DerError('truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + data[offset + 2 + i]!;
    head += n;
  }
  const end = offset + head + len;
  if (end > data.length) throw new DerError('DER value runs past its end');
  return { tag, value: data.subarray(offset + head, end), raw: data.subarray(offset, end) };
}

/** The TLVs that fill `data` exactly (the content of a SEQUENCE). */
export function readAll(data: Uint8Array): DerNode[] {
  const out: DerNode[] = [];
  for (let off = 0; off < data.length;) {
    const n = readTlv(data, off);
    out.push(n);
    off += n.raw.length;
  }
  return out;
}
