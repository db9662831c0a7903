// Two of our plutos on 127.0.0.1, without namespaces: distinct --ike-port/--ike-natt-port and run
// directories, each conn naming the peer's port (leftikeport/rightikeport). Both ends are this host, so
// each pluto orients the conn by its own --ike-port. Negotiation only: the test-only recording kernel
// (SWANLET_TEST_KERNEL=recording), as two userspace data paths on one address would float IKE to the one
// port 4500 (pluto-pair.test.ts and tunnel.test.ts carry traffic between two namespaces).
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { runIpsec } from '../helpers/cli';
import { RECORDING_KERNEL_ENV, sandbox, startPluto, waitFor, type Sandbox, type TestContextLike } from './daemon-harness';

/** Ports the kernel says are free now (bound to port 0, then closed). */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<dgram.Socket>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

function conn(westPort: number, eastPort: number, extra = ''): string {
  return `conn west-east
	left=127.0.0.1
	leftikeport=${westPort}
	right=127.0.0.1
	rightikeport=${eastPort}
	leftid=@west
	rightid=@east
	leftsubnet=10.1.0.0/24
	rightsubnet=10.2.0.0/24
	authby=secret
	ike=aes_gcm256-sha2_256;dh31
	esp=aes_gcm256
	retransmit-interval=250
	retransmit-timeout=5s
	auto=add
${extra}`;
}

async function startSide(t: TestContextLike, s: Sandbox, ikePort: number, nattPort: number): Promise<Awaited<ReturnType<typeof startPluto>>> {
  const p = await startPluto(t, ['--rundir', s.rundir, '--config', s.config, '--secretsfile', s.secrets, '--listen', '127.0.0.1', '--ike-port', String(ikePort), '--ike-natt-port', String(nattPort)], 20_000, RECORDING_KERNEL_ENV);
  assert.match(p.stdout(), /Pluto initialized/, p.stderr());
  return p;
}

interface Json {
  listening: { address: string; port: number }[];
  engine: { ikeSas: { spiI: string; spiR: string; initiator: boolean; state: string }[]; childSas: { spiIn: number; spiOut: number }[] };
}
const status = (s: Sandbox): Json => JSON.parse(runIpsec(['whack', '--rundir', s.rundir, '--status', '--json']).stdout) as Json;

test('two plutos on 127.0.0.1 with distinct IKE ports: auto --up, both report the SAs, auto --down', async (t) => {
  const [wIke, wNatt, eIke, eNatt] = await freeUdpPorts(4) as [number, number, number, number];
  const west = sandbox(t, conn(wIke, eIke));
  const east = sandbox(t, conn(wIke, eIke));
  await startSide(t, east, eIke, eNatt);
  await startSide(t, west, wIke, wNatt);
  assert.deepEqual(status(west).listening.map((l) => l.port), [wIke, wNatt]);
  assert.deepEqual(status(east).listening.map((l) => l.port), [eIke, eNatt]);

  const up = runIpsec(['auto', '--rundir', west.rundir, '--up', 'west-east'], { timeoutMs: 30_000 });
  assert.equal(up.status, 0, up.stdout + up.stderr);
  assert.match(up.stdout, /^004 "west-east" #2: initiator established Child SA using #1; IPsec tunnel \[10\.1\.0\.0\/24===10\.2\.0\.0\/24\]/m);
  const [w, e] = [status(west), status(east)];
  assert.equal(w.engine.ikeSas.length, 1);
  assert.equal(e.engine.ikeSas.length, 1);
  assert.deepEqual([w.engine.ikeSas[0]!.spiI, w.engine.ikeSas[0]!.spiR], [e.engine.ikeSas[0]!.spiI, e.engine.ikeSas[0]!.spiR]);
  assert.deepEqual([w.engine.ikeSas[0]!.initiator, e.engine.ikeSas[0]!.initiator], [true, false]);
  assert.equal(w.engine.childSas[0]!.spiOut, e.engine.childSas[0]!.spiIn);
  assert.equal(w.engine.childSas[0]!.spiIn, e.engine.childSas[0]!.spiOut);
  // The responder's pluto, on the other port, logged the SA (it was not a self-negotiation of west).
  assert.match(fs.readFileSync(east.log, 'utf8'), /"west-east" #1: IKE SA established/);

  assert.equal(runIpsec(['auto', '--rundir', west.rundir, '--down', 'west-east']).status, 0);
  assert.ok(await waitFor(() => status(east).engine.ikeSas.length === 0, 10_000), 'east deleted the SAs on the delete');
  assert.equal(status(west).engine.childSas.length, 0);
});

test('a conn with both ends on this host that the IKE ports do not tell apart is refused (exit 1)', async (t) => {
  const [a, b] = await freeUdpPorts(2) as [number, number];
  const s = sandbox(t, conn(a, a));
  const r = runIpsec(['pluto', '--nofork', '--rundir', s.rundir, '--config', s.config, '--listen', '127.0.0.1', '--ike-port', String(a), '--ike-natt-port', String(b)]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /both left and right are this host \(the same address\)/);
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.pid')), false);
});
