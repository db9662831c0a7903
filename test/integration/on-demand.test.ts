// Issue 6: "ipsec auto --route, then the first packet brings the tunnel up". Two of our plutos in the west and
// east namespaces with their userspace data paths; west's conn routed (auto=route at start, and auto --route).
// A ping from 10.1.0.1 to 10.2.0.1 hits the %trap: pluto logs "initiate on demand", holds, negotiates, and the
// later pings pass through the tunnel; after auto --down the trap (and its route) is back and the next ping
// negotiates again; auto --unroute takes the trap and the route away.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';

import { runIpsec } from '../helpers/cli';
import { ensurePackages, PING_PACKAGES } from '../helpers/packages';
import { waitFor } from './daemon-harness';
import { canUseNetns } from './datapath-hosts';
import { netnsPair, waitStatus, westEastConn, type NetnsPair, type PairStatus } from './pluto-pair-harness';
import { inNs } from './tcp-transfer';

const skip = canUseNetns() ?? ensurePackages(PING_PACKAGES) ?? undefined;
const PSK = 'a pre-shared key for the on-demand test';
const conf = (auto: string): string => westEastConn('west-east', 'aes_gcm256-sha2_256;dh31', 'aes_gcm128', `\tauto=${auto}\n`);
const rows = (stdout: string): string[] => stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/\s+/g, ' ').trim());
const up = (s: PairStatus): boolean => s.engine.childSas.length >= 1;
const empty = (s: PairStatus): boolean => s.engine.ikeSas.length === 0 && s.engine.childSas.length === 0;

function ping(pair: NetnsPair, count: number): ReturnType<typeof inNs> {
  // No -I: the route _updown put into the TUN on route-client carries 10.1.0.1 as the source.
  return inNs(pair.hosts.west.ns, ['ping', '-c', String(count), '-i', '0.5', '-W', '2', '10.2.0.1'], 30_000);
}

const received = (out: string): number => Number(/(\d+) received/.exec(out)?.[1] ?? -1);

