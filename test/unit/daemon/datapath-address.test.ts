import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NetworkInterfaceInfo } from 'node:os';

import type { LoadedConfig } from '../../../src/config/model';
import { parseIpsecConfText } from '../../../src/config/load';
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

function conns(text: string): LoadedConfig {
  const config = parseIpsecConfText(`conn %default\n\tauto=add\n${text}`, '/test/ipsec.conf');
  for (const c of config.conns) c.local = 'left';
  return config;
}

test('the data path address: a conn\'s literal local address, else the family its peer (or hostaddrfamily=) wants', () => {
  assert.deepEqual(chooseDatapathAddress([], conns('conn a\n\tleft=2001:db8::1\n\tright=2001:db8::2\n'), interfaces), { address: '2001:db8::1', source: 'conn "a"' });
  // left=%defaultroute: no literal address; the IPv6 peer makes it an IPv6 interface address, not the first IPv4.
  assert.deepEqual(chooseDatapathAddress([], conns('conn a\n\tleft=%defaultroute\n\tright=2001:db8::2\n'), interfaces), {
    address: '2001:db8::1', source: 'first IPv6 interface address, the family of conn "a"',
  });
  assert.deepEqual(chooseDatapathAddress([], conns('conn a\n\tleft=%defaultroute\n\tright=%any\n\thostaddrfamily=ipv6\n'), interfaces).address, '2001:db8::1');
  assert.deepEqual(chooseDatapathAddress([], conns('conn a\n\tleft=%defaultroute\n\tright=192.0.2.2\n'), interfaces).address, '10.1.0.1');
  // No address of the wanted family: the first interface address still (the daemon warns about the conn).
  assert.deepEqual(chooseDatapathAddress([], conns('conn a\n\tleft=%defaultroute\n\tright=2001:db8::2\n'), { eth0: [iface('192.0.2.1', false)] }), {
    address: '192.0.2.1', source: 'first interface address',
  });
  // An ignored conn says nothing.
  assert.deepEqual(chooseDatapathAddress([], conns('conn a\n\tleft=%defaultroute\n\tright=2001:db8::2\n\tauto=ignore\n'), interfaces).address, '10.1.0.1');
});
