// Issue 6: two of our daemons carry traffic. West and east namespaces (createHostPair), our pluto in each
// through the real CLI (ipsec pluto, ipsec auto --up/--down, ipsec whack), the default kernel choice (this
// kernel has no ESP: each pluto must pick its userspace data path), the default updown script routing into
// the TUN. Ping and TCP from 10.1.0.1 to 10.2.0.1; replayed and tampered ESP from a third socket dropped and
// counted; a paced 100 MB transfer, SHA-256 checked at the far end, across Child SA and IKE SA rekeys.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';

import { ensurePackages, PING_PACKAGES } from '../helpers/packages';
import { canUseNetns } from './datapath-hosts';
import { waitFor, type TestContextLike } from './daemon-harness';
import { captureEsp, pythonMissing, sendUdp, tampered } from './esp-capture';
import { readLog, upWestEast, waitStatus, type NetnsPair, type PairStatus } from './pluto-pair-harness';
import { inNs, transfer } from './tcp-transfer';

const skip = canUseNetns() ?? ensurePackages(PING_PACKAGES) ?? pythonMissing();
const IKE = 'aes_gcm256-sha2_256;dh31';
const ESP = 'aes_gcm128';
const PSK = 'a pre-shared key for the tunnel tests';

interface DatapathJson {
  kernel: string;
  datapath?: { tun: string; address: string; port: number; counters: Record<string, number> };
}
interface TrafficJson {
  serial: number;
  inBytes: number;
  outBytes: number;
}

const empty = (s: PairStatus): boolean => s.engine.ikeSas.length === 0 && s.engine.childSas.length === 0;

function datapath(pair: NetnsPair, side: 'west' | 'east'): NonNullable<DatapathJson['datapath']> {
  const s = JSON.parse(pair.ipsec(side, 'whack', '--status', '--json').stdout) as DatapathJson;
  assert.equal(s.kernel, 'userspace', `${side} drives the userspace data path`);
  assert.ok(s.datapath, `${side} reports its data path`);
  return s.datapath;
}

async function routes(pair: NetnsPair, side: 'west' | 'east', prefix: string): Promise<string> {
  return (await pair.hosts.execOk(side, 'ip', ['-4', 'route', 'show', prefix])).trim();
}

function ping(pair: NetnsPair, count = 3): ReturnType<typeof inNs> {
  // No -I: the route _updown installed carries the source address (10.1.0.1, inside our client subnet).
  return inNs(pair.hosts.west.ns, ['ping', '-c', String(count), '-i', '0.2', '-W', '2', '10.2.0.1'], 20_000);
}

