import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { runIpsec } from '../../helpers/cli';
import { REPO_ROOT } from '../../helpers/paths';

const corpus = (f: string): string => path.join(REPO_ROOT, 'test', 'corpus', 'conf', f);

test('addconn --checkconfig exits 0 on a clean file and prints nothing', () => {
  const r = runIpsec(['addconn', '--checkconfig', '--config', corpus('host-to-host.conf')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('addconn --checkconfig exits 3 on a grammar error, 1 on a bad value, with FILE:LINE on stderr', () => {
  const a = runIpsec(['addconn', '--checkconfig', '--config', corpus('reject-unknown-keyword.conf')]);
  assert.equal(a.status, 3);
  assert.match(a.stderr, /reject-unknown-keyword\.conf:4: keyword 'ikelifetme': unknown keyword \(did you mean 'ikelifetime'\?\)/);
  assert.match(a.stderr, /configuration refused \(1 error\); nothing was loaded/);
  const b = runIpsec(['addconn', '--checkconfig', '--config', corpus('reject-bad-enum.conf')]);
  assert.equal(b.status, 1);
  assert.match(b.stderr, /reject-bad-enum\.conf:4: keyword 'auto'/);
});

test('readwriteconf prints conns with %default and also= resolved and defaults filled in', () => {
  const r = runIpsec(['readwriteconf', '--config', corpus('many-defaults.conf')]);
  assert.equal(r.status, 0, r.stderr);
  const officeA = r.stdout.split('\nconn ').find((s) => s.startsWith('office-a'))!;
  assert.match(officeA, /#also = common tuning/);
  assert.match(officeA, /\tikelifetime=7200s\n/);
  assert.match(officeA, /\trekeymargin=300s\n/);
  assert.match(officeA, /\tmtu=1400\n/);
  assert.match(officeA, /\trekeyfuzz=100%\n/);
  assert.match(officeA, /\tleftsubnet=10\.0\.0\.0\/24\n/);
});

test('readwriteconf --json gives values and where they came from', () => {
  const r = runIpsec(['readwriteconf', '--json', '--config', corpus('net-to-net.conf')]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const c = j.conns[0];
  assert.equal(c.name, 'net-to-net');
  assert.equal(c.options.salifetime.value, '3600s');
  assert.match(c.options.salifetime.from, /net-to-net\.conf:22$/);
  assert.equal(c.options.rekeyfuzz.from, 'default');
  assert.equal(j.setup.logfile.value, '/var/log/pluto.log');
});

test('readwriteconf on a refused file prints nothing on stdout', () => {
  const r = runIpsec(['readwriteconf', '--config', corpus('reject-also-cycle.conf')]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /also= cycle/);
});

test('readwriteconf output reads back as the same configuration (every accepted corpus file)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rwc-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const accepted = fs.readdirSync(path.join(REPO_ROOT, 'test', 'corpus', 'conf')).filter((f) => f.endsWith('.conf') && !f.startsWith('reject-'));
  assert.ok(accepted.length >= 10);
  for (const f of accepted) {
    const first = runIpsec(['readwriteconf', '--config', corpus(f)]);
    if (first.status !== 0) continue; // needs a host context (e.g. interfaces); the refusal has its own tests
    const copy = path.join(dir, f);
    fs.writeFileSync(copy, first.stdout);
    const second = runIpsec(['readwriteconf', '--config', copy]);
    assert.equal(second.status, 0, `${f}: ${second.stderr}`);
    // also= is resolved in the output, so its #also comment has nothing left to say on the second pass.
    const withoutAlso = (text: string): string => text.replace(/^\t#also = .*\n/gm, '');
    assert.equal(second.stdout, withoutAlso(first.stdout), f);
  }
});
