// Issue 6: type=transport through two of our daemons on the userspace data path (west/east namespaces, real
// CLI). The engines negotiate USE_TRANSPORT_MODE, the daemons install transport SAs and policies, and the
// default _updown (PLUTO_STACK=userspace, up-host) routes the peer host's address into the TUN through a
// table of its own, with rules that keep this host's IKE (500) and ESP-in-UDP (4500) to the peer out of it.
// Over IPv4 and over IPv6 outer addresses: ping and a TCP transfer between them (SHA-256 checked) across Child SA rekeys (the IKE
// messages of a rekey must not loop into the TUN); auto --down removes the rules and the route.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';

import { ensurePackages, PING_PACKAGES } from '../helpers/packages';
import { canUseNetns } from './datapath-hosts';
import { waitFor } from './daemon-harness';
import { netnsPair, waitStatus, type NetnsPair, type PairStatus } from './pluto-pair-harness';
import { assertIntact, inNs, transfer } from './tcp-transfer';

const skip = canUseNetns() ?? ensurePackages(PING_PACKAGES) ?? undefined;
const PSK = 'a pre-shared key for the transport tests';

interface Family {
  name: 'IPv4' | 'IPv6';
  ip: '-4' | '-6';
  west: string;
  east: string;
  prefix: number;
}
const FAMILIES: readonly Family[] = [
  { name: 'IPv4', ip: '-4', west: '192.0.2.1', east: '192.0.2.2', prefix: 32 },
  { name: 'IPv6', ip: '-6', west: '2001:db8::1', east: '2001:db8::2', prefix: 128 },
];

function transportConn(f: Family, extra = '', auto = 'add'): string {
  return `conn west-east
	left=${f.west}
	right=${f.east}
	leftid=@west
	rightid=@east
	type=transport
	authby=secret
	ike=aes_gcm256-sha2_256;dh31
	esp=aes_gcm128
	retransmit-interval=250
	retransmit-timeout=5s
	auto=${auto}
${extra}`;
}

interface TrafficJson {
  serial: number;
  inBytes: number;
  outBytes: number;
}

const up = (s: PairStatus): boolean => s.engine.ikeSas.some((sa) => sa.state === 'ESTABLISHED_IKE_SA') && s.engine.childSas.length >= 1;
const noChild = (s: PairStatus): boolean => s.engine.childSas.length === 0;

function counters(pair: NetnsPair, side: 'west' | 'east'): Record<string, number> {
  const s = JSON.parse(pair.ipsec(side, 'whack', '--status', '--json').stdout) as { kernel: string; datapath?: { counters: Record<string, number> } };
  assert.equal(s.kernel, 'userspace', `${side} drives the userspace data path`);
  return s.datapath!.counters;
}

async function hostRouting(pair: NetnsPair, f: Family, side: 'west' | 'east'): Promise<{ rules: string; table: string }> {
  const rules = (await pair.hosts.execOk(side, 'ip', [f.ip, 'rule', 'list'])).split('\n').filter((l) => /^450[01]:/.test(l)).join('\n');
  // Before the first route, the table does not exist (ip fails): empty.
  const listed = await pair.hosts.exec(side, 'ip', [f.ip, 'route', 'list', 'table', '4500']);
  const table = listed.code === 0 ? listed.stdout.trim() : '';
  return { rules, table };
}

async function waitHostRouting(pair: NetnsPair, f: Family, side: 'west' | 'east', present: boolean): Promise<{ rules: string; table: string }> {
  let r = await hostRouting(pair, f, side);
  for (let i = 0; i < 50 && (r.table !== '') !== present; i++) {
    await new Promise((res) => setTimeout(res, 100));
    r = await hostRouting(pair, f, side);
  }
  return r;
}

const esc = (text: string): string => text.replace(/\./g, '\\.');

