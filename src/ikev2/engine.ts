// The IKEv2 engine: every IKE SA of the daemon, no I/O of its own (DESIGN principle 1). Connections by
// name, IKE SAs by our SPI, Libreswan's serial numbers, routing of received datagrams, initiate/terminate.
import type { ConnectionConfig } from '../config/model';
import { IkeParseError, parseIkeHeader, parseMessage, serializeMessage, type IkeHeader } from './codec';
import { CookieJar } from './cookie';
import { connForAddresses, connForIds } from './conn-select';
import { endId, hostAddress, IKE_PORT, localEnd, remoteEnd } from './connection';
import { ExchangeType, NotifyError } from './constants';
import type { Datagram, EngineDeps, EngineStatus, IkeEngineApi, InitiateResult } from './engine-api';
import { IkeSa, IkeState, type IkeContext } from './ike-sa';
import { hex, isZero, notify } from './messages';
import { NatKeepalives } from './nat-keepalives';
import { RetiredResponses } from './retired-responses';
import { respondToInit, startInitiator } from './tasks/ike-sa-init';
import { deleteIkeSa } from './tasks/informational';
import { deleteChild, rekeyChild } from './tasks/create-child-sa';
import { rekeyIke } from './tasks/rekey-ike';
import type { KernelEvent } from '../kernel/kernel';

/** Libreswan numbers reqids from 16388 up, 4 apart (one per connection here). */
const REQID_BASE = 16388;
const REQID_STEP = 4;

export class IkeEngine implements IkeEngineApi {
  private readonly conns = new Map<string, ConnectionConfig>();
  /** By our own SPI (hex). */
  private readonly sas = new Map<string, IkeSa>();
  /** Responder SAs before IKE_AUTH, by initiator SPI and address: duplicates of IKE_SA_INIT find them. */
  private readonly halfOpen = new Map<string, IkeSa>();
  private readonly reqids = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly cookies: CookieJar;
  private serial = 0;
  private nextReqid = REQID_BASE;
  private readonly ctx: IkeContext;
  private readonly keepalives: NatKeepalives;
  /** The last answers of IKE SAs that are gone, for the peer's retransmissions of those requests. */
  private readonly retired: RetiredResponses;

  constructor(private readonly deps: EngineDeps) {
    this.cookies = new CookieJar(deps.random(32));
    this.keepalives = new NatKeepalives(deps.keepalives, deps.keepAliveSeconds);
    this.retired = new RetiredResponses(deps.clock);
    deps.kernel.onEvent((e) => this.onKernelEvent(e));
    this.ctx = {
      deps,
      nextSerial: () => ++this.serial,
      reqidFor: (conn) => this.reqidFor(conn.name),
      established: (sa) => this.onEstablished(sa),
      gone: (sa) => this.forget(sa),
      track: (p) => this.track(p),
      adopt: (sa) => {
        this.sas.set(hex(sa.localSpi), sa);
        this.keepalives.sync(this.sas.values());
      },
      liveChildren: () => [...this.sas.values()].flatMap((sa) => sa.children.filter((c) => c.installed)),
      hasPeerSa: (sa) => this.hasPeerSa(sa),
      purgePeer: (sa) => this.purgePeer(sa),
      responderConn: (sa, peer, wanted, ts) => connForIds(this.conns.values(), sa.conn, sa.local, sa.remote, peer, wanted, ts),
    };
  }

