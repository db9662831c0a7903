// The responder's connection switch at IKE_AUTH (Libreswan's refine_host_connection): IKE_SA_INIT picks a
// conn by addresses only; the peer's IDi, and the IDr it asks for, select among the conns that accept
// those addresses. Road warriors on left=%any told apart by leftid= (B is right here, A the road warrior).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseMessage } from '../../src/ikev2/codec';
import { ADDRESS_A, ADDRESS_B, IkePair } from '../helpers/ike-pair';

const ALGS = 'ike=aes_gcm256-sha2_256;dh19\n\tesp=aes_gcm256\n\tauthby=secret';

/** A's conn: it is @bob, behind 10.1.1.0/24. */
function roadWarrior(leftid: string, rightid = '@gw'): string {
  return `conn test\n\tleft=${ADDRESS_A}\n\tleftid=${leftid}\n\tleftsubnet=10.1.1.0/24\n\tright=${ADDRESS_B}\n\trightid=${rightid}\n\trightsubnet=10.2.0.0/24\n\t${ALGS}\n`;
}

/** One of B's road-warrior conns: left=%any with the given leftid, B as right. */
function gatewayConn(name: string, leftid: string, rightid = '@gw', subnet = '10.2.0.0/24'): string {
  return `conn ${name}\n\tleft=%any\n\tleftid=${leftid}\n\tleftsubnet=10.1.1.0/24\n\tright=${ADDRESS_B}\n\trightid=${rightid}\n\trightsubnet=${subnet}\n\t${ALGS}\n`;
}

test('IDi selects the road-warrior conn of that peer: switched from "test" to "bob"', async () => {
  const pair = new IkePair({
    conf: roadWarrior('@bob'),
    confB: gatewayConn('test', '@alice', '@gw', '10.9.0.0/24'),
    extraConnsB: gatewayConn('bob', '@bob'),
    psks: { '@bob @gw': 'bob-secret', '@alice @gw': 'alice-secret' },
  });
  const up = pair.a.engine.initiate('test');
  await pair.run();
  const r = await up;
  assert.deepEqual(r.child.remoteTs, ['10.2.0.0/24'], 'the selectors are those of conn "bob"');
  const st = pair.b.engine.status();
  assert.deepEqual(st.ikeSas.map((s) => [s.connection, s.remoteId]), [['bob', '@bob']]);
  assert.deepEqual(st.childSas.map((c) => c.connection), ['bob']);
  assert.ok(pair.b.log.some((l) => l.includes('switched from "test" to "bob"')), pair.b.log.join('\n'));
});

test('the current conn stays when its ID already matches (no switch logged)', async () => {
  const pair = new IkePair({
    conf: roadWarrior('@alice'),
    confB: gatewayConn('test', '@alice'),
    extraConnsB: gatewayConn('bob', '@bob') + gatewayConn('anyone', '%any'),
    psks: { '@alice @gw': 'alice-secret' },
  });
  const up = pair.a.engine.initiate('test');
  await pair.run();
  await up;
  assert.deepEqual(pair.b.engine.status().ikeSas.map((s) => s.connection), ['test']);
  assert.ok(!pair.b.log.some((l) => l.includes('switched')));
});

test('an exact ID beats a %any conn listed before it', async () => {
  const pair = new IkePair({
    conf: roadWarrior('@carol'),
    confB: gatewayConn('test', '%any'),
    extraConnsB: gatewayConn('carol', '@carol'),
    psks: { '@carol @gw': 'carol-secret' },
  });
  const up = pair.a.engine.initiate('test');
  await pair.run();
  await up;
  assert.deepEqual(pair.b.engine.status().ikeSas.map((s) => s.connection), ['carol']);
});

test('authby= decides between conns with the same IDs: the PSK peer gets the authby=secret conn', async () => {
  const pair = new IkePair({
    conf: roadWarrior('@bob'),
    confB: gatewayConn('test', '@bob').replace('authby=secret', 'authby=rsasig'),
    extraConnsB: gatewayConn('bob-psk', '@bob'),
    psks: { '@bob @gw': 'bob-secret' },
  });
  const up = pair.a.engine.initiate('test');
  await pair.run();
  await up;
  assert.deepEqual(pair.b.engine.status().ikeSas.map((s) => s.connection), ['bob-psk']);
  assert.ok(pair.b.log.some((l) => l.includes('switched from "test" to "bob-psk"')), pair.b.log.join('\n'));
});

test('IDr picks among conns with the same peer ID: our identity @gw2 answers', async () => {
  const pair = new IkePair({
    conf: roadWarrior('@bob', '@gw2'),
    confB: gatewayConn('test', '@bob', '@gw1'),
    extraConnsB: gatewayConn('second', '@bob', '@gw2'),
    psks: { '@bob @gw2': 'gw2-secret', '@bob @gw1': 'gw1-secret' },
  });
  const up = pair.a.engine.initiate('test');
  await pair.run();
  const r = await up;
  assert.equal(r.ike.remoteId, '@gw2');
  assert.deepEqual(pair.b.engine.status().ikeSas.map((s) => [s.connection, s.localId]), [['second', '@gw2']]);
});

test('no conn for the peer\'s ID: AUTHENTICATION_FAILED, nothing left on either side', async () => {
  const pair = new IkePair({
    conf: roadWarrior('@mallory'),
    confB: gatewayConn('test', '@alice'),
    extraConnsB: gatewayConn('bob', '@bob'),
    psks: { '@mallory @gw': 'x', '@alice @gw': 'y', '@bob @gw': 'z' },
  });
  const up = pair.a.engine.initiate('test');
  up.catch(() => undefined);
  const flights = await pair.run();
  await assert.rejects(up, /AUTHENTICATION_FAILED/);
  assert.equal(flights.length, 4);
  assert.equal(parseMessage(flights[3]!.data).header.response, true);
  for (const p of [pair.a, pair.b]) {
    assert.deepEqual(p.engine.status(), { ikeSas: [], childSas: [] });
    assert.equal(p.kernel.sas.size, 0);
  }
  assert.ok(pair.b.log.some((l) => /peer ID @mallory matches no connection/.test(l)), pair.b.log.join('\n'));
});
