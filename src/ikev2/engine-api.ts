// The contract between the IKEv2 engine (src/ikev2: every IKE SA of the daemon, no I/O of its own) and its
// host, the daemon (src/daemon) with its sockets (src/net) and kernel (src/kernel). The engine consumes
// datagrams and emits datagrams and kernel calls through the interfaces given to it, so that two engines
// can talk in one process in a test, message by message.
import type { ConnectionConfig } from '../config/model';
import type { IkeId } from '../config/id';
import type { Kernel } from '../kernel/kernel';
import type { Logger } from '../log';
import type { SecretBytes } from '../native/secret';
import type { KeyObject } from 'node:crypto';

export interface Endpoint {
  address: string;
  port: number;
}

export interface Datagram {
  /** The IKE message (on port 4500 the non-ESP marker is already removed). */
  data: Uint8Array;
  local: Endpoint;
  remote: Endpoint;
}

/** Sends IKE messages; on a port-4500 socket it prepends the non-ESP marker (RFC 3948). */
export interface Transport {
  send(data: Uint8Array, local: Endpoint, remote: Endpoint): void;
}

export interface TimerHandle {
  cancel(): void;
}

/** Time as the engine sees it: a fake clock in tests, the real one in the daemon. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(ms: number, fire: () => void): TimerHandle;
}

/** Which private key signs for us: by CKAID when the conn names one (leftckaid=, or that of leftrsasigkey=). */
export interface PrivateKeyQuery {
  local: IkeId;
  remote: IkeId;
  /** Hex CKAID; when given, only the key with this CKAID will do. */
  ckaid?: string;
  /** The key types the conn's policy allows, in order of preference. */
  kinds: readonly ('rsa' | 'ecdsa')[];
}

/** Secrets the engine needs, looked up per exchange (ipsec.secrets via src/config/secrets.ts). */
export interface SecretsLookup {
  /** The PSK for this pair of IDs, or null (AUTHENTICATION_FAILED / no auth). */
  findPsk(local: IkeId, remote: IkeId): SecretBytes | null;
  /** Our RSA or ECDSA private key (ipsec.secrets `: RSA` / `: ECDSA`, or the key store), or null. */
  findPrivateKey?(query: PrivateKeyQuery): KeyObject | null;
}

export interface ChildSaInfo {
  connection: string;
  /** Libreswan's serial numbers: "#2" for the Child SA, its IKE SA's "#1". */
  serial: number;
  ikeSerial: number;
  spiIn: number;
  spiOut: number;
  /** Negotiated traffic selectors, as CIDR text. */
  localTs: string[];
  remoteTs: string[];
  mode: 'tunnel' | 'transport';
  /** Libreswan's printed form of the negotiated algorithms, e.g. "AES_GCM_16_256-NONE-DH19". */
  algorithms: string;
  localAddress: string;
  remoteAddress: string;
  encapsulated: boolean;
  reqid: number;
}

export interface IkeSaInfo {
  connection: string;
  serial: number;
  initiator: boolean;
  spiI: string;
  spiR: string;
  /** Readable state name, e.g. "ESTABLISHED_IKE_SA". */
  state: string;
  localAddress: string;
  remoteAddress: string;
  /** The UDP ports IKE uses now (4500 on both once NAT-T moved it there). */
  localPort: number;
  remotePort: number;
  /** NAT detection (RFC 7296 §2.23): this end is (or, with encapsulation=yes, acts as if) behind a NAT. */
  natLocal: boolean;
  /** The peer is behind a NAT (or faked its NAT_DETECTION_SOURCE_IP, as encap=yes peers do). */
  natRemote: boolean;
  localId: string;
  remoteId: string;
  algorithms: string;
  /** Seconds since the epoch at which the SA was established, 0 if not yet. */
  establishedAt: number;
  /** How we authenticated ("RSA with SHA2_512", "ECDSA with SHA2_256", "authby=secret"); '' before IKE_AUTH. */
  localAuth: string;
  /** How the peer authenticated, as Libreswan logs it after "authenticated using". */
  peerAuth: string;
  /** Libreswan 4.10's wording for a peer's signature ("'3072-bit RSASSA-PSS with SHA2_512' digital signature"); '' for a PSK. */
  peerAuthDetail: string;
}

/** What happens to SAs, for the updown runner, logs and status. */
export interface EngineEvents {
  ikeUp?(sa: IkeSaInfo): void;
  ikeDown?(sa: IkeSaInfo, reason: string): void;
  childUp?(child: ChildSaInfo): void;
  childDown?(child: ChildSaInfo, reason: string): void;
}

/** NAT-T keep-alives (RFC 3948 §2.3): the daemon's NAT-T sockets send them (src/net/keepalives.ts). */
export interface KeepaliveControl {
  start(local: Endpoint, remote: Endpoint, intervalSeconds: number): void;
  stop(local: Endpoint, remote: Endpoint): void;
}

export interface EngineDeps {
  transport: Transport;
  kernel: Kernel;
  clock: Clock;
  /** Cryptographically strong random bytes (nonces, SPIs). */
  random(length: number): Buffer;
  secrets: SecretsLookup;
  logger: Logger;
  events?: EngineEvents;
  /** Libreswan's uniqueids: a new IKE SA for a peer ID replaces the old ones. */
  uniqueIds: boolean;
  /** Answer IKE_SA_INIT with a COOKIE when more half-open SAs than this exist (ddos-ike-threshold). */
  ddosIkeThreshold: number;
  /** --force-busy: always demand a COOKIE. */
  forceBusy: boolean;
  /**
   * Where NAT-T keep-alives go: sent while an IKE SA whose own end is behind a NAT (so on port 4500)
   * lives and its conn has nat-keepalive=yes; none when absent.
   */
  keepalives?: KeepaliveControl;
  /** --keep-alive: seconds between NAT-T keep-alives (default 20; 0 sends none). */
  keepAliveSeconds?: number;
  /** Our NAT-T port (--ike-natt-port): IKE floats there from port 500. Default 4500. */
  nattPort?: number;
}

export interface InitiateResult {
  ike: IkeSaInfo;
  child: ChildSaInfo;
}

export interface EngineStatus {
  ikeSas: IkeSaInfo[];
  childSas: ChildSaInfo[];
}

/** The engine as the daemon drives it. */
export interface IkeEngineApi {
  /** Adds (or replaces) a connection; oriented: `conn.local` says which end is us. */
  addConnection(conn: ConnectionConfig): void;
  /** Deletes a connection and every SA it has. */
  deleteConnection(name: string): Promise<void>;
  connectionNames(): string[];
  /** Starts IKE_SA_INIT and IKE_AUTH; resolves when the first Child SA is up, rejects with the reason. */
  initiate(name: string): Promise<InitiateResult>;
  /** Deletes the connection's SAs (INFORMATIONAL delete), keeps the connection. */
  terminate(name: string): Promise<void>;
  /** Rekeys the IKE SA or the Child SA of a connection now. */
  rekey(name: string, what: 'ike' | 'child'): Promise<void>;
  /** A datagram arrived on one of our IKE sockets. */
  receive(datagram: Datagram): void;
  status(): EngineStatus;
  /** Deletes every SA (sending deletes) and stops all timers. */
  shutdown(): Promise<void>;
}
