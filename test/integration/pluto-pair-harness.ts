// Two of our plutos negotiating through the real CLI: in the west/east namespaces of createHostPair (real
// ports 500/4500 on 192.0.2.1/.2), each with its own run directory, ipsec.conf and ipsec.secrets. Every
// path cleans up: the daemons are killed, the namespaces deleted and the temp dir removed in t.after.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { runIpsec } from '../helpers/cli';
import { createHostPair, type HostPair, type HostPairOptions, type HostSide } from '../helpers/netns';
import { IPSEC_BIN } from '../helpers/paths';
import { killPlutosIn, waitFor, type TestContextLike } from './daemon-harness';

export const SIDES: readonly HostSide[] = ['west', 'east'];

export interface Side {
  side: HostSide;
  rundir: string;
  config: string;
  secrets: string;
  log: string;
}

export interface RunningSide extends Side {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export interface PairStatus {
  natKeepalives: { local: { address: string; port: number }; remote: { address: string; port: number }; intervalSeconds: number }[];
  keepaliveCounters: { sent: number; received: number };
  engine: {
    ikeSas: { connection: string; serial: number; initiator: boolean; spiI: string; spiR: string; state: string; localId: string; remoteId: string; algorithms: string; localAuth: string; peerAuth: string }[];
    childSas: { connection: string; serial: number; ikeSerial: number; spiIn: number; spiOut: number; localTs: string[]; remoteTs: string[]; algorithms: string; mode: string; encapsulated: boolean }[];
  };
}

/** The west-east conn of the brief, with the algorithms given (left is west, right is east). */
export function westEastConn(name: string, ike: string, esp: string, extra = ''): string {
  return `conn ${name}
	left=192.0.2.1
	right=192.0.2.2
	leftid=@west
	rightid=@east
	leftsubnet=10.1.0.0/24
	rightsubnet=10.2.0.0/24
	authby=secret
	ike=${ike}
	esp=${esp}
	retransmit-interval=250
	retransmit-timeout=5s
${extra}`;
}

export interface NetnsPair {
  hosts: HostPair;
  dir: string;
  sides: Record<HostSide, Side>;
  running: Partial<Record<HostSide, RunningSide>>;
  /** Starts `ip netns exec NS ipsec pluto --nofork ... EXTRA`; resolves once it printed "Pluto initialized". */
  start(side: HostSide, extraArgs?: readonly string[]): Promise<RunningSide>;
  /** `ipsec CMD --rundir SIDE_RUNDIR ARGS...` from the test process (the control socket is a file). */
  ipsec(side: HostSide, cmd: 'auto' | 'whack', ...args: string[]): ReturnType<typeof runIpsec>;
  status(side: HostSide): PairStatus;
}

/** Waits until both veth ends are operationally up: pluto only listens on running interfaces. */
async function waitLinksUp(hosts: HostPair): Promise<void> {
  const up = (): boolean =>
    [hosts.west, hosts.east].every((h) => /state UP/.test(execFileSync('ip', ['-n', h.ns, 'link', 'show', h.iface], { encoding: 'utf8' })));
  if (!(await waitFor(up, 5000))) throw new Error('the veth pair did not come up');
}

/** `hostOptions`: createHostPair's (e.g. { ipv6: true } for outer and inner IPv6 addresses too). */
export async function netnsPair(t: TestContextLike, conf: Record<HostSide, string>, psk: Record<HostSide, string>, hostOptions: Omit<HostPairOptions, 'prefix'> = {}): Promise<NetnsPair> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-pair-'));
  const hosts = createHostPair({ ...hostOptions, prefix: 'swlpp' });
  const running: Partial<Record<HostSide, RunningSide>> = {};
  t.after(async () => {
    for (const r of Object.values(running)) if (r && r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await hosts.destroy();
    for (const s of SIDES) killPlutosIn(path.join(dir, s, 'run'));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await waitLinksUp(hosts);
  const mk = (side: HostSide): Side => {
    const d = path.join(dir, side);
    fs.mkdirSync(d);
    const s: Side = { side, rundir: path.join(d, 'run'), config: path.join(d, 'ipsec.conf'), secrets: path.join(d, 'ipsec.secrets'), log: path.join(d, 'pluto.log') };
    fs.writeFileSync(s.config, `config setup\n\tlogfile=${s.log}\n\tplutodebug=base\n${conf[side]}`);
    fs.writeFileSync(s.secrets, `@west @east : PSK "${psk[side]}"\n`, { mode: 0o600 });
    return s;
  };
  const sides = { west: mk('west'), east: mk('east') };
  const pair: NetnsPair = {
    hosts,
    dir,
    sides,
    running,
    async start(side, extraArgs = []) {
      const s = sides[side];
      const child = hosts.spawn(side, process.execPath, [IPSEC_BIN, 'pluto', '--nofork', '--rundir', s.rundir, '--config', s.config, '--secretsfile', s.secrets, ...extraArgs]);
      let out = '';
      child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const r: RunningSide = { ...s, child, output: () => out, exited };
      running[side] = r;
      await waitFor(() => out.includes('Pluto initialized') || child.exitCode !== null, 20_000);
      if (!out.includes('Pluto initialized')) throw new Error(`${side} pluto did not start:\n${out}`);
      return r;
    },
    ipsec(side, cmd, ...args) {
      return runIpsec([cmd, '--rundir', sides[side].rundir, ...args], { timeoutMs: 30_000 });
    },
    status(side) {
      const r = pair.ipsec(side, 'whack', '--status', '--json');
      if (r.status !== 0) throw new Error(`${side}: whack --status --json failed (${r.status}): ${r.stderr}`);
      return JSON.parse(r.stdout) as PairStatus;
    },
  };
  return pair;
}

/** Polls whack --status --json on a side until the predicate holds (or the timeout). */
export async function waitStatus(pair: NetnsPair, side: HostSide, ok: (s: PairStatus) => boolean, timeoutMs = 10_000): Promise<PairStatus> {
  let last = pair.status(side);
  await waitFor(() => ok((last = pair.status(side))), timeoutMs);
  return last;
}

/** The side's status shows an established IKE SA and at least one Child SA. */
export const tunnelEstablished = (s: PairStatus): boolean => s.engine.ikeSas.some((sa) => sa.state === 'ESTABLISHED_IKE_SA') && s.engine.childSas.length >= 1;

/** pluto's log file as written so far ('' before it exists; the file is written asynchronously). */
export function readLog(pair: NetnsPair, side: HostSide): string {
  const file = pair.sides[side].log;
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

export interface WestEastTunnel {
  ike: string;
  esp: string;
  psk: string;
  /** More lines for west's conn, after auto=add. */
  westExtra?: string;
}

/**
 * Both plutos with the west-east conn, started, then `ipsec auto --up west-east` from west; resolves with the
 * pair and what auto --up printed once east has the Child SA too.
 */
export async function upWestEast(t: TestContextLike, o: WestEastTunnel): Promise<{ pair: NetnsPair; upOutput: string }> {
  const pair = await netnsPair(t, {
    west: westEastConn('west-east', o.ike, o.esp, `\tauto=add\n${o.westExtra ?? ''}`),
    east: westEastConn('west-east', o.ike, o.esp, '\tauto=add\n'),
  }, { west: o.psk, east: o.psk });
  await pair.start('east');
  await pair.start('west');
  const r = pair.ipsec('west', 'auto', '--up', 'west-east');
  if (r.status !== 0) throw new Error(`auto --up failed (${r.status}): ${r.stdout}${r.stderr}`);
  const east = await waitStatus(pair, 'east', tunnelEstablished);
  if (!tunnelEstablished(east)) throw new Error(`east has no Child SA: ${JSON.stringify(east.engine)}`);
  return { pair, upOutput: r.stdout };
}
