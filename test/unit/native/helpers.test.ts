// The helper pool: Libreswan's --nhelpers semantics, results identical to inline, errors rejected,
// reconfiguration while busy, and clean shutdown (process exit, worker threads).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import {
  type DhGroupId,
  type DhKeyPair,
  computeSharedAsync,
  dhKeyPairFromPrivate,
  generateDhKeyPair,
  generateDhKeyPairAsync,
} from '../../../src/native/dh';
import { MAX_HELPERS, helperStats, helperThreads, resolveNhelpers, setHelperThreads } from '../../../src/native/helpers';
import { REPO_ROOT } from '../../helpers/paths';
import { hex, loadVectors } from '../../helpers/vectors';

interface EcpVector { group: 19 | 20 | 21; i: string; grx: string; gry: string; girx: string }

const DIST_DH = path.join(REPO_ROOT, 'dist', 'src', 'native', 'dh.js');
const DIST_HELPERS = path.join(REPO_ROOT, 'dist', 'src', 'native', 'helpers.js');

test('resolveNhelpers follows Libreswan: -1 is one per CPU below 4 CPUs, else CPUs - 1', () => {
  assert.equal(resolveNhelpers(-1, 1), 1);
  assert.equal(resolveNhelpers(-1, 2), 2);
  assert.equal(resolveNhelpers(-1, 3), 3);
  assert.equal(resolveNhelpers(-1, 4), 3);
  assert.equal(resolveNhelpers(-1, 16), 15);
  assert.equal(resolveNhelpers(0, 16), 0);
  assert.equal(resolveNhelpers(5, 2), 5);
  assert.equal(resolveNhelpers(-1, 0), 1);
  for (const bad of [-2, 1.5, Number.NaN, MAX_HELPERS + 1, Infinity]) {
    assert.throws(() => resolveNhelpers(bad, 2), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => setHelperThreads(bad), { code: 'ERR_OUT_OF_RANGE' });
  }
});

test('setHelperThreads(0 / 1 / 2 / -1) returns and reports the count in use', () => {
  const cpus = os.availableParallelism();
  assert.equal(helperThreads(), resolveNhelpers(-1, cpus), 'the default is -1');
  for (const n of [0, 1, 2, -1, 0]) {
    assert.equal(setHelperThreads(n), resolveNhelpers(n, cpus));
    assert.equal(helperThreads(), resolveNhelpers(n, cpus));
    assert.equal(helperStats().threads, resolveNhelpers(n, cpus));
  }
});

test('results on the pool are those of the known answers, with 0, 1, 2 and -1 helpers', async () => {
  const file = loadVectors<EcpVector>('dh-rfc5903.json');
  for (const n of [0, 1, 2, -1]) {
    setHelperThreads(n);
    for (const v of file.vectors) {
      const pair = dhKeyPairFromPrivate(v.group, hex(v.i));
      const secret = await computeSharedAsync(pair, Buffer.concat([hex(v.grx), hex(v.gry)]));
      assert.deepEqual(secret.reveal(), hex(v.girx), `nhelpers ${n}, group ${v.group}`);
    }
  }
});

test('async key pairs agree with sync ones, for every group but MODP8192 (cost)', async () => {
  setHelperThreads(2);
  for (const g of [14, 15, 16, 19, 20, 21, 31, 32] as DhGroupId[]) {
    const a = await generateDhKeyPairAsync(g);
    const b = generateDhKeyPair(g);
    assert.equal(a.group, g);
    const s1 = await computeSharedAsync(a, b.publicKey);
    assert.ok(s1.equals(b.computeShared(a.publicKey)), `group ${g}`);
  }
});

test('a failed job rejects with the error the sync call throws; stats count it', async () => {
  for (const n of [0, 2]) {
    setHelperThreads(n);
    const before = helperStats();
    const pair = generateDhKeyPair(19);
    const bad = Buffer.alloc(64);
    let syncMessage = '';
    assert.throws(() => pair.computeShared(bad), (e: Error) => { syncMessage = e.message; return true; });
    await assert.rejects(computeSharedAsync(pair, bad), { code: 'ERR_IPSEC_DH_BAD_PEER', message: syncMessage });
    await assert.rejects(generateDhKeyPairAsync(99 as DhGroupId), { code: 'ERR_IPSEC_DH_UNKNOWN_GROUP' });
    const ok = await computeSharedAsync(pair, generateDhKeyPair(19).publicKey);
    assert.equal(ok.length, 32);
    const after = helperStats();
    assert.equal(after.failed - before.failed, 1, `nhelpers ${n}`);
    assert.equal(after.completed - before.completed, 1, `nhelpers ${n}`);
  }
});

test('wiping a pair while its job is queued: the job completes, later calls are refused', async () => {
  setHelperThreads(1);
  const a = generateDhKeyPair(31);
  const b = generateDhKeyPair(31);
  const pending = computeSharedAsync(a, b.publicKey);
  a.wipe();
  assert.ok((await pending).equals(b.computeShared(a.publicKey)));
  await assert.rejects(computeSharedAsync(a, b.publicKey), { code: 'ERR_IPSEC_DH_WIPED' });
});