for (const f of FAMILIES) {
test(`type=transport over ${f.name}: ping and TCP between the hosts through transport SAs, across rekeys; auto --down unroutes`, { skip, timeout: 60_000 }, async (t) => {
  // West rekeys its Child SA every ~3 s (salifetime 6 s, rekeymargin 3 s): the rekeys run during the transfer.
  const pair = await netnsPair(t, { west: transportConn(f, '\tsalifetime=6s\n\trekeymargin=3s\n\trekeyfuzz=0%\n'), east: transportConn(f) }, { west: PSK, east: PSK }, { ipv6: f.name === 'IPv6' });
  await pair.start('east');
  await pair.start('west');
  const r = pair.ipsec('west', 'auto', '--up', 'west-east');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.ok(r.stdout.includes(`"west-east" #2: initiator established Child SA using #1; IPsec transport [${f.west}/${f.prefix}===${f.east}/${f.prefix}] {ESPinUDP=>0x`), r.stdout);
  const east = await waitStatus(pair, 'east', up);
  assert.equal(east.engine.childSas[0]?.mode, 'transport', 'east installed a transport-mode Child SA');
  assert.equal(pair.status('west').engine.childSas[0]?.mode, 'transport');

  for (const [side, me, peer] of [['west', f.west, f.east], ['east', f.east, f.west]] as const) {
    const { rules, table } = await waitHostRouting(pair, f, side, true);
    assert.match(table, new RegExp(`^${esc(peer)} dev ipsec\\d+ .*src ${esc(me)}`), `${side}: the peer host into the TUN, in table 4500`);
    assert.match(rules, new RegExp(`^4500:\\s+from all to ${esc(peer)} ipproto udp sport 500 lookup main`, 'm'), rules);
    assert.match(rules, new RegExp(`^4500:\\s+from all to ${esc(peer)} ipproto udp sport 4500 lookup main`, 'm'), rules);
    assert.match(rules, new RegExp(`^4501:\\s+from all to ${esc(peer)} lookup 4500`, 'm'), rules);
  }

  // The data path's global counters (a rekey may replace the SA pair meanwhile: per-SA counters restart).
  const before = { west: counters(pair, 'west'), east: counters(pair, 'east') };
  const ping = await inNs(pair.hosts.west.ns, ['ping', '-c', '3', '-i', '0.2', '-W', '2', f.east], 20_000);
  assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  for (const side of ['west', 'east'] as const) {
    const c = counters(pair, side);
    assert.ok(c.sent! - before[side].sent! >= 3 && c.delivered! - before[side].delivered! >= 3, `${side}: the pings went through ESP: ${JSON.stringify([before[side], c])}`);
  }
  const ts = JSON.parse(pair.ipsec('west', 'whack', '--trafficstatus', '--json').stdout) as TrafficJson[];
  assert.equal(ts.length, 1, JSON.stringify(ts));

  const size = 24 * 1024 * 1024;
  const beforeTcp = { west: counters(pair, 'west'), east: counters(pair, 'east') };
  const x = await transfer(pair.hosts.west.ns, pair.hosts.east.ns, size, { from: f.west, to: f.east, bytesPerSecond: size / 8, timeoutMs: 40_000 });
  assertIntact(x, size);
  const westLog = fs.readFileSync(pair.sides.west.log, 'utf8');
  const rekeys = westLog.match(/: IPsec SA deleted \(rekeyed\)/g) ?? [];
  assert.ok(rekeys.length >= 2, `west rekeyed its transport Child SA during the transfer: ${rekeys.length}`);
  // The transfer went through ESP (not in the clear beside the tunnel): thousands of packets each way.
  const [cw, ce] = [counters(pair, 'west'), counters(pair, 'east')];
  assert.ok(cw.sent! - beforeTcp.west.sent! > 2000 && ce.delivered! - beforeTcp.east.delivered! > 2000, JSON.stringify([beforeTcp, cw, ce]));
  assert.ok(ce.sent! - beforeTcp.east.sent! > 100, 'the ACKs came back through ESP');
  assert.equal(ce.auth! + ce.replay! + ce.malformed!, 0, `east dropped nothing: ${JSON.stringify(ce)}`);
  let settled = pair.status('west');
  assert.ok(await waitFor(() => (settled = pair.status('west')).engine.childSas.length === 1 && settled.engine.childSas[0]!.mode === 'transport', 5000));

  const down = pair.ipsec('west', 'auto', '--down', 'west-east');
  assert.equal(down.status, 0, down.stderr);
  assert.ok(noChild(await waitStatus(pair, 'west', noChild)));
  assert.ok(noChild(await waitStatus(pair, 'east', noChild)));
  for (const side of ['west', 'east'] as const) {
    const { rules, table } = await waitHostRouting(pair, f, side, false);
    assert.equal(table, '', `${side}: down-host emptied table 4500`);
    assert.equal(rules, '', `${side}: down-host removed its rules`);
  }
  // Without the tunnel, the hosts reach each other in the clear again.
  assert.equal((await inNs(pair.hosts.west.ns, ['ping', '-c', '1', '-W', '2', f.east], 10_000)).code, 0);
  process.stdout.write(`# transport mode over ${f.name}: 24 MiB in ${x.seconds.toFixed(1)} s across ${rekeys.length} Child SA rekeys, ${cw.sent! - beforeTcp.west.sent!} ESP packets west to east\n`);
});
}

