// The kernel refuses a Child SA that negotiation accepted: the IKE SA stays up, the responder still answers
// (the Child SA refused with NO_PROPOSAL_CHOSEN, RFC 7296 §2.21.3) and no half-installed SA or policy stays
// in either kernel. The recording kernel fails on demand (failOn).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseMessage } from '../../src/ikev2/codec';
import { exchangeTypeName } from '../../src/ikev2/constants';
import type { FailableMethod } from '../../src/kernel/recording';
import { conf, IkePair, type InFlight } from '../helpers/ike-pair';

const CONF = conf('ike=aes_gcm256-sha2_256;dh19\nesp=aes_gcm256\nleftsubnet=10.1.0.0/24\nrightsubnet=10.2.0.0/24');

/** The exchanges in flight order, e.g. "IKE_AUTH response". */
function exchanges(flights: InFlight[]): string[] {
  return flights.map((m) => {
    const h = parseMessage(m.data).header;
    return `${exchangeTypeName(h.exchangeType)} ${h.response ? 'response' : 'request'}`;
  });
}

const CASES: { what: string; method: FailableMethod; skip?: number }[] = [
  { what: 'the SPI allocation', method: 'allocSpi' },
  { what: 'the inbound SA', method: 'addSa' },
  { what: 'the outbound SA', method: 'addSa', skip: 1 },
  { what: 'the second policy', method: 'addPolicy', skip: 1 },
];

for (const c of CASES) {
  test(`IKE_AUTH: the responder's kernel refuses ${c.what}: IKE SA up, Child SA refused, nothing half-installed`, async () => {
    const pair = new IkePair({ conf: CONF });
    pair.b.kernel.failOn(c.method, c.skip !== undefined ? { skip: c.skip } : {});
    const up = pair.a.engine.initiate('test');
    up.catch(() => undefined);
    const flights = await pair.run();
    await assert.rejects(up, (e: Error & { code?: string }) => e.code === 'ERR_CHILD_FAILED' && /NO_PROPOSAL_CHOSEN/.test(e.message));
    assert.deepEqual(exchanges(flights), ['IKE_SA_INIT request', 'IKE_SA_INIT response', 'IKE_AUTH request', 'IKE_AUTH response']);
    for (const p of [pair.a, pair.b]) {
      const st = p.engine.status();
      assert.deepEqual(st.ikeSas.map((s) => s.state), ['ESTABLISHED_IKE_SA'], `${p.name}: the IKE SA is up`);
      assert.deepEqual(st.childSas, [], `${p.name}: no Child SA`);
      assert.equal(p.kernel.sas.size, 0, `${p.name}: no SA left in the kernel`);
      assert.equal(p.kernel.policies.size, 0, `${p.name}: no policy left in the kernel`);
    }
    assert.ok(pair.b.log.some((l) => /Child SA refused: the kernel could not install it: .*No buffer space/.test(l)), pair.b.log.join('\n'));
    // The inbound SPI it allocated went back to the kernel (a larval SA in a real one).
    const allocated = pair.b.kernel.calls.flatMap((x) => (x.method === 'allocSpi' ? [x.spi] : []));
    const deleted = pair.b.kernel.calls.flatMap((x) => (x.method === 'delSa' ? [x.spi] : []));
    assert.deepEqual(deleted.filter((spi) => allocated.includes(spi)), allocated);
  });
}

test('IKE_AUTH: a refused policy update of a shared policy is restored to the other Child SA', async () => {
  const pair = new IkePair({ conf: CONF, uniqueIds: false });
  const first = pair.a.engine.initiate('test');
  await pair.run();
  const r1 = await first;
  const before = [...pair.b.kernel.policies.values()].map((p) => JSON.stringify(p)).sort();
  pair.b.kernel.failOn('updatePolicy', { skip: 1 });
  const second = pair.a.engine.initiate('test');
  second.catch(() => undefined);
  await pair.run();
  await assert.rejects(second, /NO_PROPOSAL_CHOSEN/);
  assert.deepEqual([...pair.b.kernel.policies.values()].map((p) => JSON.stringify(p)).sort(), before, 'the first Child SA\'s policies are as they were');
  assert.equal(pair.b.kernel.sas.size, 2, 'only the first Child SA\'s two SAs');
  assert.deepEqual(pair.b.engine.status().childSas.map((x) => x.spiIn), [r1.child.spiOut]);
  assert.equal(pair.b.engine.status().ikeSas.length, 2);
});

