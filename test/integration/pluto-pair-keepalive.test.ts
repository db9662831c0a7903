// --keep-alive reaches the engine: two of our plutos in the west/east namespaces, west behind a
// port-translating NAT (nftables SNAT in west's namespace: source port 500 -> 1500, 4500 -> 14500), both
// with --keep-alive 1. West, which finds its own port rewritten, sends NAT-T keep-alives from port 4500
// while its IKE SA lives and stops when it is gone; east, not behind a NAT, sends none and counts what
// arrives (in its userspace data path, which owns port 4500 on this kernel without ESP).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { ensurePackages } from '../helpers/packages';
import { waitFor } from './daemon-harness';
import { netnsPair, waitStatus, westEastConn } from './pluto-pair-harness';

const PSK = 'a pre-shared key for the keep-alive test';
const NAT_RULES = `table ip nat {
  chain postrouting {
    type nat hook postrouting priority 100;
    udp sport 500 snat to 192.0.2.1:1500
    udp sport 4500 snat to 192.0.2.1:14500
  }
}
`;

const skip = ensurePackages(['nftables']) ?? undefined;

test('pluto --keep-alive 1: the end behind a NAT sends keep-alives on 4500 while the IKE SA lives', { skip }, async (t) => {
  const conf = westEastConn('west-east', 'aes_gcm256-sha2_256;dh31', 'aes_gcm256', '\tauto=add\n');
  const pair = await netnsPair(t, { west: conf, east: conf }, { west: PSK, east: PSK });
  execFileSync('ip', ['netns', 'exec', pair.hosts.west.ns, 'nft', '-f', '-'], { input: NAT_RULES });
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
