// NAT-T keep-alives reach the engine (--keep-alive, nat-keepalive=): started by the end behind a NAT (here
// encapsulation=yes, which Libreswan treats as "we are behind a NAT") once its IKE SA is up on port 4500,
// kept across an IKE SA rekey, stopped when the SA dies; never from the other end.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import type { Endpoint, KeepaliveControl } from '../../src/ikev2/engine-api';
import { conf, IkePair } from '../helpers/ike-pair';

const ALGS = 'ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256\nleftsubnet=10.1.0.0/24\nrightsubnet=10.2.0.0/24';

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

test('the end behind the NAT sends keep-alives from port 4500 while its IKE SA lives (--keep-alive 7)', async () => {
  const { pair, a, b } = pairWith('encapsulation=yes', 7);
  const up = pair.a.engine.initiate('test');
  await pair.run();
  const r = await up;
  assert.equal(r.child.encapsulated, true);
  assert.deepEqual(a.calls, ['start 192.0.2.1:4500>192.0.2.2:4500 7s']);
  assert.deepEqual(b.calls, [], 'the end not behind a NAT sends none');

  // An IKE SA rekey: the new SA uses the same ports, the keep-alive goes on untouched.
  await Promise.all([pair.a.engine.rekey('test', 'ike'), pair.run()]);
  assert.deepEqual(a.calls, ['start 192.0.2.1:4500>192.0.2.2:4500 7s']);
  assert.equal(pair.a.engine.status().ikeSas.length, 1);

  await Promise.all([pair.a.engine.terminate('test'), pair.run()]);
  assert.deepEqual(a.calls, ['start 192.0.2.1:4500>192.0.2.2:4500 7s', 'stop 192.0.2.1:4500>192.0.2.2:4500']);
  assert.equal(a.running.size, 0);
});

test('the default interval is 20 s; a peer that deletes the SA stops them too', async () => {
  const { pair, a } = pairWith('encapsulation=yes');
  const up = pair.a.engine.initiate('test');
  await pair.run();
  await up;
  assert.deepEqual([...a.running.values()], [20]);
  await Promise.all([pair.b.engine.terminate('test'), pair.run()]);
  assert.equal(a.running.size, 0);
});

test('nat-keepalive=no, or --keep-alive 0: none', async () => {
  for (const [extra, seconds] of [['encapsulation=yes\nnat-keepalive=no', undefined], ['encapsulation=yes', 0]] as const) {
    const { pair, a } = pairWith(extra, seconds);
    const up = pair.a.engine.initiate('test');
    await pair.run();
    await up;
    assert.deepEqual(a.calls, [], `${extra} ${String(seconds)}`);
  }
});

test('without a NAT: none on either end', async () => {
  const { pair, a, b } = pairWith('');
  const up = pair.a.engine.initiate('test');
  await pair.run();
  await up;
  assert.deepEqual([a.calls, b.calls], [[], []]);
});
