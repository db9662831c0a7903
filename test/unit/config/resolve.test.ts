import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parse, refused } from './helpers';

test('%default fills what a conn and its also= sections leave unset', () => {
  const c = parse('conn %default\n\tikelifetime=1h\n\tpfs=no\nconn a\n\tpfs=yes\n\talso=b\nconn b\n\tsalifetime=2h\n').conns[0]!;
  assert.equal(c.ikelifetime, 3600);
  assert.equal(c.pfs, true);
  assert.equal(c.salifetime, 7200);
  assert.equal(c.options.get('ikelifetime')!.origin!.line, 2);
  assert.equal(c.options.get('salifetime')!.origin!.line, 8);
});

test('also= is nested, in order, and a diamond is merged once', () => {
  const c = parse('conn a\n\talso=b\n\talso=c\nconn b\n\talso=d\nconn c\n\talso=d\n\tmtu=1400\nconn d\n\tpfs=no\n').conns[0]!;
  assert.deepEqual(c.also, ['b', 'd', 'c']);
  assert.equal(c.pfs, false);
  assert.equal(c.mtu, 1400);
});

test('also= cycles, missing targets and keys set twice are refused with file:line', () => {
  const cyc = refused('conn a\n\talso=b\nconn b\n\talso=a\n');
  assert.match(cyc[0]!, /test\.conf:4: keyword 'also': also= cycle: a -> b -> a/);
  assert.match(refused('conn a\n\talso=ghost\n')[0]!, /test\.conf:2: keyword 'also': conn 'ghost' does not exist/);
  assert.match(refused('conn a\n\tpfs=no\n\talso=b\nconn b\n\tpfs=yes\n')[0]!, /test\.conf:5: keyword 'pfs': conn 'a' gets pfs twice/);
  assert.match(refused('conn %default\n\talso=a\nconn a\n')[0]!, /%default may not contain also=/);
});

test('alsoflip= swaps left and right of the section it names', () => {
  const c = parse('conn base\n\tleft=192.0.2.1\n\tleftsubnet=10.1.0.0/24\nconn m\n\talsoflip=base\n\tleft=198.51.100.2\n').conns[1]!;
  assert.equal(c.right.host?.kind === 'address' && c.right.host.address.text, '192.0.2.1');
  assert.equal((c.right.subnet as { text: string }).text, '10.1.0.0/24');
  assert.equal(c.left.subnet, undefined);
});
