// Our IKEv2 engine against charon in the corners of IKE_SA_INIT and liveness: INVALID_KE_PAYLOAD and the
// retry with the group asked for (RFC 7296 section 1.3), in both directions, and charon's dead peer
// detection (empty INFORMATIONAL requests) answered so that the SAs stay up.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ensurePackages, STRONGSWAN_PACKAGES } from '../helpers/packages';
import { assertAgreement, assertChildAgrees, withEngineAndCharon, type Suite } from './engine-setup';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skip: string | false = isRoot ? (ensurePackages([...STRONGSWAN_PACKAGES]) ?? false) : 'needs root (network namespaces)';
if (skip) console.log(`# engine-negotiation skipped: ${skip}`);

test('engine guesses ECP-256 first, charon wants X25519: INVALID_KE_PAYLOAD, retry, SAs agree', { skip, timeout: 60_000 }, async (t) => {
  const suite: Suite = { ike: 'aes_gcm256-sha2_256;dh19+dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16' };
  await withEngineAndCharon(t, suite, async (w) => {
    await w.engine.initiate('tun');
    const { theirs } = await assertAgreement(w, true);
    assert.equal(theirs.dhGroup, 'CURVE_25519');
    assert.match(w.charon.log(), /DH group ECP_256 unacceptable, requesting CURVE_25519/);
  });
});

test('charon guesses ECP-256 first, the engine wants X25519: INVALID_KE_PAYLOAD, retry, SAs agree', { skip, timeout: 60_000 }, async (t) => {
  const suite: Suite = { ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-ecp256-x25519', swanEsp: 'aes256gcm16' };
  await withEngineAndCharon(t, suite, async (w) => {
    assert.match(await w.charon.initiate('net'), /initiate completed successfully/);
    const { theirs } = await assertAgreement(w, false);
    assert.equal(theirs.dhGroup, 'CURVE_25519');
    assert.match(w.charon.log(), /peer didn't accept DH group ECP_256, it requested CURVE_25519/);
  });
});

test("charon's dead peer detection is answered: the SAs stay up", { skip, timeout: 60_000 }, async (t) => {
  const suite: Suite = { ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16', swanDpdDelay: '1s' };
  await withEngineAndCharon(t, suite, async (w) => {
    await w.engine.initiate('tun');
    const before = await assertAgreement(w, true);
    const deadline = Date.now() + 15_000;
    const answered = (): number => (w.charon.log().match(/parsed INFORMATIONAL response \d+ \[ \]/g) ?? []).length;
    while (answered() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.ok(answered() >= 2, `charon saw ${answered()} answered DPD requests`);
    const after = await assertAgreement(w, true);
    assert.equal(after.theirs.initiatorSpi, before.theirs.initiatorSpi, 'still the same IKE SA');
  });
});

// RFC 7383: charon made to fragment everything it encrypts (fragment_size counts the whole IP datagram),
// so our reassembly has to put its IKE_AUTH and later messages back together.
for (const weInitiate of [true, false]) {
  test(`charon sends IKE fragments (${weInitiate ? 'engine' : 'charon'} initiates): reassembled, SAs agree, rekey works`, { skip, timeout: 60_000 }, async (t) => {
    const suite: Suite = { ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16-x25519' };
    await withEngineAndCharon(
      t,
      suite,
      async (w) => {
        if (weInitiate) await w.engine.initiate('tun');
        else assert.match(await w.charon.initiate('net'), /initiate completed successfully/);
        await assertAgreement(w, weInitiate);
        assert.match(w.charon.log(), /splitting IKE message \(\d+ bytes\) into \d+ fragments/);
        assert.match(w.charon.log(), /generating IKE_AUTH (request|response) 1 \[ EF\(1\/\d+\) \]/);
        const before = (await w.engine.status()).childSas[0]!;
        await w.charon.rekey({ child: 'net' });
        await w.engine.waitForStatus((s) => s.childSas.length === 1 && s.childSas[0]!.spiIn !== before.spiIn && s.kernel.length === 2, 15_000, 'engine: rekeyed Child SA');
      },
      { charonConf: '  fragment_size = 160' },
    );
  });
}

// IKE and the tunnel over IPv6 (NAT detection hashes, encapsulation and selectors with 128-bit addresses).
for (const weInitiate of [true, false]) {
  test(`IPv6 outside and inside (${weInitiate ? 'engine' : 'charon'} initiates): SAs agree`, { skip, timeout: 60_000 }, async (t) => {
    const suite: Suite = { ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16' };
    await withEngineAndCharon(
      t,
      suite,
      async (w) => {
        if (weInitiate) await w.engine.initiate('tun');
        else assert.match(await w.charon.initiate('net'), /initiate completed successfully/);
        const { theirs, status } = await assertAgreement(w, weInitiate);
        assert.equal(theirs.remoteHost, '2001:db8::1');
        assert.deepEqual(status.childSas[0]!.localTs, ['fd00:1::/64']);
        assert.deepEqual(status.childSas[0]!.remoteTs, ['fd00:2::/64']);
      },
      { ipv6: true },
    );
  });
}

test('our own liveness checks (dpddelay=1): charon answers, the SAs stay up', { skip, timeout: 60_000 }, async (t) => {
  const suite: Suite = { ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16', engineExtra: ['dpddelay=1', 'dpdtimeout=5'] };
  await withEngineAndCharon(t, suite, async (w) => {
    await w.engine.initiate('tun');
    const before = await assertAgreement(w, true);
    const deadline = Date.now() + 15_000;
    const answered = (): number => (w.charon.log().match(/parsed INFORMATIONAL request \d+ \[ \]/g) ?? []).length;
    while (answered() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.ok(answered() >= 2, `charon got ${answered()} empty INFORMATIONAL requests from us`);
    const after = await assertAgreement(w, true);
    assert.equal(after.theirs.initiatorSpi, before.theirs.initiatorSpi, 'still the same IKE SA');
  });
});

test('charon asks for a second, narrower Child SA over the same IKE SA (CREATE_CHILD_SA, no REKEY_SA): both agree', { skip, timeout: 60_000 }, async (t) => {
  const suite: Suite = {
    ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16-x25519',
    swanExtraChildren: [{ name: 'half', localTs: ['10.2.0.0/25'], remoteTs: ['10.1.0.0/25'] }],
  };
  await withEngineAndCharon(t, suite, async (w) => {
    await w.engine.initiate('tun');
    await assertAgreement(w, true);
    assert.match(await w.charon.initiate('half'), /initiate completed successfully/);
    const theirs = (await w.charon.waitForSas((s) => s.length === 1 && s[0]!.children.filter((c) => c.state === 'INSTALLED').length === 2, 10_000, 'charon: two CHILD_SAs'))[0]!;
    const ours = await w.engine.waitForStatus((s) => s.ikeSas.length === 1 && s.childSas.length === 2 && s.kernel.length === 4, 10_000, 'engine: two Child SAs');
    assert.match(w.charon.log(), /generating CREATE_CHILD_SA request \d+ \[ SA No KE TSi TSr \]/);
    for (const c of ours.childSas) {
      const match = theirs.children.find((x) => x.spiIn === c.spiOut.toString(16).padStart(8, '0'));
      assert.ok(match, `charon has the peer of our Child SA #${c.serial}`);
      assertChildAgrees(c, match, ours);
    }
    assert.deepEqual(ours.childSas.map((c) => c.localTs[0]).sort(), ['10.1.0.0/24', '10.1.0.0/25']);
  });
});
