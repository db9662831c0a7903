// Negotiation on demand (auto=route / ipsec auto --route): a packet hit a %trap policy and the kernel raised
// an acquire. pluto finds the routed conn whose trap covers the packet, puts a %hold in its place (packets
// wait, no more acquires), and initiates. On success the Child SA's IPsec policies replace the hold; on
// failure the hold stays for `retryAfterMs`, then the trap comes back: at most one negotiation per conn in
// that time, however many acquires a kernel raises.
import type { Clock, IkeEngineApi, TimerHandle } from '../ikev2/engine-api';
import type { KernelSelector } from '../kernel/kernel';
import type { Logger } from '../log';
import type { ConnectionDb } from './connections';

/** How long a conn whose on-demand negotiation failed keeps its %hold before the trap is re-armed. */
export const ON_DEMAND_RETRY_MS = 10_000;

export interface OnDemandDeps {
  conns: Pick<ConnectionDb, 'findRouted' | 'hold' | 'restoreTraps' | 'hasLiveChild'>;
  engine: Pick<IkeEngineApi, 'initiate'>;
  clock: Pick<Clock, 'setTimer'>;
  logger: Logger;
  retryAfterMs?: number;
}

const host = (cidr: string): string => cidr.replace(/\/(32|128)$/, '');

export class OnDemand {
  private readonly negotiating = new Set<string>();
  private readonly backingOff = new Map<string, TimerHandle>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: OnDemandDeps) {}

  /** A kernel acquire for the packet `packet` (its own addresses as /32 or /128, protocol and ports). */
  acquire(packet: KernelSelector): void {
    const { logger } = this.deps;
    const what = `from ${host(packet.src)}:${packet.srcPort} to ${host(packet.dst)}:${packet.dstPort} proto=${packet.proto}`;
    const name = this.deps.conns.findRouted(packet);
    if (name === undefined) {
      logger.debug('base', `acquire ${what}: no routed connection covers it`);
      return;
    }
    if (this.negotiating.has(name)) {
      logger.debug('base', `"${name}": acquire ${what} ignored: already negotiating on demand`);
      return;
    }
    if (this.backingOff.has(name)) {
      logger.debug('base', `"${name}": acquire ${what} ignored: the last on-demand negotiation failed less than ${this.retryAfterMs / 1000}s ago`);
      return;
    }
    if (this.deps.conns.hasLiveChild(name)) {
      logger.debug('base', `"${name}": acquire ${what} ignored: its IPsec SA is up`);
      return;
    }
    logger.info(`"${name}": initiate on demand ${what} because: acquire`);
    this.negotiating.add(name);
    this.track(this.negotiate(name, packet));
  }

  /** Resolves once every negotiation started so far has settled (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Stops the retry timers (shutdown). */
  stop(): void {
    for (const t of this.backingOff.values()) t.cancel();
    this.backingOff.clear();
  }

  private get retryAfterMs(): number {
    return this.deps.retryAfterMs ?? ON_DEMAND_RETRY_MS;
  }

  private async negotiate(name: string, packet: KernelSelector): Promise<void> {
    const { conns, logger } = this.deps;
    try {
      await conns.hold(name, packet);
      const r = await this.deps.engine.initiate(name);
      logger.info(`"${name}" #${r.child.serial}: on-demand negotiation done: IPsec SA established`);
      // Traps the Child SA's policies did not replace (narrowed selectors) are re-armed.
      await conns.restoreTraps(name);
    } catch (err) {
      const seconds = this.retryAfterMs / 1000;
      logger.warn(`"${name}": on-demand negotiation failed: ${err instanceof Error ? err.message : String(err)}; %hold for ${seconds}s, then the trap is back`);
      this.backingOff.set(name, this.deps.clock.setTimer(this.retryAfterMs, () => {
        this.backingOff.delete(name);
        this.track(conns.restoreTraps(name).then(
          () => undefined,
          (e: unknown) => logger.error(`"${name}": cannot restore its trap: ${e instanceof Error ? e.message : String(e)}`),
        ));
      }));
    } finally {
      this.negotiating.delete(name);
    }
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
