// The default updown script for real, in a scratch network namespace with a TUN device: the runner
// builds the environment from a parsed conn and runs `ipsec _updown` inside the namespace; `ip route`
// shows the route (with leftsourceip= as src) after up-client and no longer after down-client.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import type { Logger } from '../../src/log';
import { runUpdown, UpdownResult } from '../../src/updown/runner';
import type { UpdownOperation } from '../../src/updown/environment';
import { child, conn } from '../unit/updown/fixtures';
import { Netns, netnsUnavailable } from '../helpers/netns';

const skip = netnsUnavailable();

const N2N = `conn n2n
\tleft=192.0.2.1
\tleftsubnet=10.0.1.0/24
\tleftsourceip=10.0.1.1
\tright=192.0.2.2
\trightsubnet=10.0.2.0/24
\tauthby=secret
`;

const errors: string[] = [];
const logger: Logger = { error: (m) => errors.push(m), warn: () => undefined, info: () => undefined, debug: () => undefined };

function withTun(body: (ns: Netns) => Promise<void>): () => Promise<void> {
  return async () => {
    const ns = new Netns('updown');
    try {
      ns.ip('tuntap', 'add', 'dev', 't0', 'mode', 'tun');
      ns.ip('link', 'set', 't0', 'up');
      await body(ns);
    } finally {
      ns.remove();
    }
  };
}

async function run(ns: Netns, text: string, name: string, operation: UpdownOperation, localTs: string, remoteTs: string, tun = 't0'): Promise<UpdownResult> {
  const family6 = localTs.includes(':');
  return runUpdown(
    {
      operation,
      conn: conn(text, name),
      child: child({
        localTs: [localTs],
        remoteTs: [remoteTs],
        ...(family6 ? { localAddress: '2001:db8::1', remoteAddress: '2001:db8::2' } : {}),
      }),
      stack: 'userspace',
      tunDevice: tun,
      interfaceName: 'lo',
    },
    { logger, command: `ip netns exec ${ns.name} ipsec _updown`, timeoutMs: 20_000 },
  );
}

test('up-client routes the peer subnet into the TUN with src = leftsourceip; down-client removes both', { skip }, withTun(async (ns) => {
  const up = await run(ns, N2N, 'n2n', 'up', '10.0.1.0/24', '10.0.2.0/24');
  assert.equal(up.ok, true, up.stderr);
  assert.equal(up.verb, 'up-client');
  const route = ns.ip('-4', 'route', 'show', '10.0.2.0/24').trim();
  assert.match(route, /^10\.0\.2\.0\/24 dev t0 .*src 10\.0\.1\.1\b/);
  assert.match(ns.ip('-4', '-o', 'addr', 'show', 'dev', 't0'), / 10\.0\.1\.1\/32 /);

  // A second up changes nothing and succeeds.
  const again = await run(ns, N2N, 'n2n', 'up', '10.0.1.0/24', '10.0.2.0/24');
  assert.equal(again.ok, true, again.stderr);
  assert.equal(ns.ip('-4', 'route', 'show', '10.0.2.0/24').trim().split('\n').length, 1);

  const down = await run(ns, N2N, 'n2n', 'down', '10.0.1.0/24', '10.0.2.0/24');
  assert.equal(down.ok, true, down.stderr);
  assert.equal(down.verb, 'down-client');
  assert.equal(ns.ip('-4', 'route', 'show', '10.0.2.0/24').trim(), '');
  assert.doesNotMatch(ns.ip('-4', '-o', 'addr', 'show', 'dev', 't0'), /10\.0\.1\.1/);

  const downAgain = await run(ns, N2N, 'n2n', 'down', '10.0.1.0/24', '10.0.2.0/24');
  assert.equal(downAgain.ok, true, downAgain.stderr);
  assert.deepEqual(errors, []);
}));

