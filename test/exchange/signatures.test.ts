// IKE_AUTH with signatures between two engines: RSA (method 1 and RFC 7427 RSASSA-PSS), ECDSA on each
// NIST curve, mixed and asymmetric policies, and the failures (a wrong key, a policy the signer cannot
// meet) that must end in AUTHENTICATION_FAILED on both sides with nothing installed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ckaidOf, rfc3110Of } from '../../src/config/public-keys';
import { loadSecrets } from '../../src/config/secrets';
import type { PrivateKeyQuery } from '../../src/ikev2/engine-api';
import { parseMessage } from '../../src/ikev2/codec';
import { HashAlgorithm, NotifyStatus, PayloadType } from '../../src/ikev2/constants';
import { parseHashNotify } from '../../src/ikev2/signature-hashes';
import { ADDRESS_A, ADDRESS_B, IkePair } from '../helpers/ike-pair';

interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const rsa = (): KeyPair => generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = (namedCurve: string): KeyPair => generateKeyPairSync('ec', { namedCurve });

const RSA_W = rsa();
const RSA_E = rsa();
const RSA_OTHER = rsa();
const P256_W = ec('prime256v1');
const P256_E = ec('prime256v1');
const P384_W = ec('secp384r1');
const P384_E = ec('secp384r1');
const P521_W = ec('secp521r1');
const P521_E = ec('secp521r1');

