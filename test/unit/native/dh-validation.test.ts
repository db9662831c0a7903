// Bad peer values: each is refused with a clear error and code, synchronously and on the pool.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import {
  DH_GROUPS,
  type DhGroupId,
  type DhKeyPair,
  computeSharedAsync,
  dhGroupName,
  dhGroupPrime,
  dhPublicKeyLength,
  generateDhKeyPair,
} from '../../../src/native/dh';
import { setHelperThreads } from '../../../src/native/helpers';
import { hex, loadVectors } from '../../helpers/vectors';

interface SmallOrder { group: 31 | 32; name: string; u: string }

const ECP_PRIMES: Record<19 | 20 | 21, bigint> = {
  19: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
  20: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
  21: 2n ** 521n - 1n,
};

function bytesOf(n: bigint, length: number): Buffer {
  return Buffer.from(n.toString(16).padStart(length * 2, '0'), 'hex');
}
function bigOf(b: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
}

/** The refusal, both synchronous and asynchronous (on 1 helper thread), with the same code and message. */
async function assertRefused(pair: DhKeyPair, peer: Uint8Array, code: string, what: string): Promise<void> {
  let syncError: unknown;
  assert.throws(() => pair.computeShared(peer), (err: unknown) => {
    syncError = err;
    return true;
  }, what);
  assert.ok(syncError instanceof Error, what);
  assert.equal((syncError as Error & { code?: string }).code, code, `${what}: ${syncError.message}`);
  assert.ok(syncError.message.includes(dhGroupName(pair.group)), `${what}: the message names the group: ${syncError.message}`);
  await assert.rejects(computeSharedAsync(pair, peer), { code, message: syncError.message }, `${what} (async)`);
}

test('wrong lengths are refused for every group (ERR_IPSEC_DH_BAD_LENGTH)', async () => {
  setHelperThreads(1);
  for (const g of DH_GROUPS) {
    const pair = generateDhKeyPair(g);
    const n = dhPublicKeyLength(g);
    const good = generateDhKeyPair(g).publicKey;
    const cases: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['one byte short', good.subarray(0, n - 1)],
      ['one byte long', Buffer.concat([good, Buffer.from([0])])],
      ['twice the length', Buffer.concat([good, good])],
    ];
    if (g >= 19 && g <= 21) cases.push(['SEC 1 uncompressed (04 | x | y)', Buffer.concat([Buffer.from([4]), good])]);
    for (const [what, peer] of cases) {
      await assertRefused(pair, peer, 'ERR_IPSEC_DH_BAD_LENGTH', `${dhGroupName(g)}: ${what}`);
    }
  }
});

test('ECP: points not on the curve, the all-zero "infinity", and coordinates >= p are refused', async () => {
  setHelperThreads(1);
  for (const g of [19, 20, 21] as const) {
    const pair = generateDhKeyPair(g);
    const n = dhPublicKeyLength(g) / 2;
    const valid = generateDhKeyPair(g).publicKey;
    assert.ok(pair.computeShared(valid).length === n); // the unaltered point is accepted
    const p = ECP_PRIMES[g];
    const x = valid.subarray(0, n);
    const y = valid.subarray(n);

    const flippedY = Buffer.from(valid);
    flippedY[2 * n - 1] ^= 1;
    const flippedX = Buffer.from(valid);
    flippedX[n - 1] ^= 0x10;
    const cases: [string, Buffer][] = [
      ['y with a bit flipped', flippedY],
      ['x with a bit flipped', flippedX],
      ['all zero (the point at infinity has no x | y encoding)', Buffer.alloc(2 * n)],
      ['x = p', Buffer.concat([bytesOf(p, n), y])],
      ['y = p', Buffer.concat([x, bytesOf(p, n)])],
      ['all ones', Buffer.alloc(2 * n, 0xff)],
    ];
    // y + p is congruent to y but is not a canonical coordinate: P-521's 66 octets have room for it.
    if (g === 21) cases.push(['y + p (non-canonical)', Buffer.concat([x, bytesOf(bigOf(y) + p, n)])]);
    // (x, p - y) is the negated point: on the curve, so accepted (the check is not over-eager).
    assert.equal(pair.computeShared(Buffer.concat([x, bytesOf(p - bigOf(y), n)])).length, n);
    for (const [what, peer] of cases) {
      await assertRefused(pair, peer, 'ERR_IPSEC_DH_BAD_PEER', `${dhGroupName(g)}: ${what}`);
    }
  }
});

test('MODP: 0, 1, p-1, p and all-ones are refused; 2 and p-2 are accepted', async () => {
  setHelperThreads(1);
  for (const g of [14, 15, 16, 18] as const) {
    const pair = generateDhKeyPair(g);
    const n = dhPublicKeyLength(g);
    const p = bigOf(dhGroupPrime(g));
    const cases: [string, Buffer][] = [
      ['0', Buffer.alloc(n)],
      ['1', bytesOf(1n, n)],
      ['p - 1', bytesOf(p - 1n, n)],
      ['p', bytesOf(p, n)],
      ['p + 1', bytesOf(p + 1n, n)],
      ['all ones', Buffer.alloc(n, 0xff)],
    ];
    for (const [what, peer] of cases) {
      await assertRefused(pair, peer, 'ERR_IPSEC_DH_BAD_PEER', `${dhGroupName(g)}: ${what}`);
    }
    if (g === 14) {
      assert.equal(pair.computeShared(bytesOf(2n, n)).length, n);
      assert.equal(pair.computeShared(bytesOf(p - 2n, n)).length, n);
    }
  }
});

test('X25519 / X448: small-order peer values giving an all-zero secret are refused', async () => {
  setHelperThreads(1);
  const file = loadVectors<SmallOrder>('dh-small-order.json');
  const groups = new Set(file.vectors.map((v) => v.group));
  assert.deepEqual([...groups], [31, 32]);
  const pairs: Record<31 | 32, DhKeyPair> = { 31: generateDhKeyPair(31), 32: generateDhKeyPair(32) };
  for (const v of file.vectors) {
    await assertRefused(pairs[v.group], hex(v.u), 'ERR_IPSEC_DH_BAD_PEER', `${dhGroupName(v.group)}: u = ${v.name}`);
  }
});

test('bad argument types are TypeErrors, never crashes', async () => {
  setHelperThreads(1);
  const pair = generateDhKeyPair(31);
  const bads: unknown[] = [undefined, null, 42, 'ab', {}, [1, 2], new Uint16Array(16), new ArrayBuffer(32)];
  for (const bad of bads) {
    assert.throws(() => pair.computeShared(bad as Uint8Array), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(computeSharedAsync(pair, bad as Uint8Array), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  }
  await assert.rejects(computeSharedAsync({} as DhKeyPair, pair.publicKey), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  for (const g of [-1, 1.5, Number.NaN, 2 ** 40] as DhGroupId[]) {
    assert.throws(() => generateDhKeyPair(g), { code: /ERR_IPSEC_DH_UNKNOWN_GROUP|ERR_INVALID_ARG_TYPE/ });
  }
});
