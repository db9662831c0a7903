// Our daemon (`ipsec pluto`, driven by `ipsec auto`/`ipsec whack`) against strongSwan's charon with raw
// public keys (issue 5): ECDSA P-256 and RSA-2048, each with our pluto as initiator and as responder. Our
// keys come from ipsec.conf (leftecdsakey= / rightpubkey=, leftrsasigkey= / rightrsasigkey=) and our private
// key from ipsec.secrets (reread with `ipsec auto --rereadsecrets`); charon's from swanctl.conf. Both sides
// announce SIGNATURE_HASH_ALGORITHMS, so both sign RFC 7427 Digital Signatures. What charon reports
// (swanctl --list-sas over vici, and its log of how it authenticated us) is checked against what ours
// reports (auto --status --json, whack --status, whack --trafficstatus); a wrong key is refused each way.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertAgreement, CHILD, CONN, DaemonCharonWorld, skipReason, type Suite } from './daemon-charon-harness';
import { generateKeys, pubkeyAuth, withKeyDir, type SigKind } from './pubkey-auth';

const skip = skipReason();
if (skip) console.log(`# daemon-vs-charon-signatures skipped: ${skip}`);

const SUITE: Suite = { ike: 'aes_gcm256-sha2_256;dh19', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-ecp256', swanEsp: 'aes256gcm16' };

interface Expected {
  /** Our conn's auth words in whack --status. */
  policy: string;
  /** How we signed (RFC 7427 with the strongest hash both allow: P-256 prefers its own SHA2-256, RSA SHA2-512 with PSS). */
  ourScheme: string;
  /** How charon signed, as we describe it (charon signs RSA with PKCS#1 v1.5 unless rsa_pss = yes). */
  theirScheme: string;
  /** The same in Libreswan 4.10's words, as `ipsec auto --up` prints them. */
  theirLibreswanText: string;
  /** charon's names of the same schemes, from its log. */
  charonVerified: string;
  charonSigned: string;
}

const EXPECTED: Record<SigKind, Expected> = {
  ecdsa: {
    policy: 'ecdsa',
    ourScheme: 'ECDSA with SHA2_256',
    theirScheme: 'ECDSA with SHA2_256',
    theirLibreswanText: "'P-256 ECDSA with SHA2_256' digital signature",
    charonVerified: 'ECDSA_WITH_SHA256_DER',
    charonSigned: 'ECDSA_WITH_SHA256_DER',
  },
  rsa: {
    policy: 'rsasig',
    ourScheme: 'RSA with SHA2_512',
    theirScheme: 'RSA with SHA2_256 (PKCS#1 v1.5)',
    theirLibreswanText: "'2048-bit PKCS#1 1.5 RSA with SHA2_256' digital signature",
    charonVerified: 'RSA_EMSA_PSS_SHA2_512(_SALT_64)?',
    charonSigned: 'RSA_EMSA_PKCS1_SHA2_256',
  },
};

let world: DaemonCharonWorld | undefined;
before(async () => {
  if (!skip) world = await DaemonCharonWorld.start({ prefix: 'swldsig' });
});
after(async () => {
  await world?.stop();
});

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const kind of ['ecdsa', 'rsa'] as const) {
  const want = EXPECTED[kind];
  for (const weInitiate of [true, false]) {
    test(`${kind.toUpperCase()} raw public keys, ${weInitiate ? 'pluto (ipsec auto --up)' : 'charon (swanctl --initiate)'} initiates: both authenticate with RFC 7427 signatures, SAs agree`, { skip, timeout: 60_000 }, async (t) => {
      const w = world!;
      await withKeyDir(async (dir) => {
        const west = generateKeys(kind);
        const suite: Suite = { ...SUITE, pubkey: pubkeyAuth(dir, kind, west, generateKeys(kind)) };
        await w.run(t, suite, async () => {
          const charonMark = w.charon.log().length;
          if (weInitiate) {
            const out = await w.ipsecOk('auto', '--up', CONN);
            assert.match(out, new RegExp(`initiator established IKE SA; authenticated peer ${esc(want.theirLibreswanText)} using preloaded certificate '@east'$`, 'm'), out);
          } else {
            assert.match(await w.charon.initiate(CHILD), /initiate completed successfully/);
          }
          const { theirs, ours } = await assertAgreement(w, weInitiate);
          assert.equal(theirs.name, CONN);
          assert.deepEqual([ours.ike.localAuth, ours.ike.peerAuth], [want.ourScheme, want.theirScheme], 'how each side signed, as auto --status --json reports it');
          // charon's account of the same exchange: it verified our signature and signed its own with these schemes.
          const charonLog = w.charon.log().slice(charonMark);
          assert.match(charonLog, new RegExp(`authentication of 'west' with ${want.charonVerified} successful`));
          assert.match(charonLog, new RegExp(`authentication of 'east' \\(myself\\) with ${want.charonSigned} successful`));
          // charon received our SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4) in our IKE_SA_INIT message.
          assert.match(charonLog, new RegExp(`parsed IKE_SA_INIT ${weInitiate ? 'request' : 'response'} 0 \\[[^\\]]*N\\(HASH_ALG\\)`));

          // The text a script reads: the conn's auth line and the IKE SA's authentication.
          const status = await w.ipsecOk('whack', '--status');
          assert.match(status, new RegExp(`^000 "${CONN}":   our auth:${want.policy}, their auth:${want.policy}, `, 'm'), status);
          assert.match(
            status,
            new RegExp(`^000 #${ours.ike.serial}: "${CONN}" ${esc(w.pair.east.outer)} ESTABLISHED_IKE_SA \\(${weInitiate ? 'initiator' : 'responder'}\\); .*; IKE SPIs: ${ours.ike.spiI}:${ours.ike.spiR}; authenticated using ${esc(want.theirScheme)}$`, 'm'),
            status,
          );
          const traffic = await w.ipsecOk('whack', '--trafficstatus');
          assert.match(traffic, new RegExp(`^006 #${ours.child.serial}: "${CONN}", type=ESP, .* id='@east'$`, 'm'));

          // Our private key never reaches the log or the status (any 24 characters of its PKCS#8 base64 or PEM).
          const der = west.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
          const pem = west.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().split('\n')[2]!;
          for (const leak of [der.slice(40, 64), pem.slice(8, 32)]) {
            assert.ok(!w.plutoLog().includes(leak) && !status.includes(leak), 'no private key material in pluto.log or whack --status');
          }
        });
      });
    });
  }
}

