// A Kernel that programs nothing: it records every call (tests, and the daemon until the data path
// lands), keeps the SAs and policies it was given so lists and queries answer like a kernel, hands out
// unique SPIs, and lets a test inject events or make SA installs fail as a kernel without ESP does.
import { KernelError, KernelUnsupportedError } from './errors';
import type { Kernel, KernelEvent, KernelPolicy, KernelSa, KernelSaCounters, KernelSelector, PolicyDirection } from './kernel';

/** One recorded call. SAs are recorded as given (their keys stay opaque SecretBytes). */
export type RecordedCall =
  | { method: 'allocSpi'; src: string; dst: string; spi: number }
  | { method: 'addSa' | 'updateSa'; sa: KernelSa }
  | { method: 'delSa' | 'querySa'; spi: number; dst: string }
  | { method: 'addPolicy' | 'updatePolicy'; policy: KernelPolicy }
  | { method: 'delPolicy'; selector: KernelSelector; direction: PolicyDirection }
  | { method: 'listPolicies' | 'flush' | 'close' };

export interface RecordingKernelOptions {
  /** Make addSa/updateSa reject as a kernel without ESP does (EPROTONOSUPPORT). */
  noEsp?: boolean;
  /** First SPI handed out (default 0x1000); each next one is +1. */
  firstSpi?: number;
  /** Answer requiresUdpEncap = true, as the userspace data path does (default false). */
  requiresUdpEncap?: boolean;
}

const saKey = (spi: number, dst: string): string => `${spi >>> 0}@${dst.toLowerCase()}`;
const policyKey = (s: KernelSelector, d: PolicyDirection): string => `${d}|${s.src}|${s.dst}|${s.proto}|${s.srcPort}|${s.dstPort}`;
const EPROTONOSUPPORT = 93;
const ENOENT = 2;
const ESRCH = 3;
const EEXIST = 17;

export class RecordingKernel implements Kernel {
  readonly name = 'recording';
  readonly requiresUdpEncap: boolean;
  readonly calls: RecordedCall[] = [];
  readonly sas = new Map<string, KernelSa>();
  readonly policies = new Map<string, KernelPolicy>();
  private readonly allocated = new Set<string>();
  private readonly listeners: ((event: KernelEvent) => void)[] = [];
  private nextSpi: number;
  private closed = false;

  constructor(private readonly options: RecordingKernelOptions = {}) {
    this.nextSpi = options.firstSpi ?? 0x1000;
    this.requiresUdpEncap = options.requiresUdpEncap ?? false;
    if (this.nextSpi < 0x100 || this.nextSpi > 0xffffffff) throw new RangeError('firstSpi must be in 256..2^32-1');
  }

  async allocSpi(src: string, dst: string): Promise<number> {
    this.check('allocate SPI');
    while (this.allocated.has(saKey(this.nextSpi, dst)) || this.sas.has(saKey(this.nextSpi, dst))) this.nextSpi++;
    const spi = this.nextSpi++;
    if (this.nextSpi > 0xffffffff) this.nextSpi = 0x100;
    this.allocated.add(saKey(spi, dst));
    this.calls.push({ method: 'allocSpi', src, dst, spi });
    return spi;
  }

  async addSa(sa: KernelSa): Promise<void> {
    this.check('add SA');
    this.calls.push({ method: 'addSa', sa });
    this.failWithoutEsp('add SA');
    const key = saKey(sa.spi, sa.dst);
    if (this.sas.has(key)) throw new KernelError('ERR_KERNEL_EXISTS', 'add SA', 'add SA: File exists', EEXIST);
    this.allocated.delete(key);
    this.sas.set(key, sa);
  }

  async updateSa(sa: KernelSa): Promise<void> {
    this.check('update SA');
    this.calls.push({ method: 'updateSa', sa });
    this.failWithoutEsp('update SA');
    const key = saKey(sa.spi, sa.dst);
    if (!this.sas.has(key) && !this.allocated.has(key)) throw new KernelError('ERR_KERNEL_NOT_FOUND', 'update SA', 'update SA: No such process', ESRCH);
    this.allocated.delete(key);
    this.sas.set(key, sa);
  }

  async delSa(spi: number, dst: string): Promise<void> {
    this.check('delete SA');
    this.calls.push({ method: 'delSa', spi, dst });
    const key = saKey(spi, dst);
    if (!this.sas.delete(key) && !this.allocated.delete(key)) throw new KernelError('ERR_KERNEL_NOT_FOUND', 'delete SA', 'delete SA: No such process', ESRCH);
  }

  async querySa(spi: number, dst: string): Promise<KernelSaCounters> {
    this.check('query SA');
    this.calls.push({ method: 'querySa', spi, dst });
    if (!this.sas.has(saKey(spi, dst))) throw new KernelError('ERR_KERNEL_NOT_FOUND', 'query SA', 'query SA: No such process', ESRCH);
    return { bytes: 0, packets: 0, lastUsed: 0, replayDrops: 0, authFailures: 0 };
  }

  async addPolicy(policy: KernelPolicy): Promise<void> {
    this.check('add policy');
    this.calls.push({ method: 'addPolicy', policy });
    const key = policyKey(policy.selector, policy.direction);
    if (this.policies.has(key)) throw new KernelError('ERR_KERNEL_EXISTS', 'add policy', 'add policy: File exists', EEXIST);
    this.policies.set(key, policy);
  }

  async updatePolicy(policy: KernelPolicy): Promise<void> {
    this.check('update policy');
    this.calls.push({ method: 'updatePolicy', policy });
    this.policies.set(policyKey(policy.selector, policy.direction), policy);
  }

  async delPolicy(selector: KernelSelector, direction: PolicyDirection): Promise<void> {
    this.check('delete policy');
    this.calls.push({ method: 'delPolicy', selector, direction });
    if (!this.policies.delete(policyKey(selector, direction))) throw new KernelError('ERR_KERNEL_NOT_FOUND', 'delete policy', 'delete policy: No such file or directory', ENOENT);
  }

  async listPolicies(): Promise<KernelPolicy[]> {
    this.check('list policies');
    this.calls.push({ method: 'listPolicies' });
    return [...this.policies.values()];
  }

  async flush(): Promise<void> {
    this.check('flush');
    this.calls.push({ method: 'flush' });
    this.policies.clear();
    this.sas.clear();
    this.allocated.clear();
  }

  onEvent(listener: (event: KernelEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Delivers `event` to every listener, as the kernel would. */
  emit(event: KernelEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  async close(): Promise<void> {
    this.calls.push({ method: 'close' });
    this.closed = true;
  }

  /** The installed SAs of one direction, in installation order. */
  sasFor(direction: 'in' | 'out'): KernelSa[] {
    return [...this.sas.values()].filter((sa) => sa.direction === direction);
  }

  /** The recorded method names in order (handy for asserting a sequence). */
  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  private check(operation: string): void {
    if (this.closed) throw new KernelError('ERR_KERNEL_CLOSED', operation, `${operation}: the kernel interface is closed`);
  }

  private failWithoutEsp(operation: string): void {
    if (this.options.noEsp) {
      throw new KernelUnsupportedError(operation, 'esp', `${operation}: Protocol not supported (Requested type not found): this kernel has no ESP`, EPROTONOSUPPORT, 'Requested type not found');
    }
  }
}
