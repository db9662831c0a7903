// Our daemon against charon once the SAs are up: Child SA and IKE SA rekeys started by charon (swanctl
// --rekey) and by us (ipsec whack --rekey-ipsec / --rekey-ike), a Child SA delete from charon, and NAT-T
// forced on by either side (our encapsulation=yes, charon's encap = yes). After each step what charon
// reports must agree with auto --status --json and whack --trafficstatus --json.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { StatusData } from '../../src/control/protocol';
import type { ChildSaInfo as SwanChild, IkeSaInfo as SwanIke } from '../helpers/strongswan';
import { assertAgreement, assertChildAgrees, CHILD, CONN, DaemonCharonWorld, ikeSpiHex, skipReason, spiHex, type Suite } from './daemon-charon-harness';

const skip = skipReason();
if (skip) console.log(`# daemon-vs-charon-lifecycle skipped: ${skip}`);

const GCM: Suite = { ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16' };
// Libreswan's default pfs=yes rekeys Child SAs with the IKE SA's group: charon's ESP proposal names it.
const PFS: Suite = { ...GCM, swanEsp: 'aes256gcm16-x25519' };

type Side = 'pluto' | 'charon';

let world: DaemonCharonWorld | undefined;
before(async () => {
  if (!skip) world = await DaemonCharonWorld.start();
});
after(async () => {
  await world?.stop();
});

async function bringUp(w: DaemonCharonWorld, initiator: Side): Promise<void> {
  if (initiator === 'pluto') await w.ipsecOk('auto', '--up', CONN);
  else assert.match(await w.charon.initiate(CHILD), /initiate completed successfully/);
}

/** Waits until each side has one Child SA, with SPIs other than `old` on both, agreeing. */
async function childRekeyed(w: DaemonCharonWorld, old: { spiIn: number; spiOut: number }): Promise<StatusData> {
  const ours = await w.waitOurs(
    (s) => s.engine.childSas.length === 1 && s.engine.childSas[0]!.spiIn !== old.spiIn && s.engine.childSas[0]!.spiOut !== old.spiOut,
    15_000,
    'pluto: the new Child SA alone',
  );
  const c = ours.engine.childSas[0]!;
  // charon keeps a rekeyed CHILD_SA's inbound SA for a while (delete_rekeyed_delay, 5 s): the old one may
  // still be listed, but no longer INSTALLED.
  const installed = (s: SwanIke[]): SwanChild[] => s.flatMap((sa) => sa.children.filter((x) => x.state === 'INSTALLED'));
  const theirs = await w.charon.waitForSas(
    (s) => s.length === 1 && installed(s).length === 1 && installed(s)[0]!.spiIn === spiHex(c.spiOut),
    15_000,
    'charon: the new CHILD_SA the only one installed',
  );
  const fresh = installed(theirs)[0]!;
  assertChildAgrees(c, fresh, await w.traffic());
  assert.equal(fresh.dhGroup, 'CURVE_25519', 'the rekey used PFS with the IKE SA group');
  for (const stale of theirs[0]!.children.filter((x) => x !== fresh)) assert.match(stale.state, /^(REKEYED|DELETING|DELETED)$/, `a CHILD_SA charon keeps after a rekey: ${stale.spiIn}`);
  assert.equal(c.ikeSerial, ours.engine.ikeSas[0]!.serial);
  assert.deepEqual((await w.traffic()).map((e) => e.serial), [c.serial], 'trafficstatus lists the new Child SA only');
  return ours;
}

/** Waits until each side has one IKE SA, other than `old`, agreeing, with the Child SA moved over unchanged. */
async function ikeRekeyed(w: DaemonCharonWorld, old: SwanIke, child: { spiIn: number; spiOut: number }): Promise<{ ours: StatusData; theirs: SwanIke }> {
  const theirs = (await w.charon.waitForSas((s) => s.length === 1 && s[0]!.state === 'ESTABLISHED' && s[0]!.initiatorSpi !== old.initiatorSpi, 15_000, 'charon: the new IKE SA alone'))[0]!;
  const ours = await w.waitOurs((s) => s.engine.ikeSas.length === 1 && ikeSpiHex(s.engine.ikeSas[0]!.spiI) === theirs.initiatorSpi && s.engine.childSas.length === 1, 15_000, 'pluto: the new IKE SA alone');
  const ike = ours.engine.ikeSas[0]!;
  assert.equal(ikeSpiHex(ike.spiR), theirs.responderSpi, 'IKE SPIr');
  assert.ok(ike.state.includes('ESTABLISHED'), ike.state);
  assert.deepEqual([ike.localPort, ike.remotePort, theirs.localPort, theirs.remotePort], [4500, 4500, 4500, 4500], 'the new IKE SA stays on 4500');
  assert.deepEqual(theirs.children.filter((x) => x.state === 'INSTALLED').map((x) => x.spiIn), [spiHex(child.spiOut)], 'charon moved the CHILD_SA to the new IKE SA');
  const c = ours.engine.childSas[0]!;
  assert.equal(c.ikeSerial, ike.serial, 'our Child SA belongs to the new IKE SA');
  assert.deepEqual([c.spiIn, c.spiOut], [child.spiIn, child.spiOut], 'an IKE SA rekey leaves the Child SA alone');
  assertChildAgrees(c, theirs.children.find((x) => x.state === 'INSTALLED')!, await w.traffic());
  return { ours, theirs };
}

async function rekey(w: DaemonCharonWorld, by: Side, what: 'child' | 'ike'): Promise<void> {
  if (by === 'charon') {
    await w.charon.rekey(what === 'child' ? { child: CHILD } : { ike: CONN });
    return;
  }
  const out = await w.ipsecOk('whack', '--name', CONN, what === 'child' ? '--rekey-ipsec' : '--rekey-ike');
  assert.match(out, new RegExp(`"${CONN}": rekeyed the ${what === 'child' ? 'IPsec' : 'IKE'} SA`));
}

// Each rekey is started by each side, on an IKE SA either side initiated (the other two combinations
// add little but time: the engine-lifecycle tests run them against the engine).
const CASES: { initiator: Side; rekeyer: Side }[] = [
  { initiator: 'pluto', rekeyer: 'charon' },
  { initiator: 'charon', rekeyer: 'pluto' },
];

for (const { initiator, rekeyer } of CASES) {
  const other: Side = rekeyer === 'pluto' ? 'charon' : 'pluto';
  test(`${initiator} initiates; ${rekeyer} rekeys the Child SA, then the IKE SA; ${other} rekeys the Child SA over the new IKE SA`, { skip, timeout: 90_000 }, async (t) => {
    const w = world!;
    await w.run(t, PFS, async () => {
      await bringUp(w, initiator);
      const first = await assertAgreement(w, initiator === 'pluto');

      await rekey(w, rekeyer, 'child');
      const afterChild = await childRekeyed(w, first.ours.child);
      const c1 = afterChild.engine.childSas[0]!;
      assert.ok(c1.serial > first.ours.child.serial, 'a new serial for the new Child SA');

      await rekey(w, rekeyer, 'ike');
      const afterIke = await ikeRekeyed(w, first.theirs, c1);
      // Whoever rekeys the IKE SA is the initiator of the new one (RFC 7296 section 2.18).
      assert.equal(afterIke.theirs.initiator, rekeyer === 'charon', 'charon initiator flag of the new IKE SA');
      assert.equal(afterIke.ours.engine.ikeSas[0]!.initiator, rekeyer === 'pluto', 'our initiator flag of the new IKE SA');
      assert.notEqual(afterIke.ours.engine.ikeSas[0]!.serial, first.ours.ike.serial);

      // The new IKE SA's keys work both ways: the other side rekeys the Child SA over it.
      await rekey(w, other, 'child');
      await childRekeyed(w, c1);
    });
  });
}

test('charon deletes the Child SA only: ours goes, the IKE SA stays on both sides; charon asks for a new one over it', { skip, timeout: 60_000 }, async (t) => {
  const w = world!;
  // PFS: a new Child SA in CREATE_CHILD_SA comes with a KE; without one our pfs=yes rightly refuses it.
  await w.run(t, PFS, async () => {
    await bringUp(w, 'pluto');
    const first = await assertAgreement(w, true);
    await w.charon.terminate({ child: CHILD });
    const s = await w.waitOurs((x) => x.engine.childSas.length === 0, 10_000, 'pluto: the Child SA gone');
    assert.equal(s.engine.ikeSas.length, 1, 'our IKE SA stays');
    assert.deepEqual(await w.traffic(), []);
    const theirs = await w.charon.waitForSas((x) => x.length === 1 && x[0]!.children.length === 0, 10_000, 'charon: the IKE SA alone');
    assert.equal(theirs[0]!.initiatorSpi, first.theirs.initiatorSpi);
    // charon's CHILD_SA comes back over the same IKE SA when charon asks for it.
    assert.match(await w.charon.initiate(CHILD), /initiate completed successfully/);
    const again = await assertAgreement(w, true);
    assert.equal(again.theirs.initiatorSpi, first.theirs.initiatorSpi, 'the same IKE SA');
    assert.notEqual(again.ours.child.spiIn, first.ours.child.spiIn);
  });
});

const NATT: { label: string; suite: Suite; initiator: Side; weFake: boolean }[] = [
  { label: 'our encapsulation=yes', suite: { ...GCM, ourExtra: ['encapsulation=yes'] }, initiator: 'pluto', weFake: true },
  { label: "charon's encap = yes", suite: { ...GCM, swanEncap: true }, initiator: 'charon', weFake: false },
];

for (const { label, suite, initiator, weFake } of NATT) {
  test(`NAT-T forced by ${label}, ${initiator} initiates: IKE on 4500, ESP in UDP on both sides, the NAT flags agree`, { skip, timeout: 60_000 }, async (t) => {
    const w = world!;
    await w.run(t, suite, async () => {
      await bringUp(w, initiator);
      const { theirs, ours } = await assertAgreement(w, initiator === 'pluto');
      // Our userspace data path carries ESP only in UDP, so pluto then negotiates every conn as
      // encapsulation=yes (as charon's does): with it, we fake our NAT whatever the conn says.
      const fakes = weFake || ours.status.datapath !== undefined;
      assert.equal(ours.ike.natLocal, fakes, `we act as if behind a NAT exactly when encapsulation=yes or our data path needs UDP (${ours.status.kernel})`);
      assert.equal(theirs.natRemote, fakes, 'charon sees our fake NAT exactly then');
      assert.equal(ours.ike.natRemote, true, 'charon fakes its NAT (userspace ESP, or encap = yes)');
      assert.equal(theirs.natFake, !fakes, 'charon records its own fake NAT only when it sees none on our side');
      assert.ok(theirs.natAny);
      const text = await w.ipsecOk('auto', '--status');
      assert.match(text, new RegExp(`^000 #${ours.child.serial}: "${CONN}" udp\\.${spiHex(ours.child.spiOut)}@`, 'm'), 'auto --status shows the SA as UDP-encapsulated');
    });
  });
}
