import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { ALL_KEYWORDS, lookupKeyword } from '../../../src/config/keywords';
import { conn, parse, refused } from './helpers';

test("Libreswan's defaults fill in what is not set", () => {
  const c = conn('');
  assert.equal(c.ikelifetime, 8 * 3600);
  assert.equal(c.salifetime, 8 * 3600);
  assert.equal(c.rekeymargin, 9 * 60);
  assert.equal(c.rekeyfuzz, 100);
  assert.equal(c.auto, 'ignore');
  assert.equal(c.type, 'tunnel');
  assert.deepEqual(c.authby, ['rsasig', 'ecdsa']);
  assert.equal(c.ikev2, true);
  assert.equal(c.pfs, true);
  assert.equal(c.rekey, true);
  assert.equal(c.replayWindow, 128);
  assert.equal(c.retransmitTimeout, 60);
  assert.equal(c.encapsulation, 'auto');
  assert.equal(c.negotiationshunt, 'hold');
  assert.equal(c.failureshunt, 'none');
  assert.equal(c.left.updown, 'ipsec _updown');
  assert.equal(c.options.get('ikelifetime')!.origin, undefined);
  const s = parse('').setup;
  assert.equal(s.uniqueids, true);
  assert.equal(s.secretsfile, '/etc/ipsec.secrets');
  assert.equal(s.ddosIkeThreshold, 25000);
  assert.equal(s.maxHalfopenIke, 50000);
  assert.deepEqual(s.plutodebug, ['none']);
});

