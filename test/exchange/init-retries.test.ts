// IKE_SA_INIT round trips the responder can ask for: INVALID_KE_PAYLOAD (another group) and COOKIE (busy).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseMessage, type Payload } from '../../src/ikev2/codec';
import { NotifyError, NotifyStatus, PayloadType } from '../../src/ikev2/constants';
import { conf, IkePair } from '../helpers/ike-pair';

function notifyTypes(payloads: Payload[]): number[] {
  return payloads.flatMap((p) => (p.type === PayloadType.N ? [p.notifyType] : []));
}

function keGroup(payloads: Payload[]): number | undefined {
  const ke = payloads.find((p) => p.type === PayloadType.KE);
  return ke?.type === PayloadType.KE ? ke.group : undefined;
}

test('INVALID_KE_PAYLOAD: the initiator retries with the group the responder asks for', async () => {
  const pair = new IkePair({
    conf: conf('ike=aes_gcm256-sha2_256;dh19+dh31\nesp=aes_gcm256'),
    confB: conf('ike=aes_gcm256-sha2_256;dh31\nesp=aes_gcm256'),
  });
  const p = pair.a.engine.initiate('test');
  const flights = await pair.run();
  const msgs = flights.map((m) => parseMessage(m.data));
  assert.equal(msgs.length, 6);
  assert.equal(keGroup(msgs[0]!.payloads), 19);
  assert.deepEqual(notifyTypes(msgs[1]!.payloads), [NotifyError.INVALID_KE_PAYLOAD]);
  const data = msgs[1]!.payloads[0]!;
  assert.deepEqual(data.type === PayloadType.N && [...data.data], [0, 31]);
  assert.ok(msgs[1]!.header.responderSpi.every((b) => b === 0), 'the responder keeps no state (SPIr zero)');
  assert.equal(keGroup(msgs[2]!.payloads), 31);
  assert.deepEqual(msgs[2]!.header.initiatorSpi, msgs[0]!.header.initiatorSpi);
  assert.equal(msgs[2]!.header.messageId, 0);
  const r = await p;
  assert.match(r.ike.algorithms, /DH31$/);
  assert.equal(pair.b.engine.status().ikeSas.length, 1);
});

test('COOKIE with --force-busy: stateless cookie, then the retry with the cookie first', async () => {
  const pair = new IkePair({ conf: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256'), forceBusyB: true });
  const p = pair.a.engine.initiate('test');
  await pair.settle();
  await pair.deliver(); // request to B
  assert.equal(pair.b.engine.status().ikeSas.length, 0, 'no state for a request without a cookie');
  const cookieResp = parseMessage(pair.queue[0]!.data);
  assert.deepEqual(notifyTypes(cookieResp.payloads), [NotifyStatus.COOKIE]);
  const cookie = cookieResp.payloads[0]!;
  assert.ok(cookie.type === PayloadType.N && cookie.data.length >= 1 && cookie.data.length <= 64);
  const flights = await pair.run();
  const retry = parseMessage(flights[1]!.data);
  assert.equal(retry.payloads[0]!.type, PayloadType.N, 'the COOKIE notify comes first');
  assert.deepEqual(retry.payloads[0]!.type === PayloadType.N && [...retry.payloads[0]!.data], cookie.type === PayloadType.N && [...cookie.data]);
  await p;
  assert.equal(pair.b.engine.status().childSas.length, 1);
});

test('a forged cookie is answered with a fresh COOKIE, never with state', async () => {
  const pair = new IkePair({ conf: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256'), forceBusyB: true });
  void pair.a.engine.initiate('test').catch(() => undefined);
  await pair.settle();
  await pair.deliver();
  const good = parseMessage(pair.queue[0]!.data).payloads[0]!;
  assert.ok(good.type === PayloadType.N);
  good.data[5]! ^= 0xff; // the initiator will echo a cookie the responder did not make
  pair.queue[0]!.data = (await import('../../src/ikev2/codec')).serializeMessage(parseMessageWith(pair.queue[0]!.data, good));
  await pair.deliver(); // forged cookie response to A
  await pair.deliver(); // A's retry with the forged cookie
  assert.equal(pair.b.engine.status().ikeSas.length, 0);
  const again = parseMessage(pair.queue[0]!.data);
  assert.deepEqual(notifyTypes(again.payloads), [NotifyStatus.COOKIE]);
});

function parseMessageWith(data: Uint8Array, replacement: Payload): ReturnType<typeof parseMessage> {
  const m = parseMessage(data);
  return { header: m.header, payloads: [replacement] };
}

test('more half-open SAs than ddos-ike-threshold: cookies are demanded', async () => {
  const pair = new IkePair({ conf: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256'), ddosIkeThreshold: 0 });
  // One half-open SA on B (its response lost), then a second initiation must get a COOKIE.
  void pair.a.engine.initiate('test').catch(() => undefined);
  await pair.settle();
  await pair.deliver();
  assert.equal(pair.b.engine.status().ikeSas.length, 1);
  pair.drop();
  void pair.a.engine.initiate('test').catch(() => undefined);
  await pair.settle();
  await pair.deliver();
  assert.deepEqual(notifyTypes(parseMessage(pair.queue[0]!.data).payloads), [NotifyStatus.COOKIE]);
});
