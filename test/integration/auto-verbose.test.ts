// ipsec auto with and without --verbose, through two real plutos on 127.0.0.1. Libreswan 4.10's auto
// passes whack's output through unfiltered either way and hands --verbose to addconn only, which then
// reports the file it opens and the conns it loads; pluto's debug lines never reach whack.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { runIpsec } from '../helpers/cli';
import { freeUdpPorts, RECORDING_KERNEL_ENV, sandbox, startPluto, type Sandbox } from './daemon-harness';
import { loopbackConn as conn } from './loopback-pair';

/** A conn for --add: this host is left, the peer elsewhere (the client orients it on its own). */
const SOLO = `conn solo
	left=127.0.0.1
	right=192.0.2.99
	authby=secret
	auto=ignore
`;

const auto = (s: Sandbox, ...args: string[]): ReturnType<typeof runIpsec> =>
  runIpsec(['auto', '--rundir', s.rundir, '--config', s.config, ...args], { timeoutMs: 30_000 });

test('auto --add / --up / --down with and without --verbose', async (t) => {
  const [wIke, wNatt, eIke, eNatt] = await freeUdpPorts(4) as [number, number, number, number];
  const west = sandbox(t, conn(wIke, eIke));
  // The client reads a whole file and orients its conns itself: the loopback pair's conn (both ends
  // here) is for the daemons only, so --add reads another file.
  const soloConf = path.join(west.dir, 'solo.conf');
  fs.writeFileSync(soloConf, SOLO);
  const add = (...args: string[]): ReturnType<typeof runIpsec> => runIpsec(['auto', '--rundir', west.rundir, '--config', soloConf, ...args]);
  const east = sandbox(t, conn(wIke, eIke));
  for (const [s, ike, natt] of [[east, eIke, eNatt], [west, wIke, wNatt]] as const) {
    const p = await startPluto(t, ['--rundir', s.rundir, '--config', s.config, '--secretsfile', s.secrets, '--listen', '127.0.0.1', '--ike-port', String(ike), '--ike-natt-port', String(natt)], 20_000, RECORDING_KERNEL_ENV);
    assert.match(p.stdout(), /Pluto initialized/, p.stderr());
  }

  // --add: the outcome only; with --verbose, addconn's report first.
  const quiet = add('--add', 'solo');
  assert.equal(quiet.status, 0, quiet.stdout + quiet.stderr);
  assert.equal(quiet.stdout, '000 added IKEv2 connection "solo"\n');
  assert.equal(add('--delete', 'solo').status, 0);
  const loud = add('--verbose', '--add', 'solo');
  assert.equal(loud.status, 0, loud.stdout + loud.stderr);
  assert.equal(loud.stdout, `opening file: ${soloConf}\nloading named conns: solo\n000 added IKEv2 connection "solo"\n`);
  // --showonly --verbose: the flag goes to addconn, not to whack.
  const shown = auto(west, '--showonly', '--verbose', '--start', 'west-east');
  assert.equal(shown.stdout, `ipsec addconn --config ${west.config} --rundir ${west.rundir} --verbose west-east\nipsec whack --rundir ${west.rundir} --name west-east --initiate\n`);

  // --up: whack's progress lines (002) pass through either way; the debug lines (plutodebug=base in the
  // sandbox's config) stay in pluto's log.
  const up = auto(west, '--up', 'west-east');
  assert.equal(up.status, 0, up.stdout + up.stderr);
  assert.match(up.stdout, /^000 "west-east": initiating IKEv2 connection$/m);
  assert.match(up.stdout, /^002 "west-east" #1: /m, up.stdout);
  assert.match(up.stdout, /^004 "west-east" #2: initiator established Child SA using #1/m);
  assert.doesNotMatch(up.stdout, /^\d{3} \|/m, 'no debug line on whack');
  assert.match(fs.readFileSync(west.log, 'utf8'), /\| "west-east" #1: /, 'the log has the debug lines');
  assert.doesNotMatch(up.stdout, /opening file/, '--up runs no addconn');

  assert.equal(auto(west, '--down', 'west-east').status, 0);
  const again = auto(west, '--verbose', '--up', 'west-east');
  assert.equal(again.status, 0, again.stdout + again.stderr);
  const codes = (out: string): string[] => [...new Set(out.split('\n').filter((l) => l !== '').map((l) => l.slice(0, 3)))].sort();
  assert.deepEqual(codes(again.stdout), codes(up.stdout), '--verbose changes nothing for --up: the same kinds of lines');
  assert.doesNotMatch(again.stdout, /opening file/);
});
