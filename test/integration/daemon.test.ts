// The real `ipsec pluto`, `whack` and `auto` commands against each other, each test in its own temp dir.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';

import { runIpsec } from '../helpers/cli';
import { LOOPBACK_ARGS, sandbox, startPluto } from './daemon-harness';

const CONNS = `conn west
	left=127.0.0.1
	right=127.0.0.2
	leftid=@west
	rightid=@east
	leftsubnet=10.1.0.0/24
	rightsubnet=10.2.0.0/24
	authby=secret
	auto=add
	retransmit-interval=200
	retransmit-timeout=2s
conn trapped
	left=127.0.0.1
	right=127.0.0.3
	auto=route
conn manual
	left=127.0.0.1
	right=127.0.0.4
	auto=ignore
conn elsewhere
	left=127.0.0.5
	right=127.0.0.6
	auto=ignore
`;

test('pluto --nofork: ready line, owner-only socket, lockfile; a second pluto exits 10; SIGTERM cleans up', async (t) => {
  const s = sandbox(t);
  const p = await startPluto(t, ['--rundir', s.rundir, '--stderrlog', ...LOOPBACK_ARGS]);
  assert.match(p.stdout(), /^Pluto initialized$/m, p.stderr());
  const ctl = path.join(s.rundir, 'pluto.ctl');
  const pid = path.join(s.rundir, 'pluto.pid');
  assert.equal(fs.statSync(ctl).mode & 0o777, 0o600);
  assert.ok(fs.statSync(ctl).isSocket());
  assert.equal(fs.readFileSync(pid, 'utf8').trim(), String(p.child.pid));

  const second = runIpsec(['pluto', '--nofork', '--rundir', s.rundir, '--stderrlog', ...LOOPBACK_ARGS]);
  assert.equal(second.status, 10, second.stderr);
  assert.match(second.stderr, /lock file .*pluto\.pid" already exists: pluto pid \d+ is running/);
  assert.equal(fs.readFileSync(pid, 'utf8').trim(), String(p.child.pid), 'the loser must not touch the lockfile');

  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  assert.equal(fs.existsSync(ctl), false);
  assert.equal(fs.existsSync(pid), false);
  assert.match(p.stderr(), /shutting down \(SIGTERM\)/);
});

test('a stale lockfile (dead pid) is replaced at start', async (t) => {
  const s = sandbox(t);
  fs.mkdirSync(s.rundir, { recursive: true });
  fs.writeFileSync(path.join(s.rundir, 'pluto.pid'), '999999999\n');
  const p = await startPluto(t, ['--rundir', s.rundir, '--logfile', s.log, ...LOOPBACK_ARGS]);
  assert.match(p.stdout(), /Pluto initialized/, p.stderr());
  assert.equal(fs.readFileSync(path.join(s.rundir, 'pluto.pid'), 'utf8').trim(), String(p.child.pid));
  assert.match(fs.readFileSync(s.log, 'utf8'), /removing stale lockfile .* \(pid 999999999 is not running\)/);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
});

test('whack without a daemon fails clearly', (t) => {
  const s = sandbox(t);
  const r = runIpsec(['whack', '--rundir', s.rundir, '--status']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ipsec whack: connect\(pluto\.ctl\) failed: ".*pluto\.ctl" \(ENOENT No such file or directory\): is pluto running\?/);
  const a = runIpsec(['auto', '--ctlsocket', path.join(s.dir, 'nothing.ctl'), '--status']);
  assert.equal(a.status, 1);
  assert.match(a.stderr, /connect\(pluto\.ctl\) failed/);
});

test('ipsec.conf auto= at start, then auto --add/--delete/--status/--up round trips', async (t) => {
  const s = sandbox(t, CONNS);
  const p = await startPluto(t, ['--rundir', s.rundir, '--config', s.config, ...LOOPBACK_ARGS]);
  assert.match(p.stdout(), /Pluto initialized/, p.stderr());
  const auto = (...args: string[]): ReturnType<typeof runIpsec> => runIpsec(['auto', '--rundir', s.rundir, '--config', s.config, ...args]);

  let st = auto('--status');
  assert.equal(st.status, 0, st.stderr);
  assert.match(st.stdout, /^000 "west": 10\.1\.0\.0\/24===127\.0\.0\.1\[@west\]\.\.\.127\.0\.0\.2\[@east\]===10\.2\.0\.0\/24; unrouted;/m);
  assert.match(st.stdout, /^000 "trapped": 127\.0\.0\.1\.\.\.127\.0\.0\.3; routed;/m);
  assert.doesNotMatch(st.stdout, /"manual"/, 'auto=ignore is not loaded');
  assert.match(st.stdout, /^000 Total IPsec connections: loaded 2, active 0$/m);

  const add = auto('--add', 'manual');
  assert.equal(add.status, 0, add.stderr);
  assert.match(add.stdout, /added IKEv2 connection "manual"/);
  const again = auto('--add', 'manual');
  assert.equal(again.status, 20, 'RC_DUPNAME');
  assert.match(again.stdout, /attempt to redefine connection "manual"/);
  assert.equal(auto('--add', 'nosuch').status, 1);
  assert.equal(auto('--add', 'elsewhere').status, 22, 'RC_ORIENT: neither end is this host');

  const json = runIpsec(['whack', '--rundir', s.rundir, '--status', '--json']);
  assert.equal(json.status, 0);
  const status = JSON.parse(json.stdout) as { pid: number; connections: { name: string; origin: string }[]; listening: { address: string; port: number }[] };
  assert.equal(status.pid, p.child.pid);
  assert.deepEqual(status.connections.map((c) => c.name).sort(), ['manual', 'trapped', 'west']);
  assert.equal(status.connections.find((c) => c.name === 'manual')?.origin, `${s.config}:20`);
  assert.equal(status.listening.length, 2);
  assert.ok(status.listening.every((l) => l.address === '127.0.0.1' && l.port > 0));

  const up = auto('--up', 'west');
  assert.equal(up.status, 51, 'no IKE responder at 127.0.0.2: the initiation times out');
  assert.match(up.stdout, /"west": initiate failed: .*no response to IKE_SA_INIT after 2s \(retransmit-timeout\)/);
  assert.equal(auto('--up', 'west', '--asynchronous').status, 0);
  assert.equal(auto('--up', 'nosuch').status, 21, 'RC_UNKNOWN_NAME');

  const traffic = runIpsec(['whack', '--rundir', s.rundir, '--trafficstatus']);
  assert.equal(traffic.status, 0);
  assert.equal(traffic.stdout, '', 'no IPsec SA, no line');
  assert.equal(runIpsec(['whack', '--rundir', s.rundir, '--trafficstatus', '--json']).stdout.trim(), '[]');

  const del = auto('--delete', 'manual');
  assert.equal(del.status, 0);
  assert.equal(auto('--delete', 'manual').status, 21);
  const rep = auto('--replace', 'manual');
  assert.equal(rep.status, 0, rep.stderr);
  assert.equal(auto('--replace', 'manual').status, 0, 'replace of a loaded conn');
  st = auto('--status');
  assert.match(st.stdout, /^000 Total IPsec connections: loaded 3, active 0$/m);
  assert.equal(auto('--rereadsecrets').status, 0);
  assert.equal(auto('--ready').status, 0);

  const down = runIpsec(['whack', '--rundir', s.rundir, '--shutdown']);
  assert.equal(down.status, 0);
  assert.equal(await p.exited, 0);
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.pid')), false);
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.ctl')), false);
  const log = fs.readFileSync(s.log, 'utf8');
  assert.match(log, /^\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{6}: added IKEv2 connection "west"$/m);
  assert.match(log, /^.*: \| whack: status$/m, 'plutodebug=base writes |-prefixed debug lines');
  assert.doesNotMatch(log, /not-a-real-secret/);
});

test('the daemon refuses a control message of another protocol version', async (t) => {
  const s = sandbox(t);
  const p = await startPluto(t, ['--rundir', s.rundir, '--logfile', s.log, ...LOOPBACK_ARGS]);
  assert.match(p.stdout(), /Pluto initialized/, p.stderr());
  const answer = await new Promise<string>((resolve, reject) => {
    const c = net.createConnection(path.join(s.rundir, 'pluto.ctl'));
    let text = '';
    c.on('connect', () => c.write('{"v":99,"id":1,"cmd":"status","args":{}}\n'));
    c.on('data', (d) => (text += d.toString()));
    c.on('close', () => resolve(text));
    c.on('error', reject);
  });
  const last = JSON.parse(answer.trim().split('\n').pop() as string) as { type: string; exitCode: number; message: string };
  assert.equal(last.type, 'done');
  assert.equal(last.exitCode, 50);
  assert.match(last.message, /version mismatch: got 99, this side speaks 1/);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
});

test('pluto refuses a bad configuration file, and bad options, with exit 1', (t) => {
  const s = sandbox(t, 'conn bad\n\tleft=127.0.0.1\n\tright=127.0.0.2\n\tnosuchkeyword=1\n');
  const r = runIpsec(['pluto', '--nofork', '--rundir', s.rundir, '--config', s.config, ...LOOPBACK_ARGS]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ipsec\.conf:8: keyword .nosuchkeyword.: unknown keyword/);
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.pid')), false);
  const o = runIpsec(['pluto', '--nofork', '--rundir', s.rundir, '--nhelpers', 'lots']);
  assert.equal(o.status, 1);
  assert.match(o.stderr, /--nhelpers: "lots" is not a number/);
});

test('--use-bsdkame on a kernel without AF_KEY: pluto says so and exits 1, leaving no lockfile', (t) => {
  const s = sandbox(t);
  const r = runIpsec(['pluto', '--nofork', '--use-bsdkame', '--rundir', s.rundir, '--config', s.config, '--stderrlog', ...LOOPBACK_ARGS]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /PF_KEY \(AF_KEY\) is not available in this kernel \(EAFNOSUPPORT\): use --use-xfrm or the userspace data path/);
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.pid')), false);
});

test('--use-xfrm on a kernel without ESP: a FATAL that names the missing ESP, exit 1, no lockfile', (t) => {
  const s = sandbox(t);
  const r = runIpsec(['pluto', '--nofork', '--use-xfrm', '--rundir', s.rundir, '--config', s.config, '--stderrlog', ...LOOPBACK_ARGS]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /FATAL: --use-xfrm: this kernel cannot carry ESP \(kernel refused an ESP SA: .*Protocol not supported/);
  assert.doesNotMatch(r.stdout, /Pluto initialized/);
  assert.equal(fs.existsSync(path.join(s.rundir, 'pluto.pid')), false);
});

test('without a stack option pluto probes the kernel and, without kernel ESP, drives the userspace data path', async (t) => {
  const s = sandbox(t);
  const p = await startPluto(t, ['--rundir', s.rundir, '--stderrlog', ...LOOPBACK_ARGS]);
  assert.match(p.stdout(), /^Pluto initialized$/m, p.stderr());
  assert.match(p.stderr(), /using kernel interface: userspace ESP \(kernel refused an ESP SA: /);
  const tun = /userspace data path: TUN (ipsec\d+), ESP-in-UDP on 127\.0\.0\.1:(\d+) \(address from --listen\)/.exec(p.stderr());
  assert.ok(tun, p.stderr());
  assert.ok(fs.existsSync(`/sys/class/net/${tun[1]}`), 'the TUN exists while pluto runs');
  const st = runIpsec(['whack', '--rundir', s.rundir, '--status', '--json']);
  const status = JSON.parse(st.stdout) as { kernel: string; datapath: { tun: string; port: number; counters: Record<string, number> }; listening: { port: number }[] };
  assert.equal(status.kernel, 'userspace');
  assert.equal(status.datapath.tun, tun[1]);
  assert.equal(status.datapath.port, Number(tun[2]));
  assert.equal(status.datapath.counters.auth, 0);
  assert.ok(status.listening.some((l) => l.port === Number(tun[2])), 'the NAT-T port listed is the data path\'s');
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  assert.equal(fs.existsSync(`/sys/class/net/${tun[1]}`), false, 'the TUN is gone with pluto');
});