test('type=transport with auto=route: the first ping to the peer host negotiates on demand (IKE from port 500 stays out of the TUN)', { skip, timeout: 60_000 }, async (t) => {
  const f = FAMILIES[0]!;
  const pair = await netnsPair(t, { west: transportConn(f, '', 'route'), east: transportConn(f) }, { west: PSK, east: PSK });
  await pair.start('east');
  await pair.start('west');
  // route-host put the peer host into the TUN (to the %trap) before anything was negotiated.
  const routed = await waitHostRouting(pair, f, 'west', true);
  assert.match(routed.table, new RegExp(`^${esc(f.east)} dev ipsec\\d+ .*src ${esc(f.west)}`), JSON.stringify(routed));
  assert.deepEqual(pair.status('west').engine.ikeSas, [], 'nothing negotiated before the first packet');

  // The trap holds the first packets while IKE_SA_INIT (from port 500 to the peer: the bypass rule) and
  // IKE_AUTH run; the later ones pass through the transport SAs.
  const first = await inNs(pair.hosts.west.ns, ['ping', '-c', '8', '-i', '0.5', '-W', '2', f.east], 30_000);
  assert.ok(Number(/(\d+) received/.exec(first.stdout)?.[1] ?? 0) >= 1, first.stdout + first.stderr);
  const log = fs.readFileSync(pair.sides.west.log, 'utf8');
  assert.match(log, /"west-east": initiate on demand from 192\.0\.2\.1:8 to 192\.0\.2\.2:0 proto=1 because: acquire/, log);
  const st = await waitStatus(pair, 'west', up);
  assert.equal(st.engine.childSas[0]?.mode, 'transport');
  const before = counters(pair, 'west');
  const later = await inNs(pair.hosts.west.ns, ['ping', '-c', '3', '-i', '0.2', '-W', '2', f.east], 20_000);
  assert.equal(later.code, 0, later.stdout);
  assert.ok(counters(pair, 'west').sent! - before.sent! >= 3, 'the later pings went through ESP');

  // Down: the trap and its route stay (still routed); unroute takes them and the rules away.
  assert.equal(pair.ipsec('west', 'auto', '--down', 'west-east').status, 0);
  assert.ok(noChild(await waitStatus(pair, 'west', noChild)));
  assert.notEqual((await waitHostRouting(pair, f, 'west', true)).table, '', 'the route to the trap is back after down');
  const unroute = pair.ipsec('west', 'auto', '--unroute', 'west-east');
  assert.equal(unroute.status, 0, unroute.stdout + unroute.stderr);
  const gone = await waitHostRouting(pair, f, 'west', false);
  assert.deepEqual(gone, { rules: '', table: '' }, 'unroute-host removed the route and the rules');
});