  /**
   * Kernel expiries: a soft one rekeys the Child SA (rekey=yes), a hard one deletes it (the kernel has
   * dropped the SA already).
   */
  private onKernelEvent(e: KernelEvent): void {
    if (e.type !== 'expire') return;
    for (const sa of this.sas.values()) {
      if (sa.state !== IkeState.ESTABLISHED) continue;
      const child = sa.children.find((c) => (c.p.spiIn === e.spi && c.p.localAddress === e.dst) || (c.p.spiOut === e.spi && c.p.remoteAddress === e.dst));
      if (child === undefined) continue;
      const which = `${e.spi === child.p.spiIn ? 'inbound' : 'outbound'} SA ${e.spi.toString(16).padStart(8, '0')} of Child SA #${child.serial}`;
      if (!e.hard) {
        if (sa.conn.rekey && !child.rekeying) {
          sa.log(`soft lifetime of ${which} reached: rekeying`);
          child.rekeying = true;
          // Not tracked: it settles only when the peer answers (its steps are tracked one by one).
          rekeyChild(sa, child).catch((err: unknown) => {
            child.rekeying = false;
            this.deps.logger.warn(`"${sa.conn.name}" #${child.serial}: rekey failed: ${(err as Error).message}`);
          });
        }
      } else {
        sa.log(`hard lifetime of ${which} reached: deleting it`);
        if (!sa.hasOutstanding) deleteChild(sa, child, 'hard lifetime expired');
        else this.track(sa.removeChild(child, 'hard lifetime expired'));
      }
      return;
    }
  }

  addConnection(conn: ConnectionConfig): void {
    if (conn.local === undefined) throw new Error(`conn "${conn.name}": neither end is this host`);
    this.conns.set(conn.name, conn);
  }

  async deleteConnection(name: string): Promise<void> {
    await this.terminate(name).catch(() => undefined);
    this.conns.delete(name);
  }

  connectionNames(): string[] {
    return [...this.conns.keys()];
  }

  initiate(name: string): Promise<InitiateResult> {
    const conn = this.conns.get(name);
    if (conn === undefined) return Promise.reject(new Error(`no connection named "${name}"`));
    const localAddress = hostAddress(localEnd(conn));
    const remoteAddress = hostAddress(remoteEnd(conn));
    if (localAddress === undefined || remoteAddress === undefined) {
      return Promise.reject(new Error(`conn "${name}": cannot initiate without both addresses`));
    }
    const local = { address: localAddress, port: localEnd(conn).ikeport ?? IKE_PORT };
    const remote = { address: remoteAddress, port: remoteEnd(conn).ikeport ?? IKE_PORT };
    const sa = new IkeSa(this.ctx, conn, true, new Uint8Array(this.deps.random(8)), local, remote);
    this.sas.set(hex(sa.spiI), sa);
    this.deps.logger.info(`"${name}" #${sa.serial}: initiating IKEv2 connection`);
    return new Promise<InitiateResult>((resolve, reject) => {
      sa.waiter = { resolve, reject };
      sa.run(() => startInitiator(sa));
    });
  }

  async terminate(name: string): Promise<void> {
    const list = [...this.sas.values()].filter((sa) => sa.conn.name === name && sa.state !== IkeState.DEAD);
    for (const sa of list) await deleteIkeSa(sa, 'terminated');
  }

  async rekey(name: string, what: 'ike' | 'child'): Promise<void> {
    if (what === 'ike') {
      const sa = [...this.sas.values()].filter((s) => s.conn.name === name && s.state === IkeState.ESTABLISHED).pop();
      if (sa === undefined) throw new Error(`conn "${name}" has no established IKE SA to rekey`);
      await rekeyIke(sa);
      return;
    }
    const sa = [...this.sas.values()].filter((s) => s.conn.name === name && s.state === IkeState.ESTABLISHED && s.children.length > 0).pop();
    if (sa === undefined) throw new Error(`conn "${name}" has no established Child SA to rekey`);
    await rekeyChild(sa, sa.children[0]!);
  }