test('a peer client of 0.0.0.0/0 gets the two half routes, not the default route', { skip }, withTun(async (ns) => {
  const text = N2N.replace('rightsubnet=10.0.2.0/24', 'rightsubnet=0.0.0.0/0');
  const up = await run(ns, text, 'n2n', 'up', '10.0.1.0/24', '0.0.0.0/0');
  assert.equal(up.ok, true, up.stderr);
  const routes = ns.ip('-4', 'route', 'show', 'dev', 't0');
  assert.match(routes, /^0\.0\.0\.0\/1 .*src 10\.0\.1\.1/m);
  assert.match(routes, /^128\.0\.0\.0\/1 .*src 10\.0\.1\.1/m);
  assert.doesNotMatch(routes, /^default/m);
  const down = await run(ns, text, 'n2n', 'down', '10.0.1.0/24', '0.0.0.0/0');
  assert.equal(down.ok, true, down.stderr);
  assert.doesNotMatch(ns.ip('-4', 'route', 'show', 'dev', 't0'), /\/1 /);
}));

test('IPv6: up-client-v6 and down-client-v6 add and remove the route through the TUN', { skip }, withTun(async (ns) => {
  const text = 'conn v6\n\tleft=2001:db8::1\n\tleftsubnet=2001:db8:1::/64\n\tright=2001:db8::2\n\trightsubnet=2001:db8:2::/64\n\tauthby=secret\n';
  const up = await run(ns, text, 'v6', 'up', '2001:db8:1::/64', '2001:db8:2::/64');
  assert.equal(up.ok, true, up.stderr);
  assert.equal(up.verb, 'up-client-v6');
  assert.match(ns.ip('-6', 'route', 'show', '2001:db8:2::/64'), /^2001:db8:2::\/64 dev t0/);
  const down = await run(ns, text, 'v6', 'down', '2001:db8:1::/64', '2001:db8:2::/64');
  assert.equal(down.ok, true, down.stderr);
  assert.equal(ns.ip('-6', 'route', 'show', '2001:db8:2::/64').trim(), '');
}));

test('a missing TUN device is a clear error with a non-zero exit, logged by the runner', { skip }, withTun(async (ns) => {
  const before = errors.length;
  const r = await run(ns, N2N, 'n2n', 'up', '10.0.1.0/24', '10.0.2.0/24', 'nosuchtun');
  assert.equal(r.ok, false);
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /the TUN device nosuchtun does not exist/);
  assert.equal(errors.length, before + 1);
  assert.equal(ns.ip('-4', 'route', 'show', '10.0.2.0/24').trim(), '');
}));

test('xfrm stack (Libreswan _updown.xfrm logic): route-client adds the route with src, unroute-client removes it', { skip }, async () => {
  const ns = new Netns('updown');
  try {
    ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
    ns.ip('link', 'set', 'd1', 'up');
    ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'd0');
    ns.ip('link', 'set', 'd0', 'up');
    const req = { conn: conn(N2N, 'n2n'), stack: 'xfrm' as const, interfaceName: 'd0' };
    const opts = { logger, command: `ip netns exec ${ns.name} ipsec _updown`, timeoutMs: 20_000 };
    const route = await runUpdown({ ...req, operation: 'route' }, opts);
    assert.equal(route.ok, true, route.stderr);
    assert.equal(route.verb, 'route-client');
    assert.match(ns.ip('-4', 'route', 'show', '10.0.2.0/24'), /^10\.0\.2\.0\/24 dev d0 .*src 10\.0\.1\.1\b/);
    assert.match(ns.ip('-4', '-o', 'addr', 'show', 'dev', 'd0'), / 10\.0\.1\.1\/32 /);
    const again = await runUpdown({ ...req, operation: 'route' }, opts);
    assert.equal(again.ok, true, again.stderr);
    const unroute = await runUpdown({ ...req, operation: 'unroute' }, opts);
    assert.equal(unroute.ok, true, unroute.stderr);
    assert.equal(ns.ip('-4', 'route', 'show', '10.0.2.0/24').trim(), '');
    assert.doesNotMatch(ns.ip('-4', '-o', 'addr', 'show', 'dev', 'd0'), /10\.0\.1\.1/);
  } finally {
    ns.remove();
  }
});