/** leftrsasigkey= in Libreswan's RFC 3110 form for RSA; leftecdsakey= as a base64 SubjectPublicKeyInfo for EC. */
function keyLine(side: 'left' | 'right', k: KeyPair): string {
  if (k.publicKey.asymmetricKeyType === 'rsa') return `${side}rsasigkey=0s${rfc3110Of(k.publicKey).toString('base64')}`;
  return `${side}ecdsakey=0s${k.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
}

function sigConf(west: KeyPair, east: KeyPair, extra: string[]): string {
  return [
    'conn test',
    `\tleft=${ADDRESS_A}`, '\tleftid=@west', `\t${keyLine('left', west)}`,
    `\tright=${ADDRESS_B}`, '\trightid=@east', `\t${keyLine('right', east)}`,
    '\tike=aes_gcm256-sha2_256;dh19', '\tesp=aes_gcm256',
    ...extra.map((l) => `\t${l}`), '',
  ].join('\n');
}

async function establish(pair: IkePair): Promise<void> {
  const r = await Promise.all([pair.a.engine.initiate('test'), pair.run()]);
  assert.equal(r[0].child.spiIn > 0, true);
}

function auths(pair: IkePair): { a: { local: string; peer: string }; b: { local: string; peer: string } } {
  const a = pair.a.engine.status().ikeSas[0]!;
  const b = pair.b.engine.status().ikeSas[0]!;
  return { a: { local: a.localAuth, peer: a.peerAuth }, b: { local: b.localAuth, peer: b.peerAuth } };
}

/** The AUTH payload methods are inside SK; the hash notifies of IKE_SA_INIT are in the clear. */
function announcedHashes(pair: IkePair, flight: number): number[] | null {
  const n = parseMessage(pair.sent[flight]!.data).payloads.find((p) => p.type === PayloadType.N && p.notifyType === NotifyStatus.SIGNATURE_HASH_ALGORITHMS);
  return n !== undefined && n.type === PayloadType.N ? parseHashNotify(n.data) : null;
}

const cases: { name: string; west: KeyPair; east: KeyPair; extra: string[]; a: string; b: string }[] = [
  { name: 'authby=rsasig: RFC 7427 RSASSA-PSS with the strongest common hash', west: RSA_W, east: RSA_E, extra: ['authby=rsasig'], a: 'RSA with SHA2_512', b: 'RSA with SHA2_512' },
  { name: 'authby=rsa-sha2_256: RSASSA-PSS with SHA2-256', west: RSA_W, east: RSA_E, extra: ['authby=rsa-sha2_256'], a: 'RSA with SHA2_256', b: 'RSA with SHA2_256' },
  { name: 'authby=rsa-sha2_384: RSASSA-PSS with SHA2-384', west: RSA_W, east: RSA_E, extra: ['authby=rsa-sha2_384'], a: 'RSA with SHA2_384', b: 'RSA with SHA2_384' },
  { name: 'authby=rsa-sha1: method 1 (PKCS#1 v1.5, SHA-1), no hash notify', west: RSA_W, east: RSA_E, extra: ['authby=rsa-sha1'], a: 'RSA with SHA1', b: 'RSA with SHA1' },
  { name: 'authby=ecdsa, P-256: ECDSA with SHA2-256', west: P256_W, east: P256_E, extra: ['authby=ecdsa'], a: 'ECDSA with SHA2_256', b: 'ECDSA with SHA2_256' },
  { name: 'authby=ecdsa, P-384: ECDSA with SHA2-384', west: P384_W, east: P384_E, extra: ['authby=ecdsa'], a: 'ECDSA with SHA2_384', b: 'ECDSA with SHA2_384' },
  { name: 'authby=ecdsa, P-521: ECDSA with SHA2-512', west: P521_W, east: P521_E, extra: ['authby=ecdsa'], a: 'ECDSA with SHA2_512', b: 'ECDSA with SHA2_512' },
  { name: 'authby=ecdsa-sha2_384 on P-256 keys: the policy\'s hash, not the curve\'s', west: P256_W, east: P256_E, extra: ['authby=ecdsa-sha2_384'], a: 'ECDSA with SHA2_384', b: 'ECDSA with SHA2_384' },
  { name: 'default authby (rsasig,ecdsa): west ECDSA, east RSA', west: P256_W, east: RSA_E, extra: [], a: 'RSA with SHA2_512', b: 'ECDSA with SHA2_256' },
  { name: 'leftauth=ecdsa rightauth=rsasig: each end its own method', west: P384_W, east: RSA_E, extra: ['leftauth=ecdsa', 'rightauth=rsasig'], a: 'RSA with SHA2_512', b: 'ECDSA with SHA2_384' },
];

for (const c of cases) {
  test(`signatures: ${c.name}`, async () => {
    const pair = new IkePair({ conf: sigConf(c.west, c.east, c.extra), privateKeyA: c.west.privateKey, privateKeyB: c.east.privateKey });
    await establish(pair);
    const got = auths(pair);
    assert.deepEqual(got, { a: { local: c.b, peer: c.a }, b: { local: c.a, peer: c.b } });
    assert.equal(pair.a.kernel.sas.size, 2);
    assert.equal(pair.b.kernel.sas.size, 2);
  });
}

test('hash notify: each end announces the hashes its policy allows; none for rsa-sha1 or secret alone', async () => {
  const both = new IkePair({ conf: sigConf(RSA_W, RSA_E, ['authby=rsa-sha2_256,ecdsa-sha2_512']), privateKeyA: RSA_W.privateKey, privateKeyB: RSA_E.privateKey });
  await establish(both);
  assert.deepEqual(announcedHashes(both, 0), [HashAlgorithm.SHA2_256, HashAlgorithm.SHA2_512]);
  assert.deepEqual(announcedHashes(both, 1), [HashAlgorithm.SHA2_256, HashAlgorithm.SHA2_512]);
  const sha1 = new IkePair({ conf: sigConf(RSA_W, RSA_E, ['authby=rsa-sha1']), privateKeyA: RSA_W.privateKey, privateKeyB: RSA_E.privateKey });
  await establish(sha1);
  assert.equal(announcedHashes(sha1, 0), null);
  assert.equal(announcedHashes(sha1, 1), null);
});

test('rsasig with a peer that announces no hashes falls back to method 1; rsa-sha2 cannot', async () => {
  // East allows only rsa-sha1, so it sends no SIGNATURE_HASH_ALGORITHMS: west (rsasig) signs with method 1.
  const pair = new IkePair({
    conf: sigConf(RSA_W, RSA_E, ['authby=rsasig']),
    confB: sigConf(RSA_W, RSA_E, ['authby=rsa-sha1']),
    privateKeyA: RSA_W.privateKey, privateKeyB: RSA_E.privateKey,
  });
  await establish(pair);
  assert.equal(announcedHashes(pair, 1), null);
  assert.deepEqual(auths(pair), { a: { local: 'RSA with SHA1', peer: 'RSA with SHA1' }, b: { local: 'RSA with SHA1', peer: 'RSA with SHA1' } });
  const strict = new IkePair({
    conf: sigConf(RSA_W, RSA_E, ['authby=rsa-sha2']),
    confB: sigConf(RSA_W, RSA_E, ['authby=rsa-sha1']),
    privateKeyA: RSA_W.privateKey, privateKeyB: RSA_E.privateKey,
  });
  const p = strict.a.engine.initiate('test');
  p.catch(() => undefined);
  await strict.run();
  await assert.rejects(p, /cannot authenticate: the peer announced no hash our RSA policy allows \(peer: none\)/);
});

test('asymmetric: west signs with RSA, east answers with the PSK (leftauth=rsasig rightauth=secret)', async () => {
  const pair = new IkePair({ conf: sigConf(RSA_W, RSA_E, ['leftauth=rsasig', 'rightauth=secret']), privateKeyA: RSA_W.privateKey, privateKeyB: RSA_E.privateKey });
  await establish(pair);
  assert.deepEqual(auths(pair), { a: { local: 'RSA with SHA2_512', peer: 'authby=secret' }, b: { local: 'authby=secret', peer: 'RSA with SHA2_512' } });
});

/**
 * The negotiation fails on both ends and leaves nothing. When the initiator is the one that refuses, the
 * responder had already come up (it answers before the initiator checks it) and goes down when told.
 */
async function assertBothFail(pair: IkePair, initiatorError: RegExp, responderWasUp = false): Promise<void> {
  const p = pair.a.engine.initiate('test');
  p.catch(() => undefined);
  await pair.run();
  await assert.rejects(p, initiatorError);
  for (const peer of [pair.a, pair.b]) {
    assert.deepEqual(peer.engine.status(), { ikeSas: [], childSas: [] }, `${peer.name} keeps no SA`);
    assert.equal(peer.kernel.sas.size, 0);
    assert.equal(peer.kernel.policies.size, 0);
  }
  assert.deepEqual(pair.a.events, []);
  if (!responderWasUp) assert.deepEqual(pair.b.events, []);
  else assert.deepEqual(pair.b.events.map((e) => e.type), ['ikeUp', 'childUp', 'childDown', 'ikeDown']);
  if (responderWasUp) assert.match(pair.b.events[3]!.detail, /AUTHENTICATION_FAILED from the peer/);
}

test('wrong key: the initiator signs with a key the responder does not know -> AUTHENTICATION_FAILED both ways', async () => {
  const pair = new IkePair({ conf: sigConf(RSA_W, RSA_E, ['authby=rsasig']), privateKeyA: RSA_OTHER.privateKey, privateKeyB: RSA_E.privateKey });
  await assertBothFail(pair, /AUTHENTICATION_FAILED/);
});

test('wrong key: the responder signs with a key the initiator does not know -> refused, responder told', async () => {
  const pair = new IkePair({ conf: sigConf(P256_W, P256_E, ['authby=ecdsa']), privateKeyA: P256_W.privateKey, privateKeyB: P384_E.privateKey });
  const flights = pair.sent;
  await assertBothFail(pair, /AUTHENTICATION_FAILED: the responder's AUTH: /, true);
  assert.equal(parseMessage(flights[4]!.data).header.exchangeType, 37, 'the initiator tells the responder in an INFORMATIONAL');
});

test('wrong key, RSA responder: the initiator refuses "the RSA with SHA2_512 signature does not verify"', async () => {
  const pair = new IkePair({ conf: sigConf(RSA_W, RSA_E, ['authby=rsasig']), privateKeyA: RSA_W.privateKey, privateKeyB: RSA_OTHER.privateKey });
  await assertBothFail(pair, /the RSA with SHA2_512 signature does not verify/, true);
});

test('policy: the responder wants ECDSA, the initiator signs with RSA -> AUTHENTICATION_FAILED', async () => {
  const pair = new IkePair({
    conf: sigConf(RSA_W, P256_E, ['authby=rsasig,ecdsa']),
    confB: sigConf(RSA_W, P256_E, ['authby=ecdsa']),
    privateKeyA: RSA_W.privateKey, privateKeyB: P256_E.privateKey,
  });
  await assertBothFail(pair, /AUTHENTICATION_FAILED/);
});

test('no private key: the initiator cannot authenticate and says why', async () => {
  const pair = new IkePair({ conf: sigConf(RSA_W, RSA_E, ['authby=rsasig']), privateKeyB: RSA_E.privateKey });
  const p = pair.a.engine.initiate('test');
  p.catch(() => undefined);
  await pair.run();
  await assert.rejects(p, /cannot authenticate: no RSA private key for @west/);
});

test('no public key for the peer: refused, naming the keywords to set', async () => {
  const lines: string[] = [];
  const logger = { error: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), info: (m: string) => lines.push(m), debug: () => undefined };
  const withoutWestKey = sigConf(RSA_W, RSA_E, ['authby=rsasig']).replace(/\tleftrsasigkey=.*\n/, '');
  const pair = new IkePair({ conf: sigConf(RSA_W, RSA_E, ['authby=rsasig']), confB: withoutWestKey, privateKeyA: RSA_W.privateKey, privateKeyB: RSA_E.privateKey, logger });
  await assertBothFail(pair, /AUTHENTICATION_FAILED/);
  assert.ok(lines.some((l) => l.includes('IKE_AUTH refused: the initiator\'s AUTH: no public key for the peer (leftrsasigkey= / leftpubkey= / leftecdsakey=)')), lines.join('\n'));
});

test('an IKE SA rekey keeps how both ends authenticated', async () => {
  const pair = new IkePair({ conf: sigConf(P384_W, RSA_E, []), privateKeyA: P384_W.privateKey, privateKeyB: RSA_E.privateKey });
  await establish(pair);
  const before = auths(pair);
  const done = pair.b.engine.rekey('test', 'ike');
  await pair.run();
  await done;
  assert.equal(pair.a.engine.status().ikeSas.length, 1);
  assert.notEqual(pair.a.engine.status().ikeSas[0]!.serial, 1, 'a new IKE SA');
  assert.deepEqual(auths(pair), before);
});

test('leftckaid= picks the signing key by CKAID from a real secrets database (--nssdir key store)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-ckaid-'));
  try {
    fs.writeFileSync(path.join(dir, 'decoy.pem'), P256_E.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'west.pem'), P256_W.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'ipsec.secrets'), '', { mode: 0o600 });
    const db = await loadSecrets(path.join(dir, 'ipsec.secrets'), { nssdir: dir });
    const queries: PrivateKeyQuery[] = [];
    const text = sigConf(P256_W, P256_E, ['authby=ecdsa']).replace(/\tleftecdsakey=.*\n/, `\tleftckaid=${ckaidOf(P256_W.publicKey)}\n`);
    const pair = new IkePair({
      conf: text,
      confB: sigConf(P256_W, P256_E, ['authby=ecdsa']),
      keyLookupA: (q) => (queries.push(q), db.findSigningKey(q)),
      privateKeyB: P256_E.privateKey,
    });
    await establish(pair);
    assert.equal(queries[0]!.ckaid, ckaidOf(P256_W.publicKey));
    assert.deepEqual(queries[0]!.kinds, ['ecdsa']);
    assert.equal(pair.b.engine.status().ikeSas[0]!.peerAuth, 'ECDSA with SHA2_256');
    db.wipe();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the responder has no private key: it answers AUTHENTICATION_FAILED, both sides end clean', async () => {
  const lines: string[] = [];
  const logger = { error: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), info: (m: string) => lines.push(m), debug: () => undefined };
  const pair = new IkePair({ conf: sigConf(RSA_W, P256_E, []), privateKeyA: RSA_W.privateKey, logger });
  await assertBothFail(pair, /AUTHENTICATION_FAILED/);
  assert.ok(lines.some((l) => /IKE_AUTH refused: cannot authenticate ourselves: no ECDSA or RSA private key for @east/.test(l)), lines.join('\n'));
});
