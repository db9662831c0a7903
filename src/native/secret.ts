// Secret bytes kept in native memory and wiped when the object is wiped or collected.
import { nativeFunction } from './binding';

/** An opaque handle on secret bytes in native memory. Pass it back to native functions; do not reveal it. */
export interface SecretBytes {
  /** Number of bytes (0 once wiped). */
  readonly length: number;
  /** True once wipe() was called. */
  readonly wiped: boolean;
  /** A new secret holding a copy of [offset, offset + length). */
  slice(offset: number, length: number): SecretBytes;
  /** A copy of the bytes in a JavaScript Buffer: for known-answer tests only. */
  reveal(): Buffer;
  /** Constant-time equality with bytes or another secret. */
  equals(other: Uint8Array | SecretBytes): boolean;
  /** Zeroes and frees the native bytes now. */
  wipe(): void;
}

interface SecretBytesClass {
  new (source?: Uint8Array): SecretBytes;
}

type SecretBytesCtor = SecretBytesClass & ((...args: never[]) => unknown);

let ctor: SecretBytesClass | undefined;
function secretClass(): SecretBytesClass {
  ctor ??= nativeFunction<SecretBytesCtor>('SecretBytes');
  return ctor;
}

/**
 * Copies `source` into native memory and zeroes `source` (a caller that must keep its bytes passes a copy).
 */
export function secretFrom(source: Uint8Array): SecretBytes {
  const secret = new (secretClass())(source);
  source.fill(0);
  return secret;
}

/** Copies `source` into native memory and leaves `source` as it is (test vectors, constants). */
export function secretCopy(source: Uint8Array): SecretBytes {
  return new (secretClass())(source);
}

export function isSecretBytes(value: unknown): value is SecretBytes {
  return value instanceof secretClass();
}

