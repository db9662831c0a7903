// Negotiations that must fail, and fail on both ends with nothing installed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { openEncryptedMessage, parseMessage, type Payload } from '../../src/ikev2/codec';
import { NotifyError, PayloadType } from '../../src/ikev2/constants';
import { conf, IkePair } from '../helpers/ike-pair';

function notifyTypes(payloads: Payload[]): number[] {
  return payloads.flatMap((p) => (p.type === PayloadType.N ? [p.notifyType] : []));
}

test('wrong PSK: AUTHENTICATION_FAILED on both sides, nothing installed', async () => {
  const pair = new IkePair({ conf: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256'), pskB: 'another-secret' });
  const p = pair.a.engine.initiate('test');
  p.catch(() => undefined); // handled below; keeps the rejection from counting as unhandled meanwhile
  const flights = await pair.run();
  assert.equal(flights.length, 4);
  await assert.rejects(p, /AUTHENTICATION_FAILED/);
  for (const peer of [pair.a, pair.b]) {
    assert.equal(peer.kernel.sas.size, 0);
    assert.equal(peer.kernel.policies.size, 0);
    assert.equal(peer.kernel.calls.filter((c) => c.method === 'addSa').length, 0);
    assert.deepEqual(peer.engine.status(), { ikeSas: [], childSas: [] });
    assert.deepEqual(peer.events, []);
  }
});

test('the responder\'s AUTHENTICATION_FAILED is an encrypted IKE_AUTH response', async () => {
  const pair = new IkePair({ conf: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256'), pskB: 'another-secret' });
  const p = pair.a.engine.initiate('test').catch((e: Error) => e);
  const flights = await pair.run();
  const last = parseMessage(flights[3]!.data);
  assert.equal(last.header.response, true);
  assert.equal(last.payloads[0]!.type, PayloadType.SK);
  assert.match(String(await p), /AUTHENTICATION_FAILED/);
  assert.throws(() => openEncryptedMessage(new Uint8Array(flights[3]!.data), { sizes: { ivLength: 8, icvLength: 16, blockLength: 1, aead: true }, seal: () => 0, open: () => -1 }));
});

test('no common IKE proposal: NO_PROPOSAL_CHOSEN, no state anywhere', async () => {
  const pair = new IkePair({
    conf: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256'),
    confB: conf('ike=aes256-sha2_512;dh19\nesp=aes_gcm256'),
  });
  const p = pair.a.engine.initiate('test');
  p.catch(() => undefined); // handled below; keeps the rejection from counting as unhandled meanwhile
  const flights = await pair.run();
  assert.equal(flights.length, 2);
  assert.deepEqual(notifyTypes(parseMessage(flights[1]!.data).payloads), [NotifyError.NO_PROPOSAL_CHOSEN]);
  await assert.rejects(p, /NO_PROPOSAL_CHOSEN/);
  assert.equal(pair.a.engine.status().ikeSas.length, 0);
  assert.equal(pair.b.engine.status().ikeSas.length, 0);
});

test('no common ESP proposal: the IKE SA is up, the Child SA refused with NO_PROPOSAL_CHOSEN', async () => {
  const pair = new IkePair({
    conf: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256'),
    confB: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes128-sha2_256'),
  });
  const p = pair.a.engine.initiate('test');
  p.catch(() => undefined); // handled below; keeps the rejection from counting as unhandled meanwhile
  await pair.run();
  await assert.rejects(p, /NO_PROPOSAL_CHOSEN/);
  assert.equal(pair.a.engine.status().ikeSas.length, 1);
  assert.equal(pair.b.engine.status().ikeSas.length, 1);
  assert.equal(pair.a.kernel.sas.size + pair.b.kernel.sas.size, 0);
});

test('TS narrowing: the responder narrows the initiator\'s subnets to its own', async () => {
  const pair = new IkePair({
    conf: conf('leftsubnet=10.1.0.0/16\nrightsubnet=10.2.0.0/16\nesp=aes_gcm256'),
    confB: conf('leftsubnet=10.1.4.0/24\nrightsubnet=10.2.0.0/16\nesp=aes_gcm256'),
  });
  const p = pair.a.engine.initiate('test');
  p.catch(() => undefined); // handled below; keeps the rejection from counting as unhandled meanwhile
  await pair.run();
  const r = await p;
  assert.deepEqual(r.child.localTs, ['10.1.4.0/24']);
  assert.deepEqual(r.child.remoteTs, ['10.2.0.0/16']);
  const b = pair.b.engine.status().childSas[0]!;
  assert.deepEqual(b.localTs, ['10.2.0.0/16']);
  assert.deepEqual(b.remoteTs, ['10.1.4.0/24']);
  const out = [...pair.a.kernel.policies.values()].find((x) => x.direction === 'out')!;
  assert.deepEqual(out.selector, { src: '10.1.4.0/24', dst: '10.2.0.0/16', proto: 0, srcPort: 0, dstPort: 0 });
  const bin = [...pair.b.kernel.policies.values()].find((x) => x.direction === 'in')!;
  assert.deepEqual(bin.selector, out.selector);
});

test('disjoint subnets: TS_UNACCEPTABLE, the IKE SA stays, no Child SA', async () => {
  const pair = new IkePair({
    conf: conf('leftsubnet=10.1.0.0/16\nrightsubnet=10.2.0.0/16\nesp=aes_gcm256'),
    confB: conf('leftsubnet=10.9.0.0/16\nrightsubnet=10.2.0.0/16\nesp=aes_gcm256'),
  });
  const p = pair.a.engine.initiate('test');
  p.catch(() => undefined); // handled below; keeps the rejection from counting as unhandled meanwhile
  await pair.run();
  await assert.rejects(p, /TS_UNACCEPTABLE/);
  assert.equal(pair.a.kernel.sas.size + pair.b.kernel.sas.size, 0);
  assert.equal(pair.a.engine.status().childSas.length, 0);
});

test('an unknown critical payload in IKE_SA_INIT is answered with UNSUPPORTED_CRITICAL_PAYLOAD', async () => {
  const pair = new IkePair({ conf: conf('esp=aes_gcm256') });
  void pair.a.engine.initiate('test').catch(() => undefined);
  await pair.settle();
  const req = parseMessage(pair.queue[0]!.data);
  const { serializeMessage } = await import('../../src/ikev2/codec');
  pair.queue[0]!.data = serializeMessage({
    header: req.header,
    payloads: [...req.payloads, { type: 'unknown', payloadType: 200, critical: true, body: new Uint8Array([1, 2, 3, 4]) }],
  });
  await pair.deliver();
  const resp = parseMessage(pair.queue[0]!.data);
  const n = resp.payloads[0]!;
  assert.ok(n.type === PayloadType.N);
  assert.equal(n.notifyType, NotifyError.UNSUPPORTED_CRITICAL_PAYLOAD);
  assert.deepEqual([...n.data], [200]);
  assert.equal(pair.b.engine.status().ikeSas.length, 0);
});

test('the responder\'s ID is not the one configured: the initiator refuses it and tells the responder', async () => {
  const pair = new IkePair({
    conf: conf('esp=aes_gcm256\nrightid=@b.example'),
    confB: conf('esp=aes_gcm256\nrightid=@c.example'),
  });
  const p = pair.a.engine.initiate('test');
  p.catch(() => undefined);
  const flights = await pair.run();
  await assert.rejects(p, /AUTHENTICATION_FAILED: the peer's ID @c.example is not @b.example/);
  assert.equal(flights.length, 6, 'IKE_SA_INIT, IKE_AUTH, and the INFORMATIONAL that carries AUTHENTICATION_FAILED');
  assert.equal(parseMessage(flights[4]!.data).header.exchangeType, 37);
  for (const peer of [pair.a, pair.b]) {
    assert.deepEqual(peer.engine.status(), { ikeSas: [], childSas: [] });
    assert.equal(peer.kernel.sas.size, 0);
    assert.equal(peer.kernel.policies.size, 0);
  }
});

test('the initiator\'s ID is not the one the responder expects: AUTHENTICATION_FAILED', async () => {
  const pair = new IkePair({
    conf: conf('esp=aes_gcm256\nleftid=@a.example'),
    confB: conf('esp=aes_gcm256\nleftid=@other.example'),
  });
  const p = pair.a.engine.initiate('test');
  p.catch(() => undefined);
  await pair.run();
  await assert.rejects(p, /AUTHENTICATION_FAILED/);
  assert.equal(pair.b.engine.status().ikeSas.length, 0);
});
