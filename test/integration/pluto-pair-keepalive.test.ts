// --keep-alive reaches the engine: two of our plutos in the west/east namespaces, west with
// encapsulation=yes (Libreswan's "behave as if behind a NAT") and --keep-alive 1. West sends NAT-T
// keep-alives from port 4500 while its IKE SA lives and stops when it is gone; east, not behind a NAT,
// sends none and counts what it receives.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { waitFor } from './daemon-harness';
import { netnsPair, waitStatus, westEastConn } from './pluto-pair-harness';

const PSK = 'a pre-shared key for the keep-alive test';

test('pluto --keep-alive 1: the end behind the NAT sends keep-alives on 4500 while the IKE SA lives', async (t) => {
  const west = westEastConn('west-east', 'aes_gcm256-sha2_256;dh31', 'aes_gcm256', '\tencapsulation=yes\n\tauto=add\n');
  const east = westEastConn('west-east', 'aes_gcm256-sha2_256;dh31', 'aes_gcm256', '\tauto=add\n');
  const pair = await netnsPair(t, { west, east }, { west: PSK, east: PSK });
  await pair.start('east', ['--keep-alive', '1']);
  await pair.start('west', ['--keep-alive', '1']);
  assert.deepEqual(pair.status('west').natKeepalives, [], 'nothing before an IKE SA exists');

  const up = pair.ipsec('west', 'auto', '--up', 'west-east');
  assert.equal(up.status, 0, up.stdout + up.stderr);
  const w = pair.status('west');
  assert.equal(w.engine.childSas[0]?.encapsulated, true, 'ESP in UDP');
  assert.deepEqual(w.natKeepalives, [{ local: { address: '192.0.2.1', port: 4500 }, remote: { address: '192.0.2.2', port: 4500 }, intervalSeconds: 1 }]);
  assert.deepEqual(pair.status('east').natKeepalives, [], 'east is not behind a NAT');
  const received = await waitStatus(pair, 'east', (s) => s.keepaliveCounters.received >= 2, 10_000);
  assert.ok(received.keepaliveCounters.received >= 2, `east received ${received.keepaliveCounters.received} keep-alives`);
  assert.equal(pair.status('east').keepaliveCounters.sent, 0);

  const down = pair.ipsec('west', 'auto', '--down', 'west-east');
  assert.equal(down.status, 0, down.stdout + down.stderr);
  assert.ok(await waitFor(() => pair.status('west').natKeepalives.length === 0, 5000), 'stopped with the IKE SA');
  const sent = pair.status('west').keepaliveCounters.sent;
  assert.ok(sent >= 2);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(pair.status('west').keepaliveCounters.sent, sent, 'no keep-alive after the SA is gone');
});
