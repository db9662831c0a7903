// `ipsec eroute` and `ipsec auto --route/--unroute` through the real CLI against a real pluto: the table
// after auto=route and --route, each of --add/--replace/--del/--clear, and refusals that change nothing.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';

import { runIpsec } from '../helpers/cli';
import { LOOPBACK_ARGS, sandbox, startPluto } from './daemon-harness';

const CONNS = `conn trapped
	left=127.0.0.1
	right=127.0.0.3
	leftsubnet=10.1.0.0/24
	rightsubnet=10.2.0.0/24
	auto=route
conn later
	left=127.0.0.1
	right=127.0.0.4
	auto=add
`;

/** The table's lines without the column padding: "0 10.1.0.0/24 -> 10.2.0.0/24 => %trap". */
const rows = (stdout: string): string[] => stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/\s+/g, ' ').trim());

test('eroute: auto=route and auto --route show %trap; add, replace, del and clear; bad requests change nothing', async (t) => {
  const s = sandbox(t, CONNS);
  const p = await startPluto(t, ['--rundir', s.rundir, '--config', s.config, ...LOOPBACK_ARGS]);
  assert.match(p.stdout(), /Pluto initialized/, p.stderr());
  const eroute = (...args: string[]): ReturnType<typeof runIpsec> => runIpsec(['eroute', '--rundir', s.rundir, ...args]);
  const table = (): string[] => {
    const r = eroute();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return rows(r.stdout);
  };

  const first = eroute();
  assert.equal(first.stdout, '0          10.1.0.0/24        -> 10.2.0.0/24        => %trap\n', 'the KLIPS columns, exactly');

  const route = runIpsec(['auto', '--rundir', s.rundir, '--route', 'later']);
  assert.equal(route.status, 0, route.stdout + route.stderr);
  assert.match(route.stdout, /"later": routed \(1 trap policy\)/);
  assert.deepEqual(table(), ['0 127.0.0.1/32 -> 127.0.0.4/32 => %trap', '0 10.1.0.0/24 -> 10.2.0.0/24 => %trap']);

  const ok = (...args: string[]): void => {
    const r = eroute(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout + r.stderr, '', 'a change prints nothing, as KLIPS eroute');
  };
  const refused = (pattern: RegExp, ...args: string[]): void => {
    const before = table();
    const r = eroute(...args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, pattern);
    assert.deepEqual(table(), before, 'nothing applied');
  };

  ok('--add', '--eraf', 'inet', '--src', '192.168.0.0/255.255.0.0', '--dst', '10.9.9.9/32', '--transport-proto', 'tcp', '--dst-port', 'pop3', '--said', '%drop');
  ok('--add', '--eraf', 'inet6', '--src', '::1/128', '--dst', '2001:db8::/ffff:ffff::', '--said', '%passthrough6');
  ok('--add', '--eraf', 'inet', '--src', '10.1.0.0/24', '--dst', '10.3.0.0/24', '--said', '%reject');
  assert.deepEqual(table(), [
    '0 ::1/128 -> 2001:db8::/32 => %pass',
    '0 127.0.0.1/32 -> 127.0.0.4/32 => %trap',
    '0 192.168.0.0/16:0 -> 10.9.9.9/32:110 => %drop:6',
    '0 10.1.0.0/24 -> 10.2.0.0/24 => %trap',
    '0 10.1.0.0/24 -> 10.3.0.0/24 => %reject',
  ]);

  refused(/^ipsec eroute: eroute 10\.1\.0\.0\/24 -> 10\.3\.0\.0\/24 exists \(=> %reject\); use --replace to change it$/m, '--add', '--eraf', 'inet', '--src', '10.1.0.0/24', '--dst', '10.3.0.0/24', '--said', '%hold');
  refused(/no SA tun0x135@127\.0\.0\.4 is installed/, '--add', '--eraf', 'inet', '--src', '10.5.0.0/24', '--dst', '10.6.0.0/24', '--said', 'tun.135@127.0.0.4');
  refused(/no SA esp0x1234@127\.0\.0\.4 is installed/, '--add', '--eraf', 'inet', '--src', '10.5.0.0/24', '--dst', '10.6.0.0/24', '--af', 'inet', '--edst', '127.0.0.4', '--spi', '0x1234', '--proto', 'esp');
  refused(/--dst-port is only legal with --transport-proto tcp \(6\) or udp \(17\)/, '--add', '--eraf', 'inet', '--src', '10.5.0.0/24', '--dst', '10.6.0.0/24', '--dst-port', '80', '--said', '%pass');
  refused(/--src '10\.5\.0\.0\/40': '40' is not a mask/, '--add', '--eraf', 'inet', '--src', '10.5.0.0/40', '--dst', '10.6.0.0/24', '--said', '%pass');
  refused(/no eroute 10\.5\.0\.0\/24 -> 10\.6\.0\.0\/24 to replace; use --add/, '--replace', '--eraf', 'inet', '--src', '10.5.0.0/24', '--dst', '10.6.0.0/24', '--said', '%pass');
  refused(/goes to %reject, not %pass: not deleted/, '--del', '--eraf', 'inet', '--src', '10.1.0.0/24', '--dst', '10.3.0.0/24', '--said', '%passthrough4');
  refused(/unknown option --bogus/, '--bogus');

  ok('--replace', '--eraf', 'inet', '--src', '10.1.0.0/24', '--dst', '10.3.0.0/24', '--said', '%hold');
  ok('--del', '--eraf', 'inet', '--src', '192.168.0.0/16', '--dst', '10.9.9.9/32', '--transport-proto', '6', '--dst-port', '0x6e', '--said', '%drop');
  ok('--del', '--eraf', 'inet6', '--src', '::1/128', '--dst', '2001:db8::/32');
  assert.deepEqual(table(), ['0 127.0.0.1/32 -> 127.0.0.4/32 => %trap', '0 10.1.0.0/24 -> 10.2.0.0/24 => %trap', '0 10.1.0.0/24 -> 10.3.0.0/24 => %hold']);

  const json = eroute('--json');
  assert.equal(json.status, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { kernel: string; countsKept: boolean; eroutes: { packets: number; said: { kind: string; action?: string } }[] };
  assert.equal(parsed.eroutes.length, 3);
  assert.equal(parsed.countsKept, parsed.kernel === 'userspace', 'the userspace data path counts packets per policy');
  assert.ok(parsed.eroutes.every((e) => e.packets === 0 && e.said.kind === 'magic'));

  const unroute = runIpsec(['auto', '--rundir', s.rundir, '--unroute', 'trapped']);
  assert.equal(unroute.status, 0, unroute.stdout + unroute.stderr);
  assert.deepEqual(table(), ['0 127.0.0.1/32 -> 127.0.0.4/32 => %trap', '0 10.1.0.0/24 -> 10.3.0.0/24 => %hold']);
  const st = runIpsec(['auto', '--rundir', s.rundir, '--status']);
  assert.match(st.stdout, /^000 "trapped": .*; unrouted;/m);
  assert.match(st.stdout, /^000 "later": .*; routed;/m);

  ok('--clear');
  assert.deepEqual(table(), []);
  assert.match(await readLog(s.log), /eroute --clear: 2 eroutes deleted/);
});

async function readLog(file: string): Promise<string> {
  const fs = await import('node:fs');
  return fs.readFileSync(file, 'utf8');
}

test('eroute --help and --version print and exit 0; without a daemon: a clear error and exit 1', (t) => {
  const help = runIpsec(['eroute', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage:\n {2}ipsec eroute +list the eroute table$/m);
  assert.match(help.stdout, /--said \(%passthrough \| %passthrough4 \| %passthrough6 \| %drop \| %reject \| %trap \| %hold \| %pass\)/);
  const version = runIpsec(['eroute', '--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^ipsec eroute \S+ \S+ \(Libreswan-compatible IPsec\)\n$/);
  const s = sandbox(t);
  const r = runIpsec(['eroute', '--ctlsocket', path.join(s.dir, 'none.ctl')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ipsec eroute: connect\(pluto\.ctl\) failed: ".*none\.ctl" \(ENOENT No such file or directory\): is pluto running\?$/m);
  const bad = runIpsec(['eroute', '--add', '--eraf', 'inet', '--src', '10.0.0.0/8']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^ipsec eroute: --add needs --dst\n\(run `ipsec eroute --help` for the syntax\)$/m);
});
