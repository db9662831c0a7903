// Raw public keys in ipsec.conf (leftrsasigkey=, leftpubkey=, leftecdsakey=), CKAIDs against Libreswan's
// showhostkey, the --nssdir key store and CKAID lookups, and errors that name file and line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { parseIpsecConfText, writeConfigText } from '../../../src/config';
import { IkeId } from '../../../src/config/id';
import { ckaidOf, parsePublicKey, PublicKeyError, rfc3110Of, rsaFromRfc3110 } from '../../../src/config/public-keys';
import { loadSecrets } from '../../../src/config/secrets';
import { loadVectors } from '../../helpers/vectors';

interface ShowHostKey {
  kind: 'rsa' | 'ecdsa';
  ckaid: string;
  leftrsasigkey?: string;
  leftecdsakey?: string;
  leftpubkey: string;
}

const showhostkey = loadVectors<ShowHostKey>('libreswan-showhostkey.json');

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-pubkeys-'));
}

for (const v of showhostkey.vectors) {
  test(`Libreswan showhostkey ${v.kind} key: every printed form parses to the printed CKAID`, () => {
    const forms: [string, 'rsasigkey' | 'ecdsakey'][] = [[v.leftpubkey, 'rsasigkey']];
    if (v.leftrsasigkey) forms.push([v.leftrsasigkey, 'rsasigkey']);
    if (v.leftecdsakey) forms.push([v.leftecdsakey, 'ecdsakey']);
    for (const [text, kw] of forms) {
      const k = parsePublicKey(text, kw, '/');
      assert.ok(k !== null && k !== 'cert');
      assert.equal(k.kind, v.kind);
      assert.equal(k.ckaid, v.ckaid);
    }
    if (v.leftrsasigkey) {
      const k = parsePublicKey(v.leftrsasigkey, 'rsasigkey', '/');
      assert.ok(k !== null && k !== 'cert');
      assert.equal(`0s${rfc3110Of(k.key).toString('base64')}`, v.leftrsasigkey, 'RFC 3110 form round-trips');
    }
  });
}

test('RFC 3110: one- and three-octet exponent lengths, 0x hex, and what is refused', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const bytes = rfc3110Of(publicKey);
  assert.equal(bytes[0], 3);
  assert.deepEqual(rsaFromRfc3110(bytes).export({ format: 'jwk' }), publicKey.export({ format: 'jwk' }));
  const long = Buffer.concat([Buffer.from([0, 0, 3]), bytes.subarray(1)]);
  assert.equal(ckaidOf(rsaFromRfc3110(long)), ckaidOf(publicKey));
  const viaHex = parsePublicKey(`0x${bytes.toString('hex')}`, 'rsasigkey', '/');
  assert.ok(viaHex !== null && viaHex !== 'cert' && viaHex.ckaid === ckaidOf(publicKey));
  assert.throws(() => rsaFromRfc3110(Buffer.from([3, 1, 0, 1])), /leaves no modulus/);
  const even = Buffer.from(bytes);
  even[even.length - 1]! &= 0xfe;
  assert.throws(() => rsaFromRfc3110(even), /must be odd/);
  const small = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey;
  assert.throws(() => parsePublicKey(`0s${rfc3110Of(small).toString('base64')}`, 'rsasigkey', '/'), /512-bit RSA key; at least 1024/);
});

test('EC points: 04|x|y and x|y of each curve, SubjectPublicKeyInfo; junk refused', () => {
  for (const [curve, crv] of [['prime256v1', 'P-256'], ['secp384r1', 'P-384'], ['secp521r1', 'P-521']] as const) {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const jwk = publicKey.export({ format: 'jwk' });
    assert.equal(jwk.crv, crv);
    const xy = Buffer.concat([Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    for (const raw of [xy, Buffer.concat([Buffer.from([4]), xy]), publicKey.export({ format: 'der', type: 'spki' })]) {
      const k = parsePublicKey(`0s${raw.toString('base64')}`, 'ecdsakey', '/');
      assert.ok(k !== null && k !== 'cert' && k.kind === 'ecdsa' && k.ckaid === ckaidOf(publicKey));
    }
  }
  assert.throws(() => parsePublicKey('0s' + Buffer.alloc(50, 7).toString('base64'), 'ecdsakey', '/'), /neither a SubjectPublicKeyInfo nor an EC point/);
  assert.throws(() => parsePublicKey('0s' + Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 9)]).toString('base64'), 'ecdsakey', '/'), /not on the curve/);
});

