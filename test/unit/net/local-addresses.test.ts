// Which addresses get IKE sockets: --listen parsing and the interface scan (os.networkInterfaces shape).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';

import {
  addressesFromInterfaces,
  canonicalAddress,
  isLinkLocalV6,
  ListenAddressError,
  parseListenAddress,
} from '../../../src/net/local-addresses';

function v4(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: `${address}/24` };
}
function v6(address: string, scopeid = 0): NetworkInterfaceInfo {
  return { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: `${address}/64`, scopeid };
}

test('canonical text: IPv6 compressed and lower case (RFC 5952), zones kept, IPv4 unchanged', () => {
  assert.equal(canonicalAddress('192.0.2.1'), '192.0.2.1');
  assert.equal(canonicalAddress('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalAddress('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalAddress('FE80::0001%eth0'), 'fe80::1%eth0');
  assert.throws(() => canonicalAddress('east.example'), ListenAddressError);
  assert.throws(() => canonicalAddress('192.0.2.1%eth0'), ListenAddressError);
  assert.throws(() => canonicalAddress('fe80::1%'), ListenAddressError);
  assert.throws(() => canonicalAddress('300.1.1.1'), ListenAddressError);
});

test('link-local IPv6 is fe80::/10 only', () => {
  assert.equal(isLinkLocalV6('fe80::1'), true);
  assert.equal(isLinkLocalV6('febf::1%eth0'), true);
  assert.equal(isLinkLocalV6('fec0::1'), false);
  assert.equal(isLinkLocalV6('::1'), false);
  assert.equal(isLinkLocalV6('169.254.1.1'), false);
});

test('--listen: IPv4, IPv6, scoped link-local accepted; a link-local address without a zone refused', () => {
  assert.deepEqual(parseListenAddress('192.0.2.1'), { address: '192.0.2.1', family: 4 });
  assert.deepEqual(parseListenAddress(' 2001:db8::1 '), { address: '2001:db8::1', family: 6 });
  assert.deepEqual(parseListenAddress('fe80::1%w0'), { address: 'fe80::1%w0', family: 6 });
  assert.throws(() => parseListenAddress('fe80::1'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'ERR_IKE_LISTEN_ADDRESS');
    assert.match(e.message, /needs a scope/);
    return true;
  });
});

test('scan: every address of every interface, loopback included, link-local IPv6 skipped, no duplicates', () => {
  const ifaces = {
    lo: [v4('127.0.0.1', true), v6('::1')],
    eth0: [v4('192.0.2.1'), v6('2001:db8::1'), v6('fe80::1', 2)],
    eth1: [v4('192.0.2.1')],
  };
  assert.deepEqual(addressesFromInterfaces(ifaces), [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
    { address: '192.0.2.1', family: 4 },
    { address: '2001:db8::1', family: 6 },
  ]);
});

test('scan options: only one family, or link-local IPv6 scoped by its interface name', () => {
  const ifaces = { eth0: [v4('192.0.2.1'), v6('2001:db8::1'), v6('fe80::1', 2)] };
  assert.deepEqual(addressesFromInterfaces(ifaces, { ipv6: false }), [{ address: '192.0.2.1', family: 4 }]);
  assert.deepEqual(addressesFromInterfaces(ifaces, { ipv4: false }), [{ address: '2001:db8::1', family: 6 }]);
  assert.deepEqual(addressesFromInterfaces(ifaces, { ipv4: false, linkLocal: true }), [
    { address: '2001:db8::1', family: 6 },
    { address: 'fe80::1%eth0', family: 6 },
  ]);
});

test('scan: an interface without addresses, or an unparseable entry, is skipped', () => {
  const ifaces = { eth0: [], eth1: undefined, eth2: [v4('not-an-address'), v4('198.51.100.7')] };
  assert.deepEqual(addressesFromInterfaces(ifaces), [{ address: '198.51.100.7', family: 4 }]);
});
