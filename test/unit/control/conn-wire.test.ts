import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseIpsecConfText } from '../../../src/config';
import { connFromWire, connToWire } from '../../../src/control/conn-wire';

const CONF = `conn %default
	ikelifetime=2h
conn base
	leftsubnet=10.1.0.0/24
conn west
	also=base
	left=192.0.2.1
	right=192.0.2.2
	leftid=@west
	rightid="@east side"
	rightsubnet=10.2.0.0/24
	ike=aes256-sha2_256-modp2048
	auto=add
`;

test('a conn survives the trip to the daemon: %default and also= merged, orientation kept', () => {
  const conn = parseIpsecConfText(CONF, '/etc/ipsec.conf').conns.find((c) => c.name === 'west');
  assert.ok(conn);
  conn.local = 'left';
  const wire = connToWire(conn);
  assert.equal(wire.origin, '/etc/ipsec.conf:5');
  assert.equal(wire.local, 'left');
  assert.doesNotMatch(wire.text, /also=/);
  const back = connFromWire(wire);
  assert.equal(back.name, 'west');
  assert.equal(back.local, 'left');
  assert.equal(back.ikelifetime, 7200);
  assert.deepEqual(back.left.subnet, { family: 4, address: '10.1.0.0', prefix: 24, text: '10.1.0.0/24' });
  assert.deepEqual(back.right.subnet, { family: 4, address: '10.2.0.0', prefix: 24, text: '10.2.0.0/24' });
  assert.equal(back.right.id, '@east side');
  assert.equal(back.ike, conn.ike);
  assert.equal(back.auto, 'add');
});

test('a section that does not parse is refused with the reason', () => {
  assert.throws(() => connFromWire({ name: 'x', text: 'conn x\n\tleft=192.0.2.1\n\tbogus=1\n', local: null, origin: 'f:1' }), /conn "x" \(f:1\) refused: .*bogus/);
  assert.throws(() => connFromWire({ name: 'x', text: 'conn y\n\tleft=192.0.2.1\n\tright=192.0.2.2\n', local: null, origin: 'f:1' }), /holds 1 conns/);
});
