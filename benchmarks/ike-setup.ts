// Project benchmark: IKE SA setups per second (IKE_SA_INIT + IKE_AUTH with PSK and X25519, AES-GCM, and
// the first Child SA) between two of our plutos on 127.0.0.1 (distinct IKE ports, RecordingKernel).
// N conns with their own IDs and subnets are initiated at once over west's control socket (one
// asynchronous initiate request each, as `ipsec whack --initiate --asynchronous` sends), and the clock
// stops when both daemons report all N Child SAs (polling the status request, as whack --status --json).
// No reference: Libreswan cannot set up SAs on this machine, so the figure is absolute.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import type { BenchRow, Trial, TrialOptions } from '../src/benchmark/types';
import { controlSocketPath, sendRequest } from '../src/control/client';
import { TEST_KERNEL_ENV } from '../src/kernel/select';
import { IPSEC_BIN } from '../test/helpers/paths';
import { freeUdpPorts } from '../test/integration/daemon-harness';

const TIMEOUT_MS = 30_000;

const END = (port: number): string => `127.0.0.1\n\t%sikeport=${port}`;

/**
 * West: N conns, one /24 pair of subnets each. East: one conn with the /16s around them, which narrows
 * each proposal to its /24 (the responder's engine picks its conn at IKE_SA_INIT by address and does not
 * switch conns on the IDs of IKE_AUTH, so N conns with N IDs on the responder cannot be used).
 */
function westConns(n: number, westPort: number, eastPort: number): string {
  let out = '';
  for (let i = 1; i <= n; i++) {
    out += `conn west-${i}\n\tleft=${END(westPort).replace('%s', 'left')}\n\tright=${END(eastPort).replace('%s', 'right')}\n${COMMON}\tleftsubnet=10.1.${i}.0/24\n\trightsubnet=10.2.${i}.0/24\n`;
  }
  return out;
}

function eastConn(westPort: number, eastPort: number): string {
  return `conn east\n\tleft=${END(westPort).replace('%s', 'left')}\n\tright=${END(eastPort).replace('%s', 'right')}\n${COMMON}\tleftsubnet=10.1.0.0/16\n\trightsubnet=10.2.0.0/16\n`;
}

// initial-contact=no: all N IKE SAs are between @west and @east, and INITIAL_CONTACT on each would
// make the responder delete the others.
const COMMON = '\tinitial-contact=no\n\tleftid=@west\n\trightid=@east\n\tauthby=secret\n\tike=aes_gcm256-sha2_256;dh31\n\tesp=aes_gcm256\n\tauto=add\n';

interface Daemon {
  rundir: string;
  child: ChildProcess;
}

async function startDaemon(dir: string, side: string, conf: string, secrets: string, ikePort: number, nattPort: number): Promise<Daemon> {
  const d = path.join(dir, side);
  fs.mkdirSync(d);
  const config = path.join(d, 'ipsec.conf');
  const secretsFile = path.join(d, 'ipsec.secrets');
  // uniqueids=no: every IKE SA is between @west and @east; none may replace the others.
  fs.writeFileSync(config, `config setup\n\tlogfile=${path.join(d, 'pluto.log')}\n\tuniqueids=no\n${conf}`);
  fs.writeFileSync(secretsFile, secrets, { mode: 0o600 });
  const rundir = path.join(d, 'run');
  const args = ['pluto', '--nofork', '--rundir', rundir, '--config', config, '--secretsfile', secretsFile, '--listen', '127.0.0.1', '--ike-port', String(ikePort), '--ike-natt-port', String(nattPort)];
  // Negotiation only, two plutos on 127.0.0.1: the test-only recording kernel (src/kernel/select.ts).
  const child = spawn(process.execPath, [IPSEC_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [TEST_KERNEL_ENV]: 'recording' } });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + TIMEOUT_MS;
  while (!out.includes('Pluto initialized')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${side} pluto did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { rundir, child };
}

async function childSas(d: Daemon): Promise<number> {
  const r = await sendRequest(controlSocketPath({ rundir: d.rundir }), { cmd: 'status', args: {} }, { timeoutMs: 5000 });
  return r.data?.kind === 'status' ? r.data.status.engine.childSas.length : 0;
}

async function stop(d: Daemon): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => d.child.once('exit', () => resolve()));
  d.child.kill('SIGTERM');
  const timer = setTimeout(() => d.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function run(options: TrialOptions): Promise<BenchRow[]> {
  // Well under a second of setups on this shared machine: N grows with --seconds, within 16..256.
  const n = Math.max(16, Math.min(256, Math.round(options.seconds * 64)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-bench-ike-'));
  const daemons: Daemon[] = [];
  try {
    const [wIke, wNatt, eIke, eNatt] = (await freeUdpPorts(4)) as [number, number, number, number];
    const secrets = '@west @east : PSK "benchmark-psk-not-secret"\n';
    const east = await startDaemon(dir, 'east', eastConn(wIke, eIke), secrets, eIke, eNatt);
    daemons.push(east);
    const west = await startDaemon(dir, 'west', westConns(n, wIke, eIke), secrets, wIke, wNatt);
    daemons.push(west);
    const socket = controlSocketPath({ rundir: west.rundir });

    const start = performance.now();
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => sendRequest(socket, { cmd: 'initiate', args: { name: `west-${i + 1}`, asynchronous: true } }, { timeoutMs: TIMEOUT_MS })),
    );
    const refused = replies.filter((r) => r.exitCode !== 0).length;
    if (refused > 0) throw new Error(`${refused} of ${n} initiate requests refused`);
    let done = false;
    while (!done) {
      if (performance.now() - start > TIMEOUT_MS) throw new Error(`not all ${n} Child SAs up after ${TIMEOUT_MS / 1000}s (west ${await childSas(west)}, east ${await childSas(east)})`);
      await new Promise((r) => setTimeout(r, 10));
      done = (await childSas(west)) === n && (await childSas(east)) === n;
    }
    const seconds = (performance.now() - start) / 1000;
    const rate = n / seconds;
    return [
      {
        name: `IKE SA setups per second (IKE_SA_INIT + IKE_AUTH, PSK, X25519), two of our daemons on loopback (${n} concurrent)`,
        unit: 'ops/s',
        ours: rate,
        reference: null,
        referenceName: 'none (Libreswan cannot set up SAs here): absolute figure',
        ratio: null,
        note: `${n} IKE SAs + Child SAs (AES_GCM_16_256, DH31) in ${(seconds * 1000).toFixed(0)} ms, both daemons on one 2-core machine`,
      },
    ];
  } finally {
    for (const d of daemons.reverse()) await stop(d);
    if (process.env.SWANLET_BENCH_KEEP === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const ikeSetupTrial: Trial = {
  name: 'ike-setup',
  description: 'IKE SA setups per second between two of our daemons on loopback (PSK, X25519)',
  run,
};
