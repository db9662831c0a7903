// Our pluto on both sides with the other proposals of issue 5: AES-CBC/SHA2 + ECP-256 and
// ChaCha20-Poly1305 + MODP-2048 (up and status). The IKE SA algorithms print as ENCR-[INTEG-]PRF-DH.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { netnsPair, westEastConn } from './pluto-pair-harness';

const PSK = 'a pre-shared key for the pluto pair tests';
const CASES = [
  { ike: 'aes256-sha2_256;dh19', esp: 'aes256-sha2_256', ikeAlg: 'AES_CBC_256-HMAC_SHA2_256_128-HMAC_SHA2_256-DH19', espAlg: 'AES_CBC_256-HMAC_SHA2_256_128' },
  { ike: 'chacha20_poly1305-sha2_256;modp2048', esp: 'chacha20_poly1305', ikeAlg: 'CHACHA20_POLY1305-HMAC_SHA2_256-MODP2048', espAlg: 'CHACHA20_POLY1305-NONE' },
];

for (const c of CASES) {
  test(`ike=${c.ike} esp=${c.esp}: auto --up, and both sides report the algorithms`, async (t) => {
    const conf = westEastConn('west-east', c.ike, c.esp, '\tauto=add\n');
    const pair = await netnsPair(t, { west: conf, east: conf }, { west: PSK, east: PSK });
    await pair.start('east');
    await pair.start('west');
    const r = pair.ipsec('west', 'auto', '--up', 'west-east');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const side of ['west', 'east'] as const) {
      const s = pair.status(side);
      assert.equal(s.engine.ikeSas.length, 1, side);
      assert.equal(s.engine.ikeSas[0]!.state, 'ESTABLISHED_IKE_SA');
      assert.equal(s.engine.ikeSas[0]!.algorithms, c.ikeAlg, side);
      assert.equal(s.engine.childSas.length, 1, side);
      assert.equal(s.engine.childSas[0]!.algorithms, c.espAlg, side);
    }
    const [w, e] = [pair.status('west').engine.childSas[0]!, pair.status('east').engine.childSas[0]!];
    assert.equal(w.spiOut, e.spiIn);
    assert.equal(w.spiIn, e.spiOut);
  });
}
