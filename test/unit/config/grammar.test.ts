import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { memoryFiles, parse, refused } from './helpers';

test('sections, version line, comments and quoted values', () => {
  const c = parse('# top\nversion 2\nconfig setup\n\tlogfile=/var/log/p.log # trailing\n\n\t# indented comment\nconn a # c\n\tleft=192.0.2.1\n\tright = 198.51.100.1\n\tleftupdown="ipsec _updown --route yes"\n');
  assert.equal(c.setup.logfile, '/var/log/p.log');
  assert.equal(c.conns.length, 1);
  assert.equal(c.conns[0]!.name, 'a');
  assert.equal(c.conns[0]!.left.updown, 'ipsec _updown --route yes');
  assert.equal(c.conns[0]!.options.get('right')!.origin!.line, 9);
});

test('a setting in column 0 is refused with file:line and keyword', () => {
  const [m] = refused('conn a\nleft=192.0.2.1\n');
  assert.match(m!, /^test\.conf:2: keyword 'left': a setting must be indented/);
});

test('an unquoted value with spaces, an unterminated quote and a bad conn name are refused', () => {
  assert.match(refused('conn a\n\tleftupdown=ipsec _updown\n')[0]!, /test\.conf:2: keyword 'leftupdown': unquoted value with white space/);
  assert.match(refused('conn a\n\tleftupdown="ipsec\n')[0]!, /test\.conf:2: .*unterminated quoted value/);
  assert.match(refused('conn 9bad\n\tauto=add\n')[0]!, /test\.conf:1: bad conn name '9bad'/);
  assert.match(refused('config other\n')[0]!, /unknown config section 'other'/);
});

test('unknown keyword names the closest known one; wrong section is named', () => {
  assert.match(refused('conn a\n\tikelifetme=1h\n')[0]!, /test\.conf:2: keyword 'ikelifetme': unknown keyword \(did you mean 'ikelifetime'\?\)/);
  assert.match(refused('conn a\n\tlogfile=/x\n')[0]!, /keyword 'logfile': not valid in conn a/);
  assert.match(refused('config setup\n\tauto=add\n')[0]!, /keyword 'auto': not valid in config setup/);
});

test('all errors of a file are collected', () => {
  const errors = refused('conn a\n\tfoo=1\n\tpfs=maybe\n\tauto=sometimes\n');
  assert.equal(errors.length, 3);
  assert.deepEqual(errors.map((e) => /:(\d+):/.exec(e)![1]), ['2', '3', '4']);
});

test('x- keywords are user extensions and ignored', () => {
  assert.equal(parse('conn a\n\tx-owner=alice\n\tX_ticket=42\n').conns.length, 1);
});

test('obsolete keywords warn and load; old names warn and map to the new keyword', () => {
  const c = parse('config setup\n\tinterfaces=%defaultroute\n\tplutostderrlog=/tmp/p.log\nconn a\n\tforceencaps=yes\n\tlifetime=1h\n');
  assert.equal(c.setup.logfile, '/tmp/p.log');
  assert.equal(c.conns[0]!.salifetime, 3600);
  assert.equal(c.warnings.length, 4);
  assert.match(c.warnings[0]!, /test\.conf:2: warning: obsolete keyword 'interfaces' ignored/);
});

test('duplicate keys, duplicate conns, duplicate %default keys are refused', () => {
  assert.match(refused('conn a\n\tpfs=yes\n\tpfs=no\n')[0]!, /test\.conf:3: keyword 'pfs': set twice in conn a; first set at test\.conf:2/);
  assert.match(refused('conn a\n\tsalifetime=1h\n\tlifetime=2h\n')[0]!, /set twice .*as 'salifetime'/);
  assert.match(refused('conn a\nconn a\n')[0]!, /test\.conf:2: conn 'a' is defined twice/);
  assert.match(refused('conn %default\n\tpfs=no\nconn %default\n\tpfs=yes\n')[0]!, /test\.conf:4: keyword 'pfs': set twice in conn %default/);
});

test('empty values: refused for yes/no, times, percentages, counts; otherwise the default, as if omitted', () => {
  assert.match(refused('conn a\n\tpfs=\n')[0]!, /keyword 'pfs': empty value/);
  assert.match(refused('conn a\n\tikelifetime=\n')[0]!, /keyword 'ikelifetime': empty value/);
  assert.equal(parse('conn a\n\tleftupdown=""\n').conns[0]!.left.updown, '');
  const c = parse('conn %default\n\tauto=add\nconn a\n\tauto=\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tmtu=\n').conns[0]!;
  assert.equal(c.auto, 'add');
  assert.equal(c.mtu, undefined);
});

test('a second version line is refused, as Libreswan does', () => {
  assert.match(refused('version 2.0\nversion 2\n')[0]!, /test\.conf:2: a second 'version' line/);
});

test('include: globs relative to the including file, sorted, nested; a missing file is refused', () => {
  const files = memoryFiles({
    '/etc/ipsec.d/b.conf': 'conn b\n\tauto=ignore\n',
    '/etc/ipsec.d/a.conf': 'conn a\n\tauto=ignore\ninclude sub/*.conf\n',
    '/etc/ipsec.d/sub/c.conf': 'conn c\n\tauto=ignore\n',
    '/etc/ipsec.d/other.txt': 'garbage',
  });
  const c = require('../../../src/config').parseIpsecConfText('include ipsec.d/*.conf\n', '/etc/ipsec.conf', { files });
  assert.deepEqual(c.conns.map((x: { name: string }) => x.name), ['a', 'c', 'b']);
  assert.match(refused('include /nope.conf\n', files)[0]!, /test\.conf:1: keyword 'include': cannot read included file '\/nope\.conf'/);
  assert.match(refused('include /missing-dir/*.conf\n', files)[0]!, /directory '\/missing-dir'/);
});

test('include cycles are detected and reported', () => {
  const files = memoryFiles({ '/x/a.conf': 'include b.conf\n', '/x/b.conf': 'include a.conf\n' });
  const errors = (() => {
    try {
      require('../../../src/config').parseIpsecConfText('include a.conf\n', '/x/main.conf', { files });
    } catch (err) {
      return (err as { errors: { message: string }[] }).errors.map((e) => e.message);
    }
    return [];
  })();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^\/x\/b\.conf:1: keyword 'include': include cycle: main\.conf -> a\.conf -> b\.conf -> a\.conf/);
});
