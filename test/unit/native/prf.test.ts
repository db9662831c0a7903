// Known-answer tests of the IKEv2 PRFs (RFC 2202, 4231, 4868, 3566, 4434, 4493, 4615), prf+ against
// node:crypto, and the error paths.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';

import { rawBinding } from '../../../src/native/binding';
import { PRF, type PrfId, isPrfId, prf, prfOutputLength, prfPlus, prfSecret } from '../../../src/native/prf';
import { isSecretBytes, secretCopy } from '../../../src/native/secret';
import { hex, loadVectors } from '../../helpers/vectors';

interface PrfVector {
  name: string;
  prf: PrfId;
  key: string;
  data: string;
  expected: string;
  /** The source publishes only a prefix of the output (RFC 4231 case 5, the -96/-128 truncations). */
  truncated?: boolean;
}

const PRF_FILES = ['prf-hmac-sha1.json', 'prf-hmac-sha2.json', 'prf-hmac-sha2-auth.json', 'prf-xcbc.json', 'prf-cmac.json'];

for (const file of PRF_FILES) {
  const { source, vectors } = loadVectors<PrfVector>(file);
  test(`${file}: ${source.split('.')[0]}`, async (t) => {
    for (const v of vectors) {
      await t.test(v.name, () => {
        const key = hex(v.key);
        const data = hex(v.data);
        const expected = hex(v.expected);
        const out = prf(v.prf, key, data);
        assert.equal(out.length, prfOutputLength(v.prf));
        if (v.truncated) {
          assert.ok(expected.length < out.length, 'a truncated vector is shorter than the PRF output');
          assert.equal(out.subarray(0, expected.length).toString('hex'), expected.toString('hex'));
        } else {
          assert.equal(out.toString('hex'), expected.toString('hex'));
        }
        // The secret variant computes the same, and a SecretBytes key works like a Buffer key.
        const secret = prfSecret(v.prf, secretCopy(key), data);
        assert.ok(isSecretBytes(secret));
        assert.ok(secret.equals(out));
      });
    }
  });
}

test('output lengths are the PRF block sizes', () => {
  assert.deepEqual(
    Object.values(PRF).map((id) => [id, prfOutputLength(id)]),
    [[2, 20], [4, 16], [5, 32], [6, 48], [7, 64], [8, 16]],
  );
  assert.ok(isPrfId(5));
  assert.ok(!isPrfId(3));
  assert.ok(!isPrfId('5'));
});

// An independent prf+ (RFC 7296 section 2.13) over node:crypto's HMAC, to check ours against.
function nodePrfPlus(digest: string, key: Buffer, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let n = 1, total = 0; total < length; n++) {
    prev = createHmac(digest, key).update(prev).update(seed).update(Buffer.of(n)).digest();
    blocks.push(prev);
    total += prev.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

test('prf+ with HMAC matches an independent node:crypto implementation', () => {
  const digests: Array<[PrfId, string]> = [[PRF.HMAC_SHA1, 'sha1'], [PRF.HMAC_SHA2_256, 'sha256'], [PRF.HMAC_SHA2_384, 'sha384'], [PRF.HMAC_SHA2_512, 'sha512']];
  for (const [id, digest] of digests) {
    for (const length of [0, 1, prfOutputLength(id) - 1, prfOutputLength(id), prfOutputLength(id) + 1, 200, 255 * prfOutputLength(id)]) {
      const key = randomBytes(1 + (length % 70));
      const seed = randomBytes(length % 97);
      const out = prfPlus(id, key, seed, length);
      assert.equal(out.length, length);
      assert.equal(out.reveal().toString('hex'), nodePrfPlus(digest, key, seed, length).toString('hex'), `${digest} length ${length}`);
    }
  }
});

test('prf+ with XCBC and CMAC chains T1 = prf(K, S | 1), Tn = prf(K, Tn-1 | S | n)', () => {
  // prf() itself is pinned by the RFC vectors above; this checks the chaining for the AES PRFs.
  for (const id of [PRF.AES128_XCBC, PRF.AES128_CMAC]) {
    const key = randomBytes(16);
    const seed = randomBytes(37);
    const t1 = prf(id, key, Buffer.concat([seed, Buffer.of(1)]));
    const t2 = prf(id, key, Buffer.concat([t1, seed, Buffer.of(2)]));
    const t3 = prf(id, key, Buffer.concat([t2, seed, Buffer.of(3)]));
    assert.equal(prfPlus(id, key, seed, 40).reveal().toString('hex'), Buffer.concat([t1, t2, t3]).subarray(0, 40).toString('hex'));
  }
});

test('prf+ accepts up to 255 blocks and refuses more', () => {
  for (const id of Object.values(PRF)) {
    const max = 255 * prfOutputLength(id);
    assert.equal(prfPlus(id, Buffer.alloc(16, 1), Buffer.alloc(8), max).length, max);
    assert.throws(() => prfPlus(id, Buffer.alloc(16, 1), Buffer.alloc(8), max + 1), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'ERR_IPSEC_BAD_LENGTH');
      assert.match(err.message, /255 blocks/);
      return true;
    });
  }
});

