// A PF_KEY v2 kernel (the BSDs' KAME stack; Linux with CONFIG_NET_KEY) as the daemon's Kernel, for
// --use-bsdkame. One request at a time on one socket: PF_KEY answers carry our pid and the request's
// sequence number, dumps a run of messages counting down to sequence 0. ACQUIRE and EXPIRE arrive on the
// same socket once we REGISTER for ESP. Where the kernel has no PF_KEY (this project's Linux machines)
// the constructor throws KernelError ERR_KERNEL_NO_PFKEY with errno EAFNOSUPPORT.
import { constants as osConstants } from 'node:os';

import { strerror } from '../../native/netlink';
import { PfkeySocket, type PfkeyMessageListener, type SecretPatch } from '../../native/pfkey';
import { KernelError } from '../errors';
import type { Kernel, KernelEvent, KernelPolicy, KernelSa, KernelSaCounters, KernelSelector, PolicyAction, PolicyDirection } from '../kernel';
import type { PfkeyPlatform } from './algorithms';
import { decodeMessage, messageSeq, type EncodedMessage, type PfkeyMessage } from './codec';
import { SADB, sockaddrStyleFor } from './constants';
import { decodeCounters, decodeEvent, decodePolicy, decodeSpi, encodeGetSpi, encodePolicy, encodePolicyId, encodeSa, encodeSaId, encodeSimple, errorOf, type RequestContext } from './messages';

const EAFNOSUPPORT = osConstants.errno.EAFNOSUPPORT;
const ENOENT = osConstants.errno.ENOENT;

/** What PfkeyKernel needs of a socket (the native PfkeySocket, or a fake kernel in tests). */
export interface PfkeyTransport {
  send(message: Uint8Array, patches?: readonly SecretPatch[]): void;
  unref(): void;
  close(): void;
}

export interface PfkeyKernelOptions {
  /** Whose sockaddr and algorithm numbers to speak (default: this process's platform). */
  platform?: PfkeyPlatform;
  /** sadb_msg_pid of our requests (default process.pid). */
  pid?: number;
  timeoutMs?: number;
  spiMin?: number;
  spiMax?: number;
  /** Opens the socket (default: a native PfkeySocket). */
  openSocket?: (onMessage: PfkeyMessageListener) => PfkeyTransport;
}

