// Two test hosts (west and east) in network namespaces joined by a veth pair, as in
// ../shared/notes/test-hosts.md. Names are unique per process and pair (tests run in parallel), and
// every exit path removes them: destroy(), process exit (a synchronous fallback) and SIGINT/SIGTERM. A
// sweep at first use deletes namespaces with our prefix left by processes that died without cleaning up.
import { execFile, execFileSync, spawn as spawnChild, type ChildProcess, type SpawnOptions } from 'node:child_process';

export type HostSide = 'west' | 'east';

export interface Host {
  side: HostSide;
  /** Network namespace name. */
  ns: string;
  /** The veth end inside the namespace. */
  iface: string;
  /** Outer (gateway) address, without prefix length. */
  outer: string;
  outerPrefixLen: number;
  /** Inner address on lo, inside the subnet behind this gateway. */
  inner: string;
  innerPrefixLen: number;
  /** The subnet behind this gateway, e.g. "10.1.0.0/24". */
  innerSubnet: string;
  /** IPv6 outer and inner addresses when the pair was made with { ipv6: true }. */
  outer6?: string;
  inner6?: string;
  innerSubnet6?: string;
}

export interface HostPairOptions {
  /** Name prefix (default "swl"); names are PREFIX-PID-COUNTER-west/east. */
  prefix?: string;
  /** Also put IPv6 addresses on both hosts (2001:db8::1,2/64 outside; fd00:1::1, fd00:2::1 inside). */
  ipv6?: boolean;
  /** Outer IPv4 addresses of west and east (default 192.0.2.1 and 192.0.2.2) and their prefix (24). */
  outer?: readonly [string, string];
  outerPrefixLen?: number;
  /** Inner IPv4 addresses on lo (default 10.1.0.1 and 10.2.0.1) and their prefix (24). */
  inner?: readonly [string, string];
  innerPrefixLen?: number;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Kills the command after this long (default 30 s). */
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
}

export type HostRef = Host | HostSide;