/** Brings the two daemons up and the tunnel with auto --up; checks each chose the userspace data path. */
async function tunnelUp(t: TestContextLike, westExtra = ''): Promise<NetnsPair> {
  const { pair, upOutput } = await upWestEast(t, { ike: IKE, esp: ESP, psk: PSK, westExtra });
  assert.match(upOutput, /^004 "west-east" #2: initiator established Child SA using #1; IPsec tunnel \[10\.1\.0\.0\/24===10\.2\.0\.0\/24\] \{ESPinUDP=>0x/m);
  for (const side of ['west', 'east'] as const) {
    await waitFor(() => readLog(pair, side).includes('Pluto initialized'), 5000);
    const log = readLog(pair, side);
    assert.match(log, /using kernel interface: userspace ESP \(kernel refused an ESP SA: /, `${side} chose the userspace data path`);
    assert.match(log, new RegExp(`userspace data path: TUN ipsec\\d+, ESP-in-UDP on ${pair.hosts[side].outer.replace(/\./g, '\\.')}:4500 \\(address from conn "west-east"\\)`));
  }
  return pair;
}

test('ping through the tunnel; trafficstatus counts; replayed and tampered ESP dropped and counted; auto --down removes routes and SAs', { skip, timeout: 60_000 }, async (t) => {
  const pair = await tunnelUp(t);
  const westTun = datapath(pair, 'west').tun;
  const eastTun = datapath(pair, 'east').tun;
  // up-client ran on both before auto --up returned (west) / the Child SA came up (east: wait for it).
  assert.match(await routes(pair, 'west', '10.2.0.0/24'), new RegExp(`^10\\.2\\.0\\.0/24 dev ${westTun} .*src 10\\.1\\.0\\.1`));
  assert.ok(await waitFor(() => fs.readFileSync(pair.sides.east.log, 'utf8').includes('IPsec SA established'), 5000));
  let eastRoute = '';
  for (let i = 0; i < 50 && !eastRoute.includes(eastTun); i++) {
    eastRoute = await routes(pair, 'east', '10.1.0.0/24');
    if (!eastRoute.includes(eastTun)) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(eastRoute, new RegExp(`^10\\.1\\.0\\.0/24 dev ${eastTun} .*src 10\\.2\\.0\\.1`));

  const p = await ping(pair);
  assert.equal(p.code, 0, `ping 10.2.0.1 from west: ${p.stdout}${p.stderr}`);
  for (const side of ['west', 'east'] as const) {
    const tr = pair.ipsec(side, 'whack', '--trafficstatus');
    assert.equal(tr.status, 0, tr.stderr);
    const m = /^006 #\d+: "west-east", type=ESP, add_time=\d+, inBytes=(\d+), outBytes=(\d+), id='@(east|west)'$/m.exec(tr.stdout);
    assert.ok(m, tr.stdout);
    assert.ok(Number(m[1]) >= 3 * 84 && Number(m[2]) >= 3 * 84, `${side}: three pings each way counted: ${tr.stdout}`);
    const json = JSON.parse(pair.ipsec(side, 'whack', '--trafficstatus', '--json').stdout) as TrafficJson[];
    assert.ok(json[0]!.inBytes > 0 && json[0]!.outBytes > 0);
  }

  // A real ESP packet from west, caught on its way into east, sent again from a third socket: as it was
  // (its sequence number was seen: replay) and tampered with (fresh sequence number, a flipped ciphertext
  // octet: the ICV fails: auth).
  const before = datapath(pair, 'east').counters;
  const capture = await captureEsp(pair.hosts.east.ns, pair.hosts.east.iface);
  assert.equal((await ping(pair, 1)).code, 0);
  const esp = await capture.packet;
  sendUdp(pair.hosts.west.ns, pair.hosts.west.outer, pair.hosts.east.outer, 4500, esp);
  sendUdp(pair.hosts.west.ns, pair.hosts.west.outer, pair.hosts.east.outer, 4500, tampered(esp));
  let after = before;
  await waitFor(() => {
    after = datapath(pair, 'east').counters;
    return after.replay! > before.replay! && after.auth! > before.auth!;
  }, 5000);
  assert.equal(after.replay, before.replay! + 1, `the replay is counted: ${JSON.stringify(after)}`);
  assert.equal(after.auth, before.auth! + 1, `the tampered packet is counted: ${JSON.stringify(after)}`);
  assert.equal(after.delivered, before.delivered! + 1, 'of the three copies only the real echo request was delivered');
  const text = pair.ipsec('east', 'whack', '--status').stdout;
  assert.match(text, new RegExp(`^000 userspace data path: dropped: auth ${after.auth}, replay ${after.replay}, `, 'm'), text);
  assert.equal((await ping(pair, 2)).code, 0, 'the tunnel still carries traffic');

  const down = pair.ipsec('west', 'auto', '--down', 'west-east');
  assert.equal(down.status, 0, down.stderr);
  assert.ok(empty(await waitStatus(pair, 'west', empty)), 'west deleted its SAs');
  assert.ok(empty(await waitStatus(pair, 'east', empty)), 'east deleted its SAs');
  assert.ok(await waitFor(() => pair.ipsec('west', 'whack', '--trafficstatus').stdout === '', 2000));
  let westRoute = 'x';
  let eastGone = 'x';
  for (let i = 0; i < 50 && (westRoute !== '' || eastGone !== ''); i++) {
    [westRoute, eastGone] = [await routes(pair, 'west', '10.2.0.0/24'), await routes(pair, 'east', '10.1.0.0/24')];
    if (westRoute !== '' || eastGone !== '') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(westRoute, '', 'down-client removed west\'s route into the TUN');
  assert.equal(eastGone, '', 'down-client removed east\'s route into the TUN');
  assert.notEqual((await ping(pair, 1)).code, 0, 'no tunnel, no route: the ping fails');
});

test('100 MB over TCP, SHA-256 checked at the far end, across Child SA and IKE SA rekeys', { skip, timeout: 90_000 }, async (t) => {
  // West rekeys its Child SA rekeymargin (4 s) before salifetime (8 s), so every ~4 s, and its IKE SA at ~10 s;
  // east keeps the defaults (it answers the rekeys). The transfer is paced to last ~14 s.
  const pair = await tunnelUp(t, '\tsalifetime=8s\n\tikelifetime=14s\n\trekeymargin=4s\n\trekeyfuzz=0%\n');
  const size = 100 * 1024 * 1024;
  const r = await transfer(pair.hosts.west.ns, pair.hosts.east.ns, size, { from: '10.1.0.1', to: '10.2.0.1', bytesPerSecond: size / 14, timeoutMs: 60_000 });
  assert.equal(r.sent.code, 0, r.sent.stderr);
  assert.equal(r.received.code, 0, r.received.stderr);
  const [sentHash, sentLen] = r.sent.stdout.trim().split(' ');
  const [gotHash, gotLen] = r.received.stdout.trim().split('\n').pop()!.split(' ');
  assert.equal(Number(sentLen), size);
  assert.equal(Number(gotLen), size, 'the far end received every byte on the one connection');
  assert.equal(gotHash, sentHash, 'SHA-256 at the far end matches');

  const westLog = fs.readFileSync(pair.sides.west.log, 'utf8');
  const childRekeys = westLog.match(/: IPsec SA deleted \(rekeyed\)/g) ?? [];
  assert.ok(childRekeys.length >= 2, `west rekeyed its Child SA during the transfer:\n${westLog}`);
  assert.match(westLog, /rekeyed IKE SA #\d+/, 'west rekeyed its IKE SA during the transfer');
  // West keeps rekeying every ~4 s: sample between two rekeys, when each end has one IKE SA and one Child SA.
  let w = pair.status('west');
  let e = pair.status('east');
  const settled = (): boolean => {
    [w, e] = [pair.status('west'), pair.status('east')];
    return w.engine.ikeSas.length === 1 && w.engine.childSas.length === 1 && e.engine.childSas.length === 1 && w.engine.childSas[0]!.spiOut === e.engine.childSas[0]!.spiIn;
  };
  assert.ok(await waitFor(settled, 8000), `one IKE SA and one Child SA, the same on both ends: ${JSON.stringify([w.engine, e.engine])}`);
  const dw = datapath(pair, 'west').counters;
  const de = datapath(pair, 'east').counters;
  assert.equal(de.auth! + de.replay! + de.malformed!, 0, `east dropped nothing: ${JSON.stringify(de)}`);
  assert.equal(dw.auth! + dw.replay! + dw.malformed!, 0, `west dropped nothing: ${JSON.stringify(dw)}`);
  process.stdout.write(`# 100 MB in ${r.seconds.toFixed(1)} s across ${childRekeys.length} Child SA rekeys and an IKE SA rekey\n`);
});
