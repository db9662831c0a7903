// NAT-T keep-alive timers (RFC 3948 §2.3): one per (local, remote) pair of an SA behind a NAT, each
// sending one 0xFF octet from the NAT-T socket every interval so the NAT keeps its mapping.
import type { Endpoint } from '../ikev2/engine-api';

/** Libreswan's --keep-alive default, in seconds. */
export const DEFAULT_KEEPALIVE_SECONDS = 20;

export interface KeepaliveInfo {
  local: Endpoint;
  remote: Endpoint;
  intervalSeconds: number;
}

interface Running extends KeepaliveInfo {
  timer: NodeJS.Timeout;
}

export function endpointPairKey(local: Endpoint, remote: Endpoint): string {
  return `${local.address}|${local.port}|${remote.address}|${remote.port}`;
}

export class KeepaliveTimers {
  private readonly running = new Map<string, Running>();

  constructor(private readonly fire: (local: Endpoint, remote: Endpoint) => void) {}

  /** Starts (or restarts with a new interval) the keep-alives from `local` to `remote`. */
  start(local: Endpoint, remote: Endpoint, intervalSeconds: number): void {
    if (!Number.isFinite(intervalSeconds) || intervalSeconds <= 0) {
      throw new RangeError(`keep-alive interval must be a positive number of seconds, not ${intervalSeconds}`);
    }
    const key = endpointPairKey(local, remote);
    this.stopKey(key);
    const l = { address: local.address, port: local.port };
    const r = { address: remote.address, port: remote.port };
    const timer = setInterval(() => this.fire(l, r), Math.max(1, Math.round(intervalSeconds * 1000)));
    // The sockets keep the daemon alive; a keep-alive alone must not keep a finished test running.
    timer.unref();
    this.running.set(key, { local: l, remote: r, intervalSeconds, timer });
  }

  /** Returns whether a keep-alive was running for this pair. */
  stop(local: Endpoint, remote: Endpoint): boolean {
    return this.stopKey(endpointPairKey(local, remote));
  }

  stopAll(): void {
    for (const key of [...this.running.keys()]) this.stopKey(key);
  }

  list(): KeepaliveInfo[] {
    return [...this.running.values()].map(({ local, remote, intervalSeconds }) => ({
      local: { ...local },
      remote: { ...remote },
      intervalSeconds,
    }));
  }

  private stopKey(key: string): boolean {
    const r = this.running.get(key);
    if (!r) return false;
    clearInterval(r.timer);
    this.running.delete(key);
    return true;
  }
}
