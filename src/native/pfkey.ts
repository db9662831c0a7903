// Typed facade of native/pfkey.cc: a PF_KEY v2 socket (RFC 2367). Messages are built in TypeScript
// (src/kernel/pfkey/); key bytes travel as SecretBytes patches copied in natively just before the write.
import { nativeFunction } from './binding';
import type { SecretPatch } from './netlink';

export type { SecretPatch } from './netlink';

export const PF_KEY = 15;
export const PF_KEY_V2 = 2;

/** A failure of the socket itself (not a kernel answer): errno and the syscall that failed. */
export interface PfkeySocketError extends Error {
  code: 'ERR_PFKEY_SOCKET';
  errno: number;
  syscall: string;
}

export type PfkeyMessageListener = (err: PfkeySocketError | null, message: Buffer | null) => void;

interface RawPfkeySocket {
  send(message: Uint8Array, patches?: readonly SecretPatch[]): void;
  close(): void;
  ref(): void;
  unref(): void;
  readonly closed: boolean;
}

type RawPfkeySocketClass = (new (onMessage: PfkeyMessageListener, rcvbuf?: number) => RawPfkeySocket) & ((...args: never[]) => unknown);

/** A PF_KEY socket whose messages (replies and the kernel's broadcasts) arrive on the event loop. */
export class PfkeySocket {
  private readonly raw: RawPfkeySocket;

  /** Throws a PfkeySocketError (errno EAFNOSUPPORT where the kernel has no PF_KEY, EPERM...). */
  constructor(onMessage: PfkeyMessageListener, receiveBuffer?: number) {
    const Ctor = nativeFunction<RawPfkeySocketClass>('PfkeySocket');
    this.raw = new Ctor(onMessage, receiveBuffer);
  }

  get closed(): boolean {
    return this.raw.closed;
  }

  /** Writes one message; `patches` copy secret bytes into it natively (never into a JS buffer). */
  send(message: Uint8Array, patches: readonly SecretPatch[] = []): void {
    this.raw.send(message, patches);
  }

  ref(): void {
    this.raw.ref();
  }

  unref(): void {
    this.raw.unref();
  }

  close(): void {
    this.raw.close();
  }
}