test('the refusal is answered inside the IKE_AUTH response (seen through the initiator\'s keys)', async () => {
  const pair = new IkePair({ conf: CONF });
  pair.b.kernel.failOn('addSa');
  const up = pair.a.engine.initiate('test');
  up.catch(() => undefined);
  const flights = await pair.run();
  await assert.rejects(up);
  // The initiator logs what it got: the Child SA failed with the notify, the IKE SA stays.
  assert.ok(pair.a.log.some((l) => /Child SA not established: NO_PROPOSAL_CHOSEN/.test(l)), pair.a.log.join('\n'));
  assert.equal(flights.length, 4, 'no delete, no retransmission: the IKE SA is fine');
});

test('CREATE_CHILD_SA rekey: the responder\'s kernel refuses the new SA: NO_PROPOSAL_CHOSEN, the old Child SA stays', async () => {
  const pair = new IkePair({ conf: CONF });
  const up = pair.a.engine.initiate('test');
  await pair.run();
  const r = await up;
  const sasBefore = [...pair.b.kernel.sas.keys()].sort();
  pair.b.kernel.failOn('addSa', { skip: 1 });
  const rekey = pair.a.engine.rekey('test', 'child');
  rekey.catch(() => undefined);
  await pair.run();
  await assert.rejects(rekey, /NO_PROPOSAL_CHOSEN/);
  for (const p of [pair.a, pair.b]) {
    assert.equal(p.engine.status().ikeSas.length, 1);
    assert.deepEqual(p.engine.status().childSas.map((c) => c.serial), [r.child.serial], `${p.name}: the old Child SA stays`);
    assert.equal(p.kernel.sas.size, 2, `${p.name}: only the old Child SA's SAs`);
    assert.equal(p.kernel.policies.size, 3);
  }
  assert.deepEqual([...pair.b.kernel.sas.keys()].sort(), sasBefore);
  // And the tunnel can be rekeyed once the kernel works again.
  const again = pair.a.engine.rekey('test', 'child');
  await pair.run();
  await again;
  assert.notEqual(pair.a.engine.status().childSas[0]!.serial, r.child.serial);
});

test('CREATE_CHILD_SA rekey: the initiator\'s kernel refuses: it deletes the peer\'s new half, the old Child SA stays', async () => {
  const pair = new IkePair({ conf: CONF });
  const up = pair.a.engine.initiate('test');
  await pair.run();
  const r = await up;
  pair.a.kernel.failOn('addSa');
  const rekey = pair.a.engine.rekey('test', 'child');
  rekey.catch(() => undefined);
  const flights = await pair.run();
  await assert.rejects(rekey, /the kernel refused the new Child SA/);
  assert.deepEqual(exchanges(flights), ['CREATE_CHILD_SA request', 'CREATE_CHILD_SA response', 'INFORMATIONAL request', 'INFORMATIONAL response']);
  for (const p of [pair.a, pair.b]) {
    assert.deepEqual(p.engine.status().childSas.map((c) => c.serial), [r.child.serial], `${p.name}: the old Child SA stays`);
    assert.equal(p.kernel.sas.size, 2, `${p.name}: only the old Child SA's SAs`);
  }
});

test('IKE_AUTH: the initiator\'s kernel refuses: the IKE SA stays, the responder is told to delete its half', async () => {
  const pair = new IkePair({ conf: CONF });
  pair.a.kernel.failOn('addPolicy', { skip: 2 });
  const up = pair.a.engine.initiate('test');
  up.catch(() => undefined);
  const flights = await pair.run();
  await assert.rejects(up, /the kernel refused the Child SA/);
  assert.deepEqual(exchanges(flights).slice(4), ['INFORMATIONAL request', 'INFORMATIONAL response']);
  for (const p of [pair.a, pair.b]) {
    assert.equal(p.engine.status().ikeSas.length, 1, `${p.name}: the IKE SA stays`);
    assert.deepEqual(p.engine.status().childSas, []);
    assert.equal(p.kernel.sas.size, 0, `${p.name}: no SA`);
    assert.equal(p.kernel.policies.size, 0, `${p.name}: no policy`);
  }
});