  receive(dg: Datagram): void {
    let header: IkeHeader;
    try {
      header = parseIkeHeader(dg.data);
    } catch (e) {
      const h = e instanceof IkeParseError ? e.header : undefined;
      // §1.5: a request of a higher major version is answered (unencrypted) with INVALID_MAJOR_VERSION.
      if (h !== undefined && e instanceof IkeParseError && e.reason === 'unsupported-version' && h.majorVersion > 2 && !h.response) {
        const header = {
          initiatorSpi: h.initiatorSpi, responderSpi: h.responderSpi, exchangeType: h.exchangeType, messageId: h.messageId,
          initiator: false, response: true,
        };
        this.deps.transport.send(serializeMessage({ header, payloads: [notify(NotifyError.INVALID_MAJOR_VERSION)] }), dg.local, dg.remote);
        return;
      }
      this.deps.logger.debug('parsing', `dropping datagram from ${dg.remote.address}:${dg.remote.port}: ${(e as Error).message}`);
      return;
    }
    if (header.exchangeType === ExchangeType.IKE_SA_INIT && !header.response && isZero(header.responderSpi)) {
      this.receiveInitRequest(dg, header);
      return;
    }
    // The I flag says who sent it: from the original initiator, our SPI is the responder's.
    const ours = header.initiator ? header.responderSpi : header.initiatorSpi;
    const sa = this.sas.get(hex(ours));
    if (sa === undefined && !header.response) {
      const answer = this.retired.answerFor(ours, dg);
      if (answer !== undefined) {
        this.deps.logger.debug('controlmore', `answering retransmitted request ${header.messageId} of the deleted IKE SA ${hex(header.initiatorSpi)}/${hex(header.responderSpi)} again`);
        for (const d of answer) this.deps.transport.send(d, dg.local, dg.remote);
        return;
      }
    }
    if (sa === undefined || (header.initiator ? hex(sa.spiI) !== hex(header.initiatorSpi) || sa.initiator : !sa.initiator)) {
      this.deps.logger.debug('parsing', `dropping ${header.response ? 'response' : 'request'} for unknown IKE SA ${hex(header.initiatorSpi)}/${hex(header.responderSpi)}`);
      return;
    }
    // Once the responder's SPI is known it must match too (an IKE_SA_INIT answer may still carry zero).
    if (sa.initiator && !isZero(sa.spiR) && hex(sa.spiR) !== hex(header.responderSpi)) return;
    const before = `${sa.local.port}|${sa.remote.address}|${sa.remote.port}`;
    sa.receive(dg, header);
    // A NAT rebinding moves the peer: its keep-alives follow.
    if (`${sa.local.port}|${sa.remote.address}|${sa.remote.port}` !== before) this.keepalives.sync(this.sas.values());
  }

  private receiveInitRequest(dg: Datagram, header: IkeHeader): void {
    const key = `${hex(header.initiatorSpi)}/${dg.remote.address}:${dg.remote.port}`;
    const existing = this.halfOpen.get(key);
    if (existing !== undefined) {
      existing.receive(dg, header); // a retransmission: answered from the cache
      return;
    }
    let payloads;
    try {
      payloads = parseMessage(dg.data).payloads;
    } catch (e) {
      this.deps.logger.debug('parsing', `dropping IKE_SA_INIT from ${dg.remote.address}: ${(e as IkeParseError).message}`);
      return;
    }
    const conn = this.findResponderConn(dg);
    if (conn === undefined) {
      this.deps.logger.info(`IKE_SA_INIT from ${dg.remote.address}:${dg.remote.port}: no connection matches`);
      return;
    }
    const halfOpenCount = [...this.sas.values()].filter((s) => s.state === IkeState.PARENT_R1).length;
    const env = {
      ctx: this.ctx,
      cookies: this.cookies,
      busy: this.deps.forceBusy || halfOpenCount > this.deps.ddosIkeThreshold,
      register: (sa: IkeSa) => {
        this.sas.set(hex(sa.spiR), sa);
        this.halfOpen.set(key, sa);
      },
    };
    this.track(respondToInit(env, conn, dg, header, payloads).catch((e: unknown) => {
      this.deps.logger.warn(`"${conn.name}": IKE_SA_INIT from ${dg.remote.address} failed: ${(e as Error).message}`);
      const sa = this.halfOpen.get(key);
      sa?.teardown((e as Error).message);
    }));
  }

  /** The connection whose local address received it and whose remote end is that peer (or %any). */
  private findResponderConn(dg: Datagram): ConnectionConfig | undefined {
    return connForAddresses(this.conns.values(), dg.local, dg.remote);
  }

