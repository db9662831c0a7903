import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { TsType } from '../../../src/ikev2/constants';
import {
  formatTs, intersect, kernelSelectors, narrow, tsFromCidr, tsFromPayload, tsToCidrs, tsToPayload, within,
} from '../../../src/ikev2/traffic-selectors';

test('a subnet becomes one address range with all ports; a host a single address', () => {
  const p = tsToPayload(tsFromCidr('10.1.2.0/24'));
  assert.equal(p.tsType, TsType.IPV4_ADDR_RANGE);
  assert.deepEqual([...p.startAddress], [10, 1, 2, 0]);
  assert.deepEqual([...p.endAddress], [10, 1, 2, 255]);
  assert.deepEqual([p.ipProtocol, p.startPort, p.endPort], [0, 0, 65535]);
  const h = tsToPayload(tsFromCidr('192.0.2.1'));
  assert.deepEqual([...h.startAddress], [...h.endAddress]);
  const six = tsToPayload(tsFromCidr('2001:db8::/64', 6, 443));
  assert.equal(six.tsType, TsType.IPV6_ADDR_RANGE);
  assert.equal(six.endAddress.length, 16);
  assert.deepEqual([six.ipProtocol, six.startPort, six.endPort], [6, 443, 443]);
  assert.deepEqual([...six.endAddress.subarray(8)], [255, 255, 255, 255, 255, 255, 255, 255]);
});

test('payload round trip; an inverted range is refused', () => {
  const t = tsFromCidr('10.0.0.0/8', 17, 53);
  assert.deepEqual(tsFromPayload(tsToPayload(t)), t);
  const bad = tsToPayload(t);
  assert.equal(tsFromPayload({ ...bad, startAddress: bad.endAddress, endAddress: bad.startAddress }), null);
});

test('narrowing intersects each proposed selector with ours (§2.9)', () => {
  const proposed = [tsFromCidr('10.0.0.0/8')];
  assert.deepEqual(narrow(proposed, [tsFromCidr('10.1.0.0/16')]).map(formatTs), ['10.1.0.0/16']);
  assert.deepEqual(narrow([tsFromCidr('10.1.0.0/24')], [tsFromCidr('10.0.0.0/8')]).map(formatTs), ['10.1.0.0/24']);
  assert.deepEqual(narrow(proposed, [tsFromCidr('192.168.0.0/16')]), []);
  assert.deepEqual(narrow(proposed, [tsFromCidr('2001:db8::/32')]), [], 'families never mix');
  // Protocols: any narrows to the specific one; two different ones do not meet.
  assert.equal(formatTs(intersect(tsFromCidr('10.0.0.0/8'), tsFromCidr('10.0.0.0/8', 6, 22))!), '10.0.0.0/8:6/22');
  assert.equal(intersect(tsFromCidr('10.0.0.0/8', 17), tsFromCidr('10.0.0.0/8', 6)), null);
});

test('within: a narrowed answer lies inside what was proposed, a widened one does not', () => {
  assert.ok(within(tsFromCidr('10.1.4.0/24'), tsFromCidr('10.1.0.0/16')));
  assert.ok(!within(tsFromCidr('10.0.0.0/8'), tsFromCidr('10.1.0.0/16')));
  assert.ok(!within(tsFromCidr('10.1.0.0/16'), tsFromCidr('10.1.0.0/16', 6)));
});

test('a range that is not one block prints as the fewest CIDR blocks', () => {
  const r = { family: 4 as const, start: 0x0a000001n, end: 0x0a000006n, proto: 0, startPort: 0, endPort: 65535 };
  assert.deepEqual(tsToCidrs(r), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']);
  assert.deepEqual(tsToCidrs(tsFromCidr('0.0.0.0/0')), ['0.0.0.0/0']);
});

test('kernel selectors: one per pair of local and remote blocks, single ports kept', () => {
  const sels = kernelSelectors([tsFromCidr('10.1.0.0/24', 6, 80)], [tsFromCidr('10.2.0.0/24'), tsFromCidr('2001:db8::/64')]);
  assert.deepEqual(sels, [{ src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 6, srcPort: 80, dstPort: 0 }]);
});
