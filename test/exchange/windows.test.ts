// Message-ID windows and retransmission (RFC 7296 §2.1-§2.3): lost messages, duplicates, stale responses.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseMessage } from '../../src/ikev2/codec';
import { ExchangeType } from '../../src/ikev2/constants';
import { conf, IkePair } from '../helpers/ike-pair';

const CONF = conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256\nretransmit-interval=500ms\nretransmit-timeout=10s');

test('a lost IKE_SA_INIT request is sent again after retransmit-interval, then the tunnel comes up', async () => {
  const pair = new IkePair({ conf: CONF });
  const p = pair.a.engine.initiate('test');
  await pair.settle();
  const lost = pair.drop();
  await pair.advance(499);
  assert.equal(pair.queue.length, 0, 'nothing before the interval');
  await pair.advance(1);
  assert.equal(pair.queue.length, 1);
  assert.deepEqual(pair.queue[0]!.data, lost.data, 'the very same octets');
  await pair.run();
  await p;
});

test('retransmissions double the interval; a lost IKE_AUTH response is recovered from the responder\'s cache', async () => {
  const pair = new IkePair({ conf: CONF });
  const p = pair.a.engine.initiate('test');
  await pair.deliver(); // INIT request
  await pair.deliver(); // INIT response -> A sends IKE_AUTH
  await pair.deliver(); // IKE_AUTH request -> B answers and is up
  assert.equal(pair.b.engine.status().childSas.length, 1);
  const lostResponse = pair.drop();
  await pair.advance(500); // A: first retransmission
  assert.equal(pair.queue.length, 1);
  pair.drop();
  await pair.advance(999);
  assert.equal(pair.queue.length, 0, 'the second interval is twice the first');
  await pair.advance(1);
  assert.equal(pair.queue.length, 1);
  const again = await pair.deliver(); // B sees a duplicate: answers from its cache
  assert.equal(parseMessage(again.data).header.exchangeType, ExchangeType.IKE_AUTH);
  assert.deepEqual(pair.queue[0]!.data, lostResponse.data, 'the cached response, octet for octet');
  assert.equal(pair.b.kernel.calls.filter((c) => c.method === 'addSa').length, 2, 'no second Child SA on the duplicate');
  await pair.run();
  const r = await p;
  assert.equal(r.child.spiOut, pair.b.engine.status().childSas[0]!.spiIn);
});

test('a duplicated request gets the same response; the extra response is dropped as stale', async () => {
  const pair = new IkePair({ conf: CONF });
  const p = pair.a.engine.initiate('test');
  await pair.deliver(); // INIT request
  await pair.deliver(); // INIT response
  pair.queue.push({ ...pair.queue[0]!, data: new Uint8Array(pair.queue[0]!.data) }); // IKE_AUTH request twice
  await pair.deliver();
  await pair.deliver();
  assert.equal(pair.queue.length, 2);
  assert.deepEqual(pair.queue[0]!.data, pair.queue[1]!.data);
  await pair.run();
  await p;
  assert.equal(pair.a.engine.status().childSas.length, 1);
  assert.equal(pair.b.engine.status().ikeSas.length, 1);
});

test('a duplicate IKE_SA_INIT request is answered from the half-open SA, not a second SA', async () => {
  const pair = new IkePair({ conf: CONF });
  const p = pair.a.engine.initiate('test');
  await pair.settle();
  pair.queue.push({ ...pair.queue[0]!, data: new Uint8Array(pair.queue[0]!.data) });
  await pair.deliver();
  await pair.deliver();
  assert.equal(pair.b.engine.status().ikeSas.length, 1);
  assert.deepEqual(pair.queue[0]!.data, pair.queue[1]!.data);
  await pair.run();
  await p;
});

test('no answer within retransmit-timeout: initiate() rejects and the SA is gone', async () => {
  const pair = new IkePair({ conf: CONF });
  const p = pair.a.engine.initiate('test');
  p.catch(() => undefined);
  await pair.settle();
  let sends = 0;
  for (let t = 0; t < 12_000; t += 250) {
    sends += pair.queue.length;
    pair.queue.length = 0;
    await pair.advance(250);
  }
  await assert.rejects(p, /retransmit-timeout/);
  assert.ok(sends >= 4 && sends <= 6, `sent ${sends} times (0.5 + 1 + 2 + 4 s < 10 s)`);
  assert.equal(pair.a.engine.status().ikeSas.length, 0);
  assert.equal(pair.clock.armed, 0, 'no timer left behind');
});

test('a response with a message id we are not waiting for is dropped', async () => {
  const pair = new IkePair({ conf: CONF });
  const p = pair.a.engine.initiate('test');
  await pair.run();
  await p;
  // Replay the IKE_SA_INIT response to A: stale now.
  const initResp = pair.sent[1]!;
  pair.queue.push({ ...initResp, data: new Uint8Array(initResp.data) });
  await pair.deliver();
  assert.equal(pair.queue.length, 0);
  assert.equal(pair.a.engine.status().ikeSas[0]!.state, 'ESTABLISHED_IKE_SA');
});

test('a tampered request fails its ICV and is ignored', async () => {
  const pair = new IkePair({ conf: CONF });
  const p = pair.a.engine.initiate('test');
  await pair.deliver();
  await pair.deliver();
  const auth = pair.queue[0]!;
  auth.data[auth.data.length - 1]! ^= 1;
  await pair.deliver();
  assert.equal(pair.queue.length, 0, 'no answer to a forged message');
  assert.equal(pair.b.engine.status().ikeSas[0]!.state, 'PARENT_R1');
  await pair.advance(500); // A retransmits the genuine request
  await pair.run();
  await p;
});
