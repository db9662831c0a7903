// One IKE SA: its state, keys, endpoints and the message-ID windows (RFC 7296 §2.1-§2.3): one request
// of ours outstanding at a time, retransmitted with doubling intervals; the peer's requests answered in
// order, a duplicate answered from the cached response, stale or out-of-window messages dropped.
// What each exchange carries is in tasks/ (one file per exchange); this file moves the messages.
import type { ConnectionConfig } from '../config/model';
import type { IkeId } from '../config/id';
import type { DhKeyPair } from '../native/dh';
import {
  buildEncryptedMessage, type IkeHeader, type IkeHeaderInit, IkeParseError, openEncryptedMessage, parseMessage, type Payload,
  type Proposal, serializeMessage, unsupportedCriticalTypes, FragmentReassembler, fragmentMessage,
} from './codec';
import { ExchangeType, NotifyError, PayloadType, exchangeTypeName } from './constants';
import { NAT_T_PORT } from './connection';
import type { ChildSa } from './child-sa';
import type { ProposedTs } from './conn-select';
import type { Datagram, EngineDeps, Endpoint, IkeSaInfo, InitiateResult, TimerHandle } from './engine-api';
import { type IkeSaKeys, wipeIkeSaKeys } from './keymat';
import { formatNegotiated, type Negotiated } from './proposals';
import { hex, notify } from './messages';
import type { Ts } from './traffic-selectors';

export enum IkeState {
  /** Initiator: IKE_SA_INIT sent. */
  PARENT_I1 = 'PARENT_I1',
  /** Initiator: IKE_AUTH sent. */
  PARENT_I2 = 'PARENT_I2',
  /** Responder: IKE_SA_INIT answered, waiting for IKE_AUTH (half-open). */
  PARENT_R1 = 'PARENT_R1',
  ESTABLISHED = 'ESTABLISHED_IKE_SA',
  DELETING = 'IKE_SA_DELETE',
  DEAD = 'DEAD',
}

/** What an IKE SA needs from the engine that owns it. */
export interface IkeContext {
  readonly deps: EngineDeps;
  nextSerial(): number;
  reqidFor(conn: ConnectionConfig): number;
  /** Called once the SA is authenticated (uniqueids, INITIAL_CONTACT). */
  established(sa: IkeSa): void;
  /** The SA is gone: forget it. */
  gone(sa: IkeSa): void;
  /** Every installed Child SA of the engine (policies shared between them stay until the last goes). */
  liveChildren(): ChildSa[];
  /**
   * Another IKE SA with this SA's peer exists, on any connection (INITIAL_CONTACT is sent only when none
   * does): the same peer ID, or the same address when the peer's ID is not known in advance (%any).
   */
  hasPeerSa(sa: IkeSa): boolean;
  /**
   * The responder's connection for the peer's IDi (and the IDr it asked for): the best match among the
   * connections that accept this SA's addresses, the current one on a tie; undefined when none matches.
   */
  responderConn(sa: IkeSa, peer: IkeId, wanted: IkeId | undefined, ts?: ProposedTs): ConnectionConfig | undefined;
  /**
   * The peer sent INITIAL_CONTACT (RFC 7296 §2.4): every other IKE SA with its ID, on any connection, goes
   * without a message; resolves once their Child SAs are out of the kernel.
   */
  purgePeer(sa: IkeSa): Promise<void>;
  /** Files an IKE SA made by rekeying (under its own SPI). */
  adopt(sa: IkeSa): void;
  /** Work the engine must wait for when asked to settle (tests, shutdown). */
  track(p: Promise<unknown>): void;
}

export type ResponseHandler = (payloads: Payload[], header: IkeHeader, dg: Datagram) => void | Promise<void>;
export type RequestHandler = (payloads: Payload[], header: IkeHeader, dg: Datagram) => Promise<Payload[] | null>;

interface Outstanding {
  messageId: number;
  exchangeType: number;
  datagrams: Uint8Array[];
  handler: ResponseHandler;
  /** Told when the request is given up (timeout, delete, teardown), so no caller waits forever. */
  onAbort?: (reason: string) => void;
  startedAt: number;
  intervalMs: number;
  timer?: TimerHandle;
}

