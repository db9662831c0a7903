// `ipsec eroute` against SAs two of our plutos negotiated (west and east namespaces): the Child SA's policy
// as tun0xSPI@peer, eroutes added through that SA by --said and by --af/--edst/--spi/--proto, the inbound SA
// refused; a routed conn: unroute refused while up (route busy), and its trap back once the SA is down.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runIpsec } from '../helpers/cli';
import { netnsPair, waitStatus, westEastConn } from './pluto-pair-harness';
import { waitFor } from './daemon-harness';

const PSK = 'a pre-shared key for the eroute pair test';
const conf = (auto: string): string => westEastConn('west-east', 'aes_gcm256-sha2_256;dh31', 'aes_gcm256', `\tauto=${auto}\n`);
const rows = (stdout: string): string[] => stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/\s+/g, ' ').trim());

test('eroute with negotiated SAs: the Child SA policy, eroutes through its SA, route busy, trap back after --down', async (t) => {
  const pair = await netnsPair(t, { west: conf('route'), east: conf('add') }, { west: PSK, east: PSK });
  await pair.start('east');
  await pair.start('west');
  const eroute = (...args: string[]): ReturnType<typeof runIpsec> => runIpsec(['eroute', '--rundir', pair.sides.west.rundir, ...args]);
  const table = (): string[] => {
    const r = eroute();
    assert.equal(r.status, 0, r.stderr);
    return rows(r.stdout);
  };
  assert.deepEqual(table(), ['0 10.1.0.0/24 -> 10.2.0.0/24 => %trap'], 'auto=route at start');

  const up = pair.ipsec('west', 'auto', '--up', 'west-east');
  assert.equal(up.status, 0, up.stdout + up.stderr);
  const st = await waitStatus(pair, 'west', (s) => s.engine.childSas.length === 1);
  const child = st.engine.childSas[0]!;
  const out = child.spiOut.toString(16);
  const inb = child.spiIn.toString(16);
  assert.deepEqual(table(), [`0 10.1.0.0/24 -> 10.2.0.0/24 => tun0x${out}@192.0.2.2`], 'the Child SA policy replaced the trap');

  const ok = (...args: string[]): void => {
    const r = eroute(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  };
  ok('--add', '--eraf', 'inet', '--src', '10.1.0.0/24', '--dst', '10.7.0.0/24', '--said', `tun.${out}@192.0.2.2`);
  ok('--add', '--eraf', 'inet', '--src', '10.1.0.5/32', '--dst', '10.8.0.0/16', '--transport-proto', 'udp', '--dst-port', 'domain', '--af', 'inet', '--edst', '192.0.2.2', '--spi', `0x${out}`, '--proto', 'esp');
  assert.deepEqual(table(), [
    `0 10.1.0.5/32:0 -> 10.8.0.0/16:53 => tun0x${out}@192.0.2.2:17`,
    `0 10.1.0.0/24 -> 10.2.0.0/24 => tun0x${out}@192.0.2.2`,
    `0 10.1.0.0/24 -> 10.7.0.0/24 => tun0x${out}@192.0.2.2`,
  ]);
  const inbound = eroute('--add', '--eraf', 'inet', '--src', '10.1.0.0/24', '--dst', '10.9.0.0/24', '--said', `esp.${inb}@192.0.2.1`);
  assert.equal(inbound.status, 1);
  assert.match(inbound.stderr, new RegExp(`SA esp0x${inb}@192\\.0\\.2\\.1 is an inbound SA`));
  ok('--del', '--eraf', 'inet', '--src', '10.1.0.0/24', '--dst', '10.7.0.0/24', '--said', `tun0x${out}@192.0.2.2`);
  ok('--del', '--eraf', 'inet', '--src', '10.1.0.5/32', '--dst', '10.8.0.0/16', '--transport-proto', 'udp', '--dst-port', '53');

  const busy = pair.ipsec('west', 'auto', '--unroute', 'west-east');
  assert.equal(busy.status, 26, `RC_RTBUSY: ${busy.stdout}${busy.stderr}`);
  assert.match(busy.stdout, /^026 "west-east": cannot unroute: route busy/m);
  assert.match(pair.ipsec('west', 'auto', '--status').stdout, /^000 "west-east": .*; erouted;/m);

  const down = pair.ipsec('west', 'auto', '--down', 'west-east');
  assert.equal(down.status, 0, down.stdout + down.stderr);
  assert.ok(await waitFor(() => table().join('\n') === '0 10.1.0.0/24 -> 10.2.0.0/24 => %trap', 10_000), `the trap is back: ${table().join('\n')}`);
  const unroute = pair.ipsec('west', 'auto', '--unroute', 'west-east');
  assert.equal(unroute.status, 0, unroute.stdout + unroute.stderr);
  assert.deepEqual(table(), []);
  assert.deepEqual(rows(runIpsec(['eroute', '--rundir', pair.sides.east.rundir]).stdout), [], 'east, never routed, has no eroute left after the delete');
});
