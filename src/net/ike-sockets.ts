// The daemon's IKE sockets: a pair (IKE port 500, NAT-T port 4500) per local address, the Transport the
// IKEv2 engine sends through, the RFC 3948 demultiplexing of what arrives on 4500, and NAT-T keep-alives.
// Nothing here throws at the network: bad datagrams and failed sends are logged and counted.
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

import type { Datagram, Endpoint, Transport } from '../ikev2/engine-api';
import { silentLogger, type Logger } from '../log';
import { KeepaliveTimers, type KeepaliveInfo } from './keepalives';
import {
  addressesFromInterfaces,
  canonicalAddress,
  parseListenAddress,
  type LocalAddress,
  type ScanOptions,
} from './local-addresses';
import { classifyIkePort, classifyNattPort, natKeepalive, withNonEspMarker } from './non-esp-marker';
import { bindPair, closePair, type BoundSocket, type SocketPair } from './socket-pair';

export const IKE_PORT = 500;
export const NATT_PORT = 4500;
/** Sends in flight per socket before new ones are dropped (IKE retransmits what matters). */
export const DEFAULT_MAX_PENDING_SENDS = 64;

/**
 * A NAT-T port owned by someone else: the userspace data path binds address:port itself (ESP and IKE share
 * it, RFC 3948), hands us the IKE messages that arrive there (receiveExternal) and sends ours (`send` adds
 * the non-ESP marker). No socket of ours is bound to that port on that address.
 */
export interface ExternalNatt {
  address: string;
  port: number;
  send(message: Uint8Array, remote: Endpoint): void;
}

export interface IkeSocketsOptions {
  /** Called for every IKE message received (on 4500 with the non-ESP marker already removed). */
  onDatagram(datagram: Datagram): void;
  /** UDP-encapsulated ESP received on a NAT-T socket (whole ESP packet); without it ESP is counted and dropped. */
  onEsp?(datagram: Datagram): void;
  /** Default 500; 0 lets the kernel choose (tests). */
  ikePort?: number;
  /** Default 4500; 0 lets the kernel choose (tests). */
  nattPort?: number;
  /** The NAT-T port of one address belongs to the userspace data path. */
  externalNatt?: ExternalNatt;
  /** --listen: bind only these addresses; otherwise every interface address. */
  listen?: string[];
  scan?: ScanOptions;
  /** Where interface addresses come from (default os.networkInterfaces). */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  logger?: Logger;
  maxPendingSends?: number;
}

export interface IkeSocketCounters {
  /** IKE messages delivered to onDatagram, from either port. */
  ikeReceived: number;
  /** Of those, the ones that came in on a NAT-T port with the non-ESP marker. */
  ikeReceivedNatt: number;
  keepalivesReceived: number;
  /** ESP on a NAT-T port (handed to onEsp when there is one, never to IKE). */
  espReceived: number;
  /** Too short or not what the port carries; dropped. */
  malformed: number;
  /** IKE messages the kernel accepted. */
  sent: number;
  keepalivesSent: number;
  /** Sends the kernel refused (EHOSTUNREACH, EMSGSIZE, ...). */
  sendErrors: number;
  /** Sends dropped before the kernel: no socket for the local endpoint, bad address, or queue full. */
  sendDropped: number;
  /** Exceptions thrown by onDatagram / onEsp (caught, logged). */
  callbackErrors: number;
  /** Errors reported by a bound socket. */
  socketErrors: number;
}

export interface ListeningAddress {
  address: string;
  family: 4 | 6;
  ikePort: number;
  nattPort: number;
}

export interface RescanResult {
  opened: ListeningAddress[];
  closed: string[];
  failed: { address: string; error: string; code?: string }[];
}

function zeroCounters(): IkeSocketCounters {
  return {
    ikeReceived: 0,
    ikeReceivedNatt: 0,
    keepalivesReceived: 0,
    espReceived: 0,
    malformed: 0,
    sent: 0,
    keepalivesSent: 0,
    sendErrors: 0,
    sendDropped: 0,
    callbackErrors: 0,
    socketErrors: 0,
  };
}

