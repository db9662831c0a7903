// Child SA lifetimes as Libreswan derives them from salifetime=, rekeymargin=, ipsec-max-bytes= and
// ipsec-max-packets= (ipsec.conf(5)): soft count limits at 25% (original initiator) or 50% (responder) of
// the hard one, less up to 12% fuzz; unreachable limits (the 2^63 default) programmed as none.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { childSaLifetimes, countLimits } from '../../../src/ikev2/sa-lifetimes';

const DEFAULT = '9223372036854775808';

test('soft count limit: 25% on the initiator, 50% on the responder, less up to 12% fuzz', () => {
  assert.deepEqual(countLimits('1000000', true, 0), { soft: 250000, hard: 1000000 });
  assert.deepEqual(countLimits('1000000', false, 0), { soft: 500000, hard: 1000000 });
  // The most fuzz takes 12% of the soft limit off.
  assert.deepEqual(countLimits('1000000', true, 0.9999999), { soft: 220000, hard: 1000000 });
  assert.deepEqual(countLimits('1000000', false, 0.9999999), { soft: 440000, hard: 1000000 });
  for (let i = 0; i < 200; i++) {
    const { soft } = countLimits('4194304', true, Math.random());
    assert.ok(soft >= 922746 && soft <= 1048576, String(soft));
  }
});

test('tiny and unreachable count limits', () => {
  assert.deepEqual(countLimits('0', true, 0.5), { soft: 0, hard: 0 });
  assert.deepEqual(countLimits(DEFAULT, true, 0.5), { soft: 0, hard: 0 }, 'the 2^63 default is no limit');
  assert.deepEqual(countLimits('18446744073709551616', false, 0.5), { soft: 0, hard: 0 });
  assert.deepEqual(countLimits('1', true, 0), { soft: 1, hard: 1 });
  assert.deepEqual(countLimits('2', true, 0), { soft: 1, hard: 2 });
  assert.deepEqual(countLimits('3', false, 0.99), { soft: 1, hard: 3 });
  assert.deepEqual(countLimits(String(2 ** 53 - 1), false, 0), { soft: Number(((2n ** 53n - 1n) * 50n) / 100n), hard: 2 ** 53 - 1 });
});

test('childSaLifetimes: time from salifetime and rekeymargin, counts from ipsec-max-*', () => {
  const fixed = (): number => 0;
  assert.deepEqual(childSaLifetimes({ salifetime: 3600, rekeymargin: 540, ipsecMaxBytes: DEFAULT, ipsecMaxPackets: DEFAULT }, true, fixed), {
    softBytes: 0, hardBytes: 0, softPackets: 0, hardPackets: 0, softSeconds: 3060, hardSeconds: 3600,
  });
  assert.deepEqual(childSaLifetimes({ salifetime: 10, rekeymargin: 540, ipsecMaxBytes: '4194304', ipsecMaxPackets: '1000' }, false, fixed), {
    softBytes: 2097152, hardBytes: 4194304, softPackets: 500, hardPackets: 1000, softSeconds: 1, hardSeconds: 10,
  });
});
