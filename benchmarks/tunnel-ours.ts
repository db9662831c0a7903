// Project benchmark: TCP throughput (iperf3, 1 stream) through a tunnel two of our daemons bring up: our pluto
// in the west and east namespaces (test/integration/pluto-pair-harness.ts), `ipsec auto --up`, the default
// kernel choice (the userspace ESP data path on this kernel) and the default updown routing into the TUN;
// AES-GCM-128 in UDP 4500 as the strongSwan reference uses. The reference is strongSwan on both ends
// (kernel-libipsec) measured in the same run; a second row measures our data path alone with static SAs
// (test/integration/datapath-hosts.ts), so that the daemons' cost, if any, shows. Needs root, `ip netns`,
// /dev/net/tun and iperf3 (installed with apt-get if missing); otherwise the rows say why they were skipped.
import { ratio, type BenchRow, type Trial, type TrialOptions } from '../src/benchmark/types';
import { canUseNetns, withTunnel } from '../test/integration/datapath-hosts';
import { netnsPair, westEastConn } from '../test/integration/pluto-pair-harness';
import { inNs } from '../test/integration/tcp-transfer';
import { ensurePackages, IPERF_PACKAGES } from '../test/helpers/packages';
import type { HostPair } from '../test/helpers/netns';
import { iperf, measureStrongswanTunnel, tunnelSeconds } from './tunnel-strongswan';

const PSK = 'benchmark-psk-not-secret';

interface DatapathJson {
  kernel: string;
  datapath?: { counters: Record<string, number> };
}

/** Runs `fn` with a context whose after() callbacks run at the end, as node:test's t.after does. */
async function withCleanup<T>(fn: (t: { after(cb: () => void | Promise<void>): void }) => Promise<T>): Promise<T> {
  const afters: (() => void | Promise<void>)[] = [];
  try {
    return await fn({ after: (cb) => afters.push(cb) });
  } finally {
    for (const cb of afters.reverse()) await cb();
  }
}

/** Two plutos, auto --up, iperf3 from 10.1.0.1 to 10.2.0.1 through the tunnel they negotiated. */
async function measureDaemons(seconds: number): Promise<{ mbits: number; note: string }> {
  return withCleanup(async (t) => {
    const conf = westEastConn('bench', 'aes_gcm128-sha2_256;dh31', 'aes_gcm128', '\tauto=add\n');
    const pair = await netnsPair(t, { west: conf, east: conf }, { west: PSK, east: PSK });
    await pair.start('east');
    await pair.start('west');
    const up = pair.ipsec('west', 'auto', '--up', 'bench');
    if (up.status !== 0) throw new Error(`auto --up failed: ${up.stdout}${up.stderr}`);
    const hosts: HostPair = pair.hosts;
    const mbits = await iperf(hosts, hosts.west.inner, hosts.east.inner, seconds);
    const status = (side: 'west' | 'east'): DatapathJson => JSON.parse(pair.ipsec(side, 'whack', '--status', '--json').stdout) as DatapathJson;
    const [w, e] = [status('west'), status('east')];
    if (w.kernel !== 'userspace' || !w.datapath || !e.datapath) throw new Error(`the daemons did not drive the userspace data path (kernel: ${w.kernel})`);
    const sent = w.datapath.counters.sent ?? 0;
    if (sent < 1000) throw new Error(`the iperf3 traffic did not go through the tunnel (ESP datagrams sent: ${sent})`);
    const c = e.datapath.counters;
    const drops = (c.auth ?? 0) + (c.replay ?? 0) + (c.malformed ?? 0) + (c.tunWriteErrors ?? 0);
    return { mbits, note: `ESP datagrams ${sent}, TUN reads ${w.datapath.counters.tunPackets ?? 0}, drops ${drops}` };
  });
}

/** The data path alone: static SAs in a Datapath process per side, no daemon (TSO + UDP GSO/GRO). */
async function measureStatic(seconds: number): Promise<number> {
  return withTunnel({ offload: true }, async ({ westNs, eastNs }) => {
    const server = inNs(eastNs, ['iperf3', '-s', '-1', '-B', '10.2.0.1'], (seconds + 30) * 1000);
    await new Promise((r) => setTimeout(r, 500));
    const client = await inNs(westNs, ['iperf3', '-c', '10.2.0.1', '-B', '10.1.0.1', '-t', String(seconds), '-O', '1', '-J'], (seconds + 30) * 1000);
    await server;
    if (client.code !== 0) throw new Error(`iperf3 failed: ${client.stdout.slice(0, 300)}`);
    return (JSON.parse(client.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second / 1e6;
  });
}

async function runTrial(options: TrialOptions): Promise<BenchRow[]> {
  const seconds = tunnelSeconds(options);
  const why = canUseNetns() ?? ensurePackages(IPERF_PACKAGES) ?? undefined;
  // The reference: strongSwan's userspace ESP on both ends, measured in this same run.
  let strongswan: number | null = null;
  let strongswanWhy = '';
  if (!why) {
    try {
      strongswan = (await measureStrongswanTunnel(seconds)).tunnel;
    } catch (err) {
      strongswanWhy = err instanceof Error ? err.message : String(err);
    }
  }
  const referenceName = strongswan === null ? `strongSwan (not measured: ${strongswanWhy || why})` : 'strongSwan <-> strongSwan (kernel-libipsec), same run';
  const base = { unit: 'Mbit/s' as const, referenceName, target: '>= 10 x strongSwan (4 x floor)' };
  const daemonsName = 'TCP through a tunnel of two of our plutos (auto --up), AES-GCM-128, userspace ESP';
  const staticName = 'TCP through our ESP data path alone (static SAs), AES-GCM-128, TSO + UDP GSO/GRO';
  if (why) return [daemonsName, staticName].map((name) => ({ ...base, name, ours: 0, reference: null, ratio: null, note: `skipped: ${why}` }));
  const rows: BenchRow[] = [];
  const d = await measureDaemons(seconds);
  rows.push({ ...base, name: daemonsName, ours: d.mbits, reference: strongswan, ratio: ratio(d.mbits, strongswan), note: `${seconds} s iperf3; ${d.note}` });
  const s = await measureStatic(seconds);
  rows.push({ ...base, name: staticName, ours: s, reference: strongswan, ratio: ratio(s, strongswan), note: `${seconds} s iperf3` });
  return rows;
}

export const tunnelOursTrial: Trial = {
  name: 'tunnel-ours',
  description: 'TCP throughput (iperf3) through a tunnel of two of our daemons, and through our data path alone',
  run: runTrial,
};
