// The userspace ESP data path between two network namespaces (datapath-hosts.ts): each side a Datapath in its
// own process with static AES-GCM SAs. Ping and a 100 MB TCP transfer (SHA-256 checked at the far end) go
// through the tunnel; replayed and tampered ESP, keep-alives and IKE datagrams (non-ESP marker) sent from a third
// socket are sorted and counted; lifetimes raise expire events. Needs root, `ip netns` and /dev/net/tun.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { canUseNetns, withTunnel } from './datapath-hosts';
import { checkedTransfer as transfer, inNs, ping, tcpCounter } from './tcp-transfer';

const skip = canUseNetns() ?? (spawnSync('ping', ['-V']).error ? 'no ping (apt-get install -y iputils-ping)' : undefined);
const inject = path.join(__dirname, 'datapath-inject.js');

test('datapath: ping and a 100 MB TCP transfer through the tunnel (TSO + UDP GSO/GRO), SHA-256 checked', { skip, timeout: 240_000 }, async () => {
  await withTunnel({ offload: true }, async ({ west, east, westNs, eastNs }) => {
    const p = await ping(westNs, '10.2.0.1', '10.1.0.1');
    assert.equal(p.code, 0, `ping failed: ${p.stdout}${p.stderr}`);
    const w = await west.counters();
    const e = await east.counters();
    assert.ok(w.out.packets >= 3 && w.in.packets >= 3, `west SAs carried the pings: ${JSON.stringify(w)}`);
    assert.ok(e.in.packets >= 3 && e.global.delivered >= 3, `east delivered them: ${JSON.stringify(e.global)}`);

    const size = 100 * 1024 * 1024;
    const t = await transfer(westNs, eastNs, size, '10.2.0.1', '10.1.0.1');
    assert.equal(t.sent.split(' ')[1], String(size));
    assert.equal(t.received.split(' ')[1], String(size), 'the far end received every byte');
    assert.equal(t.received, t.sent, 'SHA-256 at the far end matches');
    const e2 = await east.counters();
    assert.ok(e2.in.bytes > size, `east's inbound SA counted the transfer: ${e2.in.bytes}`);
    assert.equal(e2.global.auth + e2.global.replay + e2.global.malformed, 0, JSON.stringify(e2.global));
    process.stdout.write(`# 100 MB in ${t.seconds.toFixed(1)} s = ${((size * 8) / t.seconds / 1e6).toFixed(0)} Mbit/s\n`);
  });
});

test('datapath: TSO segments carry valid checksums (west offloads, east does not, so its kernel checks every one)', { skip, timeout: 120_000 }, async () => {
  await withTunnel({ offload: true, eastOffload: false }, async ({ west, east, westNs, eastNs }) => {
    const t = await transfer(westNs, eastNs, 20 * 1024 * 1024, '10.2.0.1', '10.1.0.1');
    assert.equal(t.received, t.sent, 'same SHA-256 and length at the far end');
    const w = await west.counters();
    const e = await east.counters();
    assert.ok(w.global.sent > w.global.tunPackets * 2, `west read super-packets and segmented them: ${JSON.stringify(w.global)}`);
    assert.equal(e.global.tunWriteErrors, 0);
    assert.equal(tcpCounter(eastNs, 'InCsumErrors'), 0, "east's kernel found no bad TCP checksum");
  });
});

