// The daemon's connection database: the conns added (by ipsec.conf at start, or whack), what the status
// shows of them, and the trap policies of routed ones (auto=route / ipsec auto --route).
import type { ConnectionConfig, EndConfig } from '../config/model';
import type { ConnectionSummary } from '../control/protocol';
import type { IkeEngineApi } from '../ikev2/engine-api';
import type { Kernel, KernelSelector } from '../kernel/kernel';

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

function trapSelectors(conn: ConnectionConfig): KernelSelector[] {
  const [l, r] = conn.local === 'right' ? [conn.right, conn.left] : [conn.left, conn.right];
  const hostNet = (e: EndConfig): string[] => {
    const h = hostText(e);
    return /^[0-9a-f.:]+$/i.test(h) ? [`${h}/${h.includes(':') ? 128 : 32}`] : [];
  };
  const ls = subnetTexts(l).length > 0 ? subnetTexts(l) : hostNet(l);
  const rs = subnetTexts(r).length > 0 ? subnetTexts(r) : hostNet(r);
  return ls.flatMap((src) => rs.map((dst) => ({ src, dst, proto: 0, srcPort: 0, dstPort: 0 })));
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

  /** Adds a conn (the caller checked the name is free and the conn oriented). */
  add(conn: ConnectionConfig, origin: string): void {
    this.engine.addConnection(conn);
    this.entries.set(conn.name, { conn, origin, routed: false });
    this.hooks?.added?.(conn);
  }

  async delete(name: string): Promise<void> {
    await this.unroute(name);
    await this.engine.deleteConnection(name);
    this.entries.delete(name);
  }

  /** Installs trap policies so that matching traffic starts a negotiation. Returns the count. */
  async route(name: string): Promise<number> {
    const e = this.entries.get(name);
    if (!e) throw new Error(`no connection named "${name}"`);
    if (e.routed) return 0;
    const selectors = trapSelectors(e.conn);
    for (const selector of selectors) await this.kernel.addPolicy({ selector, direction: 'out', action: 'trap', priority: 0 });
    e.routed = true;
    this.hooks?.routed(e.conn);
    return selectors.length;
  }

  async unroute(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e || !e.routed) return;
    for (const selector of trapSelectors(e.conn)) await this.kernel.delPolicy(selector, 'out').catch(() => undefined);
    e.routed = false;
    this.hooks?.unrouted(e.conn);
  }

  summaries(): ConnectionSummary[] {
    return [...this.entries.values()].map((e) => ({
      name: e.conn.name,
      local: e.conn.local ?? null,
      spd: spdText(e.conn),
      routing: e.routed ? 'routed' : 'unrouted',
      auto: e.conn.auto,
      ike: e.conn.ike ?? 'default',
      esp: e.conn.esp ?? 'default',
      origin: e.origin,
    }));
  }
}
