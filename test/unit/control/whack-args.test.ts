import assert from 'node:assert/strict';
import { test } from 'node:test';

import { showCommand } from '../../../src/cli/auto';
import { whackRequest } from '../../../src/cli/whack';

test('whack options map to one request', () => {
  assert.deepEqual(whackRequest({ name: 'a', initiate: true }), { cmd: 'initiate', args: { name: 'a', asynchronous: false } });
  assert.deepEqual(whackRequest({ name: 'a', initiate: true, asynchronous: true }), { cmd: 'initiate', args: { name: 'a', asynchronous: true } });
  assert.deepEqual(whackRequest({ name: 'a', delete: true }), { cmd: 'delete', args: { name: 'a' } });
  assert.deepEqual(whackRequest({ trafficstatus: true }), { cmd: 'trafficstatus', args: {} });
  assert.deepEqual(whackRequest({ debug: ['crypt,no-base'] }), { cmd: 'debug', args: { set: ['crypt', 'no-base'] } });
  assert.deepEqual(whackRequest({ name: 'a', rekeyIke: true }), { cmd: 'rekey', args: { name: 'a', what: 'ike' } });
  assert.deepEqual(whackRequest({ name: 'a', rekeyIpsec: true }), { cmd: 'rekey', args: { name: 'a', what: 'child' } });
  assert.match(whackRequest({ rekeyIpsec: true }) as string, /^--rekey-ipsec needs --name/);
  assert.match(whackRequest({ name: 'a', rekeyIke: true, terminate: true }) as string, /--terminate, --rekey-ike/);
  assert.match(whackRequest({ initiate: true }) as string, /needs --name/);
  assert.match(whackRequest({}) as string, /no action/);
  assert.match(whackRequest({ status: true, shutdown: true }) as string, /only one action/);
});

test('auto --showonly prints the commands it would run', () => {
  const o = { config: '/etc/ipsec.conf', rundir: '/tmp/r' };
  assert.equal(showCommand('up', 'west', o), 'ipsec whack --rundir /tmp/r --name west --initiate');
  assert.equal(showCommand('start', 'west', { ...o, asynchronous: true }), 'ipsec addconn --config /etc/ipsec.conf --rundir /tmp/r west\nipsec whack --rundir /tmp/r --name west --initiate --asynchronous');
  assert.equal(showCommand('status', undefined, { config: 'c', ctlsocket: '/s' }), 'ipsec whack --ctlsocket /s --status');
});
