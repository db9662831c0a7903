// The userspace ESP data path between two network namespaces (datapath-hosts.ts) beyond the IPv4 tunnel:
// several TUN queues with parallel TCP flows, transport mode (directly and through a source NAT, where the
// receiver must fix the TCP/UDP checksums up), and an IPv6 outer path carrying IPv4 and IPv6. Needs root,
// `ip netns`, /dev/net/tun; the NAT case needs nft (installed with apt-get if missing).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { canUseNetns, WEST_NATTED, withTunnel } from './datapath-hosts';
import { checkedTransfer as transfer, ping, tcpCounter } from './tcp-transfer';
import { ensurePackages, NAT_PACKAGES } from '../helpers/packages';

const skip = canUseNetns() ?? (spawnSync('ping', ['-V']).error ? 'no ping (apt-get install -y iputils-ping)' : undefined);

test('datapath: 3 TUN queues each side, 4 parallel TCP flows, SHA-256 checked, none reordered past a 32-packet replay window', { skip, timeout: 180_000 }, async () => {
  await withTunnel({ offload: true, queues: 3, replayWindow: 32 }, async ({ west, east, westNs, eastNs }) => {
    assert.equal((await west.request<{ queues: number }>('info')).queues, 3);
    assert.equal((await ping(westNs, '10.2.0.1', '10.1.0.1', 2)).code, 0);
    const size = 30 * 1024 * 1024;
    const flows = await Promise.all([0, 1, 2, 3].map((i) => transfer(westNs, eastNs, size, '10.2.0.1', '10.1.0.1', 5101 + i)));
    for (const t of flows) assert.equal(t.received, t.sent, 'same SHA-256 and length at the far end');
    const w = await west.counters();
    const e = await east.counters();
    assert.ok(e.in.bytes > 4 * size, `east's inbound SA counted the four flows: ${e.in.bytes}`);
    // Sequence numbers leave in order although four queues feed one SA: the replay window drops nothing.
    assert.equal(e.global.replay + e.in.replayDrops, 0, JSON.stringify(e.global));
    assert.equal(e.global.auth + e.global.malformed + e.global.tunWriteErrors + w.global.sendErrors, 0, JSON.stringify(e.global));
  });
});

for (const outer6 of [false, true]) {
  test(`datapath: transport mode between the IPv${outer6 ? 6 : 4} outer addresses: ping and TCP (TSO west, east kernel checks checksums)`, { skip, timeout: 120_000 }, async () => {
    await withTunnel({ offload: true, eastOffload: false, transport: 'direct', outer6 }, async ({ west, east, westNs, eastNs, westOuter, eastOuter }) => {
      const p = await ping(westNs, eastOuter, westOuter, 3);
      assert.equal(p.code, 0, p.stdout + p.stderr);
      const t = await transfer(westNs, eastNs, 20 * 1024 * 1024, eastOuter, westOuter);
      assert.equal(t.received, t.sent, 'same SHA-256 and length at the far end');
      assert.equal(t.from, westOuter);
      const w = await west.counters();
      const e = await east.counters();
      assert.ok(w.transportOut!.packets > 10_000 && e.transportIn!.packets === w.transportOut!.packets, `transport SAs carried it: ${JSON.stringify([w.transportOut, e.transportIn])}`);
      assert.ok(e.transportOut!.packets >= 3 && w.transportIn!.packets === e.transportOut!.packets, 'the answers came back through ESP too');
      assert.equal(w.out.packets + e.in.packets, 0, 'the tunnel-mode SAs carried none of it');
      assert.equal(tcpCounter(eastNs, 'InCsumErrors'), 0, "east's kernel found every TCP checksum right");
      assert.equal(e.global.selector + e.global.malformed + w.global.unsupported, 0, JSON.stringify(e.global));
    });
  });
}

test('datapath: transport mode through a source NAT: checksums fixed up both ways (RFC 3948 §3.1.2), checked by both kernels', { skip, timeout: 120_000 }, async (t) => {
  const why = ensurePackages(NAT_PACKAGES);
  if (why) return t.skip(why);
  await withTunnel({ offload: false, transport: 'nat' }, async ({ west, east, westNs, eastNs, westOuter, eastOuter }) => {
    const p = await ping(westNs, eastOuter, westOuter, 3);
    assert.equal(p.code, 0, p.stdout + p.stderr);
    const x = await transfer(westNs, eastNs, 10 * 1024 * 1024, eastOuter, westOuter);
    assert.equal(x.received, x.sent, 'same SHA-256 and length at the far end');
    assert.equal(x.from, WEST_NATTED, 'east sees west by its translated address');
    const w = await west.counters();
    const e = await east.counters();
    assert.ok(e.transportIn!.packets > 5000 && w.transportIn!.packets > 100, JSON.stringify([e.transportIn, w.transportIn]));
    assert.equal(tcpCounter(eastNs, 'InCsumErrors') + tcpCounter(westNs, 'InCsumErrors'), 0, 'no TCP checksum error on either side');
    assert.equal(e.global.selector + w.global.selector, 0);
  });
});

test('datapath: IPv6 outer path: IPv4 and IPv6 inside carry ping, IPv4 carries TCP (UDP GSO/GRO over IPv6)', { skip, timeout: 120_000 }, async () => {
  await withTunnel({ offload: true, outer6: true }, async ({ west, east, westNs, eastNs }) => {
    const p4 = await ping(westNs, '10.2.0.1', '10.1.0.1', 3);
    assert.equal(p4.code, 0, p4.stdout + p4.stderr);
    const p6 = await ping(westNs, 'fd00:2::1', 'fd00:1::1', 3);
    assert.equal(p6.code, 0, p6.stdout + p6.stderr);
    const t = await transfer(westNs, eastNs, 20 * 1024 * 1024, '10.2.0.1', '10.1.0.1');
    assert.equal(t.received, t.sent, 'same SHA-256 and length at the far end');
    const w = await west.counters();
    const e = await east.counters();
    assert.ok(w.out.packets > 10_000 && e.in.packets === w.out.packets, JSON.stringify([w.out, e.in]));
    assert.ok(w.global.sent > w.global.tunPackets * 2, `UDP GSO batches over IPv6: ${JSON.stringify(w.global)}`);
    assert.equal(e.global.malformed + e.global.auth + e.global.replay + w.global.sendErrors, 0, JSON.stringify(e.global));
  });
});