/** State the first Child SA needs between the IKE_AUTH request and its response (initiator). */
export interface PendingChild {
  spiIn: number;
  proposals: Proposal[];
  localTs: Ts[];
  remoteTs: Ts[];
  transport: boolean;
}

export class IkeSa {
  state: IkeState;
  readonly serial: number;
  spiR: Uint8Array = new Uint8Array(8);
  ni: Uint8Array = new Uint8Array(0);
  nr: Uint8Array = new Uint8Array(0);
  /** The IKE proposals we sent (initiator) or could accept (responder). */
  ikeProposals: Proposal[] = [];
  alg?: Negotiated;
  keys?: IkeSaKeys;
  dh?: DhKeyPair;
  /** Our last IKE_SA_INIT request (initiator) or response (responder): RealMessage1/2 of §2.15. */
  initRequest?: Uint8Array;
  initResponse?: Uint8Array;
  cookie?: Uint8Array;
  initRetries = 0;
  localBehindNat = false;
  remoteBehindNat = false;
  /**
   * Our address or port was rewritten on the way (the peer's NAT_DETECTION_DESTINATION_IP did not match):
   * a real NAT in front of us, not encapsulation=yes's pretence. Only then do NAT-T keep-alives go out.
   */
  localNatDetected = false;
  peerFragmentation = false;
  /** The hashes the peer can verify (its SIGNATURE_HASH_ALGORITHMS); undefined when it sent none. */
  peerSignatureHashes?: number[];
  /** How each end authenticated, once known ("RSA with SHA2_256", "authby=secret"). */
  localAuth = '';
  peerAuth = '';
  /** Libreswan's wording for the peer's signature, '' for a PSK. */
  peerAuthDetail = '';
  localId?: IkeId;
  remoteId?: IkeId;
  children: ChildSa[] = [];
  /** Our CREATE_CHILD_SA rekey of this IKE SA is in flight. */
  rekeying = false;
  /**
   * The peer rekeyed this IKE SA while our own rekey of it was in flight (RFC 7296 §2.8.2): the nonces of
   * its exchange and the IKE SA it made; the Child SAs stay here until the collision is settled.
   */
  peerRekey?: { ni: Uint8Array; nr: Uint8Array; successor: IkeSa };
  /** The peer rekeyed this IKE SA (no collision): its successor. */
  rekeyedTo?: IkeSa;
  pendingChild?: PendingChild;
  establishedAt = 0;
  /** The peer sent INITIAL_CONTACT: its older IKE SAs with us are stale. */
  initialContact = false;
  lastHeard = 0;
  /** initiate()'s promise. */
  waiter?: { resolve: (r: InitiateResult) => void; reject: (e: Error) => void };

  private nextRequestId = 0;
  private outstanding?: Outstanding;
  private expectedRequestId = 0;
  private lastResponse?: { messageId: number; datagrams: Uint8Array[] };
  private processing = false;
  private reassembler?: FragmentReassembler;
  private lifeTimer?: TimerHandle;
  private requestHandler?: RequestHandler;
  private timers: TimerHandle[] = [];

  constructor(
    readonly ctx: IkeContext,
    /** Changes once at most: when the responder switches connection on the IKE_AUTH IDs. */
    public conn: ConnectionConfig,
    readonly initiator: boolean,
    readonly spiI: Uint8Array,
    public local: Endpoint,
    public remote: Endpoint,
  ) {
    this.serial = ctx.nextSerial();
    this.state = initiator ? IkeState.PARENT_I1 : IkeState.PARENT_R1;
    this.lastHeard = ctx.deps.clock.now();
  }

  get deps(): EngineDeps {
    return this.ctx.deps;
  }

  get natDetected(): boolean {
    return this.localBehindNat || this.remoteBehindNat;
  }

  /**
   * The conn's encapsulation=, except that a kernel which carries ESP only in UDP (the userspace data path)
   * makes every conn encapsulation=yes: fake NAT-D, both ends float to the NAT-T port, ESP-in-UDP SAs.
   */
  get encapsulation(): string {
    return this.deps.kernel.requiresUdpEncap ? 'yes' : this.conn.encapsulation;
  }

  /** Our NAT-T port, where IKE floats to (the daemon's --ike-natt-port; 4500 by default). */
  get localNattPort(): number {
    return this.deps.nattPort ?? NAT_T_PORT;
  }

