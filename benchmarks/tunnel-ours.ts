// Project benchmark: TCP throughput (iperf3) through our userspace ESP data path between two network namespaces
// (test/integration/datapath-hosts.ts: a Datapath process per side, AES-GCM-128 static SAs): with the offloads
// (TUN TSO + UDP GSO/GRO), one TUN queue against one per CPU, with 1 and 4 parallel TCP streams; and without
// offloads. Needs root, `ip netns`, /dev/net/tun and iperf3 (installed with apt-get if missing); otherwise the
// row says why it was skipped.
import { cpus } from 'node:os';
import { spawn } from 'node:child_process';

import { ratio, type BenchRow, type Trial, type TrialOptions } from '../src/benchmark/types';
import { canUseNetns, withTunnel } from '../test/integration/datapath-hosts';
import { ensurePackages, IPERF_PACKAGES } from '../test/helpers/packages';
import { measureStrongswanTunnel, tunnelSeconds } from './tunnel-strongswan';

function run(ns: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
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
    const server = run(eastNs, ['iperf3', '-s', '-1', '-B', '10.2.0.1'], (seconds + 30) * 1000);
    await new Promise((r) => setTimeout(r, 500));
    const client = await run(westNs, ['iperf3', '-c', '10.2.0.1', '-B', '10.1.0.1', '-t', String(seconds), '-P', String(setup.streams), '-J'], (seconds + 30) * 1000);
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
  description: 'TCP throughput (iperf3) through our userspace ESP data path between two netns hosts',
  run: runTrial,
};
