// Keep-alive timers on a mocked clock: one fire per interval per pair, restart replaces, stop stops.
import { test, mock } from 'node:test';
import * as assert from 'node:assert/strict';

import { DEFAULT_KEEPALIVE_SECONDS, KeepaliveTimers } from '../../../src/net/keepalives';
import type { Endpoint } from '../../../src/ikev2/engine-api';

const L: Endpoint = { address: '192.0.2.1', port: 4500 };
const R1: Endpoint = { address: '198.51.100.1', port: 4500 };
const R2: Endpoint = { address: '198.51.100.2', port: 31337 };

test('Libreswan default interval is 20 s', () => {
  assert.equal(DEFAULT_KEEPALIVE_SECONDS, 20);
});

test('fires once per interval per pair; restarting changes the interval; stop ends it', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    const fired: string[] = [];
    const k = new KeepaliveTimers((l, r) => fired.push(`${l.address}:${l.port}>${r.address}:${r.port}`));
    k.start(L, R1, 20);
    k.start(L, R2, 5);
    mock.timers.tick(19_999);
    assert.equal(fired.filter((f) => f.endsWith('198.51.100.1:4500')).length, 0);
    assert.equal(fired.filter((f) => f.endsWith('198.51.100.2:31337')).length, 3);
    mock.timers.tick(1);
    assert.equal(fired.filter((f) => f.endsWith('198.51.100.1:4500')).length, 1);
    assert.equal(fired.filter((f) => f.endsWith('198.51.100.2:31337')).length, 4);
    assert.equal(k.list().length, 2);

    k.start(L, R1, 1); // restart: replaces, does not add
    assert.equal(k.list().length, 2);
    fired.length = 0;
    mock.timers.tick(3000);
    assert.equal(fired.filter((f) => f.endsWith('198.51.100.1:4500')).length, 3);

    assert.equal(k.stop(L, R1), true);
    assert.equal(k.stop(L, R1), false);
    fired.length = 0;
    mock.timers.tick(10_000);
    assert.deepEqual(new Set(fired), new Set(['192.0.2.1:4500>198.51.100.2:31337']));
    k.stopAll();
    fired.length = 0;
    mock.timers.tick(60_000);
    assert.deepEqual(fired, []);
    assert.deepEqual(k.list(), []);
  } finally {
    mock.timers.reset();
  }
});

test('an interval that is not a positive number is refused', () => {
  const k = new KeepaliveTimers(() => undefined);
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => k.start(L, R1, bad), RangeError);
  }
  assert.deepEqual(k.list(), []);
});
