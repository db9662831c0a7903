// PSK tunnels between two engines, stepped message by message: each algorithm family the brief names.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseMessage } from '../../src/ikev2/codec';
import { ExchangeType, NotifyStatus, PayloadType } from '../../src/ikev2/constants';
import { ADDRESS_A, ADDRESS_B, conf, IkePair, type Peer } from '../helpers/ike-pair';

/** The SAs each end installed match: A's out SA is B's in SA (same SPI, same keys), and back. */
function assertChildKeysMatch(a: Peer, b: Peer): void {
  const [aOut] = a.kernel.sasFor('out');
  const [aIn] = a.kernel.sasFor('in');
  const [bOut] = b.kernel.sasFor('out');
  const [bIn] = b.kernel.sasFor('in');
  assert.ok(aOut && aIn && bOut && bIn, 'each end has an in and an out SA');
  assert.equal(a.kernel.sas.size, 2);
  assert.equal(b.kernel.sas.size, 2);
  for (const [out, inn] of [[aOut, bIn], [bOut, aIn]] as const) {
    assert.equal(out.spi, inn.spi);
    assert.equal(out.src, inn.src);
    assert.equal(out.dst, inn.dst);
    assert.equal(out.encr.id, inn.encr.id);
    assert.ok(out.encr.keymat.length > 0);
    assert.ok(out.encr.keymat.equals(inn.encr.keymat), 'encryption keymat matches');
    assert.equal(out.integ?.id, inn.integ?.id);
    if (out.integ !== undefined) assert.ok(out.integ.key.equals(inn.integ!.key), 'integrity key matches');
  }
  // The two directions use different keys (§2.17).
  assert.ok(!aOut.encr.keymat.equals(aIn.encr.keymat));
  assert.equal(aOut.src, ADDRESS_A);
  assert.equal(aOut.dst, ADDRESS_B);
}

async function up(extra: string): Promise<{ pair: IkePair; result: Awaited<ReturnType<Peer['engine']['initiate']>> }> {
  const pair = new IkePair({ conf: conf(extra) });
  const p = pair.a.engine.initiate('test');
  const flights = await pair.run();
  assert.deepEqual(flights.map((m) => parseMessage(m.data).header.exchangeType),
    [ExchangeType.IKE_SA_INIT, ExchangeType.IKE_SA_INIT, ExchangeType.IKE_AUTH, ExchangeType.IKE_AUTH]);
  const result = await p;
  return { pair, result };
}

const CASES: { name: string; extra: string; ike: RegExp; esp: string; integ: boolean }[] = [
  { name: 'AES-GCM + X25519', extra: 'ike=aes_gcm256-sha2_256;dh31\nesp=aes_gcm256', ike: /^AES_GCM_16_256-HMAC_SHA2_256-DH31$/, esp: 'AES_GCM_16_256-NONE', integ: false },
  { name: 'AES-CBC/SHA2 + P-256', extra: 'ike=aes128-sha2_256;dh19\nesp=aes128-sha2_256', ike: /^AES_CBC_128-HMAC_SHA2_256_128-HMAC_SHA2_256-DH19$/, esp: 'AES_CBC_128-HMAC_SHA2_256_128', integ: true },
  { name: 'ChaCha20-Poly1305', extra: 'ike=chacha20poly1305-sha2_512;dh31\nesp=chacha20poly1305', ike: /^CHACHA20_POLY1305-HMAC_SHA2_512-DH31$/, esp: 'CHACHA20_POLY1305-NONE', integ: false },
  { name: 'MODP-2048', extra: 'ike=aes256-sha2_512;modp2048\nesp=aes256-sha2_512', ike: /^AES_CBC_256-HMAC_SHA2_512_256-HMAC_SHA2_512-MODP2048$/, esp: 'AES_CBC_256-HMAC_SHA2_512_256', integ: true },
];

