// Our daemon (`ipsec pluto`, driven by `ipsec auto`/`ipsec whack`) against strongSwan's charon, PSK, with
// the four suites of issue 5: each initiated by us (`ipsec auto --up`) and by charon (`swanctl --initiate`),
// what charon reports (swanctl --list-sas over vici) checked against what ours reports (auto --status
// --json, whack --trafficstatus --json), then deleted by the side that did not initiate, the other noticing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertAgreement, CHILD, CONN, DaemonCharonWorld, skipReason, type Suite } from './daemon-charon-harness';

const skip = skipReason();
if (skip) console.log(`# daemon-vs-charon-suites skipped: ${skip}`);

interface Expected {
  /** charon's names. */
  encr: string;
  keySize?: number;
  integ?: string;
  prf: string;
  dh: string;
  childEncr: string;
  childKeySize?: number;
  childInteg?: string;
  /** Our printed form of the IKE SA's algorithms (auto --status). */
  ourIke: string;
}

const SUITES: { name: string; suite: Suite; want: Expected }[] = [
  {
    name: 'AES-GCM-16-256 + X25519',
    suite: { ike: 'aes_gcm256-sha2_256;dh31', esp: 'aes_gcm256', swanIke: 'aes256gcm16-prfsha256-x25519', swanEsp: 'aes256gcm16' },
    want: { encr: 'AES_GCM_16', keySize: 256, prf: 'PRF_HMAC_SHA2_256', dh: 'CURVE_25519', childEncr: 'AES_GCM_16', childKeySize: 256, ourIke: 'AES_GCM_16_256-HMAC_SHA2_256-DH31' },
  },
  {
    name: 'AES-CBC-256/HMAC-SHA2-256 + ECP-256',
    suite: { ike: 'aes256-sha2_256;dh19', esp: 'aes256-sha2_256', swanIke: 'aes256-sha256-ecp256', swanEsp: 'aes256-sha256' },
    want: {
      encr: 'AES_CBC', keySize: 256, integ: 'HMAC_SHA2_256_128', prf: 'PRF_HMAC_SHA2_256', dh: 'ECP_256', childEncr: 'AES_CBC', childKeySize: 256, childInteg: 'HMAC_SHA2_256_128',
      ourIke: 'AES_CBC_256-HMAC_SHA2_256_128-HMAC_SHA2_256-DH19',
    },
  },
  {
    name: 'ChaCha20-Poly1305 + X25519',
    suite: { ike: 'chacha20_poly1305-sha2_256;dh31', esp: 'chacha20_poly1305', swanIke: 'chacha20poly1305-prfsha256-x25519', swanEsp: 'chacha20poly1305' },
    want: { encr: 'CHACHA20_POLY1305', prf: 'PRF_HMAC_SHA2_256', dh: 'CURVE_25519', childEncr: 'CHACHA20_POLY1305', ourIke: 'CHACHA20_POLY1305-HMAC_SHA2_256-DH31' },
  },
  {
    name: 'AES-CBC-128/HMAC-SHA2-256 + MODP-2048, ESP with HMAC-SHA1',
    suite: { ike: 'aes128-sha2_256;modp2048', esp: 'aes128-sha1', swanIke: 'aes128-sha256-modp2048', swanEsp: 'aes128-sha1' },
    want: {
      encr: 'AES_CBC', keySize: 128, integ: 'HMAC_SHA2_256_128', prf: 'PRF_HMAC_SHA2_256', dh: 'MODP_2048', childEncr: 'AES_CBC', childKeySize: 128, childInteg: 'HMAC_SHA1_96',
      ourIke: 'AES_CBC_128-HMAC_SHA2_256_128-HMAC_SHA2_256-MODP2048',
    },
  },
];

let world: DaemonCharonWorld | undefined;
before(async () => {
  if (!skip) world = await DaemonCharonWorld.start();
});
after(async () => {
  await world?.stop();
});