  /** Our own SPI: the key the engine files us under. */
  get localSpi(): Uint8Array {
    return this.initiator ? this.spiI : this.spiR;
  }

  log(message: string): void {
    this.deps.logger.info(`"${this.conn.name}" #${this.serial}: ${message}`);
  }

  debug(message: string): void {
    this.deps.logger.debug('controlmore', `"${this.conn.name}" #${this.serial}: ${message}`);
  }

  /** Handles the requests of the peer (IKE_AUTH as responder, INFORMATIONAL, ...). */
  onRequest(handler: RequestHandler): void {
    this.requestHandler = handler;
  }

  /** Half-open or negotiation deadline: the SA dies if not established by then. */
  setDeadline(ms: number, why: string): void {
    this.lifeTimer?.cancel();
    this.lifeTimer = this.deps.clock.setTimer(ms, () => {
      if (this.state !== IkeState.ESTABLISHED) this.fail(why);
    });
  }

  private header(exchangeType: number, messageId: number, response: boolean): IkeHeaderInit {
    return { initiatorSpi: this.spiI, responderSpi: this.spiR, exchangeType, messageId, initiator: this.initiator, response };
  }

  /** Serializes in clear (IKE_SA_INIT) or under SK (everything else), in fragments when needed and allowed. */
  encode(exchangeType: number, messageId: number, response: boolean, payloads: Payload[], header?: IkeHeaderInit): Uint8Array[] {
    const h = header ?? this.header(exchangeType, messageId, response);
    if (exchangeType === ExchangeType.IKE_SA_INIT) return [serializeMessage({ header: h, payloads })];
    if (this.keys === undefined) throw new Error('no keys for an encrypted message');
    const whole = buildEncryptedMessage(h, payloads, this.keys.outbound);
    const max = this.maxMessageSize();
    if (whole.length <= max || !this.peerFragmentation || this.conn.fragmentation === 'no') return [whole];
    return fragmentMessage(h, payloads, this.keys.outbound, max);
  }

  /**
   * The largest IKE message we send whole: 1280-octet IP packets (IPv6's minimum MTU, strongSwan's default
   * fragment size; RFC 7383 §2.5.1 leaves the choice to us) minus IP and UDP headers and the non-ESP marker.
   */
  private maxMessageSize(): number {
    const ip = this.remote.address.includes(':') ? 1280 - 48 : 1280 - 28;
    return this.remote.port === 4500 ? ip - 4 : ip;
  }

  private send(datagrams: readonly Uint8Array[]): void {
    for (const d of datagrams) this.deps.transport.send(d, this.local, this.remote);
  }

  /** Sends a request of ours and calls `handler` with the response (window of 1, §2.3). */
  sendRequest(exchangeType: number, payloads: Payload[], handler: ResponseHandler, messageId?: number, onAbort?: (reason: string) => void): void {
    if (this.outstanding !== undefined) throw new Error(`#${this.serial}: a request is already outstanding`);
    const id = messageId ?? this.nextRequestId;
    const datagrams = this.encode(exchangeType, id, false, payloads);
    if (exchangeType === ExchangeType.IKE_SA_INIT) this.initRequest = datagrams[0];
    this.outstanding = {
      messageId: id, exchangeType, datagrams, handler, ...(onAbort !== undefined ? { onAbort } : {}), startedAt: this.deps.clock.now(),
      intervalMs: Math.max(1, Math.round(this.conn.retransmitInterval * 1000)),
    };
    this.debug(`sending ${exchangeTypeName(exchangeType)} request ${id}`);
    this.send(datagrams);
    this.armRetransmit();
  }

  get hasOutstanding(): boolean {
    return this.outstanding !== undefined;
  }

  private armRetransmit(): void {
    const o = this.outstanding;
    if (o === undefined) return;
    // The last wait ends at the deadline itself, so the SA gives up at retransmit-timeout, not after it.
    const left = o.startedAt + this.conn.retransmitTimeout * 1000 - this.deps.clock.now();
    o.timer = this.deps.clock.setTimer(Math.max(0, Math.min(o.intervalMs, left)), () => {
      if (this.outstanding !== o) return;
      const elapsed = this.deps.clock.now() - o.startedAt;
      if (elapsed >= this.conn.retransmitTimeout * 1000) {
        this.outstanding = undefined;
        o.onAbort?.('no response (retransmit-timeout)');
        this.fail(`no response to ${exchangeTypeName(o.exchangeType)} after ${Math.round(elapsed / 1000)}s (retransmit-timeout)`);
        return;
      }
      this.debug(`retransmitting ${exchangeTypeName(o.exchangeType)} request ${o.messageId}`);
      this.send(o.datagrams);
      o.intervalMs *= 2;
      this.armRetransmit();
    });
  }

