// `ipsec _updown` runs bin/_updown with the caller's environment and arguments, and exits with its status.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { runIpsec } from '../../helpers/cli';

const base = { PATH: process.env.PATH, PLUTO_CLIENT_FAMILY: 'ipv4', PLUTO_CONNECTION: 'c1', PLUTO_STACK: 'xfrm' };

test('the script sees the environment and the options (--route, --iproute, custom) pass through', () => {
  const r = runIpsec(['_updown', 'custom', '--route', 'yes', '--iproute', 'table 7'], { env: { ...base, PLUTO_VERB: 'sideways-client' } });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, '_updown: sideways-client c1: unknown verb "sideways-client"\n');
  const ok = runIpsec(['_updown'], { env: { ...base, PLUTO_VERB: 'prepare-client' } });
  assert.equal(ok.status, 0, ok.stderr);
});

test('an unknown option, a missing family, an unknown stack: each a clear error and exit 1', () => {
  const opt = runIpsec(['_updown', '--frob'], { env: { ...base, PLUTO_VERB: 'up-client' } });
  assert.equal(opt.status, 1);
  assert.match(opt.stderr, /unknown argument "--frob"/);
  const fam = runIpsec(['_updown'], { env: { PATH: process.env.PATH, PLUTO_VERB: 'up-client' } });
  assert.equal(fam.status, 1);
  assert.match(fam.stderr, /unknown address family ""/);
  const stack = runIpsec(['_updown'], { env: { ...base, PLUTO_STACK: 'klips', PLUTO_VERB: 'up-client' } });
  assert.equal(stack.status, 1);
  assert.match(stack.stderr, /unknown stack PLUTO_STACK="klips"/);
});
