// NAT-T keep-alives reach the engine (--keep-alive, nat-keepalive=): started by the end behind a NAT once
// its IKE SA is up on port 4500, kept across an IKE SA rekey, stopped when the SA dies; never from the
// other end, and not for encapsulation=yes's pretended NAT. The NAT here rewrites A's source ports (500 ->
// 1500, 4500 -> 14500) and maps B's answers back, as a port-translating NAT in front of A would.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import type { Endpoint, KeepaliveControl } from '../../src/ikev2/engine-api';
import { ADDRESS_A, conf, IkePair, type InFlight } from '../helpers/ike-pair';

const ALGS = 'ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256\nleftsubnet=10.1.0.0/24\nrightsubnet=10.2.0.0/24';
const OUTSIDE: Record<number, number> = { 500: 1500, 4500: 14500 };
const INSIDE: Record<number, number> = { 1500: 500, 14500: 4500 };

/** The NAT in front of A. */
function nat(m: InFlight): InFlight {
  if (m.from.address === ADDRESS_A) return { ...m, from: { ...m.from, port: OUTSIDE[m.from.port] ?? m.from.port } };
  if (m.to.address === ADDRESS_A) return { ...m, to: { ...m.to, port: INSIDE[m.to.port] ?? m.to.port } };
  return m;
}

async function runThroughNat(pair: IkePair): Promise<void> {
  await pair.settle();
  for (let n = 0; pair.queue.length > 0; n++) {
    if (n > 50) throw new Error('still talking after 50 datagrams');
    await pair.deliver(nat);
  }
}

class Recorder implements KeepaliveControl {
  readonly calls: string[] = [];
  readonly running = new Map<string, number>();
  start(local: Endpoint, remote: Endpoint, seconds: number): void {
    const k = `${local.address}:${local.port}>${remote.address}:${remote.port}`;
    this.calls.push(`start ${k} ${seconds}s`);
    this.running.set(k, seconds);
  }
  stop(local: Endpoint, remote: Endpoint): void {
    const k = `${local.address}:${local.port}>${remote.address}:${remote.port}`;
    this.calls.push(`stop ${k}`);
    this.running.delete(k);
  }
}

function pairWith(extraA: string, keepAliveSeconds?: number): { pair: IkePair; a: Recorder; b: Recorder } {
  const a = new Recorder();
  const b = new Recorder();
  const pair = new IkePair({
    conf: conf(`${ALGS}\n${extraA}`),
    confB: conf(ALGS),
    depsA: { keepalives: a, ...(keepAliveSeconds !== undefined ? { keepAliveSeconds } : {}) },
    depsB: { keepalives: b, ...(keepAliveSeconds !== undefined ? { keepAliveSeconds } : {}) },
  });
  return { pair, a, b };
}

const KEEPALIVE = 'start 192.0.2.1:4500>192.0.2.2:4500 7s';

test('the end behind the NAT sends keep-alives from port 4500 while its IKE SA lives (--keep-alive 7)', async () => {
  const { pair, a, b } = pairWith('', 7);
  const up = pair.a.engine.initiate('test');
  await runThroughNat(pair);
  const r = await up;
  assert.equal(r.child.encapsulated, true);
  assert.deepEqual(a.calls, [KEEPALIVE]);
  assert.deepEqual(b.calls, [], 'the end not behind a NAT sends none');
  assert.equal(pair.b.engine.status().ikeSas[0]!.remoteAddress, ADDRESS_A);

  // An IKE SA rekey: the new SA uses the same ports, the keep-alive goes on untouched.
  await Promise.all([pair.a.engine.rekey('test', 'ike'), runThroughNat(pair)]);
  assert.deepEqual(a.calls, [KEEPALIVE]);
  assert.equal(pair.a.engine.status().ikeSas.length, 1);

  await Promise.all([pair.a.engine.terminate('test'), runThroughNat(pair)]);
  assert.deepEqual(a.calls, [KEEPALIVE, 'stop 192.0.2.1:4500>192.0.2.2:4500']);
  assert.equal(a.running.size, 0);
});

test('the default interval is 20 s; a peer that deletes the SA stops them too', async () => {
  const { pair, a } = pairWith('');
  const up = pair.a.engine.initiate('test');
  await runThroughNat(pair);
  await up;
  assert.deepEqual([...a.running.values()], [20]);
  await Promise.all([pair.b.engine.terminate('test'), runThroughNat(pair)]);
  assert.equal(a.running.size, 0);
});

test('nat-keepalive=no, or --keep-alive 0: none', async () => {
  for (const [extra, seconds] of [['nat-keepalive=no', undefined], ['', 0]] as const) {
    const { pair, a } = pairWith(extra, seconds);
    const up = pair.a.engine.initiate('test');
    await runThroughNat(pair);
    await up;
    assert.deepEqual(a.calls, [], `${extra} ${String(seconds)}`);
  }
});

test('without a NAT: none on either end, even with encapsulation=yes (a pretended NAT has no mapping to keep)', async () => {
  for (const extra of ['', 'encapsulation=yes']) {
    const { pair, a, b } = pairWith(extra);
    const up = pair.a.engine.initiate('test');
    await pair.run();
    const r = await up;
    assert.equal(r.child.encapsulated, extra !== '');
    assert.deepEqual([a.calls, b.calls], [[], []], extra);
  }
});
