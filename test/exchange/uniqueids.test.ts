// uniqueids: a second IKE SA with the same peer ID replaces the first; policies shared by the two
// Child SAs survive the old one's removal.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseMessage } from '../../src/ikev2/codec';
import { ExchangeType } from '../../src/ikev2/constants';
import { conf, IkePair } from '../helpers/ike-pair';

const CONF = conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256\nleftsubnet=10.1.0.0/24\nrightsubnet=10.2.0.0/24');

test('uniqueids: the responder deletes the older IKE SA of the same peer; the new Child SA owns the policies', async () => {
  const pair = new IkePair({ conf: CONF, uniqueIds: true });
  const first = pair.a.engine.initiate('test');
  await pair.run();
  const r1 = await first;
  const second = pair.a.engine.initiate('test');
  const flights = await pair.run();
  const r2 = await second;
  assert.deepEqual(flights.map((m) => parseMessage(m.data).header.exchangeType), [
    ExchangeType.IKE_SA_INIT, ExchangeType.IKE_SA_INIT, ExchangeType.IKE_AUTH, ExchangeType.IKE_AUTH,
    ExchangeType.INFORMATIONAL, ExchangeType.INFORMATIONAL,
  ]);
  for (const p of [pair.a, pair.b]) {
    const st = p.engine.status();
    assert.equal(st.ikeSas.length, 1);
    assert.equal(st.childSas.length, 1);
    assert.equal(p.kernel.sas.size, 2, 'only the new Child SA\'s SAs remain');
    assert.equal(p.kernel.policies.size, 3, 'the policies stay (replaced, not deleted)');
  }
  assert.equal(pair.a.engine.status().ikeSas[0]!.serial, r2.ike.serial);
  assert.notEqual(r1.child.spiOut, r2.child.spiOut);
  assert.ok(pair.a.kernel.calls.some((c) => c.method === 'updatePolicy'));
  const out = [...pair.a.kernel.sasFor('out')];
  assert.equal(out[0]!.spi, r2.child.spiOut);
});

test('uniqueids=no: both IKE SAs stay up', async () => {
  const pair = new IkePair({ conf: CONF, uniqueIds: false });
  const first = pair.a.engine.initiate('test');
  await pair.run();
  await first;
  const second = pair.a.engine.initiate('test');
  await pair.run();
  await second;
  assert.equal(pair.b.engine.status().ikeSas.length, 2);
  assert.equal(pair.b.kernel.sas.size, 4);
});

test('INITIAL_CONTACT is sent on the first IKE_AUTH only', async () => {
  const pair = new IkePair({ conf: CONF, uniqueIds: false });
  const first = pair.a.engine.initiate('test');
  await pair.run();
  await first;
  const second = pair.a.engine.initiate('test');
  await pair.run();
  await second;
  // The requests are encrypted; with the same IDs, proposals and AEAD cipher they differ only by the
  // 8-octet INITIAL_CONTACT notify in the first.
  const auths = pair.sent.filter((m) => {
    const h = parseMessage(m.data).header;
    return h.exchangeType === ExchangeType.IKE_AUTH && !h.response;
  });
  assert.equal(auths.length, 2);
  assert.equal(auths[0]!.data.length - auths[1]!.data.length, 8);
});
