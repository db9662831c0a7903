// pluto's logging and start-up options, read back from its log file.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { LOOPBACK_ARGS, sandbox, startPluto, waitFor } from './daemon-harness';

test('--log-no-time, --log-no-append, --log-no-ip, --debug-none, --nhelpers, --seedbits, globbed --secretsfile, SIGHUP', async (t) => {
  const s = sandbox(t);
  fs.writeFileSync(s.log, 'OLD LINE\n');
  const secrets = path.join(s.dir, 'secrets.d');
  fs.mkdirSync(secrets);
  fs.writeFileSync(path.join(secrets, 'a.secrets'), '@a @b : PSK "one-secret-value"\n', { mode: 0o600 });
  fs.writeFileSync(path.join(secrets, 'b.secrets'), '@c @d : PSK "two-secret-value"\n', { mode: 0o600 });
  const p = await startPluto(t, [
    '--rundir', s.rundir, '--config', s.config, '--logfile', s.log, '--log-no-time', '--log-no-append', '--log-no-ip',
    '--debug-none', '--nhelpers', '0', '--seedbits', '440', '--secretsfile', path.join(secrets, '*.secrets'), ...LOOPBACK_ARGS,
  ]);
  assert.match(p.stdout(), /Pluto initialized/, p.stderr());
  // stdout says it first: the log file's writes are asynchronous.
  assert.ok(await waitFor(() => /^Pluto initialized$/m.test(fs.readFileSync(s.log, 'utf8'))), fs.readFileSync(s.log, 'utf8'));
  let log = fs.readFileSync(s.log, 'utf8');
  assert.doesNotMatch(log, /OLD LINE/, '--log-no-append truncates');
  assert.match(log, /^Pluto initialized$/m, '--log-no-time: no timestamp');
  assert.match(log, /^adding UDP interface <ip address>:\d+ and <ip address>:\d+ \(NAT-T\)$/m, '--log-no-ip');
  assert.doesNotMatch(log, /127\.0\.0\.1/);
  assert.doesNotMatch(log, /^\| /m, '--debug-none overrides plutodebug=base');
  assert.match(log, /^0 crypto helper threads started$/m);
  assert.match(log, /^seeded 440 bits of random$/m);
  assert.match(log, /^loaded 2 secrets from ".*\*\.secrets"$/m);
  assert.doesNotMatch(log, /secret-value/);
  assert.equal(fs.existsSync(path.join(s.rundir, 'secrets.glob')), false, 'the glob helper file is removed');

  // logrotate: the file is moved away, SIGHUP makes pluto write to a new one.
  fs.renameSync(s.log, `${s.log}.1`);
  p.child.kill('SIGHUP');
  assert.ok(await waitFor(() => fs.existsSync(s.log) && fs.readFileSync(s.log, 'utf8').includes('SIGHUP received')), 'a new log file after SIGHUP');
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  log = fs.readFileSync(s.log, 'utf8');
  assert.match(log, /^pluto is stopped$/m);
});

test('--stderrlog with --debug-base writes |-prefixed debug lines to stderr', async (t) => {
  const s = sandbox(t);
  const p = await startPluto(t, ['--rundir', s.rundir, '--stderrlog', '--debug', 'base', '--uniqueids', '--keep-alive', '7', ...LOOPBACK_ARGS]);
  assert.match(p.stdout(), /Pluto initialized/, p.stderr());
  assert.match(p.stderr(), /: \| uniqueids=yes keep-alive=7s$/m);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
});
