// The Linux kernel as the daemon's Kernel: SAs and policies over NETLINK_XFRM, events from its
// ACQUIRE/EXPIRE multicast groups. On a kernel without ESP (this project's test machines) addSa rejects
// with KernelUnsupportedError and the daemon falls back to the userspace data path.
import { NETLINK_XFRM, NetlinkSocket } from '../../native/netlink';
import type { Kernel, KernelEvent, KernelPolicy, KernelSa, KernelSaCounters, KernelSelector, PolicyAction, PolicyDirection } from '../kernel';
import { KernelError } from '../errors';
import { XfrmChannel, type XfrmChannelOptions } from './channel';
import { SIZE, XFRMNLGRP, XFRM_MSG } from './constants';
import { decodeEvent } from './events';
import {
  decodePolicy,
  decodeSa,
  encodeAllocSpi,
  encodeDump,
  encodeFlushPolicies,
  encodeFlushSas,
  encodePolicy,
  encodePolicyId,
  encodeSa,
  encodeSaId,
  type DecodedPolicy,
  type DecodedSa,
} from './messages';
import { splitMessages } from './nlmsg';
import { readSelector, writeSelector } from './structs';

type Mark = { value: number; mask: number } | undefined;

/** The selector as the kernel will echo it (canonical addresses, host bits as given). */
function selectorKey(sel: KernelSelector, dir: PolicyDirection): string {
  const buf = Buffer.alloc(SIZE.selector);
  writeSelector(buf, 0, sel);
  const c = readSelector(buf, 0);
  return `${dir}|${c.src}|${c.dst}|${c.proto}|${c.srcPort}|${c.dstPort}`;
}

function saKey(spi: number, dst: string): string {
  return `${spi >>> 0}@${dst.toLowerCase()}`;
}

export interface XfrmKernelOptions extends XfrmChannelOptions {
  /** SPI range for allocSpi (default 0x100..0xffffffff: RFC 4303 reserves 1..255). */
  spiMin?: number;
  spiMax?: number;
}

export class XfrmKernel implements Kernel {
  readonly name = 'xfrm';
  readonly requiresUdpEncap = false;
  private readonly channel: XfrmChannel;
  /** SPIs we allocated whose SA is not installed yet: that SA is an update of the larval state. */
  private readonly larval = new Set<string>();
  private readonly sas = new Map<string, { spi: number; dst: string; mark: Mark }>();
  /** What we installed, for flush() and for the actions the kernel cannot tell apart. */
  private readonly policies = new Map<string, { selector: KernelSelector; direction: PolicyDirection; action: PolicyAction; mark: Mark }>();
  private readonly listeners: ((event: KernelEvent) => void)[] = [];
  private events: NetlinkSocket | undefined;

  constructor(private readonly options: XfrmKernelOptions = {}) {
    this.channel = new XfrmChannel(options);
  }

  async allocSpi(src: string, dst: string): Promise<number> {
    const req = encodeAllocSpi(src, dst, this.channel.nextSeq(), { min: this.options.spiMin, max: this.options.spiMax });
    const [reply] = await this.channel.request(req, 'allocate SPI');
    if (!reply || reply.type !== XFRM_MSG.NEWSA) throw new KernelError('ERR_KERNEL_REQUEST', 'allocate SPI', 'allocate SPI: the kernel answered without an SA');
    const spi = decodeSa(reply.payload).spi;
    this.larval.add(saKey(spi, dst));
    return spi;
  }

  async addSa(sa: KernelSa): Promise<void> {
    const key = saKey(sa.spi, sa.dst);
    // An SPI from allocSpi already names a larval SA: NEWSA would collide with it (EEXIST).
    await this.channel.request(encodeSa(sa, this.channel.nextSeq(), this.larval.has(key)), 'add SA', true);
    this.larval.delete(key);
    this.sas.set(key, { spi: sa.spi, dst: sa.dst, mark: sa.mark });
  }

  async updateSa(sa: KernelSa): Promise<void> {
    await this.channel.request(encodeSa(sa, this.channel.nextSeq(), true), 'update SA', true);
    const key = saKey(sa.spi, sa.dst);
    this.larval.delete(key);
    this.sas.set(key, { spi: sa.spi, dst: sa.dst, mark: sa.mark });
  }

  async delSa(spi: number, dst: string): Promise<void> {
    const key = saKey(spi, dst);
    await this.channel.request(encodeSaId('delete', spi, dst, this.channel.nextSeq(), { mark: this.sas.get(key)?.mark }), 'delete SA');
    this.sas.delete(key);
    this.larval.delete(key);
  }

  async querySa(spi: number, dst: string): Promise<KernelSaCounters> {
    const req = encodeSaId('get', spi, dst, this.channel.nextSeq(), { mark: this.sas.get(saKey(spi, dst))?.mark });
    const [reply] = await this.channel.request(req, 'query SA');
    if (!reply || reply.type !== XFRM_MSG.NEWSA) throw new KernelError('ERR_KERNEL_REQUEST', 'query SA', 'query SA: the kernel answered without an SA');
    return decodeSa(reply.payload).counters;
  }

  addPolicy(policy: KernelPolicy): Promise<void> {
    return this.installPolicy(policy, false);
  }

  updatePolicy(policy: KernelPolicy): Promise<void> {
    return this.installPolicy(policy, true);
  }

