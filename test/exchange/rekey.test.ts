// CREATE_CHILD_SA: rekeying the Child SA from either end, with and without PFS; liveness (dpddelay).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseMessage } from '../../src/ikev2/codec';
import { ExchangeType } from '../../src/ikev2/constants';
import { conf, IkePair, type Peer } from '../helpers/ike-pair';

async function upPair(extra: string): Promise<IkePair> {
  const pair = new IkePair({ conf: conf(`ike=aes_gcm256-sha2_256;dh19\nleftsubnet=10.1.0.0/24\nrightsubnet=10.2.0.0/24\n${extra}`) });
  const p = pair.a.engine.initiate('test');
  await pair.run();
  await p;
  return pair;
}

function assertMatching(a: Peer, b: Peer): void {
  for (const out of a.kernel.sasFor('out')) {
    const inn = b.kernel.sasFor('in').find((x) => x.spi === out.spi);
    assert.ok(inn !== undefined, `B has the in SA for ${out.spi.toString(16)}`);
    assert.ok(out.encr.keymat.equals(inn.encr.keymat));
  }
}

for (const [label, extra, withKe] of [
  ['without PFS', 'esp=aes_gcm256\npfs=no', false],
  ['with PFS (esp= names the group)', 'esp=aes_gcm256-null;modp2048', true],
  ['with pfs=yes (the IKE SA\'s group)', 'esp=aes_gcm256\npfs=yes', true],
] as const) {
  for (const side of ['a', 'b'] as const) {
    test(`Child SA rekey ${label}, started by ${side === 'a' ? 'the initiator' : 'the responder'}`, async () => {
      const pair = await upPair(extra);
      const before = pair.a.engine.status().childSas[0]!;
      const done = pair[side].engine.rekey('test', 'child');
      const flights = await pair.run();
      await done;
      assert.deepEqual(flights.map((m) => parseMessage(m.data).header.exchangeType), [
        ExchangeType.CREATE_CHILD_SA, ExchangeType.CREATE_CHILD_SA, ExchangeType.INFORMATIONAL, ExchangeType.INFORMATIONAL,
      ]);
      const req = parseMessage(flights[0]!.data);
      assert.equal(req.header.initiator, side === 'a', 'the I flag follows the original initiator, not the rekeyer');
      for (const p of [pair.a, pair.b]) {
        const st = p.engine.status();
        assert.equal(st.childSas.length, 1, 'the old Child SA is gone');
        assert.equal(p.kernel.sas.size, 2);
        assert.equal(p.kernel.policies.size, 3);
        assert.equal(st.ikeSas.length, 1);
      }
      const after = pair.a.engine.status().childSas[0]!;
      assert.notEqual(after.spiIn, before.spiIn);
      assert.notEqual(after.spiOut, before.spiOut);
      assert.ok(after.serial > before.serial);
      assertMatching(pair.a, pair.b);
      assertMatching(pair.b, pair.a);
      assert.equal(after.algorithms.endsWith('MODP2048') || after.algorithms.endsWith('DH19'), withKe);
    });
  }
}

test('rekey of a Child SA the peer does not know: CHILD_SA_NOT_FOUND, nothing changes', async () => {
  const pair = await upPair('esp=aes_gcm256');
  // B forgets its Child SA behind A's back (as after a crash of its kernel state).
  const b = pair.b.engine.status().childSas[0]!;
  (pair.b.engine as unknown as { sas: Map<string, { children: unknown[] }> }).sas.forEach((sa) => { sa.children = []; });
  const done = pair.a.engine.rekey('test', 'child');
  done.catch(() => undefined);
  await pair.run();
  await assert.rejects(done, /CHILD_SA_NOT_FOUND/);
  assert.equal(pair.a.engine.status().childSas[0]!.spiOut, b.spiIn);
});

test('dpddelay: an idle IKE SA sends an empty INFORMATIONAL; an unanswered one declares the peer dead', async () => {
  const pair = await upPair('esp=aes_gcm256\ndpddelay=30s\nretransmit-timeout=20s');
  await pair.advance(30_000);
  const probes = pair.queue.filter((m) => parseMessage(m.data).header.exchangeType === ExchangeType.INFORMATIONAL);
  assert.ok(probes.length >= 1, 'a liveness check went out');
  await pair.run();
  assert.equal(pair.a.engine.status().ikeSas.length, 1, 'answered: still up');
  // Now B goes silent.
  let dropped = 0;
  for (let t = 0; t < 80_000; t += 1000) {
    dropped += pair.queue.length;
    pair.queue.length = 0;
    await pair.advance(1000);
  }
  assert.ok(dropped > 0);
  assert.equal(pair.a.engine.status().ikeSas.length, 0, 'the peer was declared dead');
  assert.equal(pair.a.kernel.sas.size, 0);
});

test('a soft kernel expiry rekeys the Child SA; a hard one deletes it', async () => {
  const pair = await upPair('esp=aes_gcm256');
  const before = pair.a.engine.status().childSas[0]!;
  pair.a.kernel.emit({ type: 'expire', spi: before.spiIn, dst: before.localAddress, hard: false });
  await pair.run();
  const after = pair.a.engine.status().childSas[0]!;
  assert.notEqual(after.spiIn, before.spiIn);
  assert.equal(pair.b.engine.status().childSas.length, 1);
  pair.b.kernel.emit({ type: 'expire', spi: after.spiOut, dst: after.remoteAddress, hard: true }); // B's inbound SA
  await pair.run();
  for (const p of [pair.a, pair.b]) {
    assert.equal(p.engine.status().childSas.length, 0);
    assert.equal(p.kernel.sas.size, 0);
    assert.equal(p.engine.status().ikeSas.length, 1, 'the IKE SA stays');
  }
});

test('mark-in= and mark-out= reach the SAs and policies', async () => {
  const pair = await upPair('esp=aes_gcm256\nmark-in=5/0xff\nmark-out=7/0xff');
  const [out] = pair.a.kernel.sasFor('out');
  const [inn] = pair.a.kernel.sasFor('in');
  assert.deepEqual(out!.mark, { value: 7, mask: 0xff });
  assert.deepEqual(inn!.mark, { value: 5, mask: 0xff });
  const pols = [...pair.a.kernel.policies.values()];
  assert.deepEqual(pols.find((x) => x.direction === 'out')!.mark, { value: 7, mask: 0xff });
  assert.deepEqual(pols.find((x) => x.direction === 'fwd')!.mark, { value: 5, mask: 0xff });
});

test('a rekey cut short by a delete of the IKE SA rejects instead of hanging', async () => {
  const pair = await upPair('esp=aes_gcm256');
  const rekey = pair.a.engine.rekey('test', 'child');
  rekey.catch(() => undefined);
  await pair.settle();
  assert.equal(pair.queue.length, 1, 'the CREATE_CHILD_SA request is in flight');
  pair.drop();
  await pair.a.engine.terminate('test');
  await assert.rejects(rekey, /being deleted/);
  await pair.run();
  for (const p of [pair.a, pair.b]) assert.deepEqual(p.engine.status(), { ikeSas: [], childSas: [] });
});
