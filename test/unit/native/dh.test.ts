// Key exchange: known answers (RFC 5903, RFC 7748), MODP primes (RFC 3526) and round trips, and a
// cross-check against node:crypto for the MODP groups (RFC 3526 publishes no exchange vectors).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import {
  DH_GROUPS,
  type DhGroupId,
  dhGroupName,
  dhGroupPrime,
  dhKeyPairFromPrivate,
  dhPublicKeyLength,
  dhSharedSecretLength,
  generateDhKeyPair,
} from '../../../src/native/dh';
import { isSecretBytes } from '../../../src/native/secret';
import { hex, loadVectors } from '../../helpers/vectors';

interface PrimeVector { group: 14 | 15 | 16 | 18; section: string; bits: number; prime: string; generator: number; nodeGroup: string }
interface EcpVector { group: 19 | 20 | 21; section: string; i: string; gix: string; giy: string; r: string; grx: string; gry: string; girx: string }
type XdhVector =
  | { kind: 'function'; group: 31 | 32; section: string; scalar: string; u: string; output: string }
  | { kind: 'iterated'; group: 31 | 32; section: string; start: string; after1: string; after1000: string }
  | { kind: 'exchange'; group: 31 | 32; section: string; alicePrivate: string; alicePublic: string; bobPrivate: string; bobPublic: string; shared: string };

const MODP: readonly (14 | 15 | 16 | 18)[] = [14, 15, 16, 18];

test('the groups, their Libreswan names and lengths', () => {
  assert.deepEqual([...DH_GROUPS], [14, 15, 16, 18, 19, 20, 21, 31, 32]);
  const expected: Record<DhGroupId, [string, number, number]> = {
    14: ['MODP2048', 256, 256], 15: ['MODP3072', 384, 384], 16: ['MODP4096', 512, 512], 18: ['MODP8192', 1024, 1024],
    19: ['DH19', 64, 32], 20: ['DH20', 96, 48], 21: ['DH21', 132, 66], 31: ['DH31', 32, 32], 32: ['DH32', 56, 56],
  };
  for (const g of DH_GROUPS) {
    const [name, pub, shared] = expected[g];
    assert.equal(dhGroupName(g), name);
    assert.equal(dhPublicKeyLength(g), pub, `public length of ${name}`);
    assert.equal(dhSharedSecretLength(g), shared, `shared length of ${name}`);
  }
});

test('unknown group ids throw ERR_IPSEC_DH_UNKNOWN_GROUP', () => {
  for (const bad of [0, 1, 2, 5, 17, 22, 30, 33, 1000]) {
    const g = bad as DhGroupId;
    assert.throws(() => dhGroupName(g), { code: 'ERR_IPSEC_DH_UNKNOWN_GROUP' });
    assert.throws(() => dhPublicKeyLength(g), { code: 'ERR_IPSEC_DH_UNKNOWN_GROUP' });
    assert.throws(() => generateDhKeyPair(g), { code: 'ERR_IPSEC_DH_UNKNOWN_GROUP', message: new RegExp(`group ${bad}`) });
  }
});

test('OpenSSL\'s MODP primes are those of RFC 3526 (and node:crypto\'s)', () => {
  const file = loadVectors<PrimeVector>('dh-rfc3526.json');
  assert.deepEqual(file.vectors.map((v) => v.group), [14, 15, 16, 18]);
  for (const v of file.vectors) {
    const p = dhGroupPrime(v.group);
    assert.equal(p.length * 8, v.bits);
    assert.equal(p.toString('hex'), v.prime, `RFC 3526 section ${v.section}`);
    const node = crypto.createDiffieHellmanGroup(v.nodeGroup);
    assert.equal(node.getPrime('hex'), v.prime);
    assert.equal(node.getGenerator('hex'), '02');
  }
});

test('MODP: two key pairs agree, for every group; the secret is the prime\'s length', () => {
  for (const g of MODP) {
    const a = generateDhKeyPair(g);
    const b = generateDhKeyPair(g);
    assert.equal(a.group, g);
    assert.equal(a.publicKey.length, dhPublicKeyLength(g));
    assert.notDeepEqual(a.publicKey, b.publicKey);
    const s1 = a.computeShared(b.publicKey);
    const s2 = b.computeShared(a.publicKey);
    assert.ok(isSecretBytes(s1));
    assert.equal(s1.length, dhSharedSecretLength(g));
    assert.ok(s1.equals(s2), `group ${g}`);
    a.wipe();
    b.wipe();
  }
});