/** The text the daemon shows when PF_KEY is missing: what happened and what to use instead. */
export function pfkeyUnavailableMessage(errno: number): string {
  const name = Object.entries(osConstants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  return errno === EAFNOSUPPORT
    ? `PF_KEY (AF_KEY) is not available in this kernel (${name}): use --use-xfrm or the userspace data path`
    : `cannot open a PF_KEY socket (${name}: ${strerror(errno)})`;
}

interface Pending {
  type: number;
  seq: number;
  dump: boolean;
  operation: string;
  replies: PfkeyMessage[];
  resolve: (replies: PfkeyMessage[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

function defaultPlatform(): PfkeyPlatform {
  return process.platform === 'freebsd' || process.platform === 'openbsd' ? process.platform : 'linux';
}

function saKey(spi: number, dst: string): string {
  return `${spi >>> 0}@${dst.toLowerCase()}`;
}

function policyKey(sel: KernelSelector, dir: PolicyDirection): string {
  return `${dir}|${sel.src}|${sel.dst}|${sel.proto}|${sel.srcPort}|${sel.dstPort}`;
}

export class PfkeyKernel implements Kernel {
  readonly name = 'pfkey';
  readonly requiresUdpEncap = false;
  private readonly socket: PfkeyTransport;
  private readonly platform: PfkeyPlatform;
  private readonly pid: number;
  private readonly timeoutMs: number;
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private pending: Pending | undefined;
  private closed = false;
  private registered = false;
  private readonly listeners: ((event: KernelEvent) => void)[] = [];
  /** SA source addresses (DELETE and GET name the SA by src, dst and SPI) and larval SPIs. */
  private readonly sas = new Map<string, { spi: number; src: string; dst: string; larval: boolean }>();
  private readonly policies = new Map<string, { selector: KernelSelector; direction: PolicyDirection; action: PolicyAction }>();

  /** Throws KernelError ERR_KERNEL_NO_PFKEY when the kernel has no PF_KEY (EAFNOSUPPORT on Linux). */
  constructor(private readonly options: PfkeyKernelOptions = {}) {
    this.platform = options.platform ?? defaultPlatform();
    this.pid = options.pid ?? process.pid;
    this.timeoutMs = options.timeoutMs ?? 5000;
    const open = options.openSocket ?? ((listener: PfkeyMessageListener): PfkeyTransport => new PfkeySocket(listener, 1 << 20));
    try {
      this.socket = open((err, datagram) => this.onMessage(err === null ? datagram : null));
    } catch (err) {
      const e = err as { message?: string; errno?: number };
      const errno = e.errno ?? 0;
      throw new KernelError('ERR_KERNEL_NO_PFKEY', 'open PF_KEY socket', errno !== 0 ? pfkeyUnavailableMessage(errno) : `cannot open a PF_KEY socket: ${e.message ?? String(err)}`, errno);
    }
    this.socket.unref();
  }

  async allocSpi(src: string, dst: string): Promise<number> {
    const [reply] = await this.request(encodeGetSpi(src, dst, this.ctx(), { min: this.options.spiMin, max: this.options.spiMax }), SADB.GETSPI, 'allocate SPI');
    if (!reply) throw new KernelError('ERR_KERNEL_REQUEST', 'allocate SPI', 'allocate SPI: the kernel answered without an SA');
    const spi = decodeSpi(reply);
    this.sas.set(saKey(spi, dst), { spi, src, dst, larval: true });
    return spi;
  }

  async addSa(sa: KernelSa): Promise<void> {
    const key = saKey(sa.spi, sa.dst);
    // An SPI from GETSPI names a larval SA: only UPDATE may fill it in (ADD would find it taken).
    const larval = this.sas.get(key)?.larval === true;
    await this.request(this.encode(() => encodeSa(sa, this.ctx(), larval), 'add SA'), larval ? SADB.UPDATE : SADB.ADD, 'add SA');
    this.sas.set(key, { spi: sa.spi, src: sa.src, dst: sa.dst, larval: false });
  }

  async updateSa(sa: KernelSa): Promise<void> {
    await this.request(this.encode(() => encodeSa(sa, this.ctx(), true), 'update SA'), SADB.UPDATE, 'update SA');
    this.sas.set(saKey(sa.spi, sa.dst), { spi: sa.spi, src: sa.src, dst: sa.dst, larval: false });
  }

  async delSa(spi: number, dst: string): Promise<void> {
    const key = saKey(spi, dst);
    const src = this.srcOf(key, 'delete SA');
    await this.request(encodeSaId('delete', spi, src, dst, this.ctx()), SADB.DELETE, 'delete SA');
    this.sas.delete(key);
  }

  async querySa(spi: number, dst: string): Promise<KernelSaCounters> {
    const src = this.srcOf(saKey(spi, dst), 'query SA');
    const [reply] = await this.request(encodeSaId('get', spi, src, dst, this.ctx()), SADB.GET, 'query SA');
    if (!reply) throw new KernelError('ERR_KERNEL_REQUEST', 'query SA', 'query SA: the kernel answered without an SA');
    return decodeCounters(reply);
  }

  addPolicy(policy: KernelPolicy): Promise<void> {
    return this.installPolicy(policy, false);
  }

  updatePolicy(policy: KernelPolicy): Promise<void> {
    return this.installPolicy(policy, true);
  }

  async delPolicy(selector: KernelSelector, direction: PolicyDirection): Promise<void> {
    await this.request(this.encode(() => encodePolicyId(selector, direction, this.ctx()), 'delete policy'), SADB.X_SPDDELETE, 'delete policy');
    this.policies.delete(policyKey(selector, direction));
  }

  /** Every policy in the SPD; trap/hold/reject as we installed them (the kernel cannot tell them apart). */
  async listPolicies(): Promise<KernelPolicy[]> {
    let replies: PfkeyMessage[];
    try {
      replies = await this.request(encodeSimple('spddump', this.ctx()), SADB.X_SPDDUMP, 'list policies', true);
    } catch (err) {
      if (err instanceof KernelError && err.errno === ENOENT) return []; // an empty SPD answers ENOENT
      throw err;
    }
    return replies.map((msg) => {
      const policy = decodePolicy(msg);
      const ours = this.policies.get(policyKey(policy.selector, policy.direction));
      if (ours) policy.action = ours.action;
      return policy;
    });
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
    for (const sa of [...this.sas.values()]) await tolerate(this.delSa(sa.spi, sa.dst));
    if (failures.length > 0) throw failures[0];
  }

  /** SADB_FLUSH and SADB_X_SPDFLUSH: every ESP SA and every policy in the kernel, ours or not. */
  async flushAll(): Promise<void> {
    await this.request(encodeSimple('spdflush', this.ctx()), SADB.X_SPDFLUSH, 'flush policies');
    await this.request(encodeSimple('flush', this.ctx()), SADB.FLUSH, 'flush SAs');
    this.policies.clear();
    this.sas.clear();
  }

  /** Registers for ESP on the first listener: the kernel then broadcasts ACQUIREs to this socket. */
  onEvent(listener: (event: KernelEvent) => void): void {
    this.listeners.push(listener);
    if (this.registered) return;
    this.registered = true;
    this.request(encodeSimple('register', this.ctx()), SADB.REGISTER, 'register for ESP').catch(() => {
      this.registered = false; // expires still arrive; a later onEvent tries again
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    const p = this.pending;
    this.pending = undefined;
    if (p) {
      clearTimeout(p.timer);
      p.reject(new KernelError('ERR_KERNEL_CLOSED', p.operation, `${p.operation}: the PF_KEY socket was closed`));
    }
  }

  private ctx(): RequestContext {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return { seq: this.seq, pid: this.pid, platform: this.platform };
  }

  private encode(build: () => EncodedMessage, operation: string): EncodedMessage {
    try {
      return build();
    } catch (err) {
      throw new KernelError('ERR_KERNEL_REQUEST', operation, `${operation}: ${(err as Error).message}`);
    }
  }

  private srcOf(key: string, operation: string): string {
    const sa = this.sas.get(key);
    if (!sa) throw new KernelError('ERR_KERNEL_NOT_FOUND', operation, `${operation}: no SA ${key} was installed by this daemon`);
    return sa.src;
  }

  private async installPolicy(policy: KernelPolicy, update: boolean): Promise<void> {
    const op = update ? 'update policy' : 'add policy';
    await this.request(this.encode(() => encodePolicy(policy, this.ctx(), update), op), update ? SADB.X_SPDUPDATE : SADB.X_SPDADD, op);
    this.policies.set(policyKey(policy.selector, policy.direction), { selector: policy.selector, direction: policy.direction, action: policy.action });
  }

  /** Queues one request; resolves with its answer (or a dump's answers). */
  private request(msg: EncodedMessage, type: number, operation: string, dump = false): Promise<PfkeyMessage[]> {
    const run = (): Promise<PfkeyMessage[]> =>
      new Promise<PfkeyMessage[]>((resolve, reject) => {
        if (this.closed) {
          reject(new KernelError('ERR_KERNEL_CLOSED', operation, `${operation}: the PF_KEY socket is closed`));
          return;
        }
        const seq = messageSeq(msg.bytes);
        const timer = setTimeout(() => this.finish(new KernelError('ERR_KERNEL_TIMEOUT', operation, `${operation}: no answer from the kernel in ${this.timeoutMs} ms`)), this.timeoutMs);
        this.pending = { type, seq, dump, operation, replies: [], resolve, reject, timer };
        try {
          this.socket.send(msg.bytes, msg.patches);
        } catch (err) {
          const e = err as { message?: string; errno?: number };
          this.finish(new KernelError('ERR_KERNEL_REQUEST', operation, `${operation}: ${e.message ?? String(err)}`, e.errno ?? 0));
        }
      });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private finish(outcome: Error | PfkeyMessage[]): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private onMessage(datagram: Buffer | null): void {
    if (!datagram) return; // ENOBUFS: broadcasts were dropped; the daemon's own rekey timers cover them
    let msg: PfkeyMessage;
    try {
      msg = decodeMessage(datagram, sockaddrStyleFor(this.platform));
    } catch {
      return;
    }
    const p = this.pending;
    if (p && msg.pid === this.pid && msg.type === p.type && (p.dump || msg.seq === p.seq)) {
      const err = errorOf(msg, p.operation, strerror);
      if (err) return this.finish(err);
      p.replies.push(msg);
      if (!p.dump || msg.seq === 0) this.finish(p.replies);
      return;
    }
    if (msg.pid !== 0) return; // another process's request echoed to every socket
    let event: KernelEvent | undefined;
    try {
      event = decodeEvent(msg);
    } catch {
      return;
    }
    if (event) for (const listener of this.listeners) listener(event);
  }
}
