// Project benchmark: TCP throughput (iperf3) through our tunnels between two network namespaces, against
// strongSwan on both ends (kernel-libipsec) measured in the same run. The first row is the product as a user
// runs it: two of our plutos (test/integration/pluto-pair-harness.ts), `ipsec auto --up`, the default kernel
// choice (the userspace ESP data path on this kernel) and the default updown routing into the TUN. The other
// rows are the data path alone (test/integration/datapath-hosts.ts: a Datapath process per side, AES-GCM-128
// static SAs): with the offloads (TUN TSO + UDP GSO/GRO), one TUN queue against one per CPU, with 1 and 4
// parallel TCP streams; and without offloads. Needs root, `ip netns`, /dev/net/tun and iperf3 (installed with
// apt-get if missing); otherwise the rows say why they were skipped.
import { cpus } from 'node:os';

import { ratio, type BenchRow, type Trial, type TrialOptions } from '../src/benchmark/types';
import { canUseNetns, withTunnel } from '../test/integration/datapath-hosts';
import { netnsPair, westEastConn } from '../test/integration/pluto-pair-harness';
import { inNs } from '../test/integration/tcp-transfer';
import type { HostPair } from '../test/helpers/netns';
import { ensurePackages, IPERF_PACKAGES } from '../test/helpers/packages';
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

interface Setup {
  offload: boolean;
  /** TUN queues on each side; undefined = the data path's default. */
  queues?: number;
  /** iperf3 -P: parallel TCP streams. */
  streams: number;
}

async function measure(setup: Setup, seconds: number): Promise<{ mbits: number; note: string }> {
  return withTunnel({ offload: setup.offload, queues: setup.queues }, async ({ west, east, westNs, eastNs }) => {
    const server = inNs(eastNs, ['iperf3', '-s', '-1', '-B', '10.2.0.1'], (seconds + 30) * 1000);
    await new Promise((r) => setTimeout(r, 500));
    const client = await inNs(westNs, ['iperf3', '-c', '10.2.0.1', '-B', '10.1.0.1', '-t', String(seconds), '-P', String(setup.streams), '-J'], (seconds + 30) * 1000);
    await server;
    if (client.code !== 0) throw new Error(`iperf3 failed: ${client.stdout.slice(0, 300)}`);
    const j = JSON.parse(client.stdout) as { end: { sum_received: { bits_per_second: number }; sum_sent: { retransmits?: number } } };
    const w = await west.counters();
    const e = await east.counters();
    const drops = e.global.auth + e.global.replay + e.global.malformed + w.global.sendErrors + e.global.tunWriteErrors;
    return {
      mbits: j.end.sum_received.bits_per_second / 1e6,
      note: `retransmits ${j.end.sum_sent.retransmits ?? '?'}, ESP datagrams ${w.global.sent}, TUN reads ${w.global.tunPackets}, drops ${drops}`,
    };
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
  const rows: BenchRow[] = [];
  const daemonsName = 'TCP through a tunnel of two of our plutos (auto --up), AES-GCM-128, userspace ESP, 1 stream';
  const daemonsBase = { unit: 'Mbit/s' as const, referenceName, target: '>= 10 x strongSwan (4 x floor)' };
  if (why) {
    rows.push({ ...daemonsBase, name: daemonsName, ours: 0, reference: null, ratio: null, note: `skipped: ${why}` });
  } else {
    const d = await measureDaemons(seconds);
    rows.push({ ...daemonsBase, name: daemonsName, ours: d.mbits, reference: strongswan, ratio: ratio(d.mbits, strongswan), note: `${seconds} s iperf3; ${d.note}` });
  }
  const n = Math.max(2, cpus().length);
  const setups: Setup[] = [
    { offload: true, queues: 1, streams: 1 },
    { offload: true, queues: n, streams: 1 },
    { offload: true, queues: 1, streams: 4 },
    { offload: true, queues: n, streams: 4 },
    { offload: false, streams: 1 },
  ];
  for (const setup of setups) {
    const queues = setup.queues === undefined ? 'default queues' : `${setup.queues} queue${setup.queues > 1 ? 's' : ''}`;
    const name = `TCP through our ESP data path, AES-GCM-128, ${setup.offload ? 'TSO + UDP GSO/GRO' : 'no offloads'}, ${queues}, ${setup.streams} stream${setup.streams > 1 ? 's' : ''}`;
    const base = { unit: 'Mbit/s' as const, referenceName, target: '>= 10 x strongSwan (4 x floor)' };
    if (why) {
      rows.push({ ...base, name, ours: 0, reference: null, ratio: null, note: `skipped: ${why}` });
      continue;
    }
    const m = await measure(setup, seconds);
    rows.push({ ...base, name, ours: m.mbits, reference: strongswan, ratio: ratio(m.mbits, strongswan), note: `${seconds} s iperf3; ${m.note}` });
  }
  return rows;
}

export const tunnelOursTrial: Trial = {
  name: 'tunnel-ours',
  description: 'TCP throughput (iperf3) through a tunnel of two of our daemons, and through our data path alone',
  run: runTrial,
};
