// A Child SA (ESP) as the kernel holds it: two SAs (in and out) and the out/in/fwd policies that send
// traffic through them; installed and removed through the Kernel interface.
import type { ChildSaInfo } from './engine-api';
import type { Kernel, KernelPolicy, KernelSa, KernelSaLifetimes, KernelSelector, SaMode } from '../kernel/kernel';
import { childSaLifetimes } from './sa-lifetimes';
import { selectorKey, selectorPriority } from '../kernel/priority';
import type { ConnectionConfig } from '../config/model';
import { formatNegotiated, type Negotiated } from './proposals';
import type { ChildKeys, EspDirectionKeys } from './keymat';
import { formatTs, kernelSelectors, reverseSelector, type Ts } from './traffic-selectors';

export interface ChildSaParams {
  conn: ConnectionConfig;
  serial: number;
  /** Changes when an IKE SA rekey moves the Child SA to the new IKE SA. */
  ikeSerial: number;
  reqid: number;
  initiator: boolean;
  spiIn: number;
  spiOut: number;
  alg: Negotiated;
  keys: ChildKeys;
  localTs: Ts[];
  remoteTs: Ts[];
  mode: SaMode;
  localAddress: string;
  remoteAddress: string;
  /** UDP encapsulation ports (ours, the peer's) when NAT-T is in use. */
  encap?: { localPort: number; remotePort: number };
}

export class ChildSa {
  installed = false;
  /** A CREATE_CHILD_SA rekey of this SA is under way. */
  rekeying = false;
  /**
   * Set when the peer rekeyed this SA while our own rekey of it was under way (RFC 7296 §2.8.1): the
   * nonces of the peer's exchange and the Child SA it made, compared with ours when our answer comes.
   */
  peerRekey?: { ni: Uint8Array; nr: Uint8Array; replacement: ChildSa };
  private readonly outSelectors: KernelSelector[];
  /** Drawn once (the fuzz is random): both SAs of this Child SA carry the same limits. */
  private readonly lifetimes: KernelSaLifetimes;

  constructor(readonly p: ChildSaParams) {
    this.outSelectors = kernelSelectors(p.localTs, p.remoteTs);
    this.lifetimes = childSaLifetimes(p.conn, p.initiator);
  }

  get serial(): number {
    return this.p.serial;
  }

  private sa(direction: 'in' | 'out', keys: EspDirectionKeys, selector: KernelSelector): KernelSa {
    const { p } = this;
    const out = direction === 'out';
    const sa: KernelSa = {
      spi: out ? p.spiOut : p.spiIn,
      src: out ? p.localAddress : p.remoteAddress,
      dst: out ? p.remoteAddress : p.localAddress,
      proto: 'esp',
      mode: p.mode,
      reqid: p.reqid,
      encr: { id: p.alg.encr, keyBits: p.alg.keyBits, keymat: keys.encr },
      esn: p.alg.esn,
      replayWindow: p.conn.replayWindow,
      selector,
      lifetimes: this.lifetimes,
      direction,
    };
    if (keys.integ !== undefined) sa.integ = { id: p.alg.integ, key: keys.integ };
    const mark = this.mark(direction);
    if (mark !== undefined) sa.mark = mark;
    if (p.encap !== undefined) {
      sa.encap = out ? { srcPort: p.encap.localPort, dstPort: p.encap.remotePort } : { srcPort: p.encap.remotePort, dstPort: p.encap.localPort };
    }
    return sa;
  }

  /** mark-in= / mark-out=, else mark= (a value of -1, "unique per instance", is not supported yet: none). */
  private mark(direction: 'in' | 'out' | 'fwd'): { value: number; mask: number } | undefined {
    const c = this.p.conn;
    const m = (direction === 'out' ? c.markOut : c.markIn) ?? c.mark;
    return m === undefined || m.value < 0 ? undefined : { value: m.value, mask: m.mask };
  }

