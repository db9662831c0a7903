// The AUTH payload of signature methods: RFC 7427 AlgorithmIdentifiers (appendix A), the codec of the
// method-14 payload, signing and verifying per method, hash negotiation and the authby= policies.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import { AuthMethod, HashAlgorithm } from '../../../src/ikev2/constants';
import { policyFromWords } from '../../../src/ikev2/auth-policy';
import { algorithmIdentifier, parseAlgorithmIdentifier, signAuth, verifyAuth, type SignatureScheme } from '../../../src/ikev2/signatures';
import { parseHashNotify, usableHashes, hashNotify } from '../../../src/ikev2/signature-hashes';
import { hex, loadVectors } from '../../helpers/vectors';

interface AlgIdVector extends SignatureScheme {
  name: string;
  hex: string;
  parseOnly?: boolean;
}

const algIds = loadVectors<AlgIdVector>('rfc7427-algorithm-identifiers.json');
const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const EC: Record<string, ReturnType<typeof generateKeyPairSync>> = {
  prime256v1: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  secp384r1: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
  secp521r1: generateKeyPairSync('ec', { namedCurve: 'secp521r1' }),
};
const OCTETS = randomBytes(300);

for (const v of algIds.vectors) {
  test(`RFC 7427 AlgorithmIdentifier: ${v.name}`, () => {
    const scheme: SignatureScheme = { keyType: v.keyType, hash: v.hash, ...(v.padding ? { padding: v.padding } : {}), ...(v.saltLength ? { saltLength: v.saltLength } : {}) };
    assert.deepEqual(parseAlgorithmIdentifier(hex(v.hex)), scheme);
    if (!v.parseOnly) assert.equal(Buffer.from(algorithmIdentifier(scheme)).toString('hex'), hex(v.hex).toString('hex'));
  });
}

test('AlgorithmIdentifier: unknown OIDs, trailing bytes, foreign MGF hashes and broken DER are refused', () => {
  assert.throws(() => parseAlgorithmIdentifier(hex('300b06092a864886f70d010104')), /1\.2\.840\.113549\.1\.1\.4 is not supported/); // md5WithRSA
  assert.throws(() => parseAlgorithmIdentifier(hex('300a06082a8648ce3d04030200')), /not one DER SEQUENCE/);
  assert.throws(() => parseAlgorithmIdentifier(hex('300a06082a8648ce3d0403')), /malformed AlgorithmIdentifier/);
  // PSS with SHA-256 but MGF1 over SHA-384 (the second hash OID of the appendix vector changed).
  const pss = algIds.vectors.find((v) => v.padding === 'pss' && !v.parseOnly)!.hex.replace(/\s+/g, '');
  const at = pss.lastIndexOf('608648016503040201');
  const mixed = `${pss.slice(0, at)}608648016503040202${pss.slice(at + 18)}`;
  assert.throws(() => parseAlgorithmIdentifier(hex(mixed)), /MGF1 over SHA2_384 but hash SHA2_256 is not supported/);
});

test('method 14 payload: length octet, AlgorithmIdentifier, signature; each scheme verifies and reports itself', () => {
  const schemes: [ReturnType<typeof generateKeyPairSync>, SignatureScheme][] = [
    [RSA, { keyType: 'rsa', hash: HashAlgorithm.SHA2_256, padding: 'pss' }],
    [RSA, { keyType: 'rsa', hash: HashAlgorithm.SHA2_384, padding: 'pss', saltLength: 48 }],
    [RSA, { keyType: 'rsa', hash: HashAlgorithm.SHA2_512, padding: 'pss' }],
    [RSA, { keyType: 'rsa', hash: HashAlgorithm.SHA2_256, padding: 'pkcs1' }],
    [RSA, { keyType: 'rsa', hash: HashAlgorithm.SHA2_512, padding: 'pkcs1' }],
    [EC.prime256v1!, { keyType: 'ecdsa', hash: HashAlgorithm.SHA2_256 }],
    [EC.secp384r1!, { keyType: 'ecdsa', hash: HashAlgorithm.SHA2_512 }],
  ];
  for (const [k, s] of schemes) {
    const data = signAuth(k.privateKey, AuthMethod.DIGITAL_SIGNATURE, OCTETS, s);
    const algId = algorithmIdentifier(s);
    assert.equal(data[0], algId.length);
    assert.deepEqual(data.subarray(1, 1 + algId.length), algId);
    const got = verifyAuth(k.publicKey, AuthMethod.DIGITAL_SIGNATURE, data, OCTETS);
    assert.deepEqual(got, { ...s, ...(s.padding === 'pss' && s.saltLength === undefined ? { saltLength: { 2: 32, 3: 48, 4: 64 }[s.hash] } : {}) });
    const tampered = new Uint8Array(OCTETS);
    tampered[7]! ^= 1;
    assert.throws(() => verifyAuth(k.publicKey, AuthMethod.DIGITAL_SIGNATURE, data, tampered), /signature does not verify/);
  }
  // ECDSA under method 14 is DER (a SEQUENCE of two INTEGERs), not r | s.
  const ecData = signAuth(EC.prime256v1!.privateKey, AuthMethod.DIGITAL_SIGNATURE, OCTETS, { keyType: 'ecdsa', hash: HashAlgorithm.SHA2_256 });
  assert.equal(ecData[1 + ecData[0]!], 0x30);
});

