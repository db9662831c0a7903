// The daemon's connection database: the conns added (by ipsec.conf at start, or whack), what the status
// shows of them, and the trap policies of routed ones (auto=route / ipsec auto --route).
import type { ConnectionConfig, EndConfig } from '../config/model';
import type { ConnectionSummary } from '../control/protocol';
import { localPolicy, policyText, remotePolicy } from '../ikev2/auth-policy';
import type { IkeEngineApi } from '../ikev2/engine-api';
import { endSelectors, hostAddress, localEnd, remoteEnd } from '../ikev2/connection';
import { kernelSelectors, tsFromCidr, within } from '../ikev2/traffic-selectors';
import type { Kernel, KernelPolicy, KernelSelector } from '../kernel/kernel';
import { selectorKey, selectorPriority } from '../kernel/priority';
import { bareShuntTemplate } from '../kernel/shunt';

interface Entry {
  conn: ConnectionConfig;
  origin: string;
  routed: boolean;
}

function hostText(e: EndConfig): string {
  const h = e.host;
  if (!h) return '%any';
  if (h.kind === 'address') return h.address.text;
  if (h.kind === 'hostname') return h.address?.text ?? h.name;
  if (h.kind === 'interface') return h.name;
  return `%${h.kind}`;
}

/** leftsubnets= when given, else leftsubnet= (an IKEv1-only vhost:/vnet: form counts as none). */
function subnetTexts(e: EndConfig): string[] {
  if (e.subnets.length > 0) return e.subnets.map((s) => s.text);
  return e.subnet && 'prefix' in e.subnet ? [e.subnet.text] : [];
}

function endText(e: EndConfig, first: boolean): string {
  const host = `${hostText(e)}${e.id ? `[${e.id}]` : ''}`;
  const subnet = subnetTexts(e).join(',');
  if (!subnet) return host;
  return first ? `${subnet}===${host}` : `${host}===${subnet}`;
}

/** Libreswan's one-line description, local end first. */
export function spdText(conn: ConnectionConfig): string {
  const [l, r] = conn.local === 'right' ? [conn.right, conn.left] : [conn.left, conn.right];
  return `${endText(l, true)}...${endText(r, false)}`;
}

/** The conn's outbound selectors (its subnets, or host addresses, with leftprotoport=): what its traps cover. */
export function trapSelectors(conn: ConnectionConfig): KernelSelector[] {
  const [l, r] = [localEnd(conn), remoteEnd(conn)];
  const ends = [l, r].map((e) => {
    const address = hostAddress(e);
    const subnets = subnetTexts(e);
    return subnets.length > 0 || address !== undefined ? endSelectors(e, address ?? '') : [];
  });
  return kernelSelectors(ends[0]!, ends[1]!);
}

/** Does the trap selector `trap` cover the packet selector `packet` (host addresses, its protocol and ports)? */
export function covers(trap: KernelSelector, packet: KernelSelector): boolean {
  const inside = (outer: string, inner: string): boolean => within(tsFromCidr(inner), tsFromCidr(outer));
  return inside(trap.src, packet.src) && inside(trap.dst, packet.dst)
    && (trap.proto === 0 || trap.proto === packet.proto)
    && (trap.srcPort === 0 || trap.srcPort === packet.srcPort)
    && (trap.dstPort === 0 || trap.dstPort === packet.dstPort);
}

/** What routing a conn installs: a trap that negotiates, or the shunt of a type=passthrough|drop|reject conn. */
export function routeAction(conn: ConnectionConfig): 'trap' | 'pass' | 'drop' | 'reject' {
  switch (conn.type) {
    case 'passthrough':
      return 'pass';
    case 'drop':
    case 'reject':
      return conn.type;
    default:
      return 'trap';
  }
}

/** A trap or hold names the conn's gateways (XFRM acquires for them); without both addresses, a bare one. */
function shuntTemplate(conn: ConnectionConfig, selector: KernelSelector): NonNullable<KernelPolicy['template']> {
  const src = hostAddress(localEnd(conn));
  const dst = hostAddress(remoteEnd(conn));
  if (src === undefined || dst === undefined) return bareShuntTemplate(selector);
  return { src, dst, proto: 'esp', mode: conn.type === 'transport' ? 'transport' : 'tunnel', reqid: 0 };
}

/** `ipsec auto --unroute` of a conn whose IPsec SA is up: Libreswan's RC_RTBUSY. */
export class RouteBusyError extends Error {
  constructor(name: string) {
    super(`"${name}": cannot unroute: route busy (its IPsec SA is up; ipsec auto --down first)`);
    this.name = 'RouteBusyError';
  }
}

/** Told when a conn is added and when its trap policies go in or out (the daemon runs the updown route verbs). */
export interface ConnHooks {
  added?(conn: ConnectionConfig): void;
  routed(conn: ConnectionConfig): void;
  unrouted(conn: ConnectionConfig): void;
}

