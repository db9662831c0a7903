// The Kernel interface over the userspace ESP data path (src/native/datapath.ts), for kernels without ESP:
// SAs and policies go into the native tables, counters come from them, acquires and byte/packet expiries come
// back as events; time lifetimes run on timers here. The data path owns the UDP port (4500): IKE datagrams that
// arrive there are handed to `onIke` listeners and IKE sends through `sendIke`.
//
// Always UDP-encapsulated (as strongSwan's libipsec): an SA without `encap` uses port 4500 both ways. Tunnel and
// transport mode; marks are not supported by the data path (refused, not ignored).
import { randomBytes } from 'node:crypto';

import {
  createDatapath,
  type Datapath,
  type DatapathEvent,
  type DatapathOptions,
  type DatapathSelector,
} from '../native/datapath';
import { EncrId } from '../ikev2/constants';
import type { IpText, Kernel, KernelEvent, KernelPolicy, KernelSa, KernelSaCounters, KernelSelector, PolicyDirection } from './kernel';

export class UserspaceKernelError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'UserspaceKernelError';
  }
}

export interface IkeDatagram {
  message: Buffer;
  address: string;
  port: number;
}

const NAT_T_PORT = 4500;

/** Key lengths an ENCR id implies (IKEv2 negotiates no Key Length attribute for them); 0 = none implied. */
function impliedKeyBits(encr: number): number {
  return encr === EncrId.CHACHA20_POLY1305 ? 256 : 0;
}

function selectorKey(s: KernelSelector, direction: PolicyDirection): string {
  return `${direction} ${s.src} ${s.dst} ${s.proto} ${s.srcPort} ${s.dstPort}`;
}

function toDatapathSelector(s: KernelSelector): DatapathSelector {
  return { src: s.src, dst: s.dst, proto: s.proto, srcPort: s.srcPort, dstPort: s.dstPort };
}

interface InstalledSa {
  sa: KernelSa;
  timers: NodeJS.Timeout[];
}

export class UserspaceKernel implements Kernel {
  readonly name = 'userspace';
  /** The data path only speaks ESP in UDP. */
  readonly requiresUdpEncap = true;
  private readonly sas = new Map<string, InstalledSa>();
  private readonly policies = new Map<string, KernelPolicy>();
  /** SPIs handed out by allocSpi and not yet used or released (inbound SPIs are unique per host here). */
  private readonly reservedSpis = new Set<number>();
  private readonly listeners: ((event: KernelEvent) => void)[] = [];
  private readonly ikeListeners: ((datagram: IkeDatagram) => void)[] = [];
  private readonly datapath: Datapath;

  /** Over an existing (started or not) data path, or one created from `options` (not started: call start()). */
  constructor(source: DatapathOptions | ((onEvent: (events: DatapathEvent[]) => void) => Datapath)) {
    const onEvent = (events: DatapathEvent[]): void => this.dispatch(events);
    this.datapath = typeof source === 'function' ? source(onEvent) : createDatapath(source, onEvent);
  }

  /** Creates the TUN and the socket and starts the workers. */
  start(): void {
    this.datapath.start();
  }

  /** The data path itself (global counters, info). */
  get native(): Datapath {
    return this.datapath;
  }

  onIke(listener: (datagram: IkeDatagram) => void): void {
    this.ikeListeners.push(listener);
  }

  /** Sends an IKE message from the data path's port 4500 socket; the non-ESP marker is added. */
  sendIke(message: Uint8Array, address: IpText, port: number): void {
    this.datapath.sendIke(message, address, port);
  }

  async allocSpi(_src: IpText, _dst: IpText): Promise<number> {
    for (;;) {
      const spi = randomBytes(4).readUInt32BE(0);
      if (spi < 0x100 || this.reservedSpis.has(spi) || this.inboundSpiInUse(spi)) continue;
      this.reservedSpis.add(spi);
      return spi;
    }
  }

  async addSa(sa: KernelSa): Promise<void> {
    this.install(sa, false);
  }

  async updateSa(sa: KernelSa): Promise<void> {
    this.install(sa, true);
  }

  async delSa(spi: number, dst: IpText): Promise<void> {
    const key = `${spi}@${dst}`;
    const found = this.sas.get(key);
    if (!found) throw new UserspaceKernelError('ERR_IPSEC_NO_SA', `no SA ${spi.toString(16)}@${dst}`);
    this.datapath.delSa(spi, found.sa.direction);
    for (const t of found.timers) clearTimeout(t);
    this.sas.delete(key);
  }

  async querySa(spi: number, dst: IpText): Promise<KernelSaCounters> {
    const found = this.sas.get(`${spi}@${dst}`);
    const c = found && this.datapath.saCounters(spi, found.sa.direction);
    if (!c) throw new UserspaceKernelError('ERR_IPSEC_NO_SA', `no SA ${spi.toString(16)}@${dst}`);
    return { bytes: c.bytes, packets: c.packets, lastUsed: c.lastUsed, replayDrops: c.replayDrops, authFailures: c.authFailures };
  }

  async addPolicy(policy: KernelPolicy): Promise<void> {
    this.installPolicy(policy, false);
  }

