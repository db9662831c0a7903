// A Kernel that only records: the SAs and policies it holds, and every call in order. For the exchange
// tests (the production recording kernel lives in src/kernel, written separately).
import type {
  Kernel, KernelEvent, KernelPolicy, KernelSa, KernelSaCounters, KernelSelector, PolicyDirection,
} from '../../src/kernel/kernel';

export type KernelCall =
  | { op: 'allocSpi'; src: string; dst: string; spi: number }
  | { op: 'addSa' | 'updateSa'; sa: KernelSa }
  | { op: 'delSa'; spi: number; dst: string }
  | { op: 'addPolicy' | 'updatePolicy'; policy: KernelPolicy }
  | { op: 'delPolicy'; selector: KernelSelector; direction: PolicyDirection }
  | { op: 'flush' };

const saKey = (spi: number, dst: string): string => `${spi.toString(16)}@${dst}`;
const polKey = (s: KernelSelector, d: PolicyDirection): string => `${s.src}:${s.srcPort}>${s.dst}:${s.dstPort}/${s.proto} ${d}`;

export class RecordingKernel implements Kernel {
  readonly name = 'recording';
  readonly calls: KernelCall[] = [];
  readonly sas = new Map<string, KernelSa>();
  readonly policies = new Map<string, KernelPolicy>();
  private readonly allocated = new Set<number>();
  private listeners: ((e: KernelEvent) => void)[] = [];

  constructor(private nextSpi = 0xc1000000) {}

  async allocSpi(src: string, dst: string): Promise<number> {
    let spi = this.nextSpi++;
    while (this.allocated.has(spi) || spi < 256) spi = this.nextSpi++;
    this.allocated.add(spi);
    this.calls.push({ op: 'allocSpi', src, dst, spi });
    return spi;
  }

  async addSa(sa: KernelSa): Promise<void> {
    const k = saKey(sa.spi, sa.dst);
    if (this.sas.has(k)) throw Object.assign(new Error(`SA ${k} exists`), { code: 'EEXIST' });
    this.calls.push({ op: 'addSa', sa });
    this.sas.set(k, sa);
  }

  async updateSa(sa: KernelSa): Promise<void> {
    this.calls.push({ op: 'updateSa', sa });
    this.sas.set(saKey(sa.spi, sa.dst), sa);
  }

  async delSa(spi: number, dst: string): Promise<void> {
    this.calls.push({ op: 'delSa', spi, dst });
    if (!this.sas.delete(saKey(spi, dst))) throw Object.assign(new Error(`no SA ${saKey(spi, dst)}`), { code: 'ESRCH' });
  }

  async querySa(spi: number, dst: string): Promise<KernelSaCounters> {
    if (!this.sas.has(saKey(spi, dst))) throw Object.assign(new Error('no such SA'), { code: 'ESRCH' });
    return { bytes: 0, packets: 0, lastUsed: 0, replayDrops: 0, authFailures: 0 };
  }

  async addPolicy(policy: KernelPolicy): Promise<void> {
    const k = polKey(policy.selector, policy.direction);
    if (this.policies.has(k)) throw Object.assign(new Error(`policy ${k} exists`), { code: 'EEXIST' });
    this.calls.push({ op: 'addPolicy', policy });
    this.policies.set(k, policy);
  }

  async updatePolicy(policy: KernelPolicy): Promise<void> {
    this.calls.push({ op: 'updatePolicy', policy });
    this.policies.set(polKey(policy.selector, policy.direction), policy);
  }

  async delPolicy(selector: KernelSelector, direction: PolicyDirection): Promise<void> {
    this.calls.push({ op: 'delPolicy', selector, direction });
    if (!this.policies.delete(polKey(selector, direction))) throw Object.assign(new Error('no such policy'), { code: 'ENOENT' });
  }

  async listPolicies(): Promise<KernelPolicy[]> {
    return [...this.policies.values()];
  }

  async flush(): Promise<void> {
    this.calls.push({ op: 'flush' });
    this.sas.clear();
    this.policies.clear();
  }

  onEvent(listener: (event: KernelEvent) => void): void {
    this.listeners.push(listener);
  }

  emit(event: KernelEvent): void {
    for (const l of this.listeners) l(event);
  }

  async close(): Promise<void> {
    this.listeners = [];
  }

  /** The installed SA with this SPI and direction. */
  sa(direction: 'in' | 'out'): KernelSa[] {
    return [...this.sas.values()].filter((s) => s.direction === direction);
  }
}
