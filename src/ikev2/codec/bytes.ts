// Bounds-checked reading and growable writing of network-order fields.
import { IkeParseError, type IkeParseReason } from './errors';

/** Reads big-endian fields from buf[pos, end); any read past `end` raises IkeParseError('truncated'). */
export class Reader {
  private readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (n > this.end - this.pos) throw new IkeParseError('truncated', `${what}: needs ${n} octets, ${this.remaining} left`, this.pos);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  /** A copy, so parsed values never alias a buffer that is later decrypted or reused. */
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    // new Uint8Array(view) copies; Buffer#slice would not (it returns a view of the same memory).
    const out = new Uint8Array(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining, 'rest');
  }

  /**
   * A reader over the next `length` octets (a substructure with its own length field); the length must fit
   * in what remains. This reader moves past it.
   */
  sub(length: number, what: string, reason: IkeParseReason = 'bad-length'): Reader {
    if (length > this.remaining) {
      throw new IkeParseError(reason, `${what}: length ${length} exceeds the ${this.remaining} octets left`, this.pos);
    }
    const r = new Reader(this.buf, this.pos, this.pos + length);
    this.pos += length;
    return r;
  }

  expectEnd(what: string): void {
    if (this.pos !== this.end) {
      throw new IkeParseError('bad-length', `${what}: ${this.end - this.pos} unexplained octets at the end`, this.pos);
    }
  }
}

/** Appends big-endian fields to a growing buffer; lengths are patched in once known. */
export class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number, what = 'u8'): void {
    checkRange(v, 0xff, what);
    this.grow(1);
    this.buf[this.length++] = v;
  }

  u16(v: number, what = 'u16'): void {
    checkRange(v, 0xffff, what);
    this.grow(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
  }

  u32(v: number, what = 'u32'): void {
    checkRange(v, 0xffffffff, what);
    this.grow(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }

  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  zeros(n: number): void {
    this.grow(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }

  patchU8(at: number, v: number, what = 'u8'): void {
    checkRange(v, 0xff, what);
    this.buf[at] = v;
  }

  patchU16(at: number, v: number, what = 'u16'): void {
    checkRange(v, 0xffff, what);
    this.view.setUint16(at, v);
  }

  finish(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.length));
  }
}

/** Values to serialize come from our own code: out of range is a programming error (RangeError). */
function checkRange(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what}: ${v} is not an integer in [0, ${max}]`);
}
