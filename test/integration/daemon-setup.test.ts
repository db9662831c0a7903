// `ipsec setup start|status|stop|restart` as an operator runs it, with --config and --rundir.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { runIpsec } from '../helpers/cli';
import { isAlive } from '../../src/daemon/lockfile';
import { LOOPBACK_ARGS, sandbox, startPluto, waitFor } from './daemon-harness';

const CONN = `conn west
	left=127.0.0.1
	right=127.0.0.2
	auto=add
`;

test('setup start forks a pluto that loads the conns; status; stop cleans everything', async (t) => {
  const s = sandbox(t, CONN);
  const setup = (...args: string[]): ReturnType<typeof runIpsec> => runIpsec(['setup', ...args, '--config', s.config, '--rundir', s.rundir, '--', ...LOOPBACK_ARGS]);
  let st = setup('status');
  assert.equal(st.status, 0);
  assert.equal(st.stdout, 'IPsec stopped\n');

  const start = setup('start');
  assert.equal(start.status, 0, start.stdout + start.stderr);
  const pid = Number(fs.readFileSync(path.join(s.rundir, 'pluto.pid'), 'utf8'));
  assert.ok(isAlive(pid));
  st = setup('status');
  assert.equal(st.status, 0, st.stdout);
  assert.equal(st.stdout, `IPsec running\npluto pid ${pid}\n`);
  const conns = runIpsec(['auto', '--rundir', s.rundir, '--status']);
  assert.match(conns.stdout, /^000 "west": 127\.0\.0\.1\.\.\.127\.0\.0\.2; unrouted;/m);
  assert.equal(setup('start').status, 0, 'start when running only says so');

  const restart = setup('restart');
  assert.equal(restart.status, 0, restart.stdout + restart.stderr);
  const pid2 = Number(fs.readFileSync(path.join(s.rundir, 'pluto.pid'), 'utf8'));
  assert.notEqual(pid2, pid);
  assert.ok(await waitFor(() => !isAlive(pid)));

  const stop = setup('stop');
  assert.equal(stop.status, 0, stop.stdout);
  assert.match(stop.stdout, new RegExp(`Stopping pluto IKE daemon \\(pid ${pid2}\\)`));
  assert.ok(await waitFor(() => !isAlive(pid2)));
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.pid')), false);
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.ctl')), false);
  assert.equal(setup('status').stdout, 'IPsec stopped\n');
});

test('setup stop after a crash: complains about the stale lockfile, cleans up, exits 1', (t) => {
  const s = sandbox(t);
  fs.mkdirSync(s.rundir, { recursive: true });
  fs.writeFileSync(path.join(s.rundir, 'pluto.pid'), '999999999\n');
  fs.writeFileSync(path.join(s.rundir, 'pluto.ctl'), '');
  const st = runIpsec(['setup', 'status', '--rundir', s.rundir]);
  assert.equal(st.status, 1);
  assert.match(st.stdout, /^IPsec stopped\nstale lockfile .*pluto\.pid: pid 999999999 is not running\n$/);
  const stop = runIpsec(['setup', 'stop', '--rundir', s.rundir]);
  assert.equal(stop.status, 1);
  assert.match(stop.stdout, /stale pluto lockfile .* \(pid 999999999 is gone\); cleaning up anyway/);
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.pid')), false);
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.ctl')), false);
  const again = runIpsec(['setup', 'stop', '--rundir', s.rundir]);
  assert.equal(again.status, 1);
  assert.match(again.stdout, /IPsec is not running \(no pluto lockfile\)/);
});

test('setup status: an orphaned pluto (no lockfile) and an illicit one (not the lockfile\'s pid) exit 1', async (t) => {
  const s = sandbox(t);
  const p = await startPluto(t, ['--rundir', s.rundir, '--logfile', s.log, ...LOOPBACK_ARGS]);
  assert.match(p.stdout(), /Pluto initialized/, p.stderr());
  const lock = path.join(s.rundir, 'pluto.pid');

  fs.writeFileSync(lock, `${process.pid}\n`); // a live process that is not this pluto
  let st = runIpsec(['setup', 'status', '--rundir', s.rundir]);
  assert.equal(st.status, 1);
  assert.equal(st.stdout, `IPsec running\npluto pid ${process.pid}\nillicit pluto: pid ${p.child.pid} is not the lockfile's pid ${process.pid}\n`);

  fs.unlinkSync(lock);
  st = runIpsec(['setup', 'status', '--rundir', s.rundir]);
  assert.equal(st.status, 1);
  assert.equal(st.stdout, `IPsec stopped\norphaned pluto: pid ${p.child.pid} is running but there is no lockfile ${lock}\n`);

  const stop = runIpsec(['setup', 'stop', '--rundir', s.rundir]);
  assert.equal(stop.status, 1, 'not running as far as the lockfile says');
  assert.match(stop.stdout, new RegExp(`Stopping a pluto without the lockfile \\(pid ${p.child.pid}\\)`));
  assert.equal(await p.exited, 0, 'SIGTERM: an orderly exit');
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.ctl')), false);
});

test('pluto without --nofork forks, returns 0 once its socket answers; a second one exits 10', async (t) => {
  const s = sandbox(t);
  const first = runIpsec(['pluto', '--rundir', s.rundir, '--logfile', s.log, ...LOOPBACK_ARGS]);
  assert.equal(first.status, 0, first.stderr);
  const pid = Number(fs.readFileSync(path.join(s.rundir, 'pluto.pid'), 'utf8'));
  assert.ok(isAlive(pid));
  const second = runIpsec(['pluto', '--rundir', s.rundir, '--logfile', s.log, ...LOOPBACK_ARGS]);
  assert.equal(second.status, 10);
  assert.match(second.stderr, /already exists: pluto pid \d+ is running/);

  // whack --debug changes the classes at run time.
  assert.equal(runIpsec(['whack', '--rundir', s.rundir, '--debug', 'crypt']).status, 0);
  const st = JSON.parse(runIpsec(['whack', '--rundir', s.rundir, '--status', '--json']).stdout) as { debug: string[]; pid: number };
  assert.deepEqual(st.debug, ['crypt']);
  assert.equal(st.pid, pid);

  const stop = runIpsec(['setup', 'stop', '--rundir', s.rundir]);
  assert.equal(stop.status, 0, stop.stdout);
  assert.ok(await waitFor(() => !isAlive(pid)));
});