export class ConnectionDb {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly engine: IkeEngineApi, private readonly kernel: Kernel, private readonly hooks?: ConnHooks) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  get(name: string): ConnectionConfig | undefined {
    return this.entries.get(name)?.conn;
  }

  isRouted(name: string): boolean {
    return this.entries.get(name)?.routed ?? false;
  }

  /** Adds a conn (the caller checked the name is free and the conn oriented). */
  add(conn: ConnectionConfig, origin: string): void {
    this.engine.addConnection(conn);
    this.entries.set(conn.name, { conn, origin, routed: false });
    this.hooks?.added?.(conn);
  }

  /** Deletes the conn: its SAs, then its trap and hold policies. */
  async delete(name: string): Promise<void> {
    const e = this.entries.get(name);
    const wasRouted = e?.routed ?? false;
    if (e) e.routed = false;
    await this.engine.deleteConnection(name);
    if (e) await this.removeShunts(e.conn);
    if (e && wasRouted) this.hooks?.unrouted(e.conn);
    this.entries.delete(name);
  }

  /** Installs trap policies so that matching traffic starts a negotiation. Returns the count. */
  async route(name: string): Promise<number> {
    const e = this.entries.get(name);
    if (!e) throw new Error(`no connection named "${name}"`);
    if (e.routed) return 0;
    const n = await this.setShunts(e.conn, routeAction(e.conn));
    e.routed = true;
    this.hooks?.routed(e.conn);
    return n;
  }

  /** Removes the trap (or hold) policies; refused while the conn's IPsec SA is up. */
  async unroute(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e || !e.routed) return;
    if (this.hasLiveChild(name)) throw new RouteBusyError(name);
    await this.removeShunts(e.conn);
    e.routed = false;
    this.hooks?.unrouted(e.conn);
  }

  /**
   * Puts the traps of a routed conn (back) in place where it has no IPsec policy: after its SAs went down,
   * after an on-demand negotiation, and to re-arm a trap that fired. Returns how many.
   */
  async restoreTraps(name: string): Promise<number> {
    const e = this.entries.get(name);
    if (!e || !e.routed) return 0;
    return this.setShunts(e.conn, routeAction(e.conn));
  }

  /** The trap of `name` that covers `packet` becomes a %hold while the conn negotiates. */
  async hold(name: string, packet: KernelSelector): Promise<KernelSelector | undefined> {
    const e = this.entries.get(name);
    const selector = e && trapSelectors(e.conn).find((s) => covers(s, packet));
    if (!selector) return undefined;
    await this.setShunts(e.conn, 'hold', selector);
    return selector;
  }

  /** The routed conn (in the order they were added) whose trap covers the packet. */
  findRouted(packet: KernelSelector): string | undefined {
    for (const [name, e] of this.entries) {
      if (e.routed && routeAction(e.conn) === 'trap' && trapSelectors(e.conn).some((s) => covers(s, packet))) return name;
    }
    return undefined;
  }

  hasLiveChild(name: string): boolean {
    return this.engine.status().childSas.some((c) => c.connection === name);
  }

  /** trap/hold (or pass/drop/reject) policies for the conn's selectors (or one), leaving IPsec policies alone. */
  private async setShunts(conn: ConnectionConfig, action: 'trap' | 'hold' | 'pass' | 'drop' | 'reject', only?: KernelSelector): Promise<number> {
    const installed = new Map((await this.kernel.listPolicies()).map((p) => [selectorKey(p.selector, p.direction), p]));
    let n = 0;
    for (const selector of only ? [only] : trapSelectors(conn)) {
      const existing = installed.get(selectorKey(selector, 'out'));
      if (existing?.action === 'ipsec') continue;
      const policy: KernelPolicy = { selector, direction: 'out', action, priority: selectorPriority(selector) };
      if (action === 'trap' || action === 'hold') policy.template = shuntTemplate(conn, selector);
      if (existing) await this.kernel.updatePolicy(policy);
      else await this.kernel.addPolicy(policy);
      n++;
    }
    return n;
  }

  private async removeShunts(conn: ConnectionConfig): Promise<void> {
    const installed = new Map((await this.kernel.listPolicies()).map((p) => [selectorKey(p.selector, p.direction), p]));
    for (const selector of trapSelectors(conn)) {
      const existing = installed.get(selectorKey(selector, 'out'));
      const ours = existing !== undefined && (existing.action === 'trap' || existing.action === 'hold' || existing.action === routeAction(conn));
      if (ours) await this.kernel.delPolicy(selector, 'out').catch(() => undefined);
    }
  }

  summaries(): ConnectionSummary[] {
    return [...this.entries.values()].map((e) => ({
      name: e.conn.name,
      local: e.conn.local ?? null,
      spd: spdText(e.conn),
      routing: e.routed ? (this.hasLiveChild(e.conn.name) ? 'erouted' : 'routed') : 'unrouted',
      auto: e.conn.auto,
      ike: e.conn.ike ?? 'default',
      esp: e.conn.esp ?? 'default',
      origin: e.origin,
      ourAuth: e.conn.local !== undefined ? policyText(localPolicy(e.conn)) : '',
      theirAuth: e.conn.local !== undefined ? policyText(remotePolicy(e.conn)) : '',
      ourAutheap: e.conn.local !== undefined ? localEnd(e.conn).autheap : 'none',
      theirAutheap: e.conn.local !== undefined ? remoteEnd(e.conn).autheap : 'none',
    }));
  }
}