test('wrong key: charon holds another ECDSA key for west, pluto initiates -> AUTHENTICATION_FAILED, auto --up fails, no SA on either side', { skip, timeout: 60_000 }, async (t) => {
  const w = world!;
  await withKeyDir(async (dir) => {
    const suite: Suite = { ...SUITE, pubkey: pubkeyAuth(dir, 'ecdsa', generateKeys('ecdsa'), generateKeys('ecdsa'), { charonSeesWest: generateKeys('ecdsa') }) };
    await w.run(t, suite, async () => {
      const charonMark = w.charon.log().length;
      const r = await w.ipsec('auto', '--up', CONN);
      assert.notEqual(r.code, 0, `auto --up must fail:\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout + r.stderr, /initiate failed: .*AUTHENTICATION_FAILED/);
      assert.match(w.charon.log().slice(charonMark), /signature validation failed|authentication of 'west' with .* failed|constraint check failed/);
      assert.deepEqual(await w.charon.listSas(), []);
      const s = await w.waitOurs((x) => x.engine.ikeSas.length === 0, 10_000, 'pluto: no IKE SA after AUTHENTICATION_FAILED');
      assert.deepEqual([s.engine.childSas.length, (await w.traffic()).length], [0, 0]);
    });
  });
});

test('wrong key: pluto holds another RSA key for east, charon initiates -> pluto refuses its AUTH, nothing installed', { skip, timeout: 60_000 }, async (t) => {
  const w = world!;
  await withKeyDir(async (dir) => {
    const suite: Suite = { ...SUITE, pubkey: pubkeyAuth(dir, 'rsa', generateKeys('rsa'), generateKeys('rsa'), { weSeeEast: generateKeys('rsa') }) };
    await w.run(t, suite, async () => {
      const charonMark = w.charon.log().length;
      const plutoMark = w.plutoLog().length;
      await assert.rejects(w.charon.initiate(CHILD, { timeoutMs: 10_000 }));
      assert.match(w.plutoLog().slice(plutoMark), /IKE_AUTH refused: the initiator's AUTH: the RSA with SHA2_256 \(PKCS#1 v1\.5\) signature does not verify/);
      assert.match(w.charon.log().slice(charonMark), /received AUTHENTICATION_FAILED notify error/);
      await w.charon.waitForSas((s) => s.length === 0, 10_000, 'charon: no SA after AUTHENTICATION_FAILED');
      const s = await w.waitOurs((x) => x.engine.ikeSas.length === 0, 10_000, 'pluto: no IKE SA after refusing');
      assert.deepEqual([s.engine.childSas.length, (await w.traffic()).length], [0, 0]);
    });
  });
});
