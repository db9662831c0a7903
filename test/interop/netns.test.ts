// The test hosts themselves: addresses (IPv4 and IPv6) reachable over the veth, processes killed and
// namespaces deleted by destroy(), and namespaces of a dead test process swept away.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

import { createHostPair, ipv4Subnet, listNamespaces, sweepStaleNamespaces } from '../helpers/netns';
import { ensurePackages, PING_PACKAGES } from '../helpers/packages';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skip: string | false = isRoot ? (ensurePackages(PING_PACKAGES) ?? false) : 'needs root (network namespaces)';
if (skip) console.log(`# netns tests skipped: ${skip}`);

test('a host pair: unique names, outer and inner addresses, IPv6, and destroy() kills and deletes', { skip, timeout: 30_000 }, async () => {
  const a = createHostPair({ ipv6: true });
  const b = createHostPair();
  try {
    assert.notEqual(a.west.ns, b.west.ns);
    assert.match(a.west.ns, new RegExp(`^swl-${process.pid}-\\d+-west$`));
    assert.ok(listNamespaces().includes(a.east.ns));
    assert.match(await a.execOk('west', 'ping', ['-n', '-c', '1', '-W', '2', a.east.outer]), /1 received/);
    assert.match(await a.execOk('east', 'ping', ['-n', '-c', '1', '-W', '2', a.west.outer6!]), /1 received/);
    assert.match(await a.execOk('west', 'ip', ['-o', 'addr', 'show', 'dev', 'lo']), /inet 10\.1\.0\.1\/24/);
    assert.match(await a.execOk('east', 'ip', ['-o', 'addr', 'show', 'dev', 'lo']), /inet6 fd00:2::1\/64/);
    // The inner subnets are not routed without a tunnel.
    assert.notEqual((await a.exec('west', 'ping', ['-n', '-c', '1', '-W', '1', '-I', a.west.inner, a.east.inner])).code, 0);
    // Two pairs are separate hosts: b's west has the same addresses but is another namespace.
    assert.match(await b.execOk('west', 'ping', ['-n', '-c', '1', '-W', '2', b.east.outer]), /1 received/);
    const failed = await a.exec('west', 'false');
    assert.equal(failed.code, 1);
    await assert.rejects(a.execOk('west', 'sh', ['-c', 'echo oops >&2; exit 3']), /code 3[\s\S]*oops/);
    const timedOut = await a.exec('west', 'sleep', ['10'], { timeoutMs: 200 });
    assert.equal(timedOut.signal, 'SIGKILL');

    const sleeper = a.spawn('east', 'sleep', ['300']);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => sleeper.once('exit', (_c, s) => resolve(s)));
    await new Promise((r) => setTimeout(r, 100));
    await a.destroy();
    assert.ok(['SIGTERM', 'SIGKILL'].includes((await exited) ?? ''), 'the process in the namespace was killed');
    const names = listNamespaces();
    assert.ok(!names.includes(a.west.ns) && !names.includes(a.east.ns));
    assert.ok(names.includes(b.west.ns), 'destroying one pair leaves the other');
    await a.destroy(); // idempotent
  } finally {
    await a.destroy();
    await b.destroy();
  }
});

test('ipv4Subnet: the network of an address and prefix', () => {
  assert.equal(ipv4Subnet('10.1.0.1', 24), '10.1.0.0/24');
  assert.equal(ipv4Subnet('172.16.5.77', 20), '172.16.0.0/20');
  assert.equal(ipv4Subnet('192.0.2.255', 32), '192.0.2.255/32');
  assert.equal(ipv4Subnet('203.0.113.9', 0), '0.0.0.0/0');
  assert.throws(() => ipv4Subnet('10.1.0', 24), /bad IPv4/);
  assert.throws(() => ipv4Subnet('10.1.0.1', 33), /bad IPv4/);
});

test('a host pair with chosen addresses', { skip, timeout: 30_000 }, async () => {
  const p = createHostPair({ outer: ['198.51.100.10', '198.51.100.20'], outerPrefixLen: 25, inner: ['172.16.1.1', '172.16.2.1'], innerPrefixLen: 20 });
  try {
    assert.equal(p.west.innerSubnet, '172.16.0.0/20');
    assert.equal(p.east.outer, '198.51.100.20');
    assert.match(await p.execOk('west', 'ip', ['-o', 'addr', 'show', 'dev', 'w0']), /inet 198\.51\.100\.10\/25/);
    assert.match(await p.execOk('east', 'ip', ['-o', 'addr', 'show', 'dev', 'lo']), /inet 172\.16\.2\.1\/20/);
    assert.match(await p.execOk('west', 'ping', ['-n', '-c', '1', '-W', '2', p.east.outer]), /1 received/);
  } finally {
    await p.destroy();
  }
});

test('namespaces of a test process that died are swept; those of live processes are kept', { skip, timeout: 30_000 }, async () => {
  const helper = path.join(__dirname, '..', 'helpers', 'netns.js');
  // A child makes a pair and prints its names, then is killed with SIGKILL (no exit handler runs).
  const child = spawn(process.execPath, ['-e', `const n = require(${JSON.stringify(helper)}); const p = n.createHostPair(); console.log(p.west.ns, p.east.ns); setInterval(() => {}, 1000);`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const names = await new Promise<string[]>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim().split(' '));
    });
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  const mine = createHostPair();
  try {
    assert.equal(names.length, 2);
    assert.deepEqual(sweepStaleNamespaces(), [], 'nothing is stale while the creator lives');
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    assert.ok(names.every((n) => listNamespaces().includes(n)), 'SIGKILL leaves the namespaces behind');
    assert.deepEqual(sweepStaleNamespaces().sort(), [...names].sort());
    const left = listNamespaces();
    assert.ok(names.every((n) => !left.includes(n)));
    assert.ok(left.includes(mine.west.ns), "our own live pair is not swept");
  } finally {
    child.kill('SIGKILL');
    await mine.destroy();
  }
});
