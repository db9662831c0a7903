// The one error a malformed IKE message raises: parsing never throws anything else.
import type { IkeHeader } from './header';

/**
 * Why a message was refused:
 * - 'truncated': fewer octets than a fixed field or the IKE header needs;
 * - 'bad-length': a length field disagrees with what surrounds it (datagram, payload, substructure);
 * - 'invalid-syntax': a field holds a value the RFC forbids (counts, last-substructure markers, empty nonce...);
 * - 'unsupported-version': major version other than 2 (`header` is set: for major > 2 the state machine
 *   answers INVALID_MAJOR_VERSION, RFC 7296 §1.5);
 * - 'integrity': the SK/SKF payload did not verify (the cipher's open returned -1): not malformed, forged or
 *   damaged;
 * - 'fragment-limit': a fragmented message went beyond the reassembler's limits (count or size).
 */
export type IkeParseReason =
  | 'truncated'
  | 'bad-length'
  | 'invalid-syntax'
  | 'unsupported-version'
  | 'integrity'
  | 'fragment-limit';

export class IkeParseError extends Error {
  override readonly name = 'IkeParseError';
  readonly code = 'ERR_IKE_PARSE';
  constructor(
    readonly reason: IkeParseReason,
    message: string,
    /** Octet offset in the buffer being parsed where the problem was seen, when known. */
    readonly offset?: number,
    /** The parsed IKE header, when the header itself was readable. */
    readonly header?: IkeHeader,
  ) {
    super(`${reason}: ${message}${offset !== undefined ? ` (at offset ${offset})` : ''}`);
  }
}

export function isIkeParseError(e: unknown): e is IkeParseError {
  return e instanceof IkeParseError;
}