test('unknown PRF ids are refused by the facade and by the addon itself', () => {
  for (const bad of [0, 1, 3, 9, 1024]) {
    assert.throws(() => prf(bad as PrfId, Buffer.alloc(16), Buffer.alloc(1)), { code: 'ERR_IPSEC_UNKNOWN_PRF' });
    assert.throws(() => prfOutputLength(bad as PrfId), { code: 'ERR_IPSEC_UNKNOWN_PRF' });
  }
  // Straight at the binding, past the facade's check.
  const raw = rawBinding()['prfPlus'] as (...args: unknown[]) => unknown;
  assert.throws(() => raw(3, Buffer.alloc(16), Buffer.alloc(1), 16), { code: 'ERR_IPSEC_UNKNOWN_PRF' });
  assert.throws(() => raw(-1, Buffer.alloc(16), Buffer.alloc(1), 16), TypeError);
  assert.throws(() => raw('5', Buffer.alloc(16), Buffer.alloc(1), 16), TypeError);
});

test('non-byte arguments and bad lengths are TypeErrors, not crashes', () => {
  const bad: unknown[] = ['abc', 42, null, undefined, {}, [1, 2], new Uint16Array(4)];
  for (const value of bad) {
    assert.throws(() => prf(PRF.HMAC_SHA2_256, value as Uint8Array, Buffer.alloc(1)), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => prf(PRF.HMAC_SHA2_256, Buffer.alloc(16), value as Uint8Array), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => prfPlus(PRF.AES128_XCBC, Buffer.alloc(16), value as Uint8Array, 16), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  }
  for (const length of [-1, 1.5, NaN, Infinity, '16']) {
    assert.throws(() => prfPlus(PRF.HMAC_SHA1, Buffer.alloc(16), Buffer.alloc(1), length as number), TypeError);
  }
});

test('an empty key, or a wiped SecretBytes key, is refused', () => {
  for (const id of Object.values(PRF)) {
    assert.throws(() => prf(id, Buffer.alloc(0), Buffer.alloc(4)), { code: 'ERR_IPSEC_BAD_LENGTH' });
    const key = secretCopy(Buffer.alloc(16, 7));
    key.wipe();
    assert.throws(() => prfPlus(id, key, Buffer.alloc(4), 16), { code: 'ERR_IPSEC_BAD_LENGTH' });
  }
});

test('a Uint8Array view that is not the whole ArrayBuffer is read at its offset', () => {
  // RFC 4231 test case 1 (HMAC-SHA-256) again, through views at an offset into a larger buffer.
  const v = loadVectors<PrfVector>('prf-hmac-sha2.json').vectors.find((x) => x.prf === PRF.HMAC_SHA2_256);
  assert.ok(v);
  const backing = Buffer.alloc(256, 0xee);
  const [k, d] = [hex(v.key), hex(v.data)];
  k.copy(backing, 5);
  d.copy(backing, 100);
  const key = new Uint8Array(backing.buffer, backing.byteOffset + 5, k.length);
  const data = new Uint8Array(backing.buffer, backing.byteOffset + 100, d.length);
  assert.equal(prf(PRF.HMAC_SHA2_256, key, data).toString('hex'), v.expected);
});
