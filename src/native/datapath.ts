// The userspace ESP data path (TUN + ESP in UDP, RFC 3948) over the native addon. Worker threads in C++ carry
// every packet; this facade only programs SAs and policies, reads counters and receives events (IKE datagrams
// that arrived on the data path's port with the non-ESP marker, acquires, expiries), batched.
import { nativeFunction } from './binding';
import type { SecretBytes } from './secret';

export interface DatapathOptions {
  /** The TUN device to create (or attach to), 1..15 characters. */
  tunName: string;
  /** The local outer address the UDP socket binds (IPv4 or IPv6; one family per data path). */
  localAddress: string;
  /** The UDP port: 4500 (NAT-T), or another for tests. */
  port: number;
  /** The TUN's MTU; default 1400 (1500 minus the outer IP, UDP and ESP overhead). */
  mtu?: number;
  /** IFF_VNET_HDR + TSO on the TUN and UDP GSO/GRO on the socket; default true. */
  offload?: boolean;
  /**
   * TUN queues (IFF_MULTI_QUEUE), each with its own SO_REUSEPORT socket and an outbound and an inbound worker
   * thread, 1..64; default: one per CPU. The kernel keeps a TCP flow on one queue and a peer on one socket.
   */
  queues?: number;
}

export interface DatapathSelector {
  /** CIDR subnets, one family: "10.1.0.0/24". */
  src: string;
  dst: string;
  /** IP protocol, 0 = any. */
  proto: number;
  /** 0 = any (for ICMP: type and code). */
  srcPort: number;
  dstPort: number;
}

export type DatapathDirection = 'in' | 'out';
export type DatapathAction = 'ipsec' | 'pass' | 'drop' | 'reject' | 'hold' | 'trap';

export interface DatapathSaParams {
  spi: number;
  direction: DatapathDirection;
  /** IKEv2 ENCR id, key length, keymat (key ‖ salt for the AEADs). */
  encr: number;
  keyBits: number;
  encrKeymat: SecretBytes;
  /** IKEv2 INTEG id (0 for AEADs) and its key. */
  integ: number;
  integKey?: SecretBytes;
  esn: boolean;
  replayWindow: number;
  /** Ties outbound SAs to 'ipsec' policies. */
  reqid: number;
  /** Outbound: where the ESP-in-UDP datagrams go. Inbound: informative. */
  remoteAddress: string;
  remotePort: number;
  /** The SA's destination address (reported in expire events). */
  dst: string;
  /** Inbound: the inner packets must match it (src = the peer's subnet). Outbound: informative. */
  selector: DatapathSelector;
  /** 0 or absent = no limit. Soft raises an expire event (hard=false), hard one too, and the SA stops. */
  lifetimes?: { softBytes?: number; hardBytes?: number; softPackets?: number; hardPackets?: number };
  /** Replace the SA with the same SPI and direction (counters start again). */
  replace?: boolean;
  /**
   * Default 'tunnel' (an inner IP packet). 'transport' (RFC 4303 §3.1.1): ESP carries the IP payload, the
   * selector has the outer address family; inbound, the IP header is rebuilt from the selector's host addresses
   * and rewritten (checksums fixed up, RFC 3948 §3.1.2) to the sender's and the local address if a NAT changed them.
   */
  mode?: 'tunnel' | 'transport';
}

export interface DatapathPolicy {
  selector: DatapathSelector;
  /** Outbound policies choose what leaves through the TUN; in/fwd are kept (for listing). */
  direction: 'in' | 'out' | 'fwd';
  action: DatapathAction;
  /** Lower first; among equal priorities the more specific selector first. */
  priority: number;
  /** For 'ipsec': the outbound SA with this reqid. */
  reqid: number;
  replace?: boolean;
}

export interface DatapathSaCounters {
  bytes: number;
  packets: number;
  /** Seconds since the epoch, 0 = never. */
  lastUsed: number;
  authFailures: number;
  replayDrops: number;
  malformed: number;
  selectorDrops: number;
  softExpired: boolean;
  hardExpired: boolean;
}

/** Global counters: packets through, and drops by reason. */
export interface DatapathCounters {
  tunPackets: number;
  sent: number;
  received: number;
  delivered: number;
  noPolicy: number;
  policyPass: number;
  policyDrop: number;
  policyReject: number;
  policyHold: number;
  acquires: number;
  noSa: number;
  expired: number;
  sealErrors: number;
  sendErrors: number;
  keepalives: number;
  ike: number;
  badSpi: number;
  auth: number;
  replay: number;
  malformed: number;
  selector: number;
  tunWriteErrors: number;
  notIp: number;
  ikeQueueFull: number;
  /** Transport mode cannot carry it (an IPv4 fragment). */
  unsupported: number;
}

export type DatapathEvent =
  /** An IKE message (the non-ESP marker removed) from address:port. */
  | { type: 'ike'; message: Buffer; address: string; port: number }
  /** A trap policy matched: the selector is the packet's own (host addresses, its protocol and ports). */
  | { type: 'acquire'; selector: DatapathSelector }
  | { type: 'expire'; spi: number; dst: string; hard: boolean; direction: DatapathDirection };

export interface Datapath {
  /** Creates the TUN (brought up with the MTU), binds the socket, starts the workers. Throws ERR_IPSEC_DATAPATH_START. */
  start(): void;
  /** Joins the workers and closes the TUN and the socket; idempotent. */
  stop(): void;
  addSa(sa: DatapathSaParams): void;
  /** Throws ERR_IPSEC_NO_SA if absent. The keys are wiped as soon as no worker uses the SA. */
  delSa(spi: number, direction: DatapathDirection): void;
  saCounters(spi: number, direction: DatapathDirection): DatapathSaCounters | undefined;
  addPolicy(policy: DatapathPolicy): void;
  delPolicy(selector: DatapathSelector, direction: 'in' | 'out' | 'fwd'): void;
  /** Removes every SA and policy. */
  flush(): void;
  counters(): DatapathCounters;
  /** Sends an IKE message from the data path's socket (the non-ESP marker is added). */
  sendIke(message: Uint8Array, address: string, port: number): void;
  /** `port`: the bound UDP port (the kernel's choice when the options said 0); `queues`: TUN queues / workers. */
  info(): { running: boolean; tunName: string; offload: boolean; port: number; queues?: number };
}

type RawDatapathClass = new (options: DatapathOptions, onEvent: (events: DatapathEvent[]) => void) => Datapath;
type Ctor<T> = T & ((...args: never[]) => unknown);
let datapathClass: RawDatapathClass | undefined;

/**
 * A data path (not started). `onEvent` receives the events in batches on the JavaScript thread; an exception
 * it throws is an uncaught exception (catch inside it).
 */
export function createDatapath(options: DatapathOptions, onEvent: (events: DatapathEvent[]) => void): Datapath {
  datapathClass ??= nativeFunction<Ctor<RawDatapathClass>>('Datapath');
  return new datapathClass(options, onEvent);
}

/** The matcher the workers use: does `packet` (an IP packet) match `selector`? null if it is not IP. */
export function selectorMatchesPacket(selector: DatapathSelector, packet: Uint8Array): boolean | null {
  return nativeFunction<(s: DatapathSelector, p: Uint8Array) => boolean | null>('datapathSelectorMatches')(selector, packet);
}
