// The responder's choices between two of our plutos in the west/east namespaces, through the real CLI:
// the conn switch at IKE_AUTH (east picks a conn by addresses at IKE_SA_INIT, then the one the IDs and
// selectors ask for) and INITIAL_CONTACT per peer (a second conn to the same peer sends none; after west
// crashes and comes back, its INITIAL_CONTACT clears east's stale SAs on every conn).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';

import { netnsPair, waitStatus, westEastConn, type PairStatus } from './pluto-pair-harness';

const IKE = 'aes_gcm256-sha2_256;dh31';
const ESP = 'aes_gcm256';
const PSK = 'a pre-shared key for the responder tests';

/** A second west-east conn with other subnets: same addresses and IDs, told apart by its selectors. */
const SECOND = westEastConn('second', IKE, ESP, '\tauto=add\n').replace('10.1.0.0/24', '10.1.1.0/24').replace('10.2.0.0/24', '10.2.1.0/24');

/**
 * The harness appends the conf right after its `config setup` lines: a leading tab-indented line is one
 * more setup line (uniqueids=no, so that only INITIAL_CONTACT can replace an IKE SA).
 */
const EAST = `\tuniqueids=no\n${westEastConn('west-east', IKE, ESP, '\tauto=add\n')}${SECOND}`;
const WEST = `${westEastConn('west-east', IKE, ESP, '\tauto=add\n')}${SECOND}`;

const conns = (s: PairStatus): string[] => s.engine.ikeSas.map((sa) => sa.connection).sort();

test('two conns to one peer: east switches conn on the selectors; no INITIAL_CONTACT on the second; a restarted west clears both', async (t) => {
  const pair = await netnsPair(t, { west: WEST, east: EAST }, { west: PSK, east: PSK });
  await pair.start('east');
  const west = await pair.start('west');

  for (const name of ['west-east', 'second']) {
    const r = pair.ipsec('west', 'auto', '--up', name);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
  const eastLog = (): string => fs.readFileSync(pair.sides.east.log, 'utf8');
  // IKE_SA_INIT from 192.0.2.1 picks "west-east" (the first for those addresses); the IDs fit both, the
  // selectors 10.1.1.0/24 - 10.2.1.0/24 only "second".
  assert.match(eastLog(), /"west-east" #\d+: switched from "west-east" to "second"/);
  const both = pair.status('east');
  assert.deepEqual(conns(both), ['second', 'west-east'], 'both IKE SAs stay: the second IKE_AUTH carried no INITIAL_CONTACT');
  assert.deepEqual(both.engine.childSas.map((c) => [c.connection, c.localTs[0]]).sort(), [['second', '10.2.1.0/24'], ['west-east', '10.2.0.0/24']]);

  // West crashes (no deletes sent) and comes back with no state: its next IKE_AUTH carries INITIAL_CONTACT.
  west.child.kill('SIGKILL');
  await west.exited;
  await pair.start('west');
  const r = pair.ipsec('west', 'auto', '--up', 'west-east');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const after = await waitStatus(pair, 'east', (s) => s.engine.ikeSas.length === 1, 5000);
  assert.deepEqual(conns(after), ['west-east'], eastLog());
  const w = pair.status('west');
  assert.deepEqual(after.engine.ikeSas.map((sa) => sa.spiI), w.engine.ikeSas.map((sa) => sa.spiI), 'the one left is the new one');
  assert.deepEqual(after.engine.childSas.map((c) => c.spiIn), w.engine.childSas.map((c) => c.spiOut));
  assert.match(eastLog(), /"second" #\d+: deleted: INITIAL_CONTACT from @west/);
});
