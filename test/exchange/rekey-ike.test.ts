// Rekeying the IKE SA (CREATE_CHILD_SA with an IKE proposal, RFC 7296 §1.3.2 and §2.18), from either end.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseMessage } from '../../src/ikev2/codec';
import { ExchangeType } from '../../src/ikev2/constants';
import { conf, IkePair } from '../helpers/ike-pair';

async function upPair(): Promise<IkePair> {
  const pair = new IkePair({ conf: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256\nleftsubnet=10.1.0.0/24\nrightsubnet=10.2.0.0/24') });
  const p = pair.a.engine.initiate('test');
  await pair.run();
  await p;
  return pair;
}

for (const side of ['a', 'b'] as const) {
  test(`IKE SA rekey started by ${side === 'a' ? 'the original initiator' : 'the original responder'}: new SPIs, Child SA kept, old IKE SA deleted`, async () => {
    const pair = await upPair();
    const before = pair.a.engine.status();
    const child = before.childSas[0]!;
    const done = pair[side].engine.rekey('test', 'ike');
    const flights = await pair.run();
    await done;
    assert.deepEqual(flights.map((m) => parseMessage(m.data).header.exchangeType), [
      ExchangeType.CREATE_CHILD_SA, ExchangeType.CREATE_CHILD_SA, ExchangeType.INFORMATIONAL, ExchangeType.INFORMATIONAL,
    ]);
    // The delete goes out on the old IKE SA (old SPIs in the header).
    const del = parseMessage(flights[2]!.data).header;
    assert.equal(Buffer.from(del.initiatorSpi).toString('hex'), before.ikeSas[0]!.spiI);
    for (const p of [pair.a, pair.b]) {
      const st = p.engine.status();
      assert.equal(st.ikeSas.length, 1);
      assert.notEqual(st.ikeSas[0]!.spiI, before.ikeSas[0]!.spiI);
      assert.equal(st.ikeSas[0]!.state, 'ESTABLISHED_IKE_SA');
      assert.equal(st.childSas.length, 1, 'the Child SA survives');
      assert.equal(st.childSas[0]!.ikeSerial, st.ikeSas[0]!.serial, 'and now belongs to the new IKE SA');
      assert.equal(p.kernel.sas.size, 2);
      assert.equal(p.kernel.policies.size, 3);
    }
    assert.equal(pair.a.engine.status().childSas[0]!.spiIn, child.spiIn);
    assert.equal(pair.a.engine.status().ikeSas[0]!.initiator, side === 'a', 'the rekeying end initiates the new IKE SA');
    const ia = pair.a.engine.status().ikeSas[0]!;
    const ib = pair.b.engine.status().ikeSas[0]!;
    assert.equal(ia.spiI, ib.spiI);
    assert.equal(ia.spiR, ib.spiR);
    // The new IKE SA's keys work both ways: a Child SA rekey over it, then a delete.
    const rk = pair[side === 'a' ? 'b' : 'a'].engine.rekey('test', 'child');
    await pair.run();
    await rk;
    assert.equal(pair.a.engine.status().childSas.length, 1);
    await pair.a.engine.terminate('test');
    await pair.run();
    for (const p of [pair.a, pair.b]) {
      assert.deepEqual(p.engine.status(), { ikeSas: [], childSas: [] });
      assert.equal(p.kernel.sas.size + p.kernel.policies.size, 0);
    }
    assert.equal(pair.clock.armed, 0);
  });
}

test('ikelifetime: the initiator rekeys the IKE SA rekeymargin before it expires', async () => {
  const pair = new IkePair({ conf: conf('esp=aes_gcm256\nikelifetime=1h\nrekeymargin=9m\nrekeyfuzz=0%') });
  const p = pair.a.engine.initiate('test');
  await pair.run();
  await p;
  const before = pair.a.engine.status().ikeSas[0]!;
  await pair.advance(51 * 60 * 1000 - 1);
  assert.equal(pair.queue.length, 0);
  await pair.advance(1);
  assert.equal(parseMessage(pair.queue[0]!.data).header.exchangeType, ExchangeType.CREATE_CHILD_SA);
  await pair.run();
  const after = pair.a.engine.status().ikeSas;
  assert.equal(after.length, 1);
  assert.notEqual(after[0]!.spiI, before.spiI);
  assert.equal(pair.b.engine.status().ikeSas.length, 1);
});

test('ikelifetime with rekey=no: the IKE SA is deleted when it expires', async () => {
  const pair = new IkePair({ conf: conf('esp=aes_gcm256\nikelifetime=1h\nrekey=no') });
  const p = pair.a.engine.initiate('test');
  await pair.run();
  await p;
  await pair.advance(60 * 60 * 1000);
  await pair.run();
  for (const peer of [pair.a, pair.b]) assert.deepEqual(peer.engine.status(), { ikeSas: [], childSas: [] });
});
