// Simultaneous rekeys between our IKEv2 engine and charon (RFC 7296 section 2.8.1): both sides start a
// rekey of the same SA at once (our request held back until charon's has come in, our answer until
// charon's has: the requests cross whatever the load), and afterwards both must agree on exactly one SA,
// the redundant one deleted, the new one usable.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ensurePackages, STRONGSWAN_PACKAGES } from '../helpers/packages';
import { assertAgreement, assertChildAgrees, ikeSpiHex, withEngineAndCharon, type Suite, type World } from './engine-setup';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skip: string | false = isRoot ? (ensurePackages([...STRONGSWAN_PACKAGES]) ?? false) : 'needs root (network namespaces)';
if (skip) console.log(`# engine-collisions skipped: ${skip}`);

// retransmit-timeout=6s: when charon drops its redundant IKE SA without a delete (our delete of the old SA
// overtook our answer on its threads), we delete that SA ourselves after it, within the waits below.
const SUITE: Suite = {
  ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16-x25519',
  engineExtra: ['retransmit-timeout=6s'],
};
/** Starts the same rekey on both sides at once; our request leaves only after charon has sent its own. */
async function collide(w: World, what: 'ike' | 'child'): Promise<PromiseSettledResult<void>> {
  const held = w.engine.cross();
  const ours = w.engine.rekey('tun', what);
  await held;
  await w.charon.rekey(what === 'ike' ? { ike: 'tun' } : { child: 'net' }, { wait: false });
  const [r] = await Promise.allSettled([ours]);
  return r;
}

async function settledOneChild(w: World, oldSpiIn: number): Promise<void> {
  const theirs = await w.charon.waitForSas((s) => s.length === 1 && s[0]!.state === 'ESTABLISHED' && s[0]!.children.length === 1 && s[0]!.children[0]!.state === 'INSTALLED', 20_000, 'charon: one CHILD_SA after the collision');
  const ours = await w.engine.waitForStatus((s) => s.ikeSas.length === 1 && s.childSas.length === 1 && s.kernel.length === 2, 20_000, 'engine: one Child SA after the collision');
  assert.notEqual(ours.childSas[0]!.spiIn, oldSpiIn, 'the Child SA was rekeyed');
  assertChildAgrees(ours.childSas[0]!, theirs[0]!.children[0]!, ours);
  assert.equal(ikeSpiHex(ours.ikeSas[0]!.spiI), theirs[0]!.initiatorSpi);
  assert.equal(ikeSpiHex(ours.ikeSas[0]!.spiR), theirs[0]!.responderSpi);
}

// The nonces decide who wins (random each time): three rounds see both outcomes most of the time; the
// engine's log says which it was.
const ROUNDS = 3;

test('Child SA rekey collisions: one Child SA left each time, agreed on both sides', { skip, timeout: 120_000 }, async (t) => {
  await withEngineAndCharon(t, SUITE, async (w) => {
    await w.engine.initiate('tun');
    let { status } = await assertAgreement(w, true);
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await collide(w, 'child');
      t.diagnostic(`round ${round}: our rekey ${r.status}${r.status === 'rejected' ? ` (${(r.reason as Error).message})` : ''}`);
      await settledOneChild(w, status.childSas[0]!.spiIn);
      status = await w.engine.status();
    }
    // charon handles packets on several threads: when our delete of the old Child SA overtakes our answer to
    // its rekey there, it settles the collision as a rekey/delete one (RFC 7296 §2.25.1), still a collision.
    assert.equal((w.charon.log().match(/CHILD_SA rekey collision (won|lost)|CHILD_SA rekey\/delete collision/g) ?? []).length, ROUNDS, 'charon saw each collision');
    const ours = w.engine.log().match(/Child SA rekey collision (won|lost)/g) ?? [];
    assert.equal(ours.length, ROUNDS, 'we saw each collision');
    t.diagnostic(`our outcomes: ${ours.join(', ')}`);
    // Still usable afterwards: charon deletes the IKE SA and we follow.
    await w.charon.terminate({ ike: 'tun' });
    await w.engine.waitForStatus((s) => s.ikeSas.length === 0 && s.kernel.length === 0, 10_000, 'engine: nothing after delete');
  });
});

test('IKE SA rekey collisions: one IKE SA left each time, agreed on both sides, and it works', { skip, timeout: 120_000 }, async (t) => {
  await withEngineAndCharon(t, SUITE, async (w) => {
    await w.engine.initiate('tun');
    const first = await assertAgreement(w, true);
    const status = first.status;
    let theirs = first.theirs;
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await collide(w, 'ike');
      t.diagnostic(`round ${round}: our rekey ${r.status}${r.status === 'rejected' ? ` (${(r.reason as Error).message})` : ''}`);
      const old = theirs.initiatorSpi;
      const after = await w.charon.waitForSas((s) => s.length === 1 && s[0]!.state === 'ESTABLISHED' && s[0]!.initiatorSpi !== old && s[0]!.children.length === 1, 20_000, 'charon: one new IKE SA');
      const ours = await w.engine.waitForStatus((s) => s.ikeSas.length === 1 && ikeSpiHex(s.ikeSas[0]!.spiI) === after[0]!.initiatorSpi && s.childSas.length === 1, 20_000, 'engine: the same new IKE SA alone');
      assert.equal(ikeSpiHex(ours.ikeSas[0]!.spiR), after[0]!.responderSpi);
      assertChildAgrees(ours.childSas[0]!, after[0]!.children[0]!, ours);
      theirs = after[0]!;
    }
    const ours = w.engine.log().match(/IKE SA rekey collision (won|lost)/g) ?? [];
    assert.equal(ours.length, ROUNDS, 'we saw each collision');
    t.diagnostic(`our outcomes: ${ours.join(', ')}`);
    // The surviving IKE SA carries a Child SA rekey started by us.
    await w.engine.rekey('tun', 'child');
    await settledOneChild(w, status.childSas[0]!.spiIn);
  });
});