test('special values, PEM files, and errors in ipsec.conf name the file and line', () => {
  const dir = tmpdir();
  try {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    fs.writeFileSync(path.join(dir, 'east.pub'), publicKey.export({ format: 'pem', type: 'spki' }));
    fs.writeFileSync(path.join(dir, 'east.key'), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    assert.equal(parsePublicKey('%none', 'rsasigkey', dir), null);
    assert.equal(parsePublicKey('%cert', 'rsasigkey', dir), 'cert');
    assert.throws(() => parsePublicKey('%dnsondemand', 'rsasigkey', dir), /keys from DNS are not supported/);
    const pem = parsePublicKey('east.pub', 'rsasigkey', dir);
    assert.ok(pem !== null && pem !== 'cert' && pem.ckaid === ckaidOf(publicKey));
    assert.throws(() => parsePublicKey('east.key', 'rsasigkey', dir), PublicKeyError);
    const conf = path.join(dir, 'ipsec.conf');
    const text = `conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=ecdsa\n\trightpubkey=east.pub\n\tleftecdsakey=0sAAAA\n`;
    const err = (() => {
      try {
        parseIpsecConfText(text, conf);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    assert.match(String(err?.message), new RegExp(`${conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6: keyword 'leftecdsakey': leftecdsakey=: neither a SubjectPublicKeyInfo nor an EC point`));
    const ok = parseIpsecConfText(text.replace(/\tleftecdsakey=.*\n/, ''), conf);
    const right = ok.conns[0]!.right.publicKey;
    assert.ok(right !== undefined && right !== 'cert' && right.ckaid === ckaidOf(publicKey), 'rightpubkey= relative to ipsec.conf');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--nssdir key store: PEM private keys found by CKAID; ipsec.secrets key names relative to it; bad keys name file:line', async () => {
  const dir = tmpdir();
  try {
    const nss = path.join(dir, 'nss');
    fs.mkdirSync(nss);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    fs.writeFileSync(path.join(nss, 'host-rsa.pem'), rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    fs.writeFileSync(path.join(nss, 'host-ec.key'), ec.privateKey.export({ format: 'pem', type: 'sec1' }), { mode: 0o600 });
    fs.writeFileSync(path.join(nss, 'cert9.db'), 'not ours');
    fs.writeFileSync(path.join(nss, 'peer.pem'), rsa.publicKey.export({ format: 'pem', type: 'spki' }));
    const secretsFile = path.join(dir, 'ipsec.secrets');
    fs.writeFileSync(secretsFile, '@west : ECDSA "host-ec.key"\n', { mode: 0o600 });
    const db = await loadSecrets(secretsFile, { nssdir: nss });
    assert.deepEqual(db.keyStore.map((k) => path.basename(k.file)), ['host-ec.key', 'host-rsa.pem']);
    const byCkaid = db.findSigningKey({ local: IkeId.any(), remote: IkeId.any(), kinds: ['rsa'], ckaid: ckaidOf(rsa.publicKey) });
    assert.equal(byCkaid !== null && ckaidOf(byCkaid), ckaidOf(rsa.publicKey));
    const byId = db.findSigningKey({ local: IkeId.create('fqdn', 'west', Buffer.from('west'), null), remote: IkeId.any(), kinds: ['rsa', 'ecdsa'] });
    assert.equal(byId !== null && ckaidOf(createPublicKey(byId)), ckaidOf(ec.publicKey), 'the ipsec.secrets entry, its file relative to --nssdir');
    assert.equal(db.findSigningKey({ local: IkeId.any(), remote: IkeId.any(), kinds: ['rsa'], ckaid: '00'.repeat(20) }), null);
    db.wipe();
    fs.writeFileSync(path.join(nss, 'broken.pem'), '# a comment\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', { mode: 0o600 });
    await assert.rejects(loadSecrets(secretsFile, { nssdir: nss }), (e: Error) => e.message.startsWith(`${path.join(nss, 'broken.pem')}:2: `) && /OpenSSL cannot read/.test(e.message));
    fs.chmodSync(path.join(nss, 'broken.pem'), 0o644);
    await assert.rejects(loadSecrets(secretsFile, { nssdir: nss }), /broken\.pem:2: private key is accessible by group or others/);
    fs.rmSync(path.join(nss, 'broken.pem'));
    fs.writeFileSync(secretsFile, '@west : ECDSA "host-rsa.pem"\n', { mode: 0o600 });
    await assert.rejects(loadSecrets(secretsFile, { nssdir: nss }), /ipsec\.secrets:1: .*host-rsa\.pem holds a rsa key, not ECDSA/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('leftpubkey= is its own keyword, as in Libreswan 4.10: readwriteconf writes it back as leftpubkey=, not leftrsasigkey=', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  const text = `conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=rsasig,ecdsa\n\trightpubkey=0s${spki}\n\tleftrsasigkey=0s${rfc3110Of(rsa).toString('base64')}\n`;
  const loaded = parseIpsecConfText(text, '/tmp/pubkey-kw.conf');
  const written = writeConfigText(loaded);
  assert.match(written, new RegExp(`^\\trightpubkey=0s${spki.replace(/[+/]/g, '\\$&')}$`, 'm'));
  assert.doesNotMatch(written, /^\trightrsasigkey=/m);
  assert.match(written, /^\tleftrsasigkey=0s/m);
  const right = loaded.conns[0]!.right.publicKey;
  assert.ok(right !== undefined && right !== 'cert' && right.ckaid === ckaidOf(publicKey), 'rightpubkey= still gives the peer key');
});

test('leftckaid= must be hex (underscores allowed between digits) with an even number of digits, as Libreswan 4.10 checks', () => {
  const conf = (ckaid: string): string => `conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=rsasig\n\tleftckaid=${ckaid}\n`;
  for (const good of ['0123456789abcdef0123456789abcdef01234567', '0123ABCD', '01_23', '']) {
    assert.doesNotThrow(() => parseIpsecConfText(conf(good), '/tmp/ckaid.conf'), good);
  }
  for (const [bad, why] of [['xyz', /leftckaid=xyz: not hexadecimal/], ['0x0123abcd', /not hexadecimal/], ['01:23', /not hexadecimal/], ['012', /odd number of hex digits/]] as const) {
    assert.throws(() => parseIpsecConfText(conf(bad), '/tmp/ckaid.conf'), (e: Error) => /\/tmp\/ckaid\.conf:5: keyword 'leftckaid'/.test(e.message) && why.test(e.message), bad);
  }
});