  async updatePolicy(policy: KernelPolicy): Promise<void> {
    this.installPolicy(policy, true);
  }

  async delPolicy(selector: KernelSelector, direction: PolicyDirection): Promise<void> {
    this.datapath.delPolicy(toDatapathSelector(selector), direction);
    this.policies.delete(selectorKey(selector, direction));
  }

  async listPolicies(): Promise<KernelPolicy[]> {
    return [...this.policies.values()].map((p) => structuredClone(p));
  }

  async flush(): Promise<void> {
    this.datapath.flush();
    for (const s of this.sas.values()) for (const t of s.timers) clearTimeout(t);
    this.sas.clear();
    this.policies.clear();
    this.reservedSpis.clear();
  }

  onEvent(listener: (event: KernelEvent) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    for (const s of this.sas.values()) for (const t of s.timers) clearTimeout(t);
    this.datapath.stop();
    this.datapath.flush();
    this.sas.clear();
  }

  private inboundSpiInUse(spi: number): boolean {
    for (const s of this.sas.values()) if (s.sa.direction === 'in' && s.sa.spi === spi) return true;
    return false;
  }

  private install(sa: KernelSa, replace: boolean): void {
    if (sa.proto !== 'esp') throw new UserspaceKernelError('ERR_IPSEC_UNSUPPORTED', 'the userspace data path carries ESP only');
    if (sa.mark) throw new UserspaceKernelError('ERR_IPSEC_UNSUPPORTED', 'the userspace data path has no marks');
    const key = `${sa.spi}@${sa.dst}`;
    if (!replace && this.sas.has(key)) throw new UserspaceKernelError('ERR_IPSEC_SA_EXISTS', `SA ${sa.spi.toString(16)}@${sa.dst} exists`);
    const out = sa.direction === 'out';
    this.datapath.addSa({
      spi: sa.spi,
      direction: sa.direction,
      encr: sa.encr.id,
      keyBits: sa.encr.keyBits || impliedKeyBits(sa.encr.id),
      encrKeymat: sa.encr.keymat,
      integ: sa.integ?.id ?? 0,
      integKey: sa.integ?.key,
      esn: sa.esn,
      replayWindow: sa.replayWindow,
      reqid: sa.reqid,
      remoteAddress: out ? sa.dst : sa.src,
      remotePort: (out ? sa.encap?.dstPort : sa.encap?.srcPort) ?? NAT_T_PORT,
      dst: sa.dst,
      selector: toDatapathSelector(sa.selector),
      lifetimes: { softBytes: sa.lifetimes.softBytes, hardBytes: sa.lifetimes.hardBytes, softPackets: sa.lifetimes.softPackets, hardPackets: sa.lifetimes.hardPackets },
      replace,
      mode: sa.mode,
    });
    const previous = this.sas.get(key);
    for (const t of previous?.timers ?? []) clearTimeout(t);
    const timers: NodeJS.Timeout[] = [];
    const at = (seconds: number, hard: boolean): void => {
      if (seconds <= 0) return;
      const t = setTimeout(() => this.expire(sa.spi, sa.dst, hard), seconds * 1000);
      t.unref();
      timers.push(t);
    };
    at(sa.lifetimes.softSeconds, false);
    at(sa.lifetimes.hardSeconds, true);
    this.sas.set(key, { sa, timers });
    this.reservedSpis.delete(sa.spi);
  }

  private installPolicy(policy: KernelPolicy, replace: boolean): void {
    if (policy.mark) throw new UserspaceKernelError('ERR_IPSEC_UNSUPPORTED', 'the userspace data path has no marks');
    if (policy.action === 'ipsec' && !policy.template) throw new UserspaceKernelError('ERR_IPSEC_BAD_POLICY', "an 'ipsec' policy needs a template");
    this.datapath.addPolicy({
      selector: toDatapathSelector(policy.selector),
      direction: policy.direction,
      action: policy.action,
      priority: policy.priority,
      reqid: policy.template?.reqid ?? 0,
      replace,
    });
    this.policies.set(selectorKey(policy.selector, policy.direction), structuredClone(policy));
  }

  /** A hard expiry deletes the SA (as the kernel does) after telling the daemon. */
  private expire(spi: number, dst: IpText, hard: boolean): void {
    const key = `${spi}@${dst}`;
    if (!this.sas.has(key)) return;
    this.emit({ type: 'expire', spi, dst, hard });
    if (hard && this.sas.has(key)) void this.delSa(spi, dst).catch(() => undefined);
  }

  private emit(event: KernelEvent): void {
    for (const l of this.listeners) l(event);
  }

  private dispatch(events: DatapathEvent[]): void {
    for (const e of events) {
      try {
        if (e.type === 'ike') {
          for (const l of this.ikeListeners) l({ message: e.message, address: e.address, port: e.port });
        } else if (e.type === 'acquire') {
          this.emit({ type: 'acquire', selector: { ...e.selector }, policyDirection: 'out' });
        } else {
          this.expire(e.spi, e.dst, e.hard);
        }
      } catch {
        // A listener's failure must not take the data path's event delivery down.
      }
    }
  }
}