function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${name} must be 0..65535, not ${port}`);
  return port;
}

function describe(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

export class IkeSockets implements Transport {
  private readonly pairs = new Map<string, SocketPair>();
  private readonly count = zeroCounters();
  private readonly log: Logger;
  private readonly ikePort: number;
  private readonly nattPort: number;
  private readonly maxPending: number;
  private readonly keepaliveTimers: KeepaliveTimers;
  private listen: LocalAddress[] | undefined;
  private readonly external: ExternalNatt | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: IkeSocketsOptions) {
    this.log = options.logger ?? silentLogger;
    this.ikePort = checkPort('ikePort', options.ikePort ?? IKE_PORT);
    this.nattPort = checkPort('nattPort', options.nattPort ?? NATT_PORT);
    if (this.ikePort !== 0 && this.ikePort === this.nattPort) {
      throw new RangeError(`the IKE and NAT-T ports must differ (both ${this.ikePort})`);
    }
    this.maxPending = options.maxPendingSends ?? DEFAULT_MAX_PENDING_SENDS;
    this.listen = options.listen?.map(parseListenAddress);
    this.external = options.externalNatt && { ...options.externalNatt, address: canonicalAddress(options.externalNatt.address) };
    this.keepaliveTimers = new KeepaliveTimers((local, remote) => this.sendKeepalive(local, remote));
  }

  /** Opens the sockets (the first rescan). */
  start(): Promise<RescanResult> {
    return this.rescan();
  }

  /**
   * Opens sockets for addresses that appeared and closes those of addresses that went away (whack
   * --listen). `listen`, when given, replaces the --listen list; an empty array goes back to scanning
   * the interfaces. Rescans run one after another.
   */
  rescan(listen?: string[]): Promise<RescanResult> {
    if (listen !== undefined) {
      try {
        this.listen = listen.length > 0 ? listen.map(parseListenAddress) : undefined;
      } catch (err) {
        return Promise.reject(err); // a bad --listen address changes nothing
      }
    }
    const run = this.queue.then(() => this.doRescan());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Transport: sends an IKE message from the socket bound to `local` (marker added on the NAT-T port). */
  send(data: Uint8Array, local: Endpoint, remote: Endpoint): void {
    if (this.isExternal(local)) {
      this.sendExternal(data, remote);
      return;
    }
    const bound = this.socketFor(local, remote, 'IKE message');
    if (!bound) return;
    this.transmit(bound, bound.role === 'natt' ? withNonEspMarker(data) : data, remote, false);
  }

  /**
   * An IKE message (non-ESP marker removed) that arrived on the external NAT-T port: counted and delivered
   * as one that arrived on a socket of ours.
   */
  receiveExternal(data: Uint8Array, remote: Endpoint): void {
    const ext = this.external;
    if (ext === undefined || this.closed) return;
    this.count.ikeReceived++;
    this.count.ikeReceivedNatt++;
    this.deliver(() => this.options.onDatagram({ data, local: { address: ext.address, port: ext.port }, remote }));
  }

  /** Starts sending NAT-keepalives from the NAT-T socket at `local` to `remote` every interval. */
  startKeepalive(local: Endpoint, remote: Endpoint, intervalSeconds: number): void {
    if (this.isExternal(local)) throw new RangeError(`${describe(local)} belongs to the userspace data path: no keep-alives from here`);
    const pair = this.pairs.get(safeCanonical(local.address));
    if (pair?.natt && pair.natt.port !== local.port) {
      throw new RangeError(`keep-alives go from the NAT-T port (${pair.natt.port}), not ${describe(local)}`);
    }
    this.keepaliveTimers.start(this.canonicalEndpoint(local), this.canonicalEndpoint(remote), intervalSeconds);
    this.log.debug('base', `NAT-T keep-alive every ${intervalSeconds}s from ${describe(local)} to ${describe(remote)}`);
  }

  /** Returns whether keep-alives were running for this pair. */
  stopKeepalive(local: Endpoint, remote: Endpoint): boolean {
    return this.keepaliveTimers.stop(this.canonicalEndpoint(local), this.canonicalEndpoint(remote));
  }

  keepalives(): KeepaliveInfo[] {
    return this.keepaliveTimers.list();
  }

  /** The addresses with open sockets and their bound ports. */
  listening(): ListeningAddress[] {
    return [...this.pairs.values()].map((p) => toListening(p, this.external));
  }

  /** A snapshot of the counters (for status). */
  counters(): IkeSocketCounters {
    return { ...this.count };
  }

  /** Stops the keep-alives and closes every socket; later sends are dropped and counted. */
  async close(): Promise<void> {
    this.closed = true;
    this.keepaliveTimers.stopAll();
    await this.queue;
    const pairs = [...this.pairs.values()];
    this.pairs.clear();
    await Promise.all(pairs.map(closePair));
  }

  private async doRescan(): Promise<RescanResult> {
    const result: RescanResult = { opened: [], closed: [], failed: [] };
    if (this.closed) return result;
    const wanted = this.listen ?? addressesFromInterfaces((this.options.interfaces ?? networkInterfaces)(), this.options.scan);
    const wantedKeys = new Set(wanted.map((w) => w.address));
    for (const [address, pair] of [...this.pairs]) {
      if (wantedKeys.has(address)) continue;
      this.pairs.delete(address);
      await closePair(pair);
      result.closed.push(address);
      this.log.info(`forgetting interface address ${address}`);
    }
    for (const local of wanted) {
      if (this.pairs.has(local.address)) continue;
      try {
        const pair = await bindPair(local, this.ikePort, this.external?.address === local.address ? null : this.nattPort);
        if (this.closed) {
          await closePair(pair);
          break;
        }
        this.attach(pair);
        this.pairs.set(local.address, pair);
        result.opened.push(toListening(pair, this.external));
        // Libreswan's line; the NAT-T port may be the userspace data path's (logged when it started).
        this.log.info(`adding UDP interface ${local.address}:${pair.ike.port} and ${local.address}:${toListening(pair, this.external).nattPort} (NAT-T)`);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        result.failed.push({ address: local.address, error: e.message, ...(e.code ? { code: e.code } : {}) });
        this.log.warn(`cannot open IKE sockets on ${local.address}: ${e.message}`);
      }
    }
    return result;
  }

  private attach(pair: SocketPair): void {
    for (const bound of pair.natt ? [pair.ike, pair.natt] : [pair.ike]) {
      bound.socket.on('message', (msg, rinfo) => this.receive(pair, bound, msg, { address: rinfo.address, port: rinfo.port }));
      bound.socket.on('error', (err) => {
        this.count.socketErrors++;
        this.log.warn(`socket ${pair.local.address}:${bound.port}: ${err.message}`);
      });
    }
  }

  private receive(pair: SocketPair, bound: BoundSocket, msg: Buffer, remote: Endpoint): void {
    const local = { address: pair.local.address, port: bound.port };
    const what = bound.role === 'natt' ? classifyNattPort(msg) : classifyIkePort(msg);
    switch (what.kind) {
      case 'ike':
        this.count.ikeReceived++;
        if (bound.role === 'natt') this.count.ikeReceivedNatt++;
        this.deliver(() => this.options.onDatagram({ data: what.data, local, remote }));
        return;
      case 'keepalive':
        this.count.keepalivesReceived++;
        return;
      case 'esp':
        this.count.espReceived++;
        if (this.options.onEsp) {
          const onEsp = this.options.onEsp;
          this.deliver(() => onEsp({ data: what.data, local, remote }));
        }
        return;
      case 'malformed':
        this.count.malformed++;
        this.log.debug('base', `dropping ${msg.length}-octet datagram from ${describe(remote)} to ${describe(local)}: ${what.reason}`);
        return;
    }
  }

  private deliver(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.count.callbackErrors++;
      this.log.error(`IKE datagram handler failed: ${(err as Error).message}`);
    }
  }

  private sendKeepalive(local: Endpoint, remote: Endpoint): void {
    const bound = this.socketFor(local, remote, 'NAT-T keep-alive');
    if (!bound) return;
    if (bound.role !== 'natt') {
      this.count.sendDropped++;
      this.log.warn(`NAT-T keep-alive from ${describe(local)}: not a NAT-T socket`);
      return;
    }
    this.transmit(bound, natKeepalive(), remote, true);
  }

  private socketFor(local: Endpoint, remote: Endpoint, what: string): BoundSocket | undefined {
    const pair = this.pairs.get(local.address) ?? this.pairs.get(safeCanonical(local.address));
    const bound = pair && (pair.ike.port === local.port ? pair.ike : pair.natt?.port === local.port ? pair.natt : undefined);
    const remoteFamily = isIP(remote.address.split('%')[0] ?? '');
    let problem: string | undefined;
    if (!pair || !bound) problem = 'no socket bound there';
    else if (remoteFamily === 0) problem = 'remote is not an IP address';
    else if (remoteFamily !== pair.local.family) problem = 'remote is of the other address family';
    else if (!Number.isInteger(remote.port) || remote.port <= 0 || remote.port > 65535) problem = 'bad remote port';
    else if (bound.pending >= this.maxPending) problem = 'send queue full';
    if (problem !== undefined || !bound) {
      this.count.sendDropped++;
      this.log.warn(`cannot send ${what} from ${describe(local)} to ${describe(remote)}: ${problem ?? ''}`);
      return undefined;
    }
    return bound;
  }

  private transmit(bound: BoundSocket, bytes: Uint8Array, remote: Endpoint, keepalive: boolean): void {
    bound.pending++;
    const done = (err: Error | null): void => {
      bound.pending--;
      if (err) {
        this.count.sendErrors++;
        this.log.warn(`send to ${describe(remote)} from port ${bound.port} failed: ${err.message}`);
      } else if (keepalive) {
        this.count.keepalivesSent++;
      } else {
        this.count.sent++;
      }
    };
    try {
      bound.socket.send(bytes, remote.port, remote.address, done);
    } catch (err) {
      // A socket closed under us (rescan, close) throws synchronously.
      done(err as Error);
    }
  }

  private isExternal(local: Endpoint): boolean {
    return this.external !== undefined && local.port === this.external.port && safeCanonical(local.address) === this.external.address;
  }

  private sendExternal(data: Uint8Array, remote: Endpoint): void {
    try {
      this.external!.send(data, remote);
      this.count.sent++;
    } catch (err) {
      this.count.sendErrors++;
      this.log.warn(`send to ${describe(remote)} from the data path's NAT-T port failed: ${(err as Error).message}`);
    }
  }

  private canonicalEndpoint(e: Endpoint): Endpoint {
    return { address: safeCanonical(e.address), port: e.port };
  }
}

function safeCanonical(address: string): string {
  try {
    return canonicalAddress(address);
  } catch {
    return address;
  }
}

function toListening(pair: SocketPair, external: ExternalNatt | undefined): ListeningAddress {
  return { address: pair.local.address, family: pair.local.family, ikePort: pair.ike.port, nattPort: pair.natt?.port ?? external?.port ?? 0 };
}
