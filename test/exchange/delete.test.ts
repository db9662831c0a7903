// Deleting the IKE SA (and its Child SAs) from either end, and NAT-T by encapsulation=yes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseMessage } from '../../src/ikev2/codec';
import { ExchangeType } from '../../src/ikev2/constants';
import { conf, IkePair } from '../helpers/ike-pair';

async function upPair(extra = ''): Promise<IkePair> {
  const pair = new IkePair({ conf: conf(`ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256\n${extra}`) });
  const p = pair.a.engine.initiate('test');
  await pair.run();
  await p;
  return pair;
}

for (const side of ['a', 'b'] as const) {
  test(`terminate on ${side === 'a' ? 'the initiator' : 'the responder'}: both ends remove SAs and policies`, async () => {
    const pair = await upPair();
    const peer = pair[side];
    const other = pair[side === 'a' ? 'b' : 'a'];
    await peer.engine.terminate('test');
    await pair.settle();
    assert.equal(peer.kernel.sas.size, 0);
    assert.equal(peer.kernel.policies.size, 0);
    const flights = await pair.run();
    assert.deepEqual(flights.map((m) => parseMessage(m.data).header.exchangeType), [ExchangeType.INFORMATIONAL, ExchangeType.INFORMATIONAL]);
    for (const p of [peer, other]) {
      assert.equal(p.kernel.sas.size, 0);
      assert.equal(p.kernel.policies.size, 0);
      assert.deepEqual(p.engine.status(), { ikeSas: [], childSas: [] });
      assert.deepEqual(p.events.map((e) => e.type), ['ikeUp', 'childUp', 'childDown', 'ikeDown']);
      assert.deepEqual(p.kernel.calls.filter((c) => c.method === 'delPolicy').map((c) => c.method === 'delPolicy' && c.direction).sort(), ['fwd', 'in', 'out']);
    }
    assert.equal(pair.clock.armed, 0);
  });
}

test('a lost delete response: the deleting end gives up after retransmit-timeout', async () => {
  const pair = await upPair('retransmit-timeout=5s');
  await pair.a.engine.terminate('test');
  await pair.settle();
  pair.drop();
  await pair.advance(6000);
  pair.queue.length = 0;
  await pair.advance(6000);
  assert.deepEqual(pair.a.engine.status(), { ikeSas: [], childSas: [] });
  assert.equal(pair.b.engine.status().ikeSas.length, 1, 'the peer never heard of it');
});

test("a lost answer to the peer's delete: its retransmission is answered again, a forgery or a late copy is not", async () => {
  const pair = await upPair('retransmit-timeout=5s');
  await pair.a.engine.terminate('test');
  await pair.deliver(); // B answers and forgets the IKE SA
  assert.deepEqual(pair.b.engine.status(), { ikeSas: [], childSas: [] });
  const lost = pair.drop();
  assert.equal(parseMessage(lost.data).header.response, true);
  await pair.advance(500); // A retransmits (retransmit-interval)
  assert.equal(pair.queue.length, 1);
  const retransmission = pair.queue[0]!;
  // A copy with one octet changed (the ICV): B holds no keys any more and must not answer it.
  const forged = new Uint8Array(retransmission.data);
  forged[forged.length - 1]! ^= 1;
  pair.b.engine.receive({ data: forged, local: { ...retransmission.to }, remote: { ...retransmission.from } });
  await pair.settle();
  assert.equal(pair.queue.length, 1, 'no answer to the forged copy');
  await pair.deliver();
  assert.equal(pair.queue.length, 1, 'B answered the retransmission');
  assert.deepEqual(pair.queue[0]!.data, lost.data, 'with the very response that was lost');
  await pair.deliver();
  assert.deepEqual(pair.a.engine.status(), { ikeSas: [], childSas: [] }, 'A is done at once, not at retransmit-timeout');
  // Past the peer's retransmit-timeout the answer is forgotten.
  await pair.advance(5000);
  pair.b.engine.receive({ data: new Uint8Array(retransmission.data), local: { ...retransmission.to }, remote: { ...retransmission.from } });
  await pair.settle();
  assert.equal(pair.queue.length, 0);
});

test('shutdown deletes every SA', async () => {
  const pair = await upPair();
  await pair.b.engine.shutdown();
  await pair.run();
  assert.equal(pair.a.kernel.sas.size + pair.b.kernel.sas.size, 0);
  assert.deepEqual(pair.a.engine.status(), { ikeSas: [], childSas: [] });
});

test('encapsulation=yes: IKE_AUTH moves to port 4500 and the ESP SAs are UDP-encapsulated', async () => {
  const pair = await upPair('encapsulation=yes');
  const auth = pair.sent.filter((m) => parseMessage(m.data).header.exchangeType === ExchangeType.IKE_AUTH);
  for (const m of auth) {
    assert.equal(m.from.port, 4500);
    assert.equal(m.to.port, 4500);
  }
  for (const p of [pair.a, pair.b]) {
    for (const sa of p.kernel.sas.values()) assert.deepEqual(sa.encap, { srcPort: 4500, dstPort: 4500 });
    assert.equal(p.engine.status().childSas[0]!.encapsulated, true);
  }
});

test('NAT between the peers: detected from NAT_DETECTION hashes, both ends encapsulate', async () => {
  // A sits behind a NAT that maps 192.0.2.1:500 and :4500 to 198.51.100.9:1500 and :14500.
  const pair = new IkePair({ conf: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256\nleftid=@a.example\nleftsubnet=10.1.0.0/24', '192.0.2.1', '192.0.2.2'),
    confB: conf('esp=aes_gcm256\nleftid=@a.example\nleftsubnet=10.1.0.0/24', '%any', '192.0.2.2') });
  const outside = (port: number): number => (port === 500 ? 1500 : 14500);
  const inside = (port: number): number => (port === 1500 ? 500 : 4500);
  const nat = (m: Parameters<NonNullable<Parameters<IkePair['deliver']>[0]>>[0]) => {
    if (m.from.address === '192.0.2.1') return { ...m, from: { address: '198.51.100.9', port: outside(m.from.port) } };
    if (m.to.address === '198.51.100.9') return { ...m, to: { address: '192.0.2.1', port: inside(m.to.port) } };
    return m;
  };
  const p = pair.a.engine.initiate('test');
  while (pair.queue.length > 0 || (await pair.settle(), pair.queue.length > 0)) await pair.deliver(nat);
  const r = await p;
  assert.equal(r.child.encapsulated, true);
  const [aOut] = pair.a.kernel.sasFor('out');
  assert.deepEqual(aOut!.encap, { srcPort: 4500, dstPort: 4500 });
  const [bOut] = pair.b.kernel.sasFor('out');
  assert.deepEqual(bOut!.encap, { srcPort: 4500, dstPort: 14500 });
  assert.equal(bOut!.dst, '198.51.100.9');
});