for (const { name, suite, want } of SUITES) {
  for (const weInitiate of [true, false]) {
    const deleter = weInitiate ? 'charon (swanctl --terminate)' : 'us (ipsec auto --down)';
    test(`${name}: ${weInitiate ? 'pluto (ipsec auto --up)' : 'charon (swanctl --initiate)'} initiates, SAs agree; ${deleter} deletes, the other notices`, { skip, timeout: 60_000 }, async (t) => {
      const w = world!;
      await w.run(t, suite, async () => {
        if (weInitiate) {
          const out = await w.ipsecOk('auto', '--up', CONN);
          assert.match(out, /initiator established IKE SA; authenticated peer using authby=secret and ID_FQDN '@east'/);
          assert.match(out, /initiator established Child SA using #\d+; IPsec tunnel \[10\.1\.0\.0\/24===10\.2\.0\.0\/24\] \{ESPinUDP=>0x[0-9a-f]{8} <0x[0-9a-f]{8} /);
        } else {
          assert.match(await w.charon.initiate(CHILD), /initiate completed successfully/);
        }
        const { theirs, ours } = await assertAgreement(w, weInitiate);
        assert.equal(theirs.encrAlg, want.encr);
        assert.equal(theirs.encrKeysize, want.keySize);
        assert.equal(theirs.integAlg, want.integ);
        assert.equal(theirs.prfAlg, want.prf);
        assert.equal(theirs.dhGroup, want.dh);
        const c = theirs.children[0]!;
        assert.equal(c.encrAlg, want.childEncr);
        assert.equal(c.encrKeysize, want.childKeySize);
        assert.equal(c.integAlg, want.childInteg);
        assert.equal(ours.ike.algorithms, want.ourIke);
        // The text forms a script reads say the same as the JSON.
        const [text, traffic] = await Promise.all([w.ipsecOk('auto', '--status'), w.ipsecOk('whack', '--trafficstatus')]);
        assert.match(text, new RegExp(`^000 #${ours.ike.serial}: "${CONN}" ${w.pair.east.outer.replace(/\./g, '\\.')} ESTABLISHED_IKE_SA \\(${weInitiate ? 'initiator' : 'responder'}\\); ${want.ourIke}; IKE SPIs: ${ours.ike.spiI}:${ours.ike.spiR}; authenticated using authby=secret$`, 'm'), text);
        assert.match(text, new RegExp(`^000 #${ours.child.serial}: "${CONN}" udp\\.${c.spiIn}@192\\.0\\.2\\.2 udp\\.${c.spiOut}@192\\.0\\.2\\.1 tun\\.[0-9a-f]+@192\\.0\\.2\\.2 10\\.1\\.0\\.0/24===10\\.2\\.0\\.0/24$`, 'm'), text);
        assert.match(traffic, new RegExp(`^006 #${ours.child.serial}: "${CONN}", type=ESP, add_time=\\d+, inBytes=\\d+, outBytes=\\d+, id='@east'$`, 'm'));

        if (weInitiate) {
          await w.charon.terminate({ ike: CONN });
          await w.waitOurs((s) => s.engine.ikeSas.length === 0 && s.engine.childSas.length === 0, 10_000, 'pluto: SAs gone after charon deleted them');
          assert.match(w.plutoLog(), /IKE SA deleted \(deleted by the peer\)/);
        } else {
          const out = await w.ipsecOk('auto', '--down', CONN);
          assert.match(out, /terminating SAs using this connection/);
          assert.equal((await w.status()).engine.ikeSas.length, 0, 'auto --down deleted our SAs');
          await w.charon.waitForSas((s) => s.length === 0, 10_000, 'charon: SAs gone after our delete');
          assert.match(w.charon.log(), /received DELETE for IKE_SA tun\[\d+\]/);
        }
        assert.deepEqual(await w.traffic(), [], 'trafficstatus is empty once the SAs are gone');
      });
    });
  }
}
