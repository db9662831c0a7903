// A Kernel that keeps SAs and policies in memory, for the daemon until the kernel choice (xfrm,
// userspace) lands with issue 6. It holds state faithfully (add/update/delete/query/flush) but moves no
// packets, so counters stay at zero.
import type {
  IpText, Kernel, KernelEvent, KernelPolicy, KernelSa, KernelSaCounters, KernelSelector, PolicyDirection,
} from '../kernel/kernel';

const selectorKey = (s: KernelSelector, d: PolicyDirection): string => `${d} ${s.src} ${s.dst} ${s.proto} ${s.srcPort} ${s.dstPort}`;

export class MemoryKernel implements Kernel {
  readonly name = 'memory';
  private readonly sas = new Map<string, KernelSa>();
  private readonly policies = new Map<string, KernelPolicy>();
  private readonly listeners: ((e: KernelEvent) => void)[] = [];

  async allocSpi(src: IpText, dst: IpText): Promise<number> {
    void src;
    for (;;) {
      const spi = 0x100 + Math.floor(Math.random() * (0xffffffff - 0x100));
      if (!this.sas.has(`${spi}@${dst}`)) return spi;
    }
  }

  async addSa(sa: KernelSa): Promise<void> {
    const key = `${sa.spi}@${sa.dst}`;
    if (this.sas.has(key)) throw new Error(`SA ${key} exists`);
    this.sas.set(key, sa);
  }

  async updateSa(sa: KernelSa): Promise<void> {
    this.sas.set(`${sa.spi}@${sa.dst}`, sa);
  }

  async delSa(spi: number, dst: IpText): Promise<void> {
    const key = `${spi}@${dst}`;
    if (!this.sas.has(key)) throw new Error(`no SA ${key}`);
    this.sas.delete(key);
  }

  async querySa(spi: number, dst: IpText): Promise<KernelSaCounters> {
    if (!this.sas.has(`${spi}@${dst}`)) throw new Error(`no SA ${spi}@${dst}`);
    return { bytes: 0, packets: 0, lastUsed: 0, replayDrops: 0, authFailures: 0 };
  }

  async addPolicy(policy: KernelPolicy): Promise<void> {
    const key = selectorKey(policy.selector, policy.direction);
    if (this.policies.has(key)) throw new Error(`policy ${key} exists`);
    this.policies.set(key, policy);
  }

  async updatePolicy(policy: KernelPolicy): Promise<void> {
    this.policies.set(selectorKey(policy.selector, policy.direction), policy);
  }

  async delPolicy(selector: KernelSelector, direction: PolicyDirection): Promise<void> {
    if (!this.policies.delete(selectorKey(selector, direction))) throw new Error(`no policy ${selectorKey(selector, direction)}`);
  }

  async listPolicies(): Promise<KernelPolicy[]> {
    return [...this.policies.values()];
  }

  async flush(): Promise<void> {
    this.sas.clear();
    this.policies.clear();
  }

  onEvent(listener: (event: KernelEvent) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

/** The daemon's kernel; the one place the choice (xfrm, userspace) will be made (issue 6). */
export function createKernel(protostack: 'xfrm' | 'bsd'): Kernel {
  void protostack;
  return new MemoryKernel();
}
