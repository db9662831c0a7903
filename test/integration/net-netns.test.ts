// IkeSockets on the real ports 500 and 4500, in two network namespaces joined by a veth pair, each
// side in its own process (net-peer.js): interface scan with IPv4 and IPv6, IKE on both ports, the
// marker, keep-alives, and a rescan after an address is added and removed. Needs root and `ip netns`;
// the namespaces (unique names) are deleted in every exit path.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import type { Endpoint } from '../../src/ikev2/engine-api';
import type { IkeSocketCounters, ListeningAddress, RescanResult } from '../../src/net/ike-sockets';
import { JsonLinePeer } from '../helpers/json-line-peer';

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

function canUseNetns(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'no `ip netns`';
}

interface IkeEvent {
  event: 'ike' | 'esp';
  data: string;
  local: Endpoint;
  remote: Endpoint;
}

/** One net-peer.js process inside a namespace. */
class Peer extends JsonLinePeer<IkeEvent> {
  constructor(child: ChildProcessWithoutNullStreams) {
    super(child, { name: 'net peer', stderr: 'pass' });
  }

  async waitEvents(n: number, ms = 3000): Promise<IkeEvent[]> {
    const until = Date.now() + ms;
    while (this.events.length < n) {
      if (Date.now() > until) throw new Error(`expected ${n} datagrams, got ${this.events.length}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.events;
  }
}

/** Two namespaces joined by a veth pair, with v4 and v6 addresses; `run` gets one peer process in each. */
async function withHosts(run: (h: { west: Peer; east: Peer; westNs: string; westIf: string; eastIf: string }) => Promise<void>): Promise<void> {
  const tag = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const westNs = `swnet-w-${tag}`;
  const eastNs = `swnet-e-${tag}`;
  const westIf = `nw${tag}`.slice(0, 15);
  const eastIf = `ne${tag}`.slice(0, 15);
  const children: ChildProcessWithoutNullStreams[] = [];
  try {
    ip('netns', 'add', westNs);
    ip('netns', 'add', eastNs);
    ip('-n', westNs, 'link', 'set', 'lo', 'up');
    ip('-n', eastNs, 'link', 'set', 'lo', 'up');
    ip('link', 'add', westIf, 'type', 'veth', 'peer', 'name', eastIf);
    ip('link', 'set', westIf, 'netns', westNs);
    ip('link', 'set', eastIf, 'netns', eastNs);
    ip('-n', westNs, 'addr', 'add', '192.0.2.1/24', 'dev', westIf);
    ip('-n', eastNs, 'addr', 'add', '192.0.2.2/24', 'dev', eastIf);
    ip('-n', westNs, 'addr', 'add', '2001:db8::1/64', 'dev', westIf, 'nodad');
    ip('-n', eastNs, 'addr', 'add', '2001:db8::2/64', 'dev', eastIf, 'nodad');
    // Fixed link-local addresses (no DAD), so that the scan has one to skip and --listen one to bind.
    ip('-n', westNs, 'addr', 'add', 'fe80::1/64', 'dev', westIf, 'nodad');
    ip('-n', eastNs, 'addr', 'add', 'fe80::2/64', 'dev', eastIf, 'nodad');
    ip('-n', westNs, 'link', 'set', westIf, 'up');
    ip('-n', eastNs, 'link', 'set', eastIf, 'up');
    const script = path.join(__dirname, 'net-peer.js');
    const start = (ns: string): Peer => {
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, script], { stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(child);
      return new Peer(child);
    };
    await run({ west: start(westNs), east: start(eastNs), westNs, westIf, eastIf });
  } finally {
    for (const c of children) {
      c.stdin.end();
      if (c.exitCode === null && c.pid !== undefined) {
        const exited = new Promise((r) => c.once('exit', r));
        const timer = setTimeout(() => c.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
    }
    for (const ns of [westNs, eastNs]) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      spawnSync('ip', ['netns', 'del', ns]);
    }
    spawnSync('ip', ['link', 'del', westIf]); // only exists if the move into the namespace failed
  }
}

function ikeHex(tag: number): string {
  const b = Buffer.alloc(40, tag);
  b.writeUInt32BE(40, 24);
  return b.toString('hex');
}

const skip = canUseNetns();

test('netns: the interface scan binds 500 and 4500 on every address (v4, v6, loopback; not link-local)', { skip }, async () => {
  await withHosts(async ({ west, east }) => {
    const w = await west.request<RescanResult>('start');
    const e = await east.request<RescanResult>('start');
    assert.deepEqual(w.failed, []);
    assert.deepEqual(e.failed, []);
    const addrs = (r: RescanResult): string[] => r.opened.map((o) => o.address).sort();
    assert.deepEqual(addrs(w), ['127.0.0.1', '192.0.2.1', '2001:db8::1', '::1']);
    assert.deepEqual(addrs(e), ['127.0.0.1', '192.0.2.2', '2001:db8::2', '::1']);
    for (const o of [...w.opened, ...e.opened]) {
      assert.equal(o.ikePort, 500);
      assert.equal(o.nattPort, 4500);
    }
  });
});

test('netns: IKE over the veth on 500 and 4500, IPv4 and IPv6, marker added and stripped, keep-alives counted', { skip }, async () => {
  await withHosts(async ({ west, east }) => {
    await west.request('start');
    await east.request('start');
    const cases: [Endpoint, Endpoint][] = [
      [{ address: '192.0.2.1', port: 500 }, { address: '192.0.2.2', port: 500 }],
      [{ address: '192.0.2.1', port: 4500 }, { address: '192.0.2.2', port: 4500 }],
      [{ address: '2001:db8::1', port: 500 }, { address: '2001:db8::2', port: 500 }],
      [{ address: '2001:db8::1', port: 4500 }, { address: '2001:db8::2', port: 4500 }],
    ];
    cases.forEach(([local, remote], i) => void west.request('send', { data: ikeHex(i + 1), local, remote }));
    const got = await east.waitEvents(4);
    for (const [i, [local, remote]] of cases.entries()) {
      const ev = got.find((g) => g.data === ikeHex(i + 1));
      assert.ok(ev, `message ${i + 1}`);
      assert.deepEqual(ev, { event: 'ike', data: ikeHex(i + 1), local: remote, remote: local });
    }
    const ec = await east.request<IkeSocketCounters>('counters');
    assert.equal(ec.ikeReceived, 4);
    assert.equal(ec.ikeReceivedNatt, 2);

    // The answer to the NAT-T message goes back from east's 4500.
    await east.request('send', { data: ikeHex(9), local: cases[1]?.[1], remote: cases[1]?.[0] });
    const back = await west.waitEvents(1);
    assert.deepEqual(back[0]?.local, { address: '192.0.2.1', port: 4500 });
    assert.deepEqual(back[0]?.remote, { address: '192.0.2.2', port: 4500 });

    await west.request('keepalive', { local: { address: '192.0.2.1', port: 4500 }, remote: { address: '192.0.2.2', port: 4500 }, interval: 0.05 });
    await west.request('keepalive', { local: { address: '2001:db8::1', port: 4500 }, remote: { address: '2001:db8::2', port: 4500 }, interval: 0.05 });
    const until = Date.now() + 3000;
    let c = await east.request<IkeSocketCounters>('counters');
    while (c.keepalivesReceived < 6 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
      c = await east.request<IkeSocketCounters>('counters');
    }
    assert.ok(c.keepalivesReceived >= 6, `keep-alives received: ${c.keepalivesReceived}`);
    assert.equal(c.ikeReceived, 4, 'keep-alives never reach IKE');
    assert.equal(east.events.length, 4);
    assert.equal(c.malformed, 0);
    await west.request('close');
  });
});

test('netns: rescan opens sockets on an added address and closes them when it is removed', { skip }, async () => {
  await withHosts(async ({ west, east, westNs, westIf }) => {
    await west.request('start');
    await east.request('start');
    ip('-n', westNs, 'addr', 'add', '192.0.2.11/24', 'dev', westIf);
    const added = await west.request<RescanResult>('rescan');
    assert.deepEqual(added, { opened: [{ address: '192.0.2.11', family: 4, ikePort: 500, nattPort: 4500 }], closed: [], failed: [] });
    await east.request('send', { data: ikeHex(5), local: { address: '192.0.2.2', port: 500 }, remote: { address: '192.0.2.11', port: 500 } });
    const got = await west.waitEvents(1);
    assert.deepEqual(got[0]?.local, { address: '192.0.2.11', port: 500 }, 'the new address is reported as the local one');

    ip('-n', westNs, 'addr', 'del', '192.0.2.11/24', 'dev', westIf);
    const removed = await west.request<RescanResult>('rescan');
    assert.deepEqual(removed, { opened: [], closed: ['192.0.2.11'], failed: [] });
    const listening = await west.request<ListeningAddress[]>('listening');
    assert.deepEqual(listening.map((l) => l.address).sort(), ['127.0.0.1', '192.0.2.1', '2001:db8::1', '::1']);

    // --listen restricts to one address.
    const only = await west.request<RescanResult>('rescan', { listen: ['192.0.2.1'] });
    assert.deepEqual(only.closed.sort(), ['127.0.0.1', '2001:db8::1', '::1']);
    assert.deepEqual(only.opened, []);
  });
});

test('netns: a scoped link-local address given to --listen is bound and reported with its zone', { skip }, async () => {
  await withHosts(async ({ west, east, westIf, eastIf }) => {
    const w = await west.request<RescanResult>('start', { listen: [`fe80::1%${westIf}`] });
    assert.deepEqual(w, { opened: [{ address: `fe80::1%${westIf}`, family: 6, ikePort: 500, nattPort: 4500 }], closed: [], failed: [] });
    await east.request('start', { listen: [`fe80::2%${eastIf}`] });
    await east.request('send', {
      data: ikeHex(3),
      local: { address: `fe80::2%${eastIf}`, port: 4500 },
      remote: { address: `fe80::1%${eastIf}`, port: 4500 },
    });
    const got = await west.waitEvents(1);
    assert.deepEqual(got[0]?.local, { address: `fe80::1%${westIf}`, port: 4500 });
    assert.equal(got[0]?.data, ikeHex(3));
    // node reports the sender with the zone of the receiving interface, so a reply can go straight back.
    assert.deepEqual(got[0]?.remote, { address: `fe80::2%${westIf}`, port: 4500 });
    await west.request('send', { data: ikeHex(4), local: got[0]?.local, remote: got[0]?.remote });
    const back = await east.waitEvents(1);
    assert.deepEqual(back[0], {
      event: 'ike',
      data: ikeHex(4),
      local: { address: `fe80::2%${eastIf}`, port: 4500 },
      remote: { address: `fe80::1%${eastIf}`, port: 4500 },
    });
  });
});
