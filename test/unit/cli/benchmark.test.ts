import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { runIpsec } from '../../helpers/cli';

interface Row {
  name: string;
  unit: string;
  ours: number;
  reference: number | null;
  ratio: number | null;
}

function rows(stdout: string): Row[] {
  const parsed = JSON.parse(stdout) as Row[];
  assert.ok(Array.isArray(parsed));
  return parsed;
}

test('ipsec benchmark --list names every suite', () => {
  const r = runIpsec(['benchmark', '--list']);
  assert.equal(r.status, 0, r.stderr);
  for (const suite of ['dh', 'esp', 'prf', 'nhelpers']) assert.match(r.stdout, new RegExp(`^${suite}\\s`, 'm'));
});

test('an unknown suite is refused with the list of known ones', () => {
  const r = runIpsec(['benchmark', '--suite', 'rot13']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown suite 'rot13' \(known: dh, esp/);
});

test('--json prints rows with name, unit, ours, reference and ratio = ours/reference', () => {
  const r = runIpsec(['benchmark', '--suite', 'prf,esp', '--size', '256', '--seconds', '0.05', '--no-openssl', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const got = rows(r.stdout);
  assert.ok(got.some((row) => row.name.startsWith('PRF+')));
  assert.ok(got.some((row) => row.name === 'ESP seal AES-128-GCM 256B (native loop)'));
  assert.ok(got.some((row) => row.name === 'ESP seal ChaCha20-Poly1305 256B (one JS call per packet)'));
  for (const row of got) {
    assert.ok(row.unit === 'ops/s' || row.unit === 'GB/s', row.unit);
    assert.ok(row.ours > 0, `${row.name}: ours = ${row.ours}`);
    if (row.reference !== null) assert.ok(Math.abs((row.ratio ?? 0) - row.ours / row.reference) < 1e-9 * row.ours, row.name);
  }
});

test('the table names the OpenSSL reference when `openssl speed` runs', { skip: !hasOpenssl() && 'no openssl command' }, () => {
  const r = runIpsec(['benchmark', '--suite', 'dh', '--seconds', '0.05']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^benchmark\s+unit\s+ours\s+node:crypto\s+reference/m);
  assert.match(r.stdout, /DH X25519 shared secret .* openssl speed ecdhx25519/);
});

function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}
