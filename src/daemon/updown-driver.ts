// When pluto runs a conn's updown script (leftupdown=, default `ipsec _updown`), as Libreswan does:
// prepare + route when the conn is routed, unroute when it is unrouted, up when its first Child SA is
// installed, down when its last one goes. A rekey (new Child SA installed before the old one is deleted)
// therefore runs nothing: the routes stay and the traffic flows on. Runs of one conn happen in order; the
// runner logs a failing script with its output and never throws, so the daemon stays up.
import { networkInterfaces } from 'node:os';

import type { ConnectionConfig } from '../config/model';
import type { ChildSaInfo, IkeSaInfo } from '../ikev2/engine-api';
import type { Logger } from '../log';
import type { UpdownOperation, UpdownStack } from '../updown/environment';
import { runUpdown, type UpdownResult } from '../updown/runner';

export interface UpdownDriverOptions {
  logger: Logger;
  /** PLUTO_STACK; null: no data path to route into (the test-only recording kernel), nothing runs. */
  stack: UpdownStack | null;
  /** PLUTO_TUN with the userspace stack. */
  tunDevice?: string;
  /** PLUTO_IKE_PORTS with the userspace stack: the IKE and NAT-T ports this daemon sends from. */
  ikePorts?: readonly number[];
  /** plutodebug=updown: the script traces itself. */
  debug?: () => boolean;
  /** Tests: run this instead (default runUpdown). */
  run?: typeof runUpdown;
}

/** The interface holding `address` (PLUTO_INTERFACE), or undefined. */
function interfaceOf(address: string): string | undefined {
  for (const [name, infos] of Object.entries(networkInterfaces())) {
    if ((infos ?? []).some((i) => i.address === address)) return name;
  }
  return undefined;
}

export class UpdownDriver {
  /** Installed Child SAs per conn (serials). */
  private readonly live = new Map<string, Set<number>>();
  /** The last run queued per conn: runs of a conn go one after another. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly run: typeof runUpdown;

  constructor(private readonly o: UpdownDriverOptions) {
    this.run = o.run ?? runUpdown;
  }

  /** A Child SA was installed: `up` if it is the conn's first. */
  childUp(conn: ConnectionConfig, child: ChildSaInfo, ike: IkeSaInfo | undefined): void {
    const set = this.live.get(conn.name) ?? new Set<number>();
    this.live.set(conn.name, set);
    set.add(child.serial);
    if (set.size === 1) this.queue(conn, 'up', child, ike);
  }

  /** A Child SA was deleted: `down` if it was the conn's last. */
  childDown(conn: ConnectionConfig, child: ChildSaInfo, ike: IkeSaInfo | undefined): void {
    const set = this.live.get(conn.name);
    if (set === undefined || !set.delete(child.serial)) return;
    if (set.size > 0) return;
    this.live.delete(conn.name);
    this.queue(conn, 'down', child, ike);
  }

  /** The conn was routed (auto=route, ipsec auto --route). */
  routed(conn: ConnectionConfig): void {
    this.queue(conn, 'prepare');
    this.queue(conn, 'route');
  }

  /**
   * A routed conn's last Child SA went down (`down` is queued): its trap is back, so the route that brings
   * its traffic to the trap must be too (the userspace stack's down-client took it out of the TUN).
   */
  stillRouted(conn: ConnectionConfig): void {
    this.queue(conn, 'route');
  }

  unrouted(conn: ConnectionConfig): void {
    this.queue(conn, 'unroute');
  }

  /** Resolves once every run queued so far for `name` has finished. */
  async settled(name: string): Promise<void> {
    await this.queues.get(name);
  }

  /** Resolves once every queued run has finished. */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private queue(conn: ConnectionConfig, operation: UpdownOperation, child?: ChildSaInfo, ike?: IkeSaInfo): void {
    const stack = this.o.stack;
    if (stack === null) return;
    const previous = this.queues.get(conn.name) ?? Promise.resolve();
    const next = previous.then(() => this.runOne(stack, conn, operation, child, ike));
    this.queues.set(conn.name, next);
    void next.then(() => {
      if (this.queues.get(conn.name) === next) this.queues.delete(conn.name);
    });
  }

  private async runOne(stack: UpdownStack, conn: ConnectionConfig, operation: UpdownOperation, child?: ChildSaInfo, ike?: IkeSaInfo): Promise<UpdownResult | undefined> {
    try {
      const localAddress = child?.localAddress;
      const interfaceName = localAddress !== undefined ? interfaceOf(localAddress) : undefined;
      return await this.run(
        {
          operation,
          conn,
          ...(child !== undefined ? { child } : {}),
          ...(ike !== undefined ? { ike } : {}),
          stack,
          ...(stack === 'userspace' && this.o.tunDevice !== undefined ? { tunDevice: this.o.tunDevice } : {}),
          ...(stack === 'userspace' && this.o.ikePorts !== undefined ? { ikePorts: this.o.ikePorts } : {}),
          ...(interfaceName !== undefined ? { interfaceName } : {}),
          ...(child !== undefined ? { addTime: Math.floor(Date.now() / 1000) } : {}),
          debug: this.o.debug?.() ?? false,
        },
        { logger: this.o.logger },
      );
    } catch (err) {
      // runUpdown never rejects; this guards the queue against anything else.
      this.o.logger.error(`"${conn.name}": updown ${operation}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }
}
