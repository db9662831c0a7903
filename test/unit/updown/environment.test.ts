// The PLUTO_* environment against Libreswan's formats (programs/pluto/updown.c build_updown_exec and
// do_updown_verb) and the variable list of ipsec__updown(8). Expected values are written out by hand
// from those formats, not produced by our code.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { buildUpdownEnvironment, formatMark, prefixMask, updownVerb } from '../../../src/updown/environment';
import { child, conn, ike } from './fixtures';

const NET_TO_NET = `conn n2n
\tleft=192.0.2.1
\tleftsubnet=10.0.1.0/24
\tleftsourceip=10.0.1.1
\tleftid=@west
\tright=192.0.2.2
\trightsubnet=10.0.2.0/24
\trightid=@east
\tauthby=secret
\tmark=5/0xffffffff
`;

test('net-to-net IPv4 up: client verb, subnets, masks, SPIs as 0x%x, reqid, sourceip', () => {
  const env = buildUpdownEnvironment({
    operation: 'up',
    conn: conn(NET_TO_NET, 'n2n'),
    child: child({ localTs: ['10.0.1.0/24'], remoteTs: ['10.0.2.0/24'] }),
    ike: ike({}),
    stack: 'userspace',
    interfaceName: 'eth0',
    tunDevice: 'swan0',
    addTime: 1_700_000_123,
  });
  const expected: Record<string, string> = {
    PLUTO_VERSION: '2.0',
    PLUTO_VERB: 'up-client',
    PLUTO_CONNECTION: 'n2n',
    PLUTO_CONNECTION_TYPE: 'tunnel',
    PLUTO_VIRT_INTERFACE: 'NULL',
    PLUTO_INTERFACE: 'eth0',
    PLUTO_XFRMI_ROUTE: '',
    PLUTO_NEXT_HOP: '192.0.2.2',
    PLUTO_ME: '192.0.2.1',
    PLUTO_MY_ID: '@west',
    PLUTO_CLIENT_FAMILY: 'ipv4',
    PLUTO_MY_CLIENT: '10.0.1.0/24',
    PLUTO_MY_CLIENT_NET: '10.0.1.0',
    PLUTO_MY_CLIENT_MASK: '255.255.255.0',
    PLUTO_MY_PORT: '0',
    PLUTO_MY_PROTOCOL: '0',
    PLUTO_SA_REQID: '16389',
    PLUTO_SA_TYPE: 'ESP',
    PLUTO_PEER: '192.0.2.2',
    PLUTO_PEER_ID: '@east',
    PLUTO_PEER_CLIENT: '10.0.2.0/24',
    PLUTO_PEER_CLIENT_NET: '10.0.2.0',
    PLUTO_PEER_CLIENT_MASK: '255.255.255.0',
    PLUTO_PEER_PORT: '0',
    PLUTO_PEER_PROTOCOL: '0',
    PLUTO_PEER_CA: '',
    PLUTO_STACK: 'userspace',
    PLUTO_TUN: 'swan0',
    PLUTO_ADDTIME: '1700000123',
    PLUTO_CONN_KIND: 'CK_PERMANENT',
    PLUTO_CONN_ADDRFAMILY: 'ipv4',
    XAUTH_FAILED: '0',
    PLUTO_MY_SOURCEIP: '10.0.1.1',
    PLUTO_MOBIKE_EVENT: '',
    PLUTO_IS_PEER_CISCO: '0',
    PLUTO_PEER_DNS_INFO: '',
    PLUTO_PEER_DOMAIN_INFO: '',
    PLUTO_PEER_BANNER: '',
    PLUTO_CFG_SERVER: '0',
    PLUTO_CFG_CLIENT: '0',
    PLUTO_NM_CONFIGURED: '0',
    CONNMARK_IN: '5/0xffffffff',
    CONNMARK_OUT: '5/0xffffffff',
    VTI_IFACE: '',
    VTI_ROUTING: 'no',
    VTI_SHARED: 'no',
    // Libreswan: SPI_IN prints the outbound SA's SPI (the peer's), SPI_OUT the inbound one (ours).
    SPI_IN: '0xc0ffee01',
    SPI_OUT: '0x12345678',
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(env[k], v, k);
  assert.match(env.PLUTO_CONN_POLICY ?? '', /^PSK\+ENCRYPT\+TUNNEL\+PFS\+IKEV2_ALLOW/);
  assert.equal(env.IPSEC_INIT_SCRIPT_DEBUG, undefined);
});

test('host-to-host: -host verb, the host as client /32 with mask 255.255.255.255 (ipsec__updown(8))', () => {
  const c = conn('conn h2h\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n', 'h2h');
  const env = buildUpdownEnvironment({ operation: 'down', conn: c, child: child({}), stack: 'xfrm' });
  assert.equal(env.PLUTO_VERB, 'down-host');
  assert.equal(env.PLUTO_MY_CLIENT, '192.0.2.1/32');
  assert.equal(env.PLUTO_MY_CLIENT_NET, '192.0.2.1');
  assert.equal(env.PLUTO_MY_CLIENT_MASK, '255.255.255.255');
  assert.equal(env.PLUTO_PEER_CLIENT, '192.0.2.2/32');
  assert.equal(env.PLUTO_PEER_CLIENT_MASK, '255.255.255.255');
  assert.equal(env.PLUTO_STACK, 'xfrm');
  assert.equal(env.PLUTO_TUN, undefined);
  assert.equal(buildUpdownEnvironment({ operation: 'down', conn: c, child: child({}), stack: 'xfrm', ikePorts: [500, 4500] }).PLUTO_IKE_PORTS, undefined, 'userspace only');
  const us = buildUpdownEnvironment({ operation: 'up', conn: c, child: child({}), stack: 'userspace', tunDevice: 'ipsec0', ikePorts: [500, 4500] });
  assert.equal(us.PLUTO_VERB, 'up-host');
  assert.equal(us.PLUTO_IKE_PORTS, '500 4500', 'the ports host_up keeps out of the TUN');
  assert.equal(env.PLUTO_MY_SOURCEIP, undefined);
  assert.equal(env.PLUTO_MOBIKE_EVENT, undefined);
  assert.equal(env.PLUTO_INTERFACE, 'NULL');
  // No IKE SA given: the configured IDs (leftid= absent: the address, as Libreswan's default ID).
  assert.equal(env.PLUTO_MY_ID, '192.0.2.1');
});

test('IPv6 net-to-net: -client-v6, RFC 5952 masks; host-to-host v6: -host-v6 and /128', () => {
  const c = conn('conn v6\n\tleft=2001:db8::1\n\tleftsubnet=2001:db8:1::/64\n\tright=2001:db8::2\n\trightsubnet=2001:db8:2::/48\n\tauthby=secret\n', 'v6');
  const env = buildUpdownEnvironment({
    operation: 'up',
    conn: c,
    child: child({ localAddress: '2001:db8::1', remoteAddress: '2001:db8::2', localTs: ['2001:db8:1::/64'], remoteTs: ['2001:db8:2::/48'] }),
    stack: 'userspace',
    tunDevice: 't0',
  });
  assert.equal(env.PLUTO_VERB, 'up-client-v6');
  assert.equal(env.PLUTO_MY_CLIENT, '2001:db8:1::/64');
  assert.equal(env.PLUTO_MY_CLIENT_NET, '2001:db8:1::');
  assert.equal(env.PLUTO_MY_CLIENT_MASK, 'ffff:ffff:ffff:ffff::');
  assert.equal(env.PLUTO_PEER_CLIENT_MASK, 'ffff:ffff:ffff::');
  assert.equal(env.PLUTO_CONN_ADDRFAMILY, 'ipv6');
  assert.equal(env.PLUTO_CLIENT_FAMILY, 'ipv6');
  assert.equal(env.PLUTO_ME, '2001:db8::1');

  const h = conn('conn h6\n\tleft=2001:DB8:0::1\n\tright=2001:db8::2\n\tauthby=secret\n', 'h6');
  const envH = buildUpdownEnvironment({ operation: 'route', conn: h, stack: 'xfrm' });
  assert.equal(envH.PLUTO_VERB, 'route-host-v6');
  assert.equal(envH.PLUTO_MY_CLIENT, '2001:db8::1/128');
  assert.equal(envH.PLUTO_MY_CLIENT_MASK, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
});

test('route without an SA: SA_TYPE none, SPIs 0x0, the conn reqid, no ADDTIME', () => {
  const env = buildUpdownEnvironment({ operation: 'route', conn: conn(NET_TO_NET, 'n2n'), stack: 'xfrm', reqid: 16393 });
  assert.equal(env.PLUTO_VERB, 'route-client');
  assert.equal(env.PLUTO_SA_TYPE, 'none');
  assert.equal(env.PLUTO_SA_REQID, '16393');
  assert.equal(env.SPI_IN, '0x0');
  assert.equal(env.SPI_OUT, '0x0');
  assert.equal(env.PLUTO_ADDTIME, '0');
  // From the configured subnets when no traffic selector was negotiated yet.
  assert.equal(env.PLUTO_PEER_CLIENT, '10.0.2.0/24');
  // sourceip given but no child: Libreswan sets PLUTO_MY_SOURCEIP, not PLUTO_MOBIKE_EVENT.
  assert.equal(env.PLUTO_MY_SOURCEIP, '10.0.1.1');
  assert.equal(env.PLUTO_MOBIKE_EVENT, undefined);
});

test('transport mode: CONNECTION_TYPE transport; behind NAT the peer client is the peer host', () => {
  const c = conn('conn tr\n\tleft=192.0.2.1\n\tright=198.51.100.9\n\ttype=transport\n\tauthby=secret\n\tleftprotoport=17/1701\n\trightprotoport=17/%any\n', 'tr');
  const plain = buildUpdownEnvironment({ operation: 'up', conn: c, child: child({ mode: 'transport', remoteAddress: '198.51.100.9' }), stack: 'xfrm' });
  assert.equal(plain.PLUTO_CONNECTION_TYPE, 'transport');
  assert.equal(plain.PLUTO_VERB, 'up-host');
  assert.equal(plain.PLUTO_MY_PROTOCOL, '17');
  assert.equal(plain.PLUTO_MY_PORT, '1701');
  assert.equal(plain.PLUTO_PEER_PROTOCOL, '17');
  assert.equal(plain.PLUTO_PEER_PORT, '0');
  assert.doesNotMatch(plain.PLUTO_CONN_POLICY ?? '', /TUNNEL/);
  const natted = buildUpdownEnvironment({
    operation: 'up',
    conn: c,
    child: child({ mode: 'transport', encapsulated: true, remoteAddress: '198.51.100.9', remoteTs: ['10.9.9.9/32'] }),
    stack: 'xfrm',
  });
  assert.equal(natted.PLUTO_PEER_CLIENT, '198.51.100.9/32');
  assert.equal(natted.PLUTO_PEER_CLIENT_NET, '198.51.100.9');
});

test('every PLUTO_* variable of ipsec__updown(8) is set', () => {
  // The list of the man page (/work/shared/manpages/ipsec__updown.8.txt, DESCRIPTION).
  const manPage = [
    'PLUTO_VERB', 'PLUTO_CONNECTION', 'PLUTO_NEXT_HOP', 'PLUTO_INTERFACE', 'PLUTO_ME', 'PLUTO_MY_CLIENT',
    'PLUTO_MY_CLIENT_NET', 'PLUTO_MY_CLIENT_MASK', 'PLUTO_PEER', 'PLUTO_PEER_CLIENT', 'PLUTO_PEER_CLIENT_NET',
    'PLUTO_PEER_CLIENT_MASK', 'PLUTO_MY_PROTOCOL', 'PLUTO_PEER_PROTOCOL', 'PLUTO_MY_PORT', 'PLUTO_PEER_PORT',
    'PLUTO_MY_ID', 'PLUTO_PEER_ID', 'PLUTO_PEER_CA',
  ];
  const env = buildUpdownEnvironment({ operation: 'up', conn: conn(NET_TO_NET, 'n2n'), child: child({}), stack: 'xfrm' });
  for (const name of manPage) assert.ok(name in env, name);
});

test('leftnexthop= is PLUTO_NEXT_HOP; a resolved next hop is used for %defaultroute; debug traces', () => {
  const c = conn('conn nh\n\tleft=192.0.2.1\n\tleftnexthop=192.0.2.254\n\tright=203.0.113.5\n\tauthby=secret\n', 'nh');
  assert.equal(buildUpdownEnvironment({ operation: 'up', conn: c, stack: 'xfrm', debug: true }).PLUTO_NEXT_HOP, '192.0.2.254');
  assert.equal(buildUpdownEnvironment({ operation: 'up', conn: c, stack: 'xfrm', debug: true }).IPSEC_INIT_SCRIPT_DEBUG, 'yes');
  const d = conn('conn dr\n\tleft=%defaultroute\n\tright=203.0.113.5\n\tauthby=secret\n', 'dr');
  const env = buildUpdownEnvironment({ operation: 'up', conn: d, stack: 'xfrm', localAddress: '192.0.2.7', nextHop: '192.0.2.1' });
  assert.equal(env.PLUTO_ME, '192.0.2.7');
  assert.equal(env.PLUTO_NEXT_HOP, '192.0.2.1');
});

test('a conn with no address for an end is refused with a clear error', () => {
  const c = conn('conn t\n\tleft=%defaultroute\n\tright=%any\n\tauthby=secret\n', 't');
  assert.throws(() => buildUpdownEnvironment({ operation: 'route', conn: c, stack: 'xfrm' }), /"t" has no local address/);
});

test('helpers: masks, verbs, Libreswan mark format %u/%#08x', () => {
  assert.equal(prefixMask(0, 4), '0.0.0.0');
  assert.equal(prefixMask(20, 4), '255.255.240.0');
  assert.equal(prefixMask(0, 6), '::');
  assert.equal(updownVerb('unroute', { family: 4, address: '10.0.0.0', prefix: 8, text: '10.0.0.0/8' }, '192.0.2.1'), 'unroute-client');
  assert.equal(updownVerb('prepare', { family: 4, address: '192.0.2.1', prefix: 32, text: '192.0.2.1/32' }, '192.0.2.1'), 'prepare-host');
  assert.equal(formatMark({ value: 5, mask: 0xffffffff, text: '' }), '5/0xffffffff');
  // printf("%#08x", 0xff): width 8 counts the 0x prefix.
  assert.equal(formatMark({ value: 7, mask: 0xff, text: '' }), '7/0x0000ff');
});