export interface HostPair {
  west: Host;
  east: Host;
  host(ref: HostRef): Host;
  /** Runs a command inside the host's namespace and collects its output (never rejects on exit codes). */
  exec(ref: HostRef, cmd: string, args?: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Same, and rejects with the output when the command fails. */
  execOk(ref: HostRef, cmd: string, args?: readonly string[], options?: ExecOptions): Promise<string>;
  /** Starts a long-running command inside the host's namespace. */
  spawn(ref: HostRef, cmd: string, args?: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Kills every process in both namespaces and deletes them. Idempotent. */
  destroy(): Promise<void>;
}

const DEFAULT_PREFIX = 'swl';
const NAME_RE = /^([a-z][a-z0-9]*)-(\d+)-(\d+)-(west|east|solo)$/;
let counter = 0;
let swept = false;
let handlersInstalled = false;
/** Namespaces this process created and has not deleted yet. */
const live = new Set<string>();

function ipSync(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

function ipAsync(args: readonly string[], timeoutMs = 10_000): Promise<ExecResult> {
  return run('ip', args, { timeoutMs });
}

function run(cmd: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { encoding: 'utf8', timeout: options.timeoutMs ?? 30_000, killSignal: 'SIGKILL', env: options.env ?? process.env, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals }) | null;
        const code = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        const errText = e && typeof e.code === 'string' ? `${e.message}\n` : '';
        resolve({ code, signal: e?.signal ?? null, stdout, stderr: errText + stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

export function listNamespaces(): string[] {
  let out = '';
  try {
    out = ipSync(['netns', 'list']);
  } catch {
    return [];
  }
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.length > 0);
}

function nsPids(ns: string): number[] {
  try {
    return ipSync(['netns', 'pids', ns])
      .split('\n')
      .map((l) => Number.parseInt(l, 10))
      .filter((p) => Number.isInteger(p) && p > 0);
  } catch {
    return [];
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Synchronous teardown: used from the exit handler, where nothing asynchronous runs any more. */
function destroyNamespaceSync(ns: string): void {
  for (let round = 0; round < 3; round++) {
    const pids = nsPids(ns);
    if (pids.length === 0) break;
    killAll(pids, 'SIGKILL');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  try {
    ipSync(['netns', 'del', ns]);
  } catch {
    /* already deleted */
  }
  live.delete(ns);
}

async function destroyNamespace(ns: string): Promise<void> {
  const pids = nsPids(ns);
  killAll(pids, 'SIGTERM');
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline && nsPids(ns).length > 0) await new Promise((r) => setTimeout(r, 50));
  for (let round = 0; round < 5; round++) {
    const rest = nsPids(ns);
    if (rest.length === 0) break;
    killAll(rest, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
  await ipAsync(['netns', 'del', ns]);
  live.delete(ns);
}

/** Deletes namespaces with our name pattern whose creating process is dead. Returns the names removed. */
export function sweepStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const ns of listNamespaces()) {
    const m = NAME_RE.exec(ns);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    destroyNamespaceSync(ns);
    removed.push(ns);
  }
  return removed;
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const ns of [...live]) destroyNamespaceSync(ns);
  });
  for (const [signal, num] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
  ] as const) {
    process.once(signal, () => {
      for (const ns of [...live]) destroyNamespaceSync(ns);
      process.exit(128 + num);
    });
  }
}

/** "10.1.0.1", 24 -> "10.1.0.0/24". */
export function ipv4Subnet(address: string, prefixLen: number): string {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255) || !(prefixLen >= 0 && prefixLen <= 32)) {
    throw new Error(`bad IPv4 address/prefix ${address}/${prefixLen}`);
  }
  const value = parts.reduce((acc, p) => acc * 256 + p, 0);
  const size = 2 ** (32 - prefixLen);
  const net = Math.floor(value / size) * size;
  return `${[24, 16, 8, 0].map((shift) => Math.floor(net / 2 ** shift) % 256).join('.')}/${prefixLen}`;
}

function makeHost(side: HostSide, ns: string, options: HostPairOptions): Host {
  const n = side === 'west' ? 1 : 2;
  const i = n - 1;
  const innerPrefixLen = options.innerPrefixLen ?? 24;
  const inner = options.inner?.[i] ?? `10.${n}.0.1`;
  const host: Host = {
    side,
    ns,
    iface: side === 'west' ? 'w0' : 'e0',
    outer: options.outer?.[i] ?? `192.0.2.${n}`,
    outerPrefixLen: options.outerPrefixLen ?? 24,
    inner,
    innerPrefixLen,
    innerSubnet: ipv4Subnet(inner, innerPrefixLen),
  };
  const ipv6 = options.ipv6 === true;
  if (ipv6) {
    host.outer6 = `2001:db8::${n}`;
    host.inner6 = `fd00:${n}::1`;
    host.innerSubnet6 = `fd00:${n}::/64`;
  }
  return host;
}

/** Why namespace tests cannot run here (not root, no `ip`), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'no iproute2 `ip`';
  }
  return undefined;
}

function checkPrefix(prefix: string): void {
  if (!/^[a-z][a-z0-9]*$/.test(prefix)) throw new Error(`bad namespace prefix ${JSON.stringify(prefix)}`);
  if (!swept) {
    swept = true;
    sweepStaleNamespaces();
  }
  installHandlers();
}

/**
 * One scratch namespace with lo up (PREFIX-PID-COUNTER-solo), for tests of this host's own kernel (XFRM
 * policies, a TUN and its routes). Deleted by remove(), at exit, or by a later sweep.
 */
export class Netns {
  readonly name: string;

  constructor(prefix: string) {
    checkPrefix(prefix);
    this.name = `${prefix}-${process.pid}-${++counter}-solo`;
    this.must(['netns', 'add', this.name]);
    live.add(this.name);
    this.ip('link', 'set', 'lo', 'up');
  }