test('MODP agrees with node:crypto key pairs (createDiffieHellmanGroup), secrets padded to the prime', () => {
  for (const g of MODP) {
    const node = crypto.createDiffieHellmanGroup(`modp${g}`);
    node.generateKeys();
    const ours = generateDhKeyPair(g);
    const nodePub = node.getPublicKey();
    const padded = Buffer.concat([Buffer.alloc(dhPublicKeyLength(g) - nodePub.length), nodePub]);
    const secret = ours.computeShared(padded);
    const nodeSecret = node.computeSecret(ours.publicKey);
    const nodePadded = Buffer.concat([Buffer.alloc(secret.length - nodeSecret.length), nodeSecret]);
    assert.equal(secret.length, dhSharedSecretLength(g));
    assert.ok(secret.equals(nodePadded), `group ${g}`);
  }
});

test('a MODP secret with leading zero bytes keeps its full length (RFC 7296: g^ir is fixed length)', () => {
  // About one exchange in 256 gives a secret whose first byte is zero; try until one does (bounded).
  const node = crypto.createDiffieHellmanGroup('modp14');
  node.generateKeys();
  const nodePub = node.getPublicKey();
  const peer = Buffer.concat([Buffer.alloc(256 - nodePub.length), nodePub]);
  let found = false;
  for (let i = 0; i < 3000 && !found; i++) {
    const ours = generateDhKeyPair(14);
    const secret = ours.computeShared(peer);
    const bytes = secret.reveal();
    assert.equal(bytes.length, 256);
    if (bytes[0] === 0) {
      found = true;
      const nodeSecret = node.computeSecret(ours.publicKey);
      assert.ok(nodeSecret.length < 256 || nodeSecret[0] === 0);
      assert.deepEqual(bytes.subarray(256 - nodeSecret.length), nodeSecret);
    }
    ours.wipe();
  }
  assert.ok(found, 'no secret with a leading zero byte in 3000 tries (odds ~1e-5)');
});

test('RFC 5903 section 8: ECP groups 19, 20, 21 known answers', () => {
  const file = loadVectors<EcpVector>('dh-rfc5903.json');
  assert.deepEqual(file.vectors.map((v) => v.group), [19, 20, 21]);
  for (const v of file.vectors) {
    const initiator = dhKeyPairFromPrivate(v.group, hex(v.i));
    const responder = dhKeyPairFromPrivate(v.group, hex(v.r));
    const gi = Buffer.concat([hex(v.gix), hex(v.giy)]);
    const gr = Buffer.concat([hex(v.grx), hex(v.gry)]);
    assert.deepEqual(initiator.publicKey, gi, `section ${v.section}: KEi data = gix | giy`);
    assert.deepEqual(responder.publicKey, gr, `section ${v.section}: KEr data = grx | gry`);
    const s1 = initiator.computeShared(gr);
    const s2 = responder.computeShared(gi);
    assert.deepEqual(s1.reveal(), hex(v.girx), `section ${v.section}: girx`);
    assert.deepEqual(s2.reveal(), hex(v.girx), `section ${v.section}: girx (responder)`);
  }
});

test('RFC 7748 section 5.2 and 6: X25519 and X448 known answers', () => {
  const file = loadVectors<XdhVector>('dh-rfc7748.json');
  const seen = new Set<string>();
  for (const v of file.vectors) {
    seen.add(`${v.kind}/${v.group}`);
    if (v.kind === 'function') {
      const pair = dhKeyPairFromPrivate(v.group, hex(v.scalar));
      assert.deepEqual(pair.computeShared(hex(v.u)).reveal(), hex(v.output), `section ${v.section}`);
    } else if (v.kind === 'iterated') {
      // k = u = base point; then k, u = X(k, u), k.
      let k = hex(v.start);
      let u = hex(v.start);
      for (let i = 1; i <= 1000; i++) {
        const out = dhKeyPairFromPrivate(v.group, k).computeShared(u).reveal();
        u = k;
        k = out;
        if (i === 1) assert.deepEqual(k, hex(v.after1), `section ${v.section}, group ${v.group}: 1 iteration`);
      }
      assert.deepEqual(k, hex(v.after1000), `section ${v.section}, group ${v.group}: 1,000 iterations`);
    } else {
      const alice = dhKeyPairFromPrivate(v.group, hex(v.alicePrivate));
      const bob = dhKeyPairFromPrivate(v.group, hex(v.bobPrivate));
      assert.deepEqual(alice.publicKey, hex(v.alicePublic), `section ${v.section}: Alice's public key`);
      assert.deepEqual(bob.publicKey, hex(v.bobPublic), `section ${v.section}: Bob's public key`);
      assert.deepEqual(alice.computeShared(bob.publicKey).reveal(), hex(v.shared));
      assert.deepEqual(bob.computeShared(alice.publicKey).reveal(), hex(v.shared));
    }
  }
  for (const k of ['function/31', 'function/32', 'iterated/31', 'iterated/32', 'exchange/31', 'exchange/32']) {
    assert.ok(seen.has(k), `vectors cover ${k}`);
  }
});