  private policies(): KernelPolicy[] {
    const { p } = this;
    const out: KernelPolicy[] = [];
    for (const sel of this.outSelectors) {
      const priority = selectorPriority(sel);
      const tmplOut = { src: p.localAddress, dst: p.remoteAddress, proto: 'esp' as const, mode: p.mode, reqid: p.reqid };
      const tmplIn = { src: p.remoteAddress, dst: p.localAddress, proto: 'esp' as const, mode: p.mode, reqid: p.reqid };
      const policy = (selector: KernelSelector, direction: 'in' | 'out' | 'fwd', template: KernelPolicy['template']): KernelPolicy => {
        const mark = this.mark(direction);
        return { selector, direction, action: 'ipsec', priority, template, ...(mark !== undefined ? { mark } : {}) };
      };
      out.push(policy(sel, 'out', tmplOut), policy(reverseSelector(sel), 'in', tmplIn), policy(reverseSelector(sel), 'fwd', tmplIn));
    }
    return out;
  }

  /** Keys of this SA's policies ("selector direction"), to tell which another Child SA still needs. */
  policyKeys(): string[] {
    return this.policies().map(policyKey);
  }

  /**
   * Inbound SA first (so nothing arrives for an SA we do not have), then outbound, then the policies: a
   * policy another Child SA of the connection installed (same selectors: a rekey, a second IKE SA) is
   * replaced, so it now points at this SA's reqid and addresses. When the kernel refuses a step, what
   * this call did is undone (SAs deleted, policies it added deleted, policies it replaced restored,
   * the allocated inbound SPI released) and the error is thrown: nothing half-installed stays.
   */
  async install(kernel: Kernel): Promise<void> {
    const { keys, initiator } = this.p;
    const inKeys = initiator ? keys.rToI : keys.iToR;
    const outKeys = initiator ? keys.iToR : keys.rToI;
    const sel = this.outSelectors[0] ?? { src: `${this.p.localAddress}/32`, dst: `${this.p.remoteAddress}/32`, proto: 0, srcPort: 0, dstPort: 0 };
    const undo: (() => Promise<void>)[] = [];
    try {
      await kernel.addSa(this.sa('in', inKeys, reverseSelector(sel)));
      undo.push(() => kernel.delSa(this.p.spiIn, this.p.localAddress));
      await kernel.addSa(this.sa('out', outKeys, sel));
      undo.push(() => kernel.delSa(this.p.spiOut, this.p.remoteAddress));
      for (const pol of this.policies()) {
        const previous = (await kernel.listPolicies()).find((x) => policyKey(x) === policyKey(pol));
        if (previous !== undefined) {
          await kernel.updatePolicy(pol);
          undo.push(() => kernel.updatePolicy(previous));
        } else {
          await kernel.addPolicy(pol);
          undo.push(() => kernel.delPolicy(pol.selector, pol.direction));
        }
      }
    } catch (err) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      // The inbound SPI was allocated (a larval SA in a real kernel): released unless the SA took it.
      if (undo.length === 0) await kernel.delSa(this.p.spiIn, this.p.localAddress).catch(() => undefined);
      wipeKeys(this.p.keys);
      throw err;
    }
    this.installed = true;
  }

  /**
   * Removes the policies no other Child SA still uses (`shared` holds the keys those use), then the SAs;
   * each step tolerates what is already gone.
   */
  async remove(kernel: Kernel, shared: ReadonlySet<string> = new Set()): Promise<void> {
    if (!this.installed) return;
    this.installed = false;
    for (const pol of this.policies()) {
      if (shared.has(policyKey(pol))) continue;
      await kernel.delPolicy(pol.selector, pol.direction).catch(() => undefined);
    }
    await kernel.delSa(this.p.spiOut, this.p.remoteAddress).catch(() => undefined);
    await kernel.delSa(this.p.spiIn, this.p.localAddress).catch(() => undefined);
    wipeKeys(this.p.keys);
  }

  info(): ChildSaInfo {
    const { p } = this;
    return {
      connection: p.conn.name,
      serial: p.serial,
      ikeSerial: p.ikeSerial,
      spiIn: p.spiIn,
      spiOut: p.spiOut,
      localTs: p.localTs.map(formatTs),
      remoteTs: p.remoteTs.map(formatTs),
      mode: p.mode,
      algorithms: formatNegotiated(p.alg),
      localAddress: p.localAddress,
      remoteAddress: p.remoteAddress,
      encapsulated: p.encap !== undefined,
      reqid: p.reqid,
    };
  }
}

export function policyKey(p: { selector: KernelSelector; direction: string }): string {
  return selectorKey(p.selector, p.direction);
}

function wipeKeys(k: ChildKeys): void {
  for (const d of [k.iToR, k.rToI]) {
    d.encr.wipe();
    d.integ?.wipe();
  }
}
