import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NetworkInterfaceInfo } from 'node:os';

import { chooseDatapathAddress } from '../../../src/daemon/datapath-address';

const iface = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4'): NetworkInterfaceInfo =>
  ({ address, netmask: '255.255.255.0', family, mac: '00:00:00:00:00:00', internal, cidr: null }) as NetworkInterfaceInfo;
const interfaces = { lo: [iface('127.0.0.1', true), iface('10.1.0.1', false)], eth0: [iface('2001:db8::1', false, 'IPv6'), iface('192.0.2.1', false)] };

test('the data path address: --listen first, then no conn: the first non-loopback IPv4 interface address', () => {
  assert.deepEqual(chooseDatapathAddress(['192.0.2.9'], null, interfaces), { address: '192.0.2.9', source: '--listen' });
  assert.deepEqual(chooseDatapathAddress([], null, interfaces), { address: '10.1.0.1', source: 'first interface address' });
  assert.deepEqual(chooseDatapathAddress([], null, { eth0: [iface('2001:db8::1', false, 'IPv6')] }), { address: '2001:db8::1', source: 'first interface address' });
  assert.deepEqual(chooseDatapathAddress([], null, { lo: [iface('127.0.0.1', true)] }), { address: '127.0.0.1', source: 'no other address' });
});
