// Our IKEv2 engine against charon after the SAs are up: Child SA and IKE SA rekeys started by charon and
// by us, deletes from either side, and a wrong PSK (both sides fail cleanly, nothing installed).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ensurePackages, STRONGSWAN_PACKAGES } from '../helpers/packages';
import { assertAgreement, assertChildAgrees, ikeSpiHex, spiHex, withEngineAndCharon, type Suite, type World } from './engine-setup';
import type { DriverStatus } from './engine-process';
import type { IkeSaInfo as SwanIke } from '../helpers/strongswan';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skip: string | false = isRoot ? (ensurePackages([...STRONGSWAN_PACKAGES]) ?? false) : 'needs root (network namespaces)';
if (skip) console.log(`# engine-lifecycle skipped: ${skip}`);

const SUITE: Suite = { ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16' };
// Libreswan's default pfs=yes rekeys Child SAs with the IKE SA's group: charon must list it in its ESP
// proposal to agree (without it, each side rightly answers the other's rekey with NO_PROPOSAL_CHOSEN).
const PFS: Suite = { ...SUITE, swanEsp: 'aes256gcm16-x25519' };
const NO_PFS: Suite = { ...SUITE, engineExtra: ['pfs=no'] };

/** Waits until both sides have one IKE SA with one Child SA whose SPIs differ from `old`, and they agree. */
async function childRekeyed(w: World, old: { spiIn: number; spiOut: number }): Promise<void> {
  const fresh = (s: DriverStatus): boolean => s.childSas.length === 1 && s.childSas[0]!.spiIn !== old.spiIn && s.childSas[0]!.spiOut !== old.spiOut && s.kernel.length === 2;
  const ours = await w.engine.waitForStatus(fresh, 15_000, 'engine: new Child SA alone');
  const theirs = await w.charon.waitForSas(
    (s) => s.length === 1 && s[0]!.children.length === 1 && s[0]!.children[0]!.state === 'INSTALLED' && s[0]!.children[0]!.spiIn === spiHex(ours.childSas[0]!.spiOut),
    15_000,
    'charon: new CHILD_SA alone',
  );
  assertChildAgrees(ours.childSas[0]!, theirs[0]!.children[0]!, ours);
  // The old SPIs are gone on both sides.
  assert.ok(!ours.kernel.some((k) => k.spi === old.spiIn || k.spi === old.spiOut), 'old SAs left in our kernel');
  const c = theirs[0]!.children[0]!;
  assert.notEqual(c.spiIn, spiHex(old.spiOut));
  assert.notEqual(c.spiOut, spiHex(old.spiIn));
}

/** Waits until both sides have one IKE SA with SPIs other than `old`, agreeing, with the Child SA moved over. */
async function ikeRekeyed(w: World, old: SwanIke): Promise<{ ours: DriverStatus; theirs: SwanIke }> {
  const theirs = (await w.charon.waitForSas((s) => s.length === 1 && s[0]!.state === 'ESTABLISHED' && s[0]!.initiatorSpi !== old.initiatorSpi, 15_000, 'charon: rekeyed IKE SA alone'))[0]!;
  const ours = await w.engine.waitForStatus((s) => s.ikeSas.length === 1 && ikeSpiHex(s.ikeSas[0]!.spiI) === theirs.initiatorSpi && s.childSas.length === 1, 15_000, 'engine: rekeyed IKE SA alone');
  assert.equal(ikeSpiHex(ours.ikeSas[0]!.spiR), theirs.responderSpi);
  assert.ok(ours.ikeSas[0]!.state.includes('ESTABLISHED'), ours.ikeSas[0]!.state);
  assert.equal(theirs.children.length, 1, 'the CHILD_SA moved to the new IKE SA');
  assertChildAgrees(ours.childSas[0]!, theirs.children[0]!, ours);
  assert.equal(ours.kernel.length, 2, 'the Child SA is untouched by an IKE SA rekey');
  return { ours, theirs };
}

type Side = 'engine' | 'charon';

async function rekeyChildBy(w: World, side: Side): Promise<void> {
  if (side === 'engine') await w.engine.rekey('tun', 'child');
  else await w.charon.rekey({ child: 'net' });
}

async function rekeyIkeBy(w: World, side: Side): Promise<void> {
  if (side === 'engine') await w.engine.rekey('tun', 'ike');
  else await w.charon.rekey({ ike: 'tun' });
}

const REKEY_CASES: { label: string; suite: Suite; initiator: Side; rekeyer: Side }[] = [
  { label: 'PFS (X25519)', suite: PFS, initiator: 'engine', rekeyer: 'charon' },
  { label: 'PFS (X25519)', suite: PFS, initiator: 'charon', rekeyer: 'engine' },
  { label: 'PFS (X25519)', suite: PFS, initiator: 'engine', rekeyer: 'engine' },
  { label: 'PFS (X25519)', suite: PFS, initiator: 'charon', rekeyer: 'charon' },
  { label: 'no PFS', suite: NO_PFS, initiator: 'engine', rekeyer: 'charon' },
  { label: 'no PFS', suite: NO_PFS, initiator: 'charon', rekeyer: 'engine' },
];

for (const { label, suite, initiator, rekeyer } of REKEY_CASES) {
  const other: Side = rekeyer === 'engine' ? 'charon' : 'engine';
  test(`${initiator} initiates, ${rekeyer} rekeys the Child SA then the IKE SA, ${label}; ${other} then uses the new IKE SA`, { skip, timeout: 90_000 }, async (t) => {
    await withEngineAndCharon(t, suite, async (w) => {
      if (initiator === 'engine') await w.engine.initiate('tun');
      else assert.match(await w.charon.initiate('net'), /initiate completed successfully/);
      const { theirs, status } = await assertAgreement(w, initiator === 'engine');

      await rekeyChildBy(w, rekeyer);
      await childRekeyed(w, status.childSas[0]!);
      const c1 = (await w.engine.status()).childSas[0]!;
      if (suite === PFS) assert.equal((await w.charon.listSas())[0]!.children[0]!.dhGroup, 'CURVE_25519', 'the rekey used PFS');

      await rekeyIkeBy(w, rekeyer);
      const after = await ikeRekeyed(w, theirs);
      // Whoever rekeys the IKE SA is the initiator of the new one (RFC 7296 section 2.18).
      assert.equal(after.theirs.initiator, rekeyer === 'charon', 'charon initiator flag of the new IKE SA');
      assert.equal(after.ours.ikeSas[0]!.initiator, rekeyer === 'engine', 'our initiator flag of the new IKE SA');

      // The new IKE SA's keys work both ways: the other side rekeys the Child SA over it, then deletes it.
      await rekeyChildBy(w, other);
      await childRekeyed(w, c1);
      if (other === 'engine') await w.engine.terminate('tun');
      else await w.charon.terminate({ ike: 'tun' });
      await w.charon.waitForSas((x) => x.length === 0, 10_000, 'charon: no SA after the delete');
      await engineEmpty(w, 'engine: nothing left after the delete');
    });
  });
}

async function engineEmpty(w: World, what: string): Promise<void> {
  const s = await w.engine.waitForStatus((x) => x.ikeSas.length === 0 && x.childSas.length === 0 && x.kernel.length === 0, 10_000, what);
  assert.deepEqual(s.kernel, []);
}

test('delete started by the engine: charon drops its SAs', { skip, timeout: 60_000 }, async (t) => {
  await withEngineAndCharon(t, SUITE, async (w) => {
    await w.engine.initiate('tun');
    await assertAgreement(w, true);
    await w.engine.terminate('tun');
    await w.charon.waitForSas((s) => s.length === 0, 10_000, 'charon: no SA after our delete');
    await engineEmpty(w, 'engine: nothing left after terminate');
    assert.ok(w.engine.events.some((e) => e.event === 'ikeDown'), 'ikeDown event');
  });
});

test('delete started by charon (Child SA, then IKE SA): the engine drops its SAs', { skip, timeout: 60_000 }, async (t) => {
  await withEngineAndCharon(t, SUITE, async (w) => {
    await w.engine.initiate('tun');
    await assertAgreement(w, true);
    // A Child SA delete leaves the IKE SA.
    await w.charon.terminate({ child: 'net' });
    const s = await w.engine.waitForStatus((x) => x.childSas.length === 0 && x.kernel.length === 0, 10_000, 'engine: Child SA gone');
    assert.equal(s.ikeSas.length, 1, 'the IKE SA stays');
    assert.equal((await w.charon.listSas()).length, 1);
    // Then the IKE SA.
    await w.charon.terminate({ ike: 'tun' });
    await engineEmpty(w, 'engine: nothing left after charon deleted the IKE SA');
    await w.charon.waitForSas((x) => x.length === 0, 10_000, 'charon: no SA');
  });
});

const WRONG = { enginePsk: 'a-different-psk-than-charon-has-9876', charonPsk: 'interop-engine-psk-0123456789' };

test('wrong PSK, engine initiates: AUTHENTICATION_FAILED, nothing installed on either side', { skip, timeout: 60_000 }, async (t) => {
  await withEngineAndCharon(
    t,
    SUITE,
    async (w) => {
      await assert.rejects(w.engine.initiate('tun'), /AUTHENTICATION_FAILED/);
      await engineEmpty(w, 'engine: nothing after failed auth');
      const s = await w.engine.status();
      assert.ok(!s.calls.includes('addSa') && !s.calls.includes('updateSa'), `no SA was ever installed: ${s.calls.join(',')}`);
      await w.charon.waitForSas((x) => x.length === 0, 10_000, 'charon: no SA');
      assert.match(w.charon.log(), /tried \d+ shared key for 'east' - 'west', but MAC mismatched|verification of AUTH failed|AUTHENTICATION_FAILED/);
    },
    WRONG,
  );
});

test('wrong PSK, charon initiates: AUTHENTICATION_FAILED, nothing installed on either side', { skip, timeout: 60_000 }, async (t) => {
  await withEngineAndCharon(
    t,
    SUITE,
    async (w) => {
      await assert.rejects(w.charon.initiate('net', { timeoutMs: 10_000 }), /failed/);
      assert.match(w.charon.log(), /received AUTHENTICATION_FAILED notify error/);
      await w.charon.waitForSas((x) => x.length === 0, 10_000, 'charon: no SA');
      await engineEmpty(w, 'engine: nothing after failed auth');
      const s = await w.engine.status();
      assert.ok(!s.calls.includes('addSa') && !s.calls.includes('updateSa'), `no SA was ever installed: ${s.calls.join(',')}`);
    },
    WRONG,
  );
});

// charon's reauthentication (swanctl --rekey --reauth): a whole new IKE SA and Child SA from charon, the
// old ones deleted; with make-before-break the new IKE SA is up before the old one goes, so our uniqueids
// and charon's delete of the old SA meet.
for (const mbb of [false, true]) {
  test(`charon reauthenticates (${mbb ? 'make-before-break' : 'break-before-make'}): one new IKE SA and Child SA, agreed`, { skip, timeout: 60_000 }, async (t) => {
    await withEngineAndCharon(
      t,
      SUITE,
      async (w) => {
        await w.engine.initiate('tun');
        const { theirs } = await assertAgreement(w, true);
        await w.charon.swanctl(['--rekey', '--ike', 'tun', '--reauth']);
        await w.charon.waitForSas((s) => s.length === 1 && s[0]!.state === 'ESTABLISHED' && s[0]!.initiatorSpi !== theirs.initiatorSpi && s[0]!.children.some((c) => c.state === 'INSTALLED'), 15_000, 'charon: reauthenticated IKE SA alone');
        const after = await assertAgreement(w, false);
        assert.notEqual(after.theirs.initiatorSpi, theirs.initiatorSpi);
      },
      mbb ? { charonConf: '  make_before_break = yes' } : { charonConf: '  make_before_break = no' },
    );
  });
}
