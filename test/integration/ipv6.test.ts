// Issue 6: IPv6 through two of our daemons on the userspace data path (west/east namespaces, real CLI).
// The outer addresses are IPv6 (2001:db8::1 and ::2): each daemon binds its data path to the IPv6 address
// of its conns (datapath-address.ts), and carries two conns over it, one with IPv4 inner subnets
// (10.1.0.0/24 === 10.2.0.0/24) and one with IPv6 ones (fd00:1::/64 === fd00:2::/64). Ping both inner
// families; the default _updown routes each into the TUN (up-client / up-client-v6) and out again on down.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';

import { ensurePackages, PING_PACKAGES } from '../helpers/packages';
import { canUseNetns } from './datapath-hosts';
import { netnsPair, waitStatus, type NetnsPair, type PairStatus } from './pluto-pair-harness';
import { inNs } from './tcp-transfer';

const skip = canUseNetns() ?? ensurePackages(PING_PACKAGES) ?? undefined;
const PSK = 'a pre-shared key for the IPv6 tests';

function conn(name: string, leftsubnet: string, rightsubnet: string): string {
  return `conn ${name}
	left=2001:db8::1
	right=2001:db8::2
	leftid=@west
	rightid=@east
	leftsubnet=${leftsubnet}
	rightsubnet=${rightsubnet}
	authby=secret
	ike=aes_gcm256-sha2_256;dh31
	esp=aes_gcm128
	retransmit-interval=250
	retransmit-timeout=5s
	auto=add
`;
}

const CONF = conn('v4-in-v6', '10.1.0.0/24', '10.2.0.0/24') + conn('v6-in-v6', 'fd00:1::/64', 'fd00:2::/64');

interface StatusJson {
  kernel: string;
  datapath?: { tun: string; address: string; port: number; counters: Record<string, number> };
}
interface TrafficJson {
  connection: string;
  inBytes: number;
  outBytes: number;
}

const bothUp = (s: PairStatus): boolean =>
  ['v4-in-v6', 'v6-in-v6'].every((n) => s.engine.childSas.some((c) => c.connection === n));
const none = (s: PairStatus): boolean => s.engine.childSas.length === 0;

async function route(pair: NetnsPair, side: 'west' | 'east', family: '-4' | '-6', prefix: string): Promise<string> {
  return (await pair.hosts.execOk(side, 'ip', [family, 'route', 'show', prefix])).trim();
}

async function waitRoute(pair: NetnsPair, side: 'west' | 'east', family: '-4' | '-6', prefix: string, present: boolean): Promise<string> {
  let r = await route(pair, side, family, prefix);
  for (let i = 0; i < 50 && (r !== '') !== present; i++) {
    await new Promise((res) => setTimeout(res, 100));
    r = await route(pair, side, family, prefix);
  }
  return r;
}

