// The shape of one entry of the payload table: how the body after the generic header is read and written.
import type { Reader, Writer } from './bytes';
import type { Payload } from './payloads';

export interface PayloadCodec<P extends Payload = Payload> {
  /** Octets every body of this type has at least; a shorter Payload Length is 'bad-length'. */
  readonly minBody: number;
  /**
   * Reads the body from `r` (bounded to this payload). `nextField` is the generic header's Next Payload,
   * which SK and SKF keep as the type of their first inner payload.
   */
  parse(r: Reader, type: number, critical: boolean, nextField: number): P;
  write(w: Writer, p: P): void;
}
