// Issue 6: byte and packet lifetimes through two of our daemons on the userspace data path (west/east
// namespaces, real CLI). ipsec-max-bytes= on west: the data path raises the soft expiry at ~25% (less fuzz)
// and the daemon rekeys the Child SA while a TCP transfer runs (new serial in --trafficstatus, new SPIs),
// the transfer's SHA-256 intact at the far end. ipsec-max-packets= with rekey=no: the hard expiry deletes
// the Child SA on both ends. (Time lifetimes: tunnel.test.ts rekeys on salifetime= during its transfer.)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ensurePackages, PING_PACKAGES } from '../helpers/packages';
import { canUseNetns } from './datapath-hosts';
import { waitFor, type TestContextLike } from './daemon-harness';
import { readLog, upWestEast, waitStatus, type NetnsPair, type PairStatus } from './pluto-pair-harness';
import { assertIntact, inNs, transfer } from './tcp-transfer';

const skip = canUseNetns() ?? ensurePackages(PING_PACKAGES) ?? undefined;
const IKE = 'aes_gcm256-sha2_256;dh31';
const ESP = 'aes_gcm128';
const PSK = 'a pre-shared key for the lifetime tests';

interface TrafficJson {
  serial: number;
  inBytes: number;
  outBytes: number;
}

async function tunnelUp(t: TestContextLike, westExtra: string): Promise<NetnsPair> {
  return (await upWestEast(t, { ike: IKE, esp: ESP, psk: PSK, westExtra })).pair;
}

function traffic(pair: NetnsPair, side: 'west' | 'east'): TrafficJson[] {
  const r = pair.ipsec(side, 'whack', '--trafficstatus', '--json');
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as TrafficJson[];
}

function counters(pair: NetnsPair, side: 'west' | 'east'): Record<string, number> {
  const s = JSON.parse(pair.ipsec(side, 'whack', '--status', '--json').stdout) as { kernel: string; datapath?: { counters: Record<string, number> } };
  assert.equal(s.kernel, 'userspace', `${side} drives the userspace data path`);
  return s.datapath!.counters;
}

test('ipsec-max-bytes: the soft limit rekeys the Child SA during a TCP transfer, SHA-256 intact', { skip, timeout: 60_000 }, async (t) => {
  // West (the original initiator): hard 4 MiB, soft 25% of it less up to 12%: a rekey every ~1 MiB sent.
  // Time lifetimes stay far away (default salifetime), so every rekey here is a count expiry.
  const hard = 4 * 1024 * 1024;
  const pair = await tunnelUp(t, '\tipsec-max-bytes=4MiB\n');
  const before = pair.status('west').engine.childSas[0]!;
  const serialBefore = traffic(pair, 'west')[0]!.serial;

  const size = 12 * 1024 * 1024;
  const r = await transfer(pair.hosts.west.ns, pair.hosts.east.ns, size, { from: '10.1.0.1', to: '10.2.0.1', bytesPerSecond: size / 6, timeoutMs: 40_000 });
  assertIntact(r, size);

  const westLog = readLog(pair, 'west');
  const soft = westLog.match(/: soft lifetime of outbound SA [0-9a-f]{8} of Child SA #\d+ reached: rekeying/g) ?? [];
  const rekeyed = westLog.match(/: IPsec SA deleted \(rekeyed\)/g) ?? [];
  // 12 MiB at one rekey per ≤ 1 MiB: at least 10 (a margin for the last one still under way).
  assert.ok(soft.length >= 10, `west's data path raised a soft expiry per ~MiB: ${soft.length}\n${westLog}`);
  assert.ok(rekeyed.length >= 10, `west rekeyed its Child SA each time: ${rekeyed.length}`);
  assert.doesNotMatch(westLog, /hard lifetime/, 'every rekey came before the hard limit');

  // The Child SA that carries traffic now is a new one on both ends: new serial, new SPIs, the same pair.
  let w = pair.status('west');
  let e = pair.status('east');
  const settled = (): boolean => {
    [w, e] = [pair.status('west'), pair.status('east')];
    return w.engine.childSas.length === 1 && e.engine.childSas.length === 1 && w.engine.childSas[0]!.spiOut === e.engine.childSas[0]!.spiIn;
  };
  assert.ok(await waitFor(settled, 5000), JSON.stringify([w.engine.childSas, e.engine.childSas]));
  const now = w.engine.childSas[0]!;
  assert.notEqual(now.spiIn, before.spiIn);
  assert.notEqual(now.spiOut, before.spiOut);
  const ts = traffic(pair, 'west');
  assert.equal(ts.length, 1);
  assert.ok(ts[0]!.serial > serialBefore, `--trafficstatus names a new Child SA: #${ts[0]!.serial} after #${serialBefore}`);
  assert.ok(ts[0]!.outBytes < hard, `no SA carried more than ipsec-max-bytes: ${ts[0]!.outBytes}`);
  const text = pair.ipsec('west', 'whack', '--trafficstatus').stdout;
  assert.match(text, new RegExp(`^006 #${ts[0]!.serial}: "west-east", type=ESP, `, 'm'), text);
  const c = counters(pair, 'west');
  process.stdout.write(`# 12 MiB in ${r.seconds.toFixed(1)} s across ${rekeyed.length} byte-lifetime rekeys; west dropped expired=${c.expired}\n`);
});

test('ipsec-max-packets with rekey=no: the hard limit deletes the Child SA on both ends', { skip, timeout: 40_000 }, async (t) => {
  const pair = await tunnelUp(t, '\tipsec-max-packets=10\n\trekey=no\n');
  // 20 echo requests: west's outbound SA reaches 10 packets, the data path expires it, west deletes the Child SA.
  const p = await inNs(pair.hosts.west.ns, ['ping', '-c', '20', '-i', '0.05', '-W', '1', '10.2.0.1'], 20_000);
  const received = Number(/(\d+) received/.exec(p.stdout)?.[1] ?? -1);
  assert.ok(received >= 9 && received < 20, `at most the first 10 echo requests went through the tunnel: ${p.stdout}`);
  const gone = (s: PairStatus): boolean => s.engine.childSas.length === 0;
  assert.ok(gone(await waitStatus(pair, 'west', gone)), 'west deleted the Child SA');
  assert.ok(gone(await waitStatus(pair, 'east', gone)), 'east deleted it on west\'s Delete');
  assert.match(readLog(pair, 'west'), /: hard lifetime of outbound SA [0-9a-f]{8} of Child SA #2 reached: deleting it/);
  assert.doesNotMatch(readLog(pair, 'west'), /soft lifetime/, 'rekey=no: the soft expiry does not rekey');
  assert.equal(pair.status('west').engine.ikeSas.length, 1, 'the IKE SA stays');
  assert.ok(await waitFor(() => pair.ipsec('west', 'whack', '--trafficstatus').stdout === '', 2000), 'no Child SA in --trafficstatus');
});
