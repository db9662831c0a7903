import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import type { Logger } from '../../../src/log';
import { runUpdown, UPDOWN_BIN_DIR } from '../../../src/updown/runner';
import { child, conn } from './fixtures';

const N2N = 'conn n2n\n\tleft=192.0.2.1\n\tleftsubnet=10.0.1.0/24\n\tright=192.0.2.2\n\trightsubnet=10.0.2.0/24\n\tauthby=secret\n';

function recorder(): Logger & { errors: string[]; debugs: string[] } {
  const errors: string[] = [];
  const debugs: string[] = [];
  return {
    errors,
    debugs,
    error: (m) => errors.push(m),
    warn: (m) => errors.push(m),
    info: () => undefined,
    debug: (_c, m) => debugs.push(m),
  };
}

function parseEnv(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

test('the script gets the PLUTO_* environment, through /bin/sh -c, with our bin first on PATH', async () => {
  const logger = recorder();
  const r = await runUpdown(
    { operation: 'up', conn: conn(N2N, 'n2n'), child: child({ localTs: ['10.0.1.0/24'], remoteTs: ['10.0.2.0/24'] }), stack: 'userspace', tunDevice: 't9' },
    { logger, command: 'echo "args=$0"; env' },
  );
  assert.equal(r.ok, true, r.stderr);
  assert.equal(r.exitCode, 0);
  assert.equal(r.verb, 'up-client');
  const env = parseEnv(r.stdout);
  assert.equal(env.get('args'), '/bin/sh');
  assert.equal(env.get('PLUTO_VERB'), 'up-client');
  assert.equal(env.get('PLUTO_PEER_CLIENT'), '10.0.2.0/24');
  assert.equal(env.get('PLUTO_TUN'), 't9');
  assert.equal(env.get('PATH')?.split(':')[0], UPDOWN_BIN_DIR);
  // Only what the builder sets: nothing of the daemon's own environment leaks in.
  for (const k of env.keys()) {
    if (k === 'args' || k === 'PWD' || k === 'SHLVL' || k === '_') continue;
    assert.match(k, /^(PATH|PLUTO_[A-Z_]+|SPI_(IN|OUT)|CONNMARK_(IN|OUT)|VTI_[A-Z]+|XAUTH_FAILED|CAT|IPSEC_INIT_SCRIPT_DEBUG)$/, k);
  }
  assert.deepEqual(logger.errors, []);
});

test('a failing script is logged with its status and output, and the runner does not throw', async () => {
  const logger = recorder();
  const r = await runUpdown(
    { operation: 'down', conn: conn(N2N, 'n2n'), child: child({}), stack: 'xfrm' },
    { logger, command: 'echo partial; echo "route: no such device" >&2; exit 3' },
  );
  assert.equal(r.ok, false);
  assert.equal(r.exitCode, 3);
  assert.equal(r.timedOut, false);
  assert.equal(r.stdout, 'partial\n');
  assert.equal(logger.errors.length, 1);
  assert.match(logger.errors[0] ?? '', /"n2n": down-client command ".*" failed: exit status 3; output: partial; errors: route: no such device/);
});

test('a hanging script is killed at the timeout (with what it started) and reported', async () => {
  const logger = recorder();
  const t0 = Date.now();
  const r = await runUpdown(
    { operation: 'up', conn: conn(N2N, 'n2n'), stack: 'xfrm' },
    { logger, command: 'echo started; sleep 30 & sleep 30', timeoutMs: 300 },
  );
  assert.ok(Date.now() - t0 < 5000, 'returned at the timeout');
  assert.equal(r.ok, false);
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(r.stdout, 'started\n');
  assert.match(logger.errors[0] ?? '', /failed: timed out \(killed by SIGTERM\)/);
});

test('leftupdown= (empty) runs nothing; a conn that cannot be described is a logged failure', async () => {
  const logger = recorder();
  const off = conn(`${N2N}\tleftupdown=\n`, 'n2n');
  const r = await runUpdown({ operation: 'up', conn: off, stack: 'xfrm' }, { logger });
  assert.equal(r.skipped, true);
  assert.equal(r.ok, true);
  const bad = conn('conn t\n\tleft=%defaultroute\n\tright=%any\n\tauthby=secret\n', 't');
  const r2 = await runUpdown({ operation: 'route', conn: bad, stack: 'xfrm' }, { logger, command: 'true' });
  assert.equal(r2.ok, false);
  assert.match(r2.error ?? '', /no local address/);
  assert.match(logger.errors[0] ?? '', /"t": route command "true" failed: updown: connection "t" has no local address/);
});

test('output beyond the limit is cut and the log says so', async () => {
  const logger = recorder();
  const r = await runUpdown(
    { operation: 'up', conn: conn(N2N, 'n2n'), stack: 'xfrm' },
    { logger, command: 'i=0; while [ $i -lt 200 ]; do echo 0123456789; i=$((i+1)); done; exit 1', maxOutputBytes: 100 },
  );
  assert.equal(r.stdout.length, 100);
  assert.match(logger.errors[0] ?? '', /\(output truncated\)$/);
});

test('the default `ipsec _updown` runs our script: a missing PLUTO_TUN is a clear error, exit 1', async () => {
  const logger = recorder();
  const c = conn(N2N, 'n2n');
  assert.equal(c.left.updown, 'ipsec _updown');
  const r = await runUpdown({ operation: 'up', conn: c, child: child({}), stack: 'userspace' }, { logger, timeoutMs: 20_000 });
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /_updown: up-client n2n: PLUTO_TUN is not set/);
});
