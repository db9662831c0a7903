import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import { CookieJar } from '../../../src/ikev2/cookie';
import { detectNat, natHash } from '../../../src/ikev2/nat';

const spiI = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const spiR = new Uint8Array(8);

test('NAT_DETECTION data is SHA-1 over SPIi | SPIr | address | port (§2.23)', () => {
  const h = natHash(spiI, spiR, { address: '192.0.2.1', port: 500 });
  const expected = createHash('sha1').update(Buffer.from([...spiI, ...spiR, 192, 0, 2, 1, 0x01, 0xf4])).digest();
  assert.deepEqual(Buffer.from(h), expected);
  assert.equal(natHash(spiI, spiR, { address: '2001:db8::1', port: 4500 }).length, 20);
});

test('NAT detection: matching hashes mean no NAT; a rewritten source or destination is seen', () => {
  const a = { address: '192.0.2.1', port: 500 };
  const b = { address: '192.0.2.2', port: 500 };
  const src = [natHash(spiI, spiR, a)];
  const dst = [natHash(spiI, spiR, b)];
  assert.deepEqual(detectNat(spiI, spiR, src, dst, b, a), { localBehindNat: false, remoteBehindNat: false });
  assert.deepEqual(detectNat(spiI, spiR, src, dst, b, { address: '198.51.100.1', port: 1024 }), { localBehindNat: false, remoteBehindNat: true });
  assert.deepEqual(detectNat(spiI, spiR, src, dst, { address: '10.0.0.2', port: 500 }, a), { localBehindNat: true, remoteBehindNat: false });
  assert.equal(detectNat(spiI, spiR, [], [], b, a), null, 'no hashes: the peer does not do NAT-T');
});

test('cookies verify only for the same nonce, address and SPI, and not after the secret rotates', () => {
  const jar = new CookieJar(Buffer.alloc(32, 1));
  const ni = new Uint8Array(32).fill(3);
  const c = jar.make(ni, '192.0.2.1', spiI);
  assert.ok(c.length >= 1 && c.length <= 64);
  assert.ok(jar.verify(c, ni, '192.0.2.1', spiI));
  assert.ok(!jar.verify(c, ni, '192.0.2.9', spiI));
  assert.ok(!jar.verify(c, new Uint8Array(32), '192.0.2.1', spiI));
  assert.ok(!jar.verify(c, ni, '192.0.2.1', new Uint8Array(8)));
  jar.rotate(Buffer.alloc(32, 2));
  assert.ok(!jar.verify(c, ni, '192.0.2.1', spiI));
});
