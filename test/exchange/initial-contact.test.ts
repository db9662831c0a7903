// INITIAL_CONTACT per peer, not per conn (RFC 7296 §2.4, Libreswan): sent only when we hold no IKE SA with
// that peer ID on any conn; on receipt, every IKE SA and Child SA with that peer ID goes, on every conn,
// except the new one, without a message (the peer has nothing left to delete).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseIpsecConfText } from '../../src/config';
import { parseMessage } from '../../src/ikev2/codec';
import type { InitiateResult } from '../../src/ikev2/engine-api';
import { ExchangeType } from '../../src/ikev2/constants';
import { ADDRESS_A, ADDRESS_B, IkePair, type Peer } from '../helpers/ike-pair';

const ALGS = 'ike=aes_gcm256-sha2_256;dh19\n\tesp=aes_gcm256\n\tauthby=secret';

function westEast(name: string, leftSubnet: string, rightSubnet: string): string {
  return `conn ${name}\n\tleft=${ADDRESS_A}\n\tleftid=@west\n\tleftsubnet=${leftSubnet}\n\tright=${ADDRESS_B}\n\trightid=@east\n\trightsubnet=${rightSubnet}\n\t${ALGS}\n`;
}

const TEST = westEast('test', '10.1.0.0/24', '10.2.0.0/24');
const OTHER = westEast('other', '10.1.1.0/24', '10.2.1.0/24');

function addOtherTo(peer: Peer, local: 'left' | 'right'): void {
  peer.engine.addConnection({ ...parseIpsecConfText(OTHER, 'other.conf').conns[0]!, local });
}

/** The IKE_AUTH requests A sent, in order. */
function authRequests(pair: IkePair): Uint8Array[] {
  return pair.sent.filter((m) => {
    const h = parseMessage(m.data).header;
    return h.exchangeType === ExchangeType.IKE_AUTH && !h.response && m.from.address === ADDRESS_A;
  }).map((m) => m.data);
}

/** A and B with conns "test" and "other" (same IDs), both up from A; uniqueids=no. */
async function bothUp(): Promise<{ pair: IkePair; other: InitiateResult }> {
  const pair = new IkePair({ conf: TEST, extraConnsB: OTHER, uniqueIds: false });
  addOtherTo(pair.a, 'left');
  const first = pair.a.engine.initiate('test');
  await pair.run();
  await first;
  const second = pair.a.engine.initiate('other');
  await pair.run();
  return { pair, other: await second };
}

test('a second conn to the same peer ID sends no INITIAL_CONTACT; the peer keeps both', async () => {
  const { pair } = await bothUp();
  const st = pair.b.engine.status();
  assert.deepEqual(st.ikeSas.map((s) => s.connection).sort(), ['other', 'test'], 'both IKE SAs stay: the second one carried no INITIAL_CONTACT');
  assert.equal(pair.b.kernel.sas.size, 4);
  // Same IDs, proposals and cipher; the conns' selectors have the same length: the first request is
  // longer by exactly the 8-octet INITIAL_CONTACT notify.
  const [a1, a2] = authRequests(pair);
  assert.equal(a1!.length - a2!.length, 8);
});

test('after a crash the peer\'s INITIAL_CONTACT removes its SAs on every conn, without a message', async () => {
  const { pair, other: old } = await bothUp();
  assert.equal(pair.b.engine.status().ikeSas.length, 2);

  const a = await pair.restartA();
  const again = a.engine.initiate('test');
  const flights = await pair.run();
  const r = await again;
  assert.deepEqual(flights.map((m) => exchangeName(m.data)), ['IKE_SA_INIT', 'IKE_SA_INIT', 'IKE_AUTH', 'IKE_AUTH'], 'no delete was sent for the stale SAs');
  const st = pair.b.engine.status();
  assert.deepEqual(st.ikeSas.map((s) => [s.connection, s.spiI]), [['test', r.ike.spiI]], 'only the new IKE SA');
  assert.deepEqual(st.childSas.map((c) => c.spiIn), [r.child.spiOut], 'only the new Child SA');
  assert.equal(pair.b.kernel.sas.size, 2);
  assert.ok(![...pair.b.kernel.sas.values()].some((sa) => sa.spi === old.child.spiOut || sa.spi === old.child.spiIn), 'conn "other"\'s SAs are gone from the kernel');
  assert.ok(pair.b.log.some((l) => /"other" #\d+: deleted: INITIAL_CONTACT from @east|"other" #\d+: deleted: INITIAL_CONTACT from @west/.test(l)), pair.b.log.join('\n'));
  assert.ok(pair.b.events.some((e) => e.type === 'ikeDown'));
});

test('INITIAL_CONTACT leaves other peers alone', async () => {
  const pair = new IkePair({ conf: TEST, uniqueIds: false });
  const first = pair.a.engine.initiate('test');
  await pair.run();
  await first;
  // A second peer ID on B's side, on another conn (A plays it with another identity).
  const carol = `conn carol\n\tleft=${ADDRESS_A}\n\tleftid=@carol\n\tleftsubnet=10.1.1.0/24\n\tright=${ADDRESS_B}\n\trightid=@east\n\trightsubnet=10.2.1.0/24\n\t${ALGS}\n`;
  pair.a.engine.addConnection({ ...parseIpsecConfText(carol, 'carol.conf').conns[0]!, local: 'left' });
  pair.b.engine.addConnection({ ...parseIpsecConfText(carol, 'carol.conf').conns[0]!, local: 'right' });
  const c = pair.a.engine.initiate('carol');
  await pair.run();
  await c;
  // carol's IKE_AUTH carried INITIAL_CONTACT (no SA with @carol before), yet @west's SA stays.
  assert.deepEqual(pair.b.engine.status().ikeSas.map((s) => s.remoteId).sort(), ['@carol', '@west']);
});

function exchangeName(data: Uint8Array): string {
  const t = parseMessage(data).header.exchangeType;
  return t === ExchangeType.IKE_SA_INIT ? 'IKE_SA_INIT' : t === ExchangeType.IKE_AUTH ? 'IKE_AUTH' : t === ExchangeType.INFORMATIONAL ? 'INFORMATIONAL' : String(t);
}
