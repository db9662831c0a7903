// IKE fragmentation (RFC 7383) in IKE_AUTH, both directions; and the answer to a higher major version.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseMessage, serializeMessage } from '../../src/ikev2/codec';
import { ExchangeType, NotifyError, PayloadType } from '../../src/ikev2/constants';
import { conf, IkePair } from '../helpers/ike-pair';

const SUBNETS = Array.from({ length: 100 }, (_, i) => `10.1.${i}.0/24`).join(' ');

test('a large IKE_AUTH goes in SKF fragments each way and is reassembled', async () => {
  const pair = new IkePair({
    conf: conf(`ike=aes256-sha2_256;dh19\nesp=aes_gcm256\nleftsubnets={${SUBNETS}}\nrightsubnet=10.2.0.0/16`),
    confB: conf('ike=aes256-sha2_256;dh19\nesp=aes_gcm256\nleftsubnet=10.1.0.0/16\nrightsubnet=10.2.0.0/16'),
  });
  const p = pair.a.engine.initiate('test');
  const flights = await pair.run();
  const r = await p;
  const auth = flights.filter((m) => parseMessage(m.data).header.exchangeType === ExchangeType.IKE_AUTH);
  assert.ok(auth.length >= 4, `${auth.length} IKE_AUTH datagrams`);
  for (const m of auth) {
    const msg = parseMessage(m.data);
    assert.equal(msg.payloads[0]!.type, PayloadType.SKF);
    assert.ok(m.data.length <= 1252);
  }
  assert.equal(r.child.localTs.length, 100);
  assert.equal(pair.b.engine.status().childSas[0]!.remoteTs.length, 100);
});

test('without fragmentation=yes on the peer, large messages go whole', async () => {
  const pair = new IkePair({
    conf: conf(`ike=aes256-sha2_256;dh19\nesp=aes_gcm256\nleftsubnets={${SUBNETS}}\nrightsubnet=10.2.0.0/16`),
    confB: conf('ike=aes256-sha2_256;dh19\nesp=aes_gcm256\nleftsubnet=10.1.0.0/16\nrightsubnet=10.2.0.0/16\nfragmentation=no'),
  });
  const p = pair.a.engine.initiate('test');
  const flights = await pair.run();
  await p;
  const auth = flights.filter((m) => parseMessage(m.data).header.exchangeType === ExchangeType.IKE_AUTH);
  assert.equal(auth.length, 2);
  assert.ok(auth[0]!.data.length > 1252);
});

test('a request of major version 3 is answered with INVALID_MAJOR_VERSION', async () => {
  const pair = new IkePair({ conf: conf('esp=aes_gcm256') });
  void pair.a.engine.initiate('test').catch(() => undefined);
  await pair.settle();
  const req = parseMessage(pair.queue[0]!.data);
  pair.queue[0]!.data = serializeMessage({ header: { ...req.header, majorVersion: 3 }, payloads: req.payloads });
  await pair.deliver();
  const resp = parseMessage(pair.queue[0]!.data);
  assert.equal(resp.header.response, true);
  assert.equal(resp.header.majorVersion, 2);
  const n = resp.payloads[0]!;
  assert.ok(n.type === PayloadType.N && n.notifyType === NotifyError.INVALID_MAJOR_VERSION);
  assert.equal(pair.b.engine.status().ikeSas.length, 0);
});