test('IPv6 outer addresses: IPv4 and IPv6 inner subnets through the daemons, ping both; auto --down unroutes', { skip, timeout: 60_000 }, async (t) => {
  const pair = await netnsPair(t, { west: CONF, east: CONF }, { west: PSK, east: PSK }, { ipv6: true });
  await pair.start('east');
  await pair.start('west');
  for (const [side, address] of [['west', '2001:db8::1'], ['east', '2001:db8::2']] as const) {
    const s = JSON.parse(pair.ipsec(side, 'whack', '--status', '--json').stdout) as StatusJson;
    assert.equal(s.kernel, 'userspace');
    assert.equal(s.datapath?.address, address, `${side}'s data path is bound to the IPv6 address of its conns`);
    assert.equal(s.datapath?.port, 4500);
  }

  const v4 = pair.ipsec('west', 'auto', '--up', 'v4-in-v6');
  assert.equal(v4.status, 0, v4.stdout + v4.stderr);
  assert.match(v4.stdout, /IPsec tunnel \[10\.1\.0\.0\/24===10\.2\.0\.0\/24\] \{ESPinUDP=>0x/);
  const v6 = pair.ipsec('west', 'auto', '--up', 'v6-in-v6');
  assert.equal(v6.status, 0, v6.stdout + v6.stderr);
  assert.match(v6.stdout, /IPsec tunnel \[fd00:1::\/64===fd00:2::\/64\] \{ESPinUDP=>0x/);
  assert.ok(bothUp(await waitStatus(pair, 'east', bothUp)), 'east has both Child SAs');

  const tun = { west: '', east: '' };
  for (const side of ['west', 'east'] as const) {
    tun[side] = (JSON.parse(pair.ipsec(side, 'whack', '--status', '--json').stdout) as StatusJson).datapath!.tun;
  }
  assert.match(await waitRoute(pair, 'west', '-4', '10.2.0.0/24', true), new RegExp(`^10\\.2\\.0\\.0/24 dev ${tun.west} .*src 10\\.1\\.0\\.1`));
  assert.match(await waitRoute(pair, 'west', '-6', 'fd00:2::/64', true), new RegExp(`^fd00:2::/64 dev ${tun.west} .*src fd00:1::1`));
  assert.match(await waitRoute(pair, 'east', '-4', '10.1.0.0/24', true), new RegExp(`^10\\.1\\.0\\.0/24 dev ${tun.east} .*src 10\\.2\\.0\\.1`));
  assert.match(await waitRoute(pair, 'east', '-6', 'fd00:1::/64', true), new RegExp(`^fd00:1::/64 dev ${tun.east} .*src fd00:2::1`));

  const p4 = await inNs(pair.hosts.west.ns, ['ping', '-c', '3', '-i', '0.2', '-W', '2', '10.2.0.1'], 20_000);
  assert.equal(p4.code, 0, `IPv4 inside IPv6: ${p4.stdout}${p4.stderr}`);
  const p6 = await inNs(pair.hosts.west.ns, ['ping', '-6', '-c', '3', '-i', '0.2', '-W', '2', 'fd00:2::1'], 20_000);
  assert.equal(p6.code, 0, `IPv6 inside IPv6: ${p6.stdout}${p6.stderr}`);
  for (const side of ['west', 'east'] as const) {
    const ts = JSON.parse(pair.ipsec(side, 'whack', '--trafficstatus', '--json').stdout) as TrafficJson[];
    for (const [name, perPing] of [['v4-in-v6', 84], ['v6-in-v6', 104]] as const) {
      const e = ts.find((x) => x.connection === name);
      assert.ok(e && e.inBytes >= 3 * perPing && e.outBytes >= 3 * perPing, `${side} ${name}: three pings each way: ${JSON.stringify(ts)}`);
    }
  }
  // And the other way round: east's own traffic to west's subnets.
  const back = await inNs(pair.hosts.east.ns, ['ping', '-6', '-c', '1', '-W', '2', 'fd00:1::1'], 10_000);
  assert.equal(back.code, 0, back.stdout + back.stderr);

  for (const name of ['v4-in-v6', 'v6-in-v6']) {
    const down = pair.ipsec('west', 'auto', '--down', name);
    assert.equal(down.status, 0, down.stderr);
  }
  assert.ok(none(await waitStatus(pair, 'west', none)));
  assert.ok(none(await waitStatus(pair, 'east', none)));
  assert.equal(await waitRoute(pair, 'west', '-4', '10.2.0.0/24', false), '');
  assert.equal(await waitRoute(pair, 'west', '-6', 'fd00:2::/64', false), '');
  assert.equal(await waitRoute(pair, 'east', '-6', 'fd00:1::/64', false), '');
  const log = fs.readFileSync(pair.sides.west.log, 'utf8');
  assert.match(log, /userspace data path: TUN ipsec\d+, ESP-in-UDP on \[2001:db8::1\]:4500 \(address from conn "v4-in-v6"\)/, log);
});