  /** A timer that dies with the SA. */
  addTimer(ms: number, fire: () => void): void {
    const t = this.deps.clock.setTimer(ms, () => {
      this.timers = this.timers.filter((x) => x !== t);
      if (this.state !== IkeState.DEAD) fire();
    });
    this.timers.push(t);
  }

  /** Gives up on the request in flight (a delete replaces a liveness check). */
  abortOutstanding(reason = 'aborted'): void {
    const o = this.outstanding;
    this.clearOutstanding();
    o?.onAbort?.(reason);
  }

  /** Drops the outstanding request (e.g. IKE_SA_INIT to be sent again with a cookie or another group). */
  private clearOutstanding(): void {
    this.outstanding?.timer?.cancel();
    this.outstanding = undefined;
  }

  /** A datagram for this SA (the engine routed it by SPI). */
  receive(dg: Datagram, header: IkeHeader): void {
    if (this.state === IkeState.DEAD) return;
    let payloads: Payload[];
    try {
      const decoded = this.decode(dg, header);
      if (decoded === null) return;
      payloads = decoded;
    } catch (e) {
      this.debug(`dropping message ${header.messageId}: ${(e as Error).message}`);
      return;
    }
    this.lastHeard = this.deps.clock.now();
    if (header.response) this.receiveResponse(payloads, header, dg);
    else this.receiveRequest(payloads, header, dg);
  }

  /** Decrypts (and reassembles); null when more fragments are needed. Throws on forged or malformed input. */
  private decode(dg: Datagram, header: IkeHeader): Payload[] | null {
    if (header.exchangeType === ExchangeType.IKE_SA_INIT) return parseMessage(dg.data).payloads;
    if (this.keys === undefined) throw new Error('encrypted message before the keys exist');
    const copy = new Uint8Array(dg.data);
    if (header.nextPayload === PayloadType.SKF) {
      this.reassembler ??= new FragmentReassembler(this.keys.inbound);
      const r = this.reassembler.add(copy);
      return r.status === 'complete' ? r.message.payloads : null;
    }
    return openEncryptedMessage(copy, this.keys.inbound).payloads;
  }

  private receiveResponse(payloads: Payload[], header: IkeHeader, dg: Datagram): void {
    const o = this.outstanding;
    if (o === undefined || o.messageId !== header.messageId || o.exchangeType !== header.exchangeType) {
      this.debug(`dropping stale response ${header.messageId} (${exchangeTypeName(header.exchangeType)})`);
      return;
    }
    this.clearOutstanding();
    if (header.exchangeType !== ExchangeType.IKE_SA_INIT) this.nextRequestId = header.messageId + 1;
    this.run(() => o.handler(payloads, header, dg));
  }

  private receiveRequest(payloads: Payload[], header: IkeHeader, dg: Datagram): void {
    const id = header.messageId;
    if (this.lastResponse !== undefined && id === this.lastResponse.messageId) {
      this.debug(`retransmitting the response to duplicate request ${id}`);
      for (const d of this.lastResponse.datagrams) this.deps.transport.send(d, dg.local, dg.remote);
      return;
    }
    if (id !== this.expectedRequestId || this.processing || this.requestHandler === undefined) {
      this.debug(`dropping request ${id} (expecting ${this.expectedRequestId}${this.processing ? ', busy' : ''})`);
      return;
    }
    // The peer's address may have changed (NAT, the switch to port 4500): answer where the request came from.
    this.local = { ...dg.local };
    this.remote = { ...dg.remote };
    const critical = unsupportedCriticalTypes(payloads);
    if (critical.length > 0) {
      this.respond(header, [notify(NotifyError.UNSUPPORTED_CRITICAL_PAYLOAD, new Uint8Array([critical[0]!]))]);
      return;
    }
    this.processing = true;
    const handler = this.requestHandler;
    this.run(async () => {
      try {
        const response = await handler(payloads, header, dg);
        if (response !== null && this.state !== IkeState.DEAD) this.respond(header, response);
      } finally {
        this.processing = false;
      }
    });
  }