for (const c of CASES) {
  test(`PSK tunnel up: ${c.name}`, async () => {
    const { pair, result } = await up(c.extra);
    assert.match(result.ike.algorithms, c.ike);
    assert.equal(result.child.algorithms, c.esp);
    assert.equal(result.ike.state, 'ESTABLISHED_IKE_SA');
    assertChildKeysMatch(pair.a, pair.b);
    const [aOut] = pair.a.kernel.sasFor('out');
    assert.equal(aOut!.integ !== undefined, c.integ);
    // Both ends agree on what is up.
    const sa = pair.a.engine.status();
    const sb = pair.b.engine.status();
    assert.equal(sa.ikeSas.length, 1);
    assert.equal(sb.ikeSas.length, 1);
    assert.equal(sa.ikeSas[0]!.spiI, sb.ikeSas[0]!.spiI);
    assert.equal(sa.ikeSas[0]!.spiR, sb.ikeSas[0]!.spiR);
    assert.equal(sb.ikeSas[0]!.algorithms, sa.ikeSas[0]!.algorithms);
    assert.equal(sa.childSas[0]!.spiIn, sb.childSas[0]!.spiOut);
    assert.equal(sa.childSas[0]!.spiOut, sb.childSas[0]!.spiIn);
    assert.deepEqual(sa.childSas[0]!.localTs, [`${ADDRESS_A}/32`]);
    assert.deepEqual(sb.childSas[0]!.localTs, [`${ADDRESS_B}/32`]);
    assert.equal(sa.ikeSas[0]!.localId, ADDRESS_A);
    assert.equal(sa.ikeSas[0]!.remoteId, ADDRESS_B);
    assert.equal(sb.ikeSas[0]!.remoteId, ADDRESS_A);
    // Libreswan's serials: IKE SA #1, its Child SA #2.
    assert.equal(result.ike.serial, 1);
    assert.equal(result.child.serial, 2);
    assert.equal(result.child.ikeSerial, 1);
    assert.deepEqual(pair.a.events.map((e) => e.type), ['ikeUp', 'childUp']);
    assert.deepEqual(pair.b.events.map((e) => e.type), ['ikeUp', 'childUp']);
    // Policies: out, in and fwd on each end, templates pointing at the peers.
    for (const p of [pair.a, pair.b]) {
      const dirs = [...p.kernel.policies.values()].map((x) => x.direction).sort();
      assert.deepEqual(dirs, ['fwd', 'in', 'out']);
      const out = [...p.kernel.policies.values()].find((x) => x.direction === 'out')!;
      assert.equal(out.template?.src, p.address);
      assert.equal(out.action, 'ipsec');
    }
    // No SA is encapsulated without NAT.
    assert.equal(aOut!.encap, undefined);
  });
}

test('IKE_SA_INIT carries SA, KE, Nonce, both NAT_DETECTION notifies and the capability notifies (authby=secret: no hash notify)', async () => {
  const pair = new IkePair({ conf: conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256') });
  void pair.a.engine.initiate('test').catch(() => undefined);
  await pair.settle();
  const req = parseMessage(pair.queue[0]!.data);
  assert.equal(req.header.initiator, true);
  assert.equal(req.header.response, false);
  assert.equal(req.header.messageId, 0);
  assert.ok(req.header.responderSpi.every((b) => b === 0));
  const types = req.payloads.map((p) => (p.type === 'unknown' ? p.payloadType : p.type));
  assert.deepEqual(types.slice(0, 3), [PayloadType.SA, PayloadType.KE, PayloadType.NONCE]);
  const ns = req.payloads.flatMap((p) => (p.type === PayloadType.N ? [p.notifyType] : []));
  assert.deepEqual(ns, [NotifyStatus.NAT_DETECTION_SOURCE_IP, NotifyStatus.NAT_DETECTION_DESTINATION_IP,
    NotifyStatus.IKEV2_FRAGMENTATION_SUPPORTED]);
  const ke = req.payloads.find((p) => p.type === PayloadType.KE);
  assert.equal(ke?.type === PayloadType.KE && ke.group, 19);
  assert.equal(ke?.type === PayloadType.KE && ke.data.length, 64);
  await pair.run();
  const resp = parseMessage(pair.sent[1]!.data);
  assert.equal(resp.header.response, true);
  assert.equal(resp.header.initiator, false);
  const sa = resp.payloads.find((p) => p.type === PayloadType.SA);
  assert.equal(sa?.type === PayloadType.SA && sa.proposals.length, 1);
});
