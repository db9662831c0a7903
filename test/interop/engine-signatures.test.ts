// Our engine (west) against strongSwan's charon (east) with raw public keys (swanctl `auth = pubkey`,
// `pubkeys = ...`; charon's signature_authentication is on by default, so both sides use RFC 7427):
// ECDSA P-256 and RSA, each with us as initiator and as responder, and a wrong key refused each way.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';

import { ensurePackages, STRONGSWAN_PACKAGES } from '../helpers/packages';
import { assertAgreement, withEngineAndCharon, type Suite } from './engine-setup';
import { pubkeyAuth, withKeyDir as withKeys, type Keys } from './pubkey-auth';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skip: string | false = isRoot ? (ensurePackages([...STRONGSWAN_PACKAGES]) ?? false) : 'needs root (network namespaces)';
if (skip) console.log(`# engine-signatures skipped: ${skip}`);

const SUITE: Suite = { ike: 'aes_gcm256-sha2_256;dh19', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-ecp256', swanEsp: 'aes256gcm16' };

const KINDS = {
  ecdsa: { gen: (): Keys => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), charonScheme: 'ECDSA_WITH_SHA256_DER', ours: /^ECDSA with SHA2_(256|384|512)$/ },
  rsa: { gen: (): Keys => generateKeyPairSync('rsa', { modulusLength: 2048 }), charonScheme: 'RSA_EMSA_PSS_SHA2_512(_SALT_64)?', ours: /^RSA with SHA2_(256|384|512)( \(PKCS#1 v1\.5\))?$/ },
} as const;

for (const kind of ['ecdsa', 'rsa'] as const) {
  const k = KINDS[kind];
  for (const weInitiate of [true, false]) {
    test(`${kind.toUpperCase()} raw public keys, ${weInitiate ? 'engine' : 'charon'} initiates: both authenticate, SAs agree`, { skip, timeout: 90_000 }, async (t) => {
      await withKeys(async (dir) => {
        const auth = pubkeyAuth(dir, kind, k.gen(), k.gen());
        await withEngineAndCharon(t, SUITE, async (w) => {
          if (weInitiate) await w.engine.initiate('tun');
          else assert.match(await w.charon.initiate('net'), /initiate completed successfully/);
          const { status } = await assertAgreement(w, weInitiate);
          const ike = status.ikeSas[0]!;
          assert.match(ike.peerAuth, k.ours, 'how charon authenticated, as we saw it');
          if (kind === 'rsa') assert.match(w.charon.log(), /authentication of 'east' \(myself\) with RSA_EMSA_PKCS1_SHA2_256 successful/);
          if (kind === 'rsa') assert.equal(ike.peerAuth, 'RSA with SHA2_256 (PKCS#1 v1.5)', 'charon signs RSA with PKCS#1 v1.5 unless rsa_pss=yes');
          assert.match(ike.localAuth, kind === 'rsa' ? /^RSA with SHA2_512$/ : /^ECDSA with SHA2_256$/);
          // charon's log names the scheme it verified ours with.
          assert.match(w.charon.log(), new RegExp(`authentication of 'west' with ${k.charonScheme} successful`));
          assert.match(w.engine.log(), /established IKE SA .*; authenticated using (RSA|ECDSA) with SHA2_/);
        }, { pubkey: auth });
      });
    });
  }
}

test('RSA, charon with rsa_pss = yes signs RSASSA-PSS: we read its PSS parameters and verify', { skip, timeout: 90_000 }, async (t) => {
  await withKeys(async (dir) => {
    const auth = pubkeyAuth(dir, 'rsa', KINDS.rsa.gen(), KINDS.rsa.gen());
    await withEngineAndCharon(t, SUITE, async (w) => {
      await w.engine.initiate('tun');
      const { status } = await assertAgreement(w, true);
      assert.match(w.charon.log(), /authentication of 'east' \(myself\) with RSA_EMSA_PSS_SHA2_\d+(_SALT_\d+)? successful/);
      assert.match(status.ikeSas[0]!.peerAuth, /^RSA with SHA2_(256|384|512)$/);
    }, { pubkey: auth, charonConf: '  rsa_pss = yes' });
  });
});

for (const [kind, curve, method, charonScheme] of [
  ['ecdsa', 'secp384r1', 'ECDSA with SHA2_384', 'ECDSA-384 signature'], ['rsa', '', 'RSA with SHA1', 'RSA signature'],
] as const) {
  test(`${kind.toUpperCase()} with charon's signature_authentication = no: no hash notify, so the fixed methods (${method}) both ways`, { skip, timeout: 90_000 }, async (t) => {
    await withKeys(async (dir) => {
      const gen = (): Keys => (kind === 'rsa' ? KINDS.rsa.gen() : generateKeyPairSync('ec', { namedCurve: curve }));
      const auth = pubkeyAuth(dir, kind, gen(), gen());
      await withEngineAndCharon(t, SUITE, async (w) => {
        await w.engine.initiate('tun');
        const { status } = await assertAgreement(w, true);
        assert.deepEqual([status.ikeSas[0]!.localAuth, status.ikeSas[0]!.peerAuth], [method, method]);
        assert.match(w.charon.log(), new RegExp(`authentication of 'west' with ${charonScheme} successful`));
      }, { pubkey: auth, charonConf: '  signature_authentication = no' });
    });
  });
}

test('wrong key: charon holds another key for west -> AUTHENTICATION_FAILED, no SA on either side', { skip, timeout: 90_000 }, async (t) => {
  await withKeys(async (dir) => {
    const k = KINDS.ecdsa;
    const auth = pubkeyAuth(dir, 'ecdsa', k.gen(), k.gen(), { charonSeesWest: k.gen() });
    await withEngineAndCharon(t, SUITE, async (w) => {
      await assert.rejects(w.engine.initiate('tun'), /AUTHENTICATION_FAILED/);
      assert.match(w.charon.log(), /signature validation failed|authentication of 'west' with .* failed|constraint check failed/);
      assert.deepEqual(await w.charon.listSas(), []);
      const s = await w.engine.status();
      assert.deepEqual([s.ikeSas.length, s.childSas.length, s.kernel.length], [0, 0, 0]);
    }, { pubkey: auth });
  });
});

test('wrong key: we hold another key for east, charon initiates -> we refuse, nothing installed', { skip, timeout: 90_000 }, async (t) => {
  await withKeys(async (dir) => {
    const k = KINDS.rsa;
    const auth = pubkeyAuth(dir, 'rsa', k.gen(), k.gen(), { weSeeEast: k.gen() });
    await withEngineAndCharon(t, SUITE, async (w) => {
      await w.charon.initiate('net').catch(() => undefined);
      assert.match(w.engine.log(), /IKE_AUTH refused: the initiator's AUTH: the RSA with SHA2_\d+( \(PKCS#1 v1\.5\))? signature does not verify/);
      await w.charon.waitForSas((s) => s.length === 0, 10_000, 'charon: no SA after AUTHENTICATION_FAILED');
      const s = await w.engine.status();
      assert.deepEqual([s.ikeSas.length, s.childSas.length, s.kernel.length], [0, 0, 0]);
    }, { pubkey: auth });
  });
});
