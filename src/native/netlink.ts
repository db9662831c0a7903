// Typed facade of native/netlink.cc: a raw AF_NETLINK socket. Requests are built in TypeScript
// (src/kernel/xfrm/); key bytes travel as SecretBytes patches copied in natively just before sendto.
import { nativeFunction } from './binding';
import type { SecretBytes } from './secret';

export const NETLINK_XFRM = 6;

/** Where a secret's bytes go in a request: [byte offset, the secret]. */
export type SecretPatch = readonly [offset: number, secret: SecretBytes];

/** A failure of the socket itself (not a kernel answer): errno and the syscall that failed. */
export interface NetlinkSocketError extends Error {
  code: 'ERR_NETLINK_SOCKET';
  errno: number;
  syscall: string;
}

export type DatagramListener = (err: NetlinkSocketError | null, datagram: Buffer | null) => void;

interface RawNetlinkSocket {
  send(request: Uint8Array, patches?: readonly SecretPatch[]): void;
  close(): void;
  ref(): void;
  unref(): void;
  readonly portId: number;
  readonly closed: boolean;
}

type RawNetlinkSocketClass = (new (protocol: number, groups: number[], onDatagram: DatagramListener, rcvbuf?: number) => RawNetlinkSocket) &
  ((...args: never[]) => unknown);

export interface NetlinkSocketOptions {
  /** Multicast groups to join (XFRMNLGRP_ACQUIRE = 1, EXPIRE = 2, ...). */
  groups?: number[];
  /** SO_RCVBUF in bytes (event sockets want more than the default). */
  receiveBuffer?: number;
}

/** A netlink socket whose datagrams (replies, ACKs, dump parts, events) arrive on the event loop. */
export class NetlinkSocket {
  private readonly raw: RawNetlinkSocket;

  /** Throws a NetlinkSocketError (errno EPROTONOSUPPORT, EPERM, ...) when the socket cannot be opened. */
  constructor(protocol: number, onDatagram: DatagramListener, options: NetlinkSocketOptions = {}) {
    const Ctor = nativeFunction<RawNetlinkSocketClass>('NetlinkSocket');
    this.raw = new Ctor(protocol, options.groups ?? [], onDatagram, options.receiveBuffer);
  }

  /** The port id the kernel assigned (the nlmsg_pid of its unicast replies to us). */
  get portId(): number {
    return this.raw.portId;
  }

  get closed(): boolean {
    return this.raw.closed;
  }

  /** Sends one request; `patches` copy secret bytes into it natively (never into a JS buffer). */
  send(request: Uint8Array, patches: readonly SecretPatch[] = []): void {
    this.raw.send(request, patches);
  }

  /** Keep the process alive while this socket waits (a request is outstanding). */
  ref(): void {
    this.raw.ref();
  }

  /** Let the process exit even though this socket is open. */
  unref(): void {
    this.raw.unref();
  }

  close(): void {
    this.raw.close();
  }
}

/** strerror(errno) from the C library: the same text `ip` prints. */
export function strerror(errno: number): string {
  return nativeFunction<(errno: number) => string>('netlinkStrerror')(errno);
}

/** 0 when a socket(domain, type, protocol) can be opened (and is closed at once), else its errno. */
export function probeSocket(domain: number, type: number, protocol: number): number {
  return nativeFunction<(d: number, t: number, p: number) => number>('probeSocket')(domain, type, protocol);
}