test('datapath: replayed and tampered ESP are dropped and counted, keep-alives counted, IKE both ways', { skip, timeout: 60_000 }, async () => {
  await withTunnel({ offload: true }, async ({ west, east, westNs, westToEast }) => {
    assert.equal((await ping(westNs, '10.2.0.1', '10.1.0.1', 2)).code, 0);
    const before = await east.counters();
    const send = (args: object): Promise<unknown> => inNs(westNs, [process.execPath, inject, JSON.stringify({ to: '192.0.2.2', port: 4500, ...args })]);
    await send({ mode: 'replay', spi: westToEast.spi, key: westToEast.key });
    await send({ mode: 'tamper', spi: westToEast.spi, key: westToEast.key });
    await send({ mode: 'keepalive' });
    await send({ mode: 'keepalive' });
    await send({ mode: 'ike', message: 'cafe0001' });
    const ike = await east.waitEvent((ev) => ev.event === 'ike');
    assert.equal(ike.message, 'cafe0001', 'the marker is stripped');
    assert.equal(ike.address, '192.0.2.1');
    const after = await east.counters();
    assert.equal(after.global.replay - before.global.replay, 1, 'one replay drop');
    assert.equal(after.in.replayDrops - before.in.replayDrops, 1);
    assert.equal(after.global.auth - before.global.auth, 1, 'one ICV failure');
    assert.equal(after.in.authFailures - before.in.authFailures, 1);
    assert.equal(after.global.keepalives - before.global.keepalives, 2);
    assert.equal(after.global.ike - before.global.ike, 1);
    assert.equal(after.global.delivered, before.global.delivered, 'nothing injected reached the TUN');

    // sendIke: east → a socket on west's 192.0.2.1:4501, with the marker in front.
    const receiver = spawn('ip', ['netns', 'exec', westNs, process.execPath, inject, JSON.stringify({ mode: 'receive', bind: '192.0.2.1', bindPort: 4501 })], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => receiver.kill('SIGKILL'), 10_000);
    let out = '';
    receiver.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => receiver.once('exit', r));
    // Send only once it is bound (it says so), however slow the machine.
    while (!out.includes('listening') && receiver.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    await east.request('sendIke', { message: 'beef02', address: '192.0.2.1', port: 4501 });
    await exited;
    clearTimeout(timer);
    assert.equal(out.trim().split('\n').pop(), '00000000beef02');
    assert.equal((await ping(westNs, '10.2.0.1', '10.1.0.1', 1)).code, 0, 'the tunnel still works');
  });
});

test('datapath: without offloads too; packet lifetimes raise soft then hard expire events and stop the SA', { skip, timeout: 60_000 }, async () => {
  await withTunnel({ offload: false, outLifetimes: { softPackets: 2, hardPackets: 4 } }, async ({ west, westNs }) => {
    const p = await ping(westNs, '10.2.0.1', '10.1.0.1', 6);
    const soft = await west.waitEvent((ev) => ev.event === 'expire' && ev.hard === false);
    const hard = await west.waitEvent((ev) => ev.event === 'expire' && ev.hard === true);
    assert.equal(soft.direction, 'out');
    assert.equal(hard.dst, '192.0.2.2');
    const w = await west.counters();
    assert.equal(w.out.packets, 4, 'the SA stopped at its hard limit');
    assert.ok(w.out.hardExpired && w.out.softExpired);
    assert.ok(w.global.expired >= 2, `later packets dropped as expired: ${JSON.stringify(w.global)}`);
    assert.ok(/ [1-4] received/.test(p.stdout), `the first pings got through: ${p.stdout}`);
  });
});