  /** Sends and caches the response to the peer's request `header`. */
  respond(header: IkeHeader, payloads: Payload[]): void {
    const datagrams = this.encode(header.exchangeType, header.messageId, true, payloads);
    if (header.exchangeType === ExchangeType.IKE_SA_INIT) this.initResponse = datagrams[0];
    this.lastResponse = { messageId: header.messageId, datagrams };
    this.expectedRequestId = header.messageId + 1;
    this.send(datagrams);
  }

  /** The responder's IKE_SA_INIT response sent by the init task (message 0 answered). */
  setNextRequestId(id: number): void {
    this.nextRequestId = id;
  }

  /** Runs async work; errors end the SA instead of escaping as unhandled rejections. */
  run(work: () => void | Promise<void>): Promise<void> {
    const p = (async () => {
      try {
        await work();
      } catch (e) {
        this.fail(e instanceof IkeParseError ? `malformed message: ${e.message}` : (e as Error).message);
      }
    })();
    this.ctx.track(p);
    return p;
  }

  /** Restarts the IKE_SA_INIT request (cookie, INVALID_KE): same message id 0. */
  resendInit(payloads: Payload[], handler: ResponseHandler): void {
    this.clearOutstanding();
    this.sendRequest(ExchangeType.IKE_SA_INIT, payloads, handler, 0);
  }

  /** The SA failed (or timed out): remove its Child SAs, tell the waiter, forget it. */
  fail(reason: string): void {
    if (this.state === IkeState.DEAD) return;
    this.log(`deleting IKE SA: ${reason}`);
    this.teardown(reason);
  }

  /** Ends the SA without a message: kernel state removed, timers stopped, engine told; resolves once its Child SAs are out of the kernel. */
  teardown(reason: string): Promise<void> {
    if (this.state === IkeState.DEAD) return Promise.resolve();
    const wasUp = this.state === IkeState.ESTABLISHED || this.state === IkeState.DELETING;
    const info = this.info();
    this.state = IkeState.DEAD;
    this.abortOutstanding(reason);
    this.lifeTimer?.cancel();
    for (const t of this.timers) t.cancel();
    this.timers = [];
    const children = this.children;
    this.children = [];
    const removed = this.run(async () => {
      for (const c of children) await this.removeChild(c, reason);
      if (wasUp) this.deps.events?.ikeDown?.(info, reason);
    });
    this.dh?.wipe();
    if (this.keys !== undefined) wipeIkeSaKeys(this.keys);
    this.keys = undefined;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(Object.assign(new Error(reason), { code: 'ERR_IKE_FAILED' }));
    this.ctx.gone(this);
    return removed;
  }

  /** Takes a Child SA out of the kernel (keeping policies another one uses) and reports it down. */
  async removeChild(child: ChildSa, reason: string): Promise<void> {
    this.children = this.children.filter((c) => c !== child);
    const shared = new Set(this.ctx.liveChildren().filter((c) => c !== child).flatMap((c) => c.policyKeys()));
    const info = child.info();
    await child.remove(this.deps.kernel, shared);
    this.deps.events?.childDown?.(info, reason);
  }

  info(): IkeSaInfo {
    return {
      connection: this.conn.name,
      serial: this.serial,
      initiator: this.initiator,
      spiI: hex(this.spiI),
      spiR: hex(this.spiR),
      state: this.state,
      localAddress: this.local.address,
      remoteAddress: this.remote.address,
      localPort: this.local.port,
      remotePort: this.remote.port,
      natLocal: this.localBehindNat,
      natRemote: this.remoteBehindNat,
      localId: this.localId?.toString() ?? '',
      remoteId: this.remoteId?.toString() ?? '',
      algorithms: this.alg !== undefined ? formatNegotiated(this.alg) : '',
      establishedAt: this.establishedAt,
      localAuth: this.localAuth,
      peerAuth: this.peerAuth,
      peerAuthDetail: this.peerAuthDetail,
    };
  }
}

