import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { conn, parse, refused } from './helpers';

test('times: s/m/h/d/w suffixes, bare seconds, milliseconds for retransmit-interval; decimals refused', () => {
  const c = conn('\tikelifetime=2h\n\tsalifetime=30m\n\trekeymargin=90\n\tdpddelay=1d\n\tretransmit-interval=250\n\tretransmit-timeout=1m');
  assert.equal(c.ikelifetime, 7200);
  assert.equal(c.salifetime, 1800);
  assert.equal(c.rekeymargin, 90);
  assert.equal(c.dpddelay, 86400);
  assert.equal(c.retransmitInterval, 0.25);
  assert.equal(c.retransmitTimeout, 60);
  assert.match(refused('conn a\n\tikelifetime=1.5h\n')[0]!, /keyword 'ikelifetime': '1\.5h' is not a duration \(expected a whole number/);
  assert.match(refused('conn a\n\tdpddelay=soon\n')[0]!, /keyword 'dpddelay'/);
});

test('lifetimes above 24h are capped, with a warning, as pluto does', () => {
  const c = parse('conn a\n\tikelifetime=2d\n');
  assert.equal(c.conns[0]!.ikelifetime, 86400);
  assert.match(c.warnings[0]!, /more than the maximum 24h/);
});

test('yes/no forms', () => {
  for (const [t, v] of [['yes', true], ['y', true], ['true', true], ['on', true], ['no', false], ['n', false], ['false', false], ['off', false]] as const) {
    assert.equal(conn(`\tpfs=${t}`).pfs, v, t);
  }
  assert.match(refused('conn a\n\tpfs=1\n')[0]!, /'1' is not a yes\/no value \(expected yes or no\)/);
  assert.match(refused('conn a\n\tpfs=YES\n')[0]!, /not a yes\/no value/);
});

test('percentages, integers with ranges, byte counts, marks, keyingtries', () => {
  const c = conn('\trekeyfuzz=50%\n\treplay-window=0\n\tipsec-max-bytes=2GiB\n\tmark=5/0xffffffff\n\tmark-in=0x10/0xff\n\tkeyingtries=%forever\n\tmtu=1400');
  assert.equal(c.rekeyfuzz, 50);
  assert.equal(c.replayWindow, 0);
  assert.equal(c.options.get('ipsec-max-bytes')!.text, String(2 * 1024 ** 3));
  assert.deepEqual([c.mark!.value, c.mark!.mask], [5, 0xffffffff]);
  assert.deepEqual([c.markIn!.value, c.markIn!.mask], [0x10, 0xff]);
  assert.equal(c.keyingtries, 0);
  assert.equal(c.mtu, 1400);
  assert.match(refused('conn a\n\trekeyfuzz=50\n')[0]!, /not a percentage/);
  assert.match(refused('conn a\n\tmtu=70000\n')[0]!, /keyword 'mtu': 70000 is out of range \(expected a whole number from 0 to 65535\)/);
  assert.equal(conn('\tmtu=0').mtu, undefined);
  assert.match(refused('conn a\n\treqid=0x10\n')[0]!, /'0x10' is not a whole number/);
  assert.match(refused('config setup\n\tkeep-alive=20s\n')[0]!, /keyword 'keep-alive': '20s' is not a whole number/);
  assert.match(refused('conn a\n\tipsec-max-bytes=1kb\n')[0]!, /not a count/);
  assert.match(refused('conn a\n\tmark=0x100/0xff\n')[0]!, /bits outside the mask/);
  assert.match(refused('conn a\n\tmark=5\n')[0]!, /mark '5' has no mask/);
  assert.equal(conn('\tmark=-1').mark!.value, -1);
  assert.match(refused('conn a\n\tleftnexthop=%direct\n')[0]!, /%direct is the default and cannot be written/);
});

test('addresses: IPv4, IPv6 (canonical), magic values, host names, interfaces', () => {
  const c = parse('conn a\n\tleft=2001:DB8:0:0::1\n\tright=%any\nconn b\n\tleft=%defaultroute\n\tright=gw.example.net\nconn d\n\tleft=%eth0\n\tright=%opportunisticgroup\n').conns;
  assert.deepEqual(c[0]!.left.host, { kind: 'address', address: { family: 6, text: '2001:db8::1' } });
  assert.deepEqual(c[0]!.right.host, { kind: 'any' });
  assert.deepEqual(c[1]!.left.host, { kind: 'defaultroute' });
  assert.deepEqual(c[1]!.right.host, { kind: 'hostname', name: 'gw.example.net' });
  assert.deepEqual(c[2]!.left.host, { kind: 'interface', name: 'eth0' });
  assert.deepEqual(c[2]!.right.host, { kind: 'opportunisticgroup' });
  assert.match(refused('conn a\n\tleft=1.2.3.256\n')[0]!, /keyword 'left': '1\.2\.3\.256' is not a valid IP address/);
});

test('subnets: CIDR, netmask form, host bits cleared with a warning, lists; bad ones refused', () => {
  const r = parse('conn a\n\tleftsubnet=10.0.0.0/255.255.255.0\n\trightsubnet=10.1.2.3/16\nconn b\n\tleftsubnets={10.0.0.0/24,10.0.1.0/24}\n\trightsubnets="2001:db8::/64 0/0"\n');
  assert.equal((r.conns[0]!.left.subnet as { text: string }).text, '10.0.0.0/24');
  assert.equal((r.conns[0]!.right.subnet as { text: string }).text, '10.1.0.0/16');
  assert.match(r.warnings[0]!, /host bits set; using 10\.1\.0\.0\/16/);
  assert.deepEqual(r.conns[1]!.left.subnets.map((s) => s.text), ['10.0.0.0/24', '10.0.1.0/24']);
  assert.deepEqual(r.conns[1]!.right.subnets.map((s) => s.text), ['2001:db8::/64', '0.0.0.0/0']);
  assert.equal((conn('\tleftsubnet={10.3.0.0/24}').left.subnet as { text: string }).text, '10.3.0.0/24');
  assert.match(refused('conn a\n\tleftsubnet=10.0.0.0\n')[0]!, /bad subnet '10\.0\.0\.0': no '\/'/);
  assert.match(refused('conn a\n\tleftsubnet=10.0.0.0/33\n')[0]!, /bad prefix length/);
  assert.match(refused('conn a\n\tleftsubnet=10.0.0.0/24\n\tleftsubnets=10.1.0.0/24\n')[0]!, /leftsubnet= and leftsubnets= cannot be used together/);
});

test('protoport, nexthop, sourceip, address pools, virtual-private', () => {
  const c = conn('\tleftprotoport=tcp/ssh\n\trightprotoport=17/%any\n\tleftnexthop=192.0.2.254\n\tleftsourceip=10.0.0.1\n\trightaddresspool=10.9.0.10-10.9.0.20');
  assert.equal(c.left.protoport!.text, '6/22');
  assert.equal(c.right.protoport!.text, '17/%any');
  assert.deepEqual(c.left.nexthop, { kind: 'address', address: { family: 4, text: '192.0.2.254' } });
  assert.deepEqual(c.right.nexthop, { kind: 'direct' });
  assert.equal(c.left.sourceip!.text, '10.0.0.1');
  assert.equal((c.right.addressPool as { text: string }).text, '10.9.0.10-10.9.0.20');
  const s = parse('config setup\n\tvirtual-private=%v4:10.0.0.0/8,%v4:!10.1.0.0/16,%v6:fd00::/8\n').setup;
  assert.deepEqual(s.virtualPrivate.map((v) => [v.exclude, v.subnet.text]), [[false, '10.0.0.0/8'], [true, '10.1.0.0/16'], [false, 'fd00::/8']]);
  assert.match(refused('conn a\n\tleftprotoport=bogus/22\n')[0]!, /unknown protocol 'bogus'/);
  assert.match(refused('conn a\n\trightaddresspool=10.0.0.9-10.0.0.1\n')[0]!, /starts after it ends/);
  assert.match(refused('config setup\n\tvirtual-private=%v6:10.0.0.0/8\n')[0]!, /%v6 prefix does not match/);
});