  /**
   * Whether another live IKE SA with this SA's peer exists, on any connection: by the peer ID the conn
   * expects, or by address when it expects %any (the ID is not known before the peer sends it).
   */
  private hasPeerSa(sa: IkeSa): boolean {
    const expected = sa.remoteId ?? endId(remoteEnd(sa.conn), sa.remote.address, true);
    return [...this.sas.values()].some((o) => {
      if (o === sa || (o.state !== IkeState.ESTABLISHED && o.state !== IkeState.DELETING)) return false;
      return expected.isAny() ? o.remote.address === sa.remote.address : o.remoteId !== undefined && o.remoteId.equals(expected);
    });
  }

  status(): EngineStatus {
    const live = [...this.sas.values()].filter((sa) => sa.state !== IkeState.DEAD).sort((a, b) => a.serial - b.serial);
    return {
      ikeSas: live.map((sa) => sa.info()),
      childSas: live.flatMap((sa) => sa.children.map((c) => c.info())),
    };
  }

  async shutdown(): Promise<void> {
    for (const sa of [...this.sas.values()]) await deleteIkeSa(sa, 'shutting down');
    for (const sa of [...this.sas.values()]) sa.teardown('shutting down');
    await this.whenIdle();
  }

  /** Resolves once every pending asynchronous step (DH on the helpers, kernel calls) has finished. */
  async whenIdle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
  }

  private reqidFor(name: string): number {
    let r = this.reqids.get(name);
    if (r === undefined) {
      r = this.nextReqid;
      this.nextReqid += REQID_STEP;
      this.reqids.set(name, r);
    }
    return r;
  }

  /**
   * INITIAL_CONTACT (RFC 7296 §2.4: the peer holds no other IKE SA with us, it restarted): every IKE SA and
   * Child SA with that peer ID goes, on any connection, without a message (the peer has nothing left to
   * delete). Done before the new Child SA is installed: the stale SAs may hold the SPIs it now reuses.
   */
  private async purgePeer(sa: IkeSa): Promise<void> {
    if (sa.remoteId === undefined || sa.remoteId.isAny()) return;
    const stale = [...this.sas.values()].filter((old) => old !== sa && old.remoteId !== undefined && old.remoteId.equals(sa.remoteId!)
      && (old.state === IkeState.ESTABLISHED || old.state === IkeState.DELETING));
    for (const old of stale) old.log(`deleted: INITIAL_CONTACT from ${sa.remoteId.toString()} on "${sa.conn.name}" #${sa.serial}`);
    await Promise.all(stale.map((old) => old.teardown('replaced by a new IKE SA (INITIAL_CONTACT)')));
  }

  /** uniqueids: the new IKE SA replaces older ones of the same connection and peer ID; the peer is told with a delete. */
  private onEstablished(sa: IkeSa): void {
    for (const [k, v] of this.halfOpen) if (v === sa) this.halfOpen.delete(k);
    this.keepalives.sync(this.sas.values());
    if (sa.initiator || !this.deps.uniqueIds || sa.remoteId === undefined || sa.remoteId.isAny()) return;
    for (const old of [...this.sas.values()]) {
      if (old === sa || old.state !== IkeState.ESTABLISHED || old.remoteId === undefined || !old.remoteId.equals(sa.remoteId)) continue;
      if (old.conn.name !== sa.conn.name) continue;
      old.log(`replaced by #${sa.serial} (uniqueids)`);
      this.track(deleteIkeSa(old, 'replaced by a new IKE SA'));
    }
  }

  private forget(sa: IkeSa): void {
    const key = hex(sa.localSpi);
    if (this.sas.get(key) === sa) {
      this.sas.delete(key);
      const last = sa.retiredResponse();
      if (last !== undefined) this.retired.add(last);
    }
    for (const [k, v] of this.halfOpen) if (v === sa) this.halfOpen.delete(k);
    this.keepalives.sync(this.sas.values());
  }
}
