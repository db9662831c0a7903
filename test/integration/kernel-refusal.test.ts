// A responder whose kernel refuses the Child SA, through two real plutos on 127.0.0.1: east runs the
// test-only kernel that fails every SA install (SWANLET_TEST_KERNEL=recording-noesp). The IKE SA comes up
// on both ends all the same, east answers IKE_AUTH with the Child SA refused (NO_PROPOSAL_CHOSEN), auto --up
// fails with that reason, and neither daemon reports a Child SA.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';

import { TEST_KERNEL_ENV } from '../../src/kernel/select';
import { runIpsec } from '../helpers/cli';
import { freeUdpPorts, RECORDING_KERNEL_ENV, sandbox, startPluto, type Sandbox } from './daemon-harness';
import { loopbackConn } from './loopback-pair';

interface Json {
  engine: { ikeSas: { state: string; spiI: string }[]; childSas: unknown[] };
}
const status = (s: Sandbox): Json => JSON.parse(runIpsec(['whack', '--rundir', s.rundir, '--status', '--json']).stdout) as Json;

test('east\'s kernel refuses the Child SA: the IKE SA stays up on both, auto --up says NO_PROPOSAL_CHOSEN', async (t) => {
  const [wIke, wNatt, eIke, eNatt] = await freeUdpPorts(4) as [number, number, number, number];
  const west = sandbox(t, loopbackConn(wIke, eIke));
  const east = sandbox(t, loopbackConn(wIke, eIke));
  const args = (s: Sandbox, ike: number, natt: number): string[] =>
    ['--rundir', s.rundir, '--config', s.config, '--secretsfile', s.secrets, '--listen', '127.0.0.1', '--ike-port', String(ike), '--ike-natt-port', String(natt)];
  const e = await startPluto(t, args(east, eIke, eNatt), 20_000, { ...process.env, [TEST_KERNEL_ENV]: 'recording-noesp' });
  assert.match(e.stdout(), /Pluto initialized/, e.stderr());
  const w = await startPluto(t, args(west, wIke, wNatt), 20_000, RECORDING_KERNEL_ENV);
  assert.match(w.stdout(), /Pluto initialized/, w.stderr());

  const up = runIpsec(['auto', '--rundir', west.rundir, '--up', 'west-east'], { timeoutMs: 30_000 });
  assert.notEqual(up.status, 0);
  assert.match(up.stdout, /initiate failed: NO_PROPOSAL_CHOSEN/, up.stdout + up.stderr);
  const [ws, es] = [status(west), status(east)];
  assert.deepEqual(ws.engine.ikeSas.map((sa) => sa.state), ['ESTABLISHED_IKE_SA']);
  assert.deepEqual(es.engine.ikeSas.map((sa) => sa.state), ['ESTABLISHED_IKE_SA']);
  assert.equal(ws.engine.ikeSas[0]!.spiI, es.engine.ikeSas[0]!.spiI, 'the same IKE SA');
  assert.deepEqual([ws.engine.childSas, es.engine.childSas], [[], []]);
  assert.match(fs.readFileSync(east.log, 'utf8'), /Child SA refused: the kernel could not install it: add SA: Protocol not supported/);
  assert.equal(runIpsec(['whack', '--rundir', east.rundir, '--trafficstatus']).stdout, '');
});