  /** `ip -n NAME ...`; throws with stderr on failure. */
  ip(...args: string[]): string {
    return this.must(['-n', this.name, ...args]);
  }

  /** A command inside the namespace; throws with stderr on failure. */
  exec(...args: string[]): string {
    return this.must(['netns', 'exec', this.name, ...args]);
  }

  /** Kills what still runs inside and deletes the namespace; safe to call twice. */
  remove(): void {
    if (live.has(this.name)) destroyNamespaceSync(this.name);
  }

  private must(args: string[]): string {
    try {
      return ipSync(args);
    } catch (e) {
      const err = e as Error & { stderr?: string; status?: number };
      throw new Error(`ip ${args.join(' ')} failed (${err.status ?? '?'}): ${err.stderr?.trim() || err.message}`);
    }
  }
}

/** Creates west and east, joined by a veth pair, with outer addresses and inner subnets on lo. */
export function createHostPair(options: HostPairOptions = {}): HostPair {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  checkPrefix(prefix);
  const base = `${prefix}-${process.pid}-${++counter}`;
  const west = makeHost('west', `${base}-west`, options);
  const east = makeHost('east', `${base}-east`, options);
  try {
    for (const h of [west, east]) {
      ipSync(['netns', 'add', h.ns]);
      live.add(h.ns);
      ipSync(['-n', h.ns, 'link', 'set', 'lo', 'up']);
    }
    // Created directly inside the namespaces so that the fixed names w0/e0 never clash between tests.
    ipSync(['link', 'add', 'name', west.iface, 'netns', west.ns, 'type', 'veth', 'peer', 'name', east.iface, 'netns', east.ns]);
    for (const h of [west, east]) {
      ipSync(['-n', h.ns, 'addr', 'add', `${h.outer}/${h.outerPrefixLen}`, 'dev', h.iface]);
      ipSync(['-n', h.ns, 'addr', 'add', `${h.inner}/${h.innerPrefixLen}`, 'dev', 'lo']);
      if (h.outer6 && h.inner6) {
        ipSync(['-n', h.ns, 'addr', 'add', `${h.outer6}/64`, 'dev', h.iface, 'nodad']);
        ipSync(['-n', h.ns, 'addr', 'add', `${h.inner6}/64`, 'dev', 'lo', 'nodad']);
      }
      ipSync(['-n', h.ns, 'link', 'set', h.iface, 'up']);
    }
  } catch (e) {
    for (const h of [west, east]) if (live.has(h.ns)) destroyNamespaceSync(h.ns);
    const err = e as Error & { stderr?: string };
    throw new Error(`could not create the test hosts ${base}: ${err.stderr?.trim() || err.message}`);
  }

  const resolve = (ref: HostRef): Host => (typeof ref === 'string' ? (ref === 'west' ? west : east) : ref);
  let destroyed: Promise<void> | null = null;
  const pair: HostPair = {
    west,
    east,
    host: resolve,
    exec(ref, cmd, args = [], opts = {}) {
      return run('ip', ['netns', 'exec', resolve(ref).ns, cmd, ...args], opts);
    },
    async execOk(ref, cmd, args = [], opts = {}) {
      const r = await pair.exec(ref, cmd, args, opts);
      if (r.code !== 0) {
        throw new Error(`${resolve(ref).side}: ${[cmd, ...args].join(' ')} failed (code ${r.code}, signal ${r.signal}):\n${r.stdout}${r.stderr}`);
      }
      return r.stdout;
    },
    spawn(ref, cmd, args = [], opts = {}) {
      return spawnChild('ip', ['netns', 'exec', resolve(ref).ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    },
    destroy() {
      destroyed ??= Promise.all([destroyNamespace(west.ns), destroyNamespace(east.ns)]).then(() => undefined);
      return destroyed;
    },
  };
  return pair;
}
