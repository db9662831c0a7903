import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { runIpsec } from '../../helpers/cli';
import { PACKAGE } from '../../../src/version';

test('ipsec --version prints the package name and version', () => {
  const r = runIpsec(['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${PACKAGE.name} ${PACKAGE.version.replace(/\./g, '\\.')} `));
});

test('ipsec --help lists the usage and exits 0', () => {
  const r = runIpsec(['--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: ipsec /m);
});

test('an unknown sub-command is an error with a non-zero exit', () => {
  const r = runIpsec(['no-such-command']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown command|too many arguments/);
});