test('datapath: policy actions: trap raises one acquire then holds, reject answers ICMP prohibited, drop drops', { skip, timeout: 60_000 }, async () => {
  await withTunnel({ offload: true }, async ({ west, westNs }) => {
    const policy = (dst: string, action: string): object => ({ policy: { selector: { src: '10.1.0.0/24', dst, proto: 0, srcPort: 0, dstPort: 0 }, direction: 'out', action, priority: 50, reqid: 0 } });
    for (const [dst, action] of [['10.3.0.0/24', 'trap'], ['10.4.0.0/24', 'reject'], ['10.5.0.0/24', 'drop']] as const) {
      await west.request('addPolicy', policy(dst, action));
      spawnSync('ip', ['-n', westNs, 'route', 'add', dst, 'dev', 'tunw', 'src', '10.1.0.1']);
    }
    const before = (await west.counters()).global;
    const trapped = await ping(westNs, '10.3.0.1', '10.1.0.1', 3);
    assert.notEqual(trapped.code, 0, 'held packets get no answer');
    const acquire = await west.waitEvent((e) => e.event === 'acquire');
    assert.deepEqual(acquire.selector, { src: '10.1.0.1/32', dst: '10.3.0.1/32', proto: 1, srcPort: 8, dstPort: 0 });
    const rejected = await ping(westNs, '10.4.0.1', '10.1.0.1', 2);
    assert.match(rejected.stdout, /Packet filtered|Communication prohibited|administratively/i, rejected.stdout);
    const dropped = await ping(westNs, '10.5.0.1', '10.1.0.1', 2);
    assert.notEqual(dropped.code, 0);
    const after = (await west.counters()).global;
    assert.equal(after.acquires - before.acquires, 1, 'one acquire for the trap policy, not one per packet');
    assert.equal(after.policyHold - before.policyHold, 3);
    assert.equal(after.policyReject - before.policyReject, 2);
    assert.equal(after.policyDrop - before.policyDrop, 2);
    assert.equal(west.events.filter((e) => e.event === 'acquire').length, 1);
    const counted = async (dst: string): Promise<number | null> => west.request<number | null>('policyPackets', policy(dst, 'drop'));
    assert.deepEqual([await counted('10.3.0.0/24'), await counted('10.4.0.0/24'), await counted('10.5.0.0/24'), await counted('10.6.0.0/24')], [3, 2, 2, null], 'per-policy packet counts (ipsec eroute)');
    const ipsecBefore = (await counted('10.2.0.0/24')) ?? 0;
    assert.equal((await ping(westNs, '10.2.0.1', '10.1.0.1', 1)).code, 0, 'the ipsec policy still carries its traffic');
    assert.equal(await counted('10.2.0.0/24'), ipsecBefore + 1);
    await west.request('addPolicy', { policy: { ...(policy('10.3.0.0/24', 'hold') as { policy: object }).policy, replace: true } });
    assert.equal(await counted('10.3.0.0/24'), 3, 'a replaced policy keeps its count');
  });
});

test('datapath: IPv6 inside (IPv4 outside): ping6 and TCP with TSO/GRO for v6, checksums checked by the far kernel', { skip, timeout: 120_000 }, async () => {
  for (const eastOffload of [true, false]) {
    await withTunnel({ offload: true, eastOffload }, async ({ west, east, westNs, eastNs }) => {
      const p = await ping(westNs, 'fd00:2::1', 'fd00:1::1', 2);
      assert.equal(p.code, 0, p.stdout + p.stderr);
      const size = 20 * 1024 * 1024;
      const t = await transfer(westNs, eastNs, size, 'fd00:2::1', 'fd00:1::1');
      assert.equal(t.received, t.sent, `same SHA-256 and length (east offload ${eastOffload})`);
      const w = await west.counters();
      assert.ok(w.global.sent > w.global.tunPackets * 2, `west segmented IPv6 super-packets: ${JSON.stringify(w.global)}`);
      const e = await east.counters();
      assert.ok(e.global.delivered > size / 1400, 'east delivered the segments');
      assert.equal(e.global.malformed + e.global.selector + e.global.tunWriteErrors, 0, JSON.stringify(e.global));
      assert.equal(tcpCounter(eastNs, 'InCsumErrors'), 0);
    });
  }
});

test('datapath: deleting the outbound SA under traffic: later packets are counted as no-SA, nothing crashes', { skip, timeout: 60_000 }, async () => {
  await withTunnel({ offload: true }, async ({ west, westNs }) => {
    const flood = ping(westNs, '10.2.0.1', '10.1.0.1', 30);
    await new Promise((r) => setTimeout(r, 1500));
    await west.request('delSa');
    const p = await flood;
    const w = await west.counters();
    assert.equal(w.out, undefined, 'the SA is gone');
    assert.ok(w.global.noSa > 0, `packets after the delete found no SA: ${JSON.stringify(w.global)}`);
    assert.ok(w.global.sent > 0);
    assert.match(p.stdout, / [1-9]\d* received/, 'the pings before the delete were answered');
    assert.equal(west.child.exitCode, null, 'the peer is still running');
  });
});