test('enum keywords take their canonical word and old spellings', () => {
  const c = conn('\tauto=route\n\tikev2=insist\n\ttype=pass\n\tauthby=rsa,secret\n\tfragmentation=force\n\tencapsulation=yes\n\tleftsendcert=always\n\tfailureshunt=drop');
  assert.equal(c.auto, 'ondemand');
  assert.equal(c.ikev2, true);
  assert.equal(c.type, 'passthrough');
  assert.deepEqual(c.authby, ['rsasig', 'secret']);
  assert.equal(c.fragmentation, 'force');
  assert.equal(c.encapsulation, 'yes');
  assert.equal(c.left.sendcert, 'always');
  assert.equal(c.failureshunt, 'drop');
  assert.equal(conn('\tikev2=no').ikev2, false);
  assert.match(refused('conn a\n\tauto=always\n')[0]!, /keyword 'auto': 'always' is not a valid value \(expected one of ignore, add/);
  assert.match(refused('conn a\n\tauthby=psk\n')[0]!, /unknown value 'psk'/);
});

test('setup keywords: plutodebug lists, logging, ddos, paths', () => {
  const s = parse('config setup\n\tplutodebug="base crypt"\n\tlogtime=no\n\tlogappend=no\n\tlogip=no\n\tddos-mode=busy\n\tnhelpers=0\n\tkeep-alive=30\n\tlisten=192.0.2.1\n\tprotostack=netkey\n\tdumpdir=/tmp\n').setup;
  assert.deepEqual(s.plutodebug, ['base', 'crypt']);
  assert.equal(s.logtime, false);
  assert.equal(s.logappend, false);
  assert.equal(s.logip, false);
  assert.equal(s.ddosMode, 'busy');
  assert.equal(s.nhelpers, 0);
  assert.equal(s.keepAlive, 30);
  assert.equal(s.listen!.text, '192.0.2.1');
  assert.equal(s.protostack, 'xfrm');
  assert.equal(s.dumpdir, '/tmp');
  assert.match(refused('config setup\n\tplutodebug=control\n')[0]!, /unknown value 'control'/);
});

test('every per-side keyword exists as left and right; every name is unique', () => {
  const seen = new Set<string>();
  for (const def of ALL_KEYWORDS) {
    const names = def.perSide ? ['left', 'right'].flatMap((s) => [s + def.name, ...(def.aliases ?? []).map((a) => s + a)]) : [def.name, ...(def.aliases ?? [])];
    for (const n of names) {
      const key = `${def.section}:${n}`;
      assert.ok(!seen.has(key), `duplicate ${key}`);
      seen.add(key);
      assert.equal(lookupKeyword(def.section, n).found, true, n);
    }
  }
  assert.equal(lookupKeyword('conn', 'rightsubnets').found, true);
});

test('cross-keyword rules', () => {
  assert.match(refused('conn a\n\tleftauth=secret\n')[0]!, /leftauth= and rightauth= must be set together/);
  assert.match(refused('conn a\n\tleftauth=secret\n\trightauth=rsasig\n\tauthby=secret\n')[0]!, /authby= cannot be used with leftauth=/);
  assert.match(refused('conn a\n\tright=192.0.2.1\n\tauto=add\n')[0]!, /left= is required for auto=add/);
  assert.match(refused('conn a\n\tleft=%defaultroute\n\tright=%defaultroute\n')[0]!, /both be %defaultroute/);
  assert.match(refused('conn a\n\trightsubnet=vhost:%priv\n')[0]!, /only valid for IKEv1/);
  assert.equal(parse('conn a\n\tikev2=no\n\trightsubnet=vhost:%priv,%no\n').conns.length, 1);
  assert.match(refused('conn a\n\tleftikeport=500\n')[0]!, /cannot be 500/);
});

test('Libreswan 4.10 semantics: ah= is esp=, %defaultroute sets the next hop, sourceip alone makes the subnet', () => {
  const a = conn('\tah=sha2_256\n\tphase2=ah');
  assert.equal(a.esp, 'sha2_256');
  assert.equal(a.phase2, 'ah');
  assert.match(refused('conn a\n\tesp=aes\n\tah=sha1\n')[0]!, /keyword 'ah': set twice in conn a; first set \(as 'esp'\)/);
  const d = parse('conn d\n\tleft=%defaultroute\n\tright=198.51.100.1\n\tleftsourceip=10.0.0.1\n\trightsourceip=2001:db8::5\n\trightsubnet=2001:db8::/64\n').conns[0]!;
  assert.deepEqual(d.left.nexthop, { kind: 'defaultroute' });
  assert.deepEqual(d.right.nexthop, { kind: 'direct' });
  assert.equal((d.left.subnet as { text: string }).text, '10.0.0.1/32');
  assert.equal(d.options.get('leftsubnet')!.origin!.line, 4);
  assert.equal((d.right.subnet as { text: string }).text, '2001:db8::/64');
});

test('per-side keywords without a side are refused, naming both; underscore spellings are old names', () => {
  assert.match(refused('conn a\n\tsubnets=10.0.0.0/24\n')[0]!, /keyword 'subnets': a per-side keyword needs its side .*\(expected 'leftsubnets' or 'rightsubnets'\)/);
  const c = parse('config setup\n\tvirtual_private=%v4:10.0.0.0/8\nconn a\n\tremote_peer_type=cisco\n');
  assert.equal(c.setup.virtualPrivate.length, 1);
  assert.equal(c.conns[0]!.options.get('remote-peer-type')!.text, 'cisco');
  assert.equal(c.warnings.length, 2);
});

test('per-side keywords land in their EndConfig', () => {
  const c = conn(
    '\tleftid=@west\n\trightid=%fromcert\n\tleftrsasigkey=0sAwEAAeOxO0HZ8eYVZH4tungeLwEypRqbHWmex2rRBjQanoUShWGVOs7BWzewyBnfZwBp91bIA+QvIrNXl6hHqFI3copTZqVYR/9f/qaMK3DbJhzdjgYo2LLYrVK0OFm1ZUjEZn0oymckEslvXD5c2KRLnD2Dhujze+F7F5hWyb5N+kpvK8JXkRqVRBVQpPGsrzrtduSUUJFUcU4a1gGRg5KVjHqiLF0fq6X12cuKKMulvykOrxlUz4RBPRWjSDVsSdaIsdNGoYZSAq8XZbGinbqWJR7P8EUIs9aScYmIRsWerQTinMsb8cKJG4kZjs5EwkrdpuqY64TObxAnWObb+AJpAPTjO3w+ZuJLov+RnRsxmq54Hc5nOcVWoczyxWeL5lCSBH2Yb310YcVru19vMehnj+jCxeMp1Lk30PUlnvVPtRKlt3Lud4dcXVsvA+a/YQCGdV/wVrbp7Id7LOutkmuFtl1NVIBzJe+3LDt41rplV8qpvLhbVOoWAVec7lT2I2oGSw==\n\trightecdsakey=0sKkobNeYzQz3ea9l98shXFANt8dRGWjCapMeFQrj9mOzWlPS5lZB58Ql2QCi/mx7JDJQzfxKCVR9iyGAOMgK7Xg==\n\tleftcert=west-cert\n\trightca=%same\n' +
      '\tleftckaid=abcd\n\tleftauth=secret\n\trightauth=eaponly\n\trightautheap=tls\n\tleftikeport=4501\n\trightsendcert=never\n' +
      '\tleftxauthserver=yes\n\trightxauthclient=yes\n\trightusername=bob\n\tleftmodecfgserver=yes\n\trightmodecfgclient=yes\n' +
      '\tleftupdown=/bin/true\n\tleftcat=yes\n\tleftvti=10.9.9.1/30',
  );
  assert.equal(c.left.id, '@west');
  assert.equal(c.right.id, '%fromcert');
  assert.equal(c.left.rsasigkey, '0sAwEAAeOxO0HZ8eYVZH4tungeLwEypRqbHWmex2rRBjQanoUShWGVOs7BWzewyBnfZwBp91bIA+QvIrNXl6hHqFI3copTZqVYR/9f/qaMK3DbJhzdjgYo2LLYrVK0OFm1ZUjEZn0oymckEslvXD5c2KRLnD2Dhujze+F7F5hWyb5N+kpvK8JXkRqVRBVQpPGsrzrtduSUUJFUcU4a1gGRg5KVjHqiLF0fq6X12cuKKMulvykOrxlUz4RBPRWjSDVsSdaIsdNGoYZSAq8XZbGinbqWJR7P8EUIs9aScYmIRsWerQTinMsb8cKJG4kZjs5EwkrdpuqY64TObxAnWObb+AJpAPTjO3w+ZuJLov+RnRsxmq54Hc5nOcVWoczyxWeL5lCSBH2Yb310YcVru19vMehnj+jCxeMp1Lk30PUlnvVPtRKlt3Lud4dcXVsvA+a/YQCGdV/wVrbp7Id7LOutkmuFtl1NVIBzJe+3LDt41rplV8qpvLhbVOoWAVec7lT2I2oGSw==');
  assert.equal(c.right.ecdsakey, '0sKkobNeYzQz3ea9l98shXFANt8dRGWjCapMeFQrj9mOzWlPS5lZB58Ql2QCi/mx7JDJQzfxKCVR9iyGAOMgK7Xg==');
  assert.equal(c.left.cert, 'west-cert');
  assert.equal(c.right.ca, '%same');
  assert.equal(c.left.ckaid, 'abcd');
  assert.deepEqual([c.left.auth, c.right.auth, c.right.autheap], ['secret', 'eaponly', 'tls']);
  assert.equal(c.left.ikeport, 4501);
  assert.equal(c.right.sendcert, 'never');
  assert.equal(c.left.sendcert, 'sendifasked');
  assert.deepEqual([c.left.xauthserver, c.right.xauthclient, c.right.username], [true, true, 'bob']);
  assert.deepEqual([c.left.modecfgserver, c.right.modecfgclient, c.right.modecfgserver], [true, true, false]);
  assert.equal(c.left.updown, '/bin/true');
  assert.equal(c.left.cat, true);
  assert.equal(c.left.vti!.text, '10.9.9.1/30');
  assert.equal(c.options.get('rightid')!.origin!.line, 5);
});

test('leftauth=/rightauth= take what Libreswan 4.10 takes: one of rsasig, rsa, ecdsa, secret, null, eaponly, never, in any case', () => {
  const conf = (l: string, r: string): string => `conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tleftauth=${l}\n\trightauth=${r}\n`;
  const c = parse(conf('ECDSA', 'Rsa')).conns[0]!;
  assert.deepEqual([c.left.auth, c.right.auth], ['ecdsa', 'rsasig']);
  for (const w of ['rsasig', 'secret', 'null', 'eaponly', 'never', 'NULL', 'Secret']) assert.doesNotThrow(() => parse(conf(w, 'secret')), w);
  // The hash-restricted words are authby= words only: Libreswan's addconn says "keyword auth, invalid value".
  for (const w of ['rsa-sha1', 'rsa-sha2', 'rsa-sha2_256', 'ecdsa-sha2', 'ecdsa-sha2_384', 'rsasig,ecdsa']) {
    assert.match(refused(conf(w, 'secret'))[0]!, /^test\.conf:4: keyword 'leftauth'/, w);
  }
});

test('enum values match in any case, as Libreswan 4.10 reads them (type=TUNNEL, auto=ADD); yes/no values do not', () => {
  const c = conn('\ttype=TUNNEL\n\tauto=ADD\n\tdpdaction=CLEAR\n\tikev2=YES\n\tfragmentation=Force');
  assert.equal(c.options.get('type')?.text, 'tunnel');
  assert.equal(c.options.get('auto')?.text, 'add');
  assert.equal(c.options.get('dpdaction')?.text, 'clear');
  assert.equal(c.options.get('fragmentation')?.text, 'force');
  // Libreswan's lexer refuses pfs=No outright ("syntax error").
  assert.match(refused('conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tpfs=No\n')[0]!, /pfs.*yes\/no/);
});