test('methods 1 and 9-11: fixed hash and curve, raw signatures', () => {
  const m1 = signAuth(RSA.privateKey, AuthMethod.RSA_SIG, OCTETS);
  assert.equal(m1.length, 256);
  assert.deepEqual(verifyAuth(RSA.publicKey, AuthMethod.RSA_SIG, m1, OCTETS), { keyType: 'rsa', hash: HashAlgorithm.SHA1, padding: 'pkcs1' });
  assert.throws(() => verifyAuth(RSA2.publicKey, AuthMethod.RSA_SIG, m1, OCTETS), /RSA with SHA1 signature does not verify/);
  const sizes: [number, string, number][] = [[AuthMethod.ECDSA_SHA256_P256, 'prime256v1', 64], [AuthMethod.ECDSA_SHA384_P384, 'secp384r1', 96], [AuthMethod.ECDSA_SHA512_P521, 'secp521r1', 132]];
  for (const [method, curve, len] of sizes) {
    const data = signAuth(EC[curve]!.privateKey, method, OCTETS);
    assert.equal(data.length, len, `method ${method}: r | s`);
    assert.equal(verifyAuth(EC[curve]!.publicKey, method, data, OCTETS).keyType, 'ecdsa');
  }
  assert.throws(() => signAuth(EC.secp384r1!.privateKey, AuthMethod.ECDSA_SHA256_P256, OCTETS), /needs a prime256v1 key/);
  assert.throws(() => verifyAuth(EC.prime256v1!.publicKey, AuthMethod.DIGITAL_SIGNATURE, signAuth(RSA.privateKey, AuthMethod.DIGITAL_SIGNATURE, OCTETS, { keyType: 'rsa', hash: 2, padding: 'pss' }), OCTETS), /configured key is ec/);
  assert.throws(() => verifyAuth(RSA.publicKey, AuthMethod.DIGITAL_SIGNATURE, new Uint8Array([40, 1, 2]), OCTETS), /truncated/);
});

test('SIGNATURE_HASH_ALGORITHMS: encoding, malformed lists, choosing a hash both allow', () => {
  assert.deepEqual([...hashNotify([2, 3, 4]).data], [0, 2, 0, 3, 0, 4]);
  assert.deepEqual(parseHashNotify(new Uint8Array([0, 2, 0, 4, 0, 5])), [2, 4, 5]);
  assert.equal(parseHashNotify(new Uint8Array([0, 2, 0])), null);
  assert.equal(parseHashNotify(new Uint8Array(0)), null);
  assert.deepEqual(usableHashes([4, 3, 2], [2, 3]), [3, 2]);
  assert.deepEqual(usableHashes([4, 3, 2], [2, 3, 4], 2), [2, 4, 3]);
  assert.deepEqual(usableHashes([4, 3, 2], undefined), []);
  assert.deepEqual(usableHashes([2], [1, 5]), []);
});

test('authby= words map to Libreswan\'s policies', () => {
  const p = (w: string[]): Omit<ReturnType<typeof policyFromWords>, 'words'> => {
    const { words: _w, ...rest } = policyFromWords(w);
    return rest;
  };
  const none = { psk: false, null: false, rsaSha1: false, rsaHashes: [], ecdsaHashes: [] };
  assert.deepEqual(p(['rsasig', 'ecdsa']), { ...none, rsaSha1: true, rsaHashes: [4, 3, 2], ecdsaHashes: [4, 3, 2] });
  assert.deepEqual(p(['secret']), { ...none, psk: true });
  assert.deepEqual(p(['rsa-sha1']), { ...none, rsaSha1: true });
  assert.deepEqual(p(['rsa-sha2']), { ...none, rsaHashes: [4, 3, 2] });
  assert.deepEqual(p(['rsa-sha2_256', 'rsa-sha2_512']), { ...none, rsaHashes: [4, 2] });
  assert.deepEqual(p(['ecdsa-sha2_384']), { ...none, ecdsaHashes: [3] });
  assert.deepEqual(p(['secret', 'rsasig']), { ...none, psk: true, rsaSha1: true, rsaHashes: [4, 3, 2] });
  assert.deepEqual(p(['never']), none);
});