async function exchange(peer: DhKeyPair): Promise<boolean> {
  const mine = await generateDhKeyPairAsync(31);
  const secret = await computeSharedAsync(mine, peer.publicKey);
  const ok = secret.equals(peer.computeShared(mine.publicKey));
  mine.wipe();
  secret.wipe();
  return ok;
}

test('many concurrent jobs on 2 helpers all complete correctly', async () => {
  setHelperThreads(2);
  const peer = generateDhKeyPair(31);
  const before = helperStats();
  const results = await Promise.all(Array.from({ length: 400 }, () => exchange(peer)));
  assert.equal(results.filter((ok) => ok).length, 400);
  const after = helperStats();
  assert.equal(after.completed - before.completed, 800);
  assert.equal(after.queued, 0);
  assert.ok(after.batches > before.batches);
});

test('reconfiguring while jobs are queued: 2 -> 1 -> 0 -> 2 threads, every job completes', async () => {
  setHelperThreads(2);
  const peer = generateDhKeyPair(19);
  const jobs: Promise<boolean>[] = [];
  const submit = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const pair = generateDhKeyPair(19);
      jobs.push(computeSharedAsync(pair, peer.publicKey).then((s) => s.equals(peer.computeShared(pair.publicKey))));
    }
  };
  submit(150);
  assert.equal(setHelperThreads(1), 1);
  submit(50);
  assert.equal(setHelperThreads(0), 0); // runs what is still queued, inline
  assert.equal(helperStats().queued, 0);
  submit(20);
  assert.equal(setHelperThreads(2), 2);
  submit(50);
  const results = await Promise.all(jobs);
  assert.equal(results.filter((ok) => ok).length, 270);
});

test('the event loop keeps running while 2 helpers work (loose bound; figures are in the report)', async () => {
  setHelperThreads(2);
  const peer = generateDhKeyPair(31);
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  await Promise.all(Array.from({ length: 300 }, () => exchange(peer)));
  histogram.disable();
  // A loaded 2-core machine may stall us now and then; a second is far above what the pool causes.
  assert.ok(histogram.max / 1e6 < 1000, `max event-loop delay ${histogram.max / 1e6} ms`);
});

function runNode(script: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

test('a process with idle helper threads exits by itself (no hang), and process.exit() mid-work is clean', () => {
  const idle = runNode(`
    const dh = require(${JSON.stringify(DIST_DH)}); const h = require(${JSON.stringify(DIST_HELPERS)});
    h.setHelperThreads(2);
    const peer = dh.generateDhKeyPair(31);
    Promise.all(Array.from({ length: 50 }, () => dh.generateDhKeyPairAsync(31).then((k) => dh.computeSharedAsync(k, peer.publicKey))))
      .then((s) => console.log('done', s.length));`);
  assert.equal(idle.signal, null, idle.stderr);
  assert.equal(idle.status, 0, idle.stderr);
  assert.equal(idle.stdout.trim(), 'done 50');

  const midway = runNode(`
    const dh = require(${JSON.stringify(DIST_DH)}); const h = require(${JSON.stringify(DIST_HELPERS)});
    h.setHelperThreads(2);
    for (let i = 0; i < 200; i++) dh.generateDhKeyPairAsync(15);
    setImmediate(() => { console.log('exiting', h.helperStats().queued > 0); process.exit(0); });`);
  assert.equal(midway.signal, null, midway.stderr);
  assert.equal(midway.status, 0, midway.stderr);
  assert.match(midway.stdout, /^exiting/);
});

test('worker threads get their own pool; ending or terminating a worker mid-work is clean', () => {
  const r = runNode(`
    const { Worker } = require('node:worker_threads');
    const body = (count, end) => \`
      const { parentPort } = require('node:worker_threads');
      const dh = require(${JSON.stringify(DIST_DH)}); const h = require(${JSON.stringify(DIST_HELPERS)});
      h.setHelperThreads(2);
      const peer = dh.generateDhKeyPair(31);
      Promise.all(Array.from({ length: \${count} }, () => dh.generateDhKeyPairAsync(31).then((k) => dh.computeSharedAsync(k, peer.publicKey))))
        .then((s) => parentPort.postMessage(s.length));
      \${end}\`;
    const a = new Worker(body(100, ''), { eval: true });
    a.on('message', (n) => console.log('worker a', n));
    a.on('exit', (code) => {
      console.log('a exit', code);
      const b = new Worker(body(100000, "parentPort.postMessage('started')"), { eval: true });
      b.on('message', (m) => { if (m === 'started') setTimeout(() => b.terminate(), 20); });
      b.on('exit', (code) => console.log('b exit', code));
    });`);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /worker a 100\na exit 0\nb exit 1/);
});