  async delPolicy(selector: KernelSelector, direction: PolicyDirection): Promise<void> {
    const key = selectorKey(selector, direction);
    await this.channel.request(encodePolicyId('delete', selector, direction, this.channel.nextSeq(), this.policies.get(key)?.mark), 'delete policy');
    this.policies.delete(key);
  }

  /** Every in/out/fwd policy in the kernel (ours or not); trap/hold/reject as we installed them. */
  async listPolicies(): Promise<KernelPolicy[]> {
    const replies = await this.channel.request(encodeDump('policies', this.channel.nextSeq()), 'list policies');
    const out: KernelPolicy[] = [];
    for (const msg of replies) {
      if (msg.type !== XFRM_MSG.NEWPOLICY) continue;
      const decoded = decodePolicy(msg.payload);
      if (!decoded) continue;
      const { index: _index, ...policy } = decoded satisfies DecodedPolicy;
      const ours = this.policies.get(selectorKey(policy.selector, policy.direction));
      if (ours && ours.action !== policy.action && sameKernelAction(ours.action, policy.action)) policy.action = ours.action;
      out.push(policy);
    }
    return out;
  }

  /** Every SA in the kernel, larval ones (allocated SPIs) included: `ip xfrm state`. Not part of Kernel. */
  async listSas(): Promise<DecodedSa[]> {
    const replies = await this.channel.request(encodeDump('sas', this.channel.nextSeq()), 'list SAs');
    return replies.filter((m) => m.type === XFRM_MSG.NEWSA).map((m) => decodeSa(m.payload));
  }

  /** Removes what this daemon installed: policies first, so no packet matches a policy whose SA is gone. */
  async flush(): Promise<void> {
    const failures: unknown[] = [];
    const tolerate = async (op: Promise<void>): Promise<void> => {
      try {
        await op;
      } catch (err) {
        if (!(err instanceof KernelError && err.code === 'ERR_KERNEL_NOT_FOUND')) failures.push(err);
      }
    };
    for (const p of [...this.policies.values()]) await tolerate(this.delPolicy(p.selector, p.direction));
    for (const key of [...this.larval]) {
      const at = key.indexOf('@');
      await tolerate(this.delSa(Number(key.slice(0, at)), key.slice(at + 1)));
    }
    for (const sa of [...this.sas.values()]) await tolerate(this.delSa(sa.spi, sa.dst));
    if (failures.length > 0) throw failures[0];
  }

  /** Removes every SA and policy in the kernel (ours or not): `ip xfrm policy flush; ip xfrm state flush`. */
  async flushAll(): Promise<void> {
    await this.channel.request(encodeFlushPolicies(this.channel.nextSeq()), 'flush policies');
    await this.channel.request(encodeFlushSas(this.channel.nextSeq()), 'flush SAs');
    this.policies.clear();
    this.sas.clear();
    this.larval.clear();
  }

  /** Joins the ACQUIRE and EXPIRE groups (POLEXPIRE is sent to EXPIRE) on the first listener. */
  onEvent(listener: (event: KernelEvent) => void): void {
    this.listeners.push(listener);
    if (this.events) return;
    try {
      this.events = new NetlinkSocket(NETLINK_XFRM, (err, datagram) => this.onEventDatagram(err === null ? datagram : null), {
        groups: [XFRMNLGRP.ACQUIRE, XFRMNLGRP.EXPIRE],
        receiveBuffer: 1 << 20,
      });
    } catch (err) {
      const e = err as { message?: string; errno?: number };
      throw new KernelError('ERR_KERNEL_NO_XFRM', 'listen for XFRM events', `cannot join the XFRM event groups: ${e.message ?? String(err)}`, e.errno ?? 0);
    }
    // Events alone do not keep the process alive: the daemon has its own reasons to run.
    this.events.unref();
  }

  async close(): Promise<void> {
    this.channel.close();
    this.events?.close();
    this.events = undefined;
  }

  private async installPolicy(policy: KernelPolicy, update: boolean): Promise<void> {
    const req = encodePolicy(policy, this.channel.nextSeq(), update);
    await this.channel.request(req, update ? 'update policy' : 'add policy');
    this.policies.set(selectorKey(policy.selector, policy.direction), { selector: policy.selector, direction: policy.direction, action: policy.action, mark: policy.mark });
  }

  private onEventDatagram(datagram: Buffer | null): void {
    // A receive error (ENOBUFS: the kernel dropped events) has nothing to decode; the daemon's own
    // timers (rekey margins) cover a lost expire.
    if (!datagram) return;
    let messages;
    try {
      messages = splitMessages(datagram);
    } catch {
      return;
    }
    for (const msg of messages) {
      let event: KernelEvent | undefined;
      try {
        event = decodeEvent(msg);
      } catch {
        continue;
      }
      if (event) for (const listener of this.listeners) listener(event);
    }
  }
}

/** Whether two actions are the same thing in the kernel (which has only ALLOW+template, ALLOW, BLOCK). */
function sameKernelAction(ours: PolicyAction, kernel: PolicyAction): boolean {
  const k = (a: PolicyAction): string => (a === 'drop' || a === 'reject' ? 'block' : a === 'pass' ? 'allow' : 'ipsec');
  return k(ours) === k(kernel);
}