test('every group: generated pairs agree and public values have the KE payload length', () => {
  for (const g of DH_GROUPS) {
    if (g === 18) continue; // MODP8192 is covered above; keep this loop cheap
    const a = generateDhKeyPair(g);
    const b = generateDhKeyPair(g);
    assert.equal(a.publicKey.length, dhPublicKeyLength(g));
    assert.ok(a.computeShared(b.publicKey).equals(b.computeShared(a.publicKey)), dhGroupName(g));
  }
});

test('ECP and X25519/X448 agree with node:crypto ECDH', () => {
  const curves: [DhGroupId, string][] = [[19, 'prime256v1'], [20, 'secp384r1'], [21, 'secp521r1']];
  for (const [g, curve] of curves) {
    const node = crypto.createECDH(curve);
    node.generateKeys();
    const ours = generateDhKeyPair(g);
    const secret = ours.computeShared(node.getPublicKey().subarray(1)); // drop the 0x04 prefix
    const nodeSecret = node.computeSecret(Buffer.concat([Buffer.from([4]), ours.publicKey]));
    assert.deepEqual(secret.reveal(), nodeSecret, dhGroupName(g));
  }
  for (const [g, type] of [[31, 'x25519'], [32, 'x448']] as const) {
    const node = type === 'x25519' ? crypto.generateKeyPairSync('x25519') : crypto.generateKeyPairSync('x448');
    const nodeRaw = node.publicKey.export({ format: 'jwk' }).x;
    assert.ok(nodeRaw !== undefined);
    const ours = generateDhKeyPair(g);
    const secret = ours.computeShared(Buffer.from(nodeRaw, 'base64url'));
    const ourPublic = crypto.createPublicKey({ key: { kty: 'OKP', crv: type === 'x25519' ? 'X25519' : 'X448', x: ours.publicKey.toString('base64url') }, format: 'jwk' });
    const nodeSecret = crypto.diffieHellman({ privateKey: node.privateKey, publicKey: ourPublic });
    assert.deepEqual(secret.reveal(), nodeSecret, dhGroupName(g));
  }
});

test('wipe frees the private key: computeShared then throws ERR_IPSEC_DH_WIPED; the public value stays', () => {
  const a = generateDhKeyPair(31);
  const pub = a.publicKey;
  assert.equal(a.wiped, false);
  a.wipe();
  assert.equal(a.wiped, true);
  assert.deepEqual(a.publicKey, pub);
  assert.throws(() => a.computeShared(generateDhKeyPair(31).publicKey), { code: 'ERR_IPSEC_DH_WIPED', message: /DH31/ });
  a.wipe(); // twice is fine
});

test('publicKey is a copy: changing it does not change the key pair', () => {
  const a = generateDhKeyPair(19);
  const pub = a.publicKey;
  pub.fill(0);
  assert.notDeepEqual(a.publicKey, pub);
});

test('importing private keys: wrong lengths, zero scalar and MODP are refused', () => {
  assert.throws(() => dhKeyPairFromPrivate(19, Buffer.alloc(31, 1)), { code: 'ERR_IPSEC_DH_BAD_LENGTH' });
  assert.throws(() => dhKeyPairFromPrivate(31, Buffer.alloc(33, 1)), { code: 'ERR_IPSEC_DH_BAD_LENGTH' });
  assert.throws(() => dhKeyPairFromPrivate(19, Buffer.alloc(32)), { code: 'ERR_IPSEC_DH_BAD_PRIVATE' });
  assert.throws(() => dhKeyPairFromPrivate(14, Buffer.alloc(256, 1)), { code: 'ERR_IPSEC_DH_BAD_PRIVATE' });
});