test('auto=route: the first ping negotiates the tunnel on demand and later pings pass; after --down the trap is back and works again', { skip, timeout: 120_000 }, async (t) => {
  const pair = await netnsPair(t, { west: conf('route'), east: conf('add') }, { west: PSK, east: PSK });
  await pair.start('east');
  await pair.start('west');
  const log = (): string => (fs.existsSync(pair.sides.west.log) ? fs.readFileSync(pair.sides.west.log, 'utf8') : '');
  const eroute = (): string[] => rows(runIpsec(['eroute', '--rundir', pair.sides.west.rundir]).stdout);
  const route = async (): Promise<string> => (await pair.hosts.execOk('west', 'ip', ['-4', 'route', 'show', '10.2.0.0/24'])).trim();
  assert.ok(await waitFor(() => /using kernel interface: userspace/.test(log()), 5000), `west drives the userspace data path:\n${log()}`);
  assert.deepEqual(eroute(), ['0 10.1.0.0/24 -> 10.2.0.0/24 => %trap']);
  let r = '';
  for (let i = 0; i < 50 && !/dev ipsec\d+/.test(r); i++) {
    r = await route();
    if (!/dev ipsec\d+/.test(r)) await new Promise((res) => setTimeout(res, 100));
  }
  assert.match(r, /^10\.2\.0\.0\/24 dev ipsec\d+ .*src 10\.1\.0\.1/, 'route-client routed the peer subnet into the TUN');
  assert.deepEqual(pair.status('west').engine.ikeSas, [], 'nothing negotiated before the first packet');

  const first = await ping(pair, 8);
  assert.equal(first.code, 0, `some of the first pings came back: ${first.stdout}${first.stderr}`);
  assert.ok(received(first.stdout) >= 1, first.stdout);
  t.diagnostic(`first burst: ${/\d+ packets transmitted.*/.exec(first.stdout)?.[0] ?? first.stdout}`);
  assert.match(log(), /"west-east": initiate on demand from 10\.1\.0\.1:8 to 10\.2\.0\.1:0 proto=1 because: acquire/);
  assert.equal(log().match(/initiate on demand/g)?.length, 1, 'one negotiation for the burst (the %hold swallows the rest)');
  const st = await waitStatus(pair, 'west', up);
  const out = st.engine.childSas[0]!.spiOut.toString(16);
  const later = await ping(pair, 3);
  assert.equal(received(later.stdout), 3, `the later pings pass: ${later.stdout}`);
  const table = eroute();
  assert.equal(table.length, 1);
  const m = new RegExp(`^(\\d+) 10\\.1\\.0\\.0/24 -> 10\\.2\\.0\\.0/24 => tun0x${out}@192\\.0\\.2\\.2$`).exec(table[0]!);
  assert.ok(m, table[0]);
  assert.ok(Number(m[1]) >= 3 + received(first.stdout), `the eroute counted the pings it carried: ${table[0]}`);

  // The SA goes down: the trap and the route come back, and the next ping negotiates again.
  const down = pair.ipsec('west', 'auto', '--down', 'west-east');
  assert.equal(down.status, 0, down.stdout + down.stderr);
  assert.ok(empty(await waitStatus(pair, 'west', empty)));
  assert.ok(await waitFor(() => eroute().join() === '0 10.1.0.0/24 -> 10.2.0.0/24 => %trap', 5000), eroute().join('\n'));
  let back = '';
  for (let i = 0; i < 50 && !/dev ipsec\d+/.test(back); i++) {
    back = await route();
    if (!/dev ipsec\d+/.test(back)) await new Promise((res) => setTimeout(res, 100));
  }
  assert.match(back, /dev ipsec\d+/, 'the route into the TUN is back for the trap');
  const again = await ping(pair, 8);
  assert.ok(received(again.stdout) >= 1, `the trap negotiates again: ${again.stdout}`);
  assert.equal(log().match(/initiate on demand/g)?.length, 2);
  assert.ok(up(await waitStatus(pair, 'west', up)));

  // Unroute is refused while up; after --down it removes the trap and the route.
  assert.equal(pair.ipsec('west', 'auto', '--unroute', 'west-east').status, 26);
  assert.equal(pair.ipsec('west', 'auto', '--down', 'west-east').status, 0);
  assert.ok(empty(await waitStatus(pair, 'west', empty)));
  assert.ok(await waitFor(() => eroute().length === 1, 5000));
  const unroute = pair.ipsec('west', 'auto', '--unroute', 'west-east');
  assert.equal(unroute.status, 0, unroute.stdout + unroute.stderr);
  assert.deepEqual(eroute(), []);
  let gone = 'x';
  for (let i = 0; i < 50 && gone !== ''; i++) {
    gone = await route();
    if (gone !== '') await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(gone, '', 'unroute-client took the route out');
  const none = await ping(pair, 2);
  assert.notEqual(none.code, 0, `unrouted: no negotiation, no reply: ${none.stdout}${none.stderr}`);
  assert.doesNotMatch(none.stdout, /bytes from/);
  assert.equal(log().match(/initiate on demand/g)?.length, 2);
});

test('ipsec auto --route of an added conn: the first ping negotiates on demand', { skip, timeout: 90_000 }, async (t) => {
  const pair = await netnsPair(t, { west: conf('add'), east: conf('add') }, { west: PSK, east: PSK });
  await pair.start('east');
  await pair.start('west');
  assert.deepEqual(rows(runIpsec(['eroute', '--rundir', pair.sides.west.rundir]).stdout), []);
  const r = pair.ipsec('west', 'auto', '--route', 'west-east');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(rows(runIpsec(['eroute', '--rundir', pair.sides.west.rundir]).stdout), ['0 10.1.0.0/24 -> 10.2.0.0/24 => %trap']);
  // auto --route answers once route-client ran: the route into the TUN is there, the first ping goes in.
  assert.match(await pair.hosts.execOk('west', 'ip', ['-4', 'route', 'show', '10.2.0.0/24']), /dev ipsec\d+/);
  const first = await ping(pair, 8);
  assert.ok(received(first.stdout) >= 1, `${first.stdout}${first.stderr}`);
  assert.match(fs.readFileSync(pair.sides.west.log, 'utf8'), /"west-east": initiate on demand from 10\.1\.0\.1:8 to 10\.2\.0\.1:0 proto=1 because: acquire/);
  assert.ok(up(await waitStatus(pair, 'east', up)), 'east has the Child SA too');
  assert.equal(received((await ping(pair, 3)).stdout), 3);
});

test('no answer from the peer: one negotiation however many packets, %hold meanwhile, then the trap is back', { skip, timeout: 90_000 }, async (t) => {
  const pair = await netnsPair(t, { west: conf('route'), east: conf('add') }, { west: PSK, east: PSK });
  await pair.start('west'); // east's pluto never runs: nobody answers on 192.0.2.2
  const log = (): string => (fs.existsSync(pair.sides.west.log) ? fs.readFileSync(pair.sides.west.log, 'utf8') : '');
  const eroute = (): string[] => rows(runIpsec(['eroute', '--rundir', pair.sides.west.rundir]).stdout);
  assert.ok(await waitFor(() => /route-client ran/.test(log()), 10_000), log());
  const burst = await ping(pair, 6);
  assert.equal(received(burst.stdout), 0, burst.stdout);
  assert.equal(log().match(/initiate on demand/g)?.length, 1, 'one negotiation for six packets');
  assert.match(eroute().join('\n'), /^\d+ 10\.1\.0\.0\/24 -> 10\.2\.0\.0\/24 => %hold$/, 'held while negotiating');
  // retransmit-timeout=5s: the negotiation fails; the %hold stays for the retry delay (10 s), then the trap is back.
  assert.ok(await waitFor(() => /"west-east": on-demand negotiation failed: .*; %hold for 10s, then the trap is back/.test(log()), 20_000), log());
  assert.equal(log().match(/initiate on demand/g)?.length, 1);
  assert.ok(await waitFor(() => /^\d+ 10\.1\.0\.0\/24 -> 10\.2\.0\.0\/24 => %trap$/.test(eroute().join('\n')), 15_000), eroute().join('\n'));
  const packets = Number(eroute()[0]!.split(' ')[0]);
  assert.ok(packets >= 6, `the eroute counted the held packets: ${packets}`);
  await ping(pair, 1);
  assert.ok(await waitFor(() => log().match(/initiate on demand/g)?.length === 2, 5000), 'the trap fires again after the delay');
});
