// Our IKEv2 engine (engine-driver in west, real sockets) against strongSwan's charon (east), PSK,
// AES-GCM-16-256 + X25519: we initiate, then charon initiates; what charon reports (swanctl --list-sas
// over vici) must agree with our status() and our recording kernel.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ensurePackages, STRONGSWAN_PACKAGES } from '../helpers/packages';
import { assertAgreement, withEngineAndCharon, type Suite } from './engine-setup';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skip: string | false = isRoot ? (ensurePackages([...STRONGSWAN_PACKAGES]) ?? false) : 'needs root (network namespaces)';
if (skip) console.log(`# engine-vs-charon skipped: ${skip}`);

const GCM_X25519: Suite = { ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16' };

test('engine initiates to charon: AES-GCM-16-256 + X25519, SAs agree', { skip, timeout: 60_000 }, async (t) => {
  await withEngineAndCharon(t, GCM_X25519, async (w) => {
    const r = await w.engine.initiate('tun');
    assert.ok(r.child.spiIn > 0);
    const { theirs } = await assertAgreement(w, true);
    assert.equal(theirs.encrAlg, 'AES_GCM_16');
    assert.equal(theirs.encrKeysize, 256);
    assert.equal(theirs.prfAlg, 'PRF_HMAC_SHA2_256');
    assert.equal(theirs.dhGroup, 'CURVE_25519');
    const c = theirs.children[0]!;
    assert.equal(c.encrAlg, 'AES_GCM_16');
    assert.equal(c.encrKeysize, 256);
    assert.equal(c.mode, 'TUNNEL');
  });
});

test('charon initiates to the engine: AES-GCM-16-256 + X25519, SAs agree', { skip, timeout: 60_000 }, async (t) => {
  await withEngineAndCharon(t, GCM_X25519, async (w) => {
    assert.match(await w.charon.initiate('net'), /initiate completed successfully/);
    const { theirs } = await assertAgreement(w, false);
    assert.equal(theirs.encrAlg, 'AES_GCM_16');
    assert.equal(theirs.encrKeysize, 256);
    assert.equal(theirs.dhGroup, 'CURVE_25519');
    assert.equal(theirs.children[0]!.encrAlg, 'AES_GCM_16');
  });
});
