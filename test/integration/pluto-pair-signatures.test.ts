// Two of our plutos authenticating with signatures, driven through the real CLI: RSA with raw keys in
// ipsec.conf (Libreswan's RFC 3110 leftrsasigkey=) and the private keys named in ipsec.secrets relative to
// --nssdir; ECDSA with the private keys found in the --nssdir key store by the CKAID of leftecdsakey=;
// a wrong key refused on both sides; a bad key line refused with file:line.
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { rfc3110Of } from '../../src/config/public-keys';
import type { HostSide } from '../helpers/netns';
import { netnsPair, waitStatus, westEastConn, type NetnsPair, type PairStatus } from './pluto-pair-harness';

const IKE = 'aes_gcm256-sha2_256;dh19';
const ESP = 'aes_gcm256';
const up = (s: PairStatus): boolean => s.engine.ikeSas.some((sa) => sa.state === 'ESTABLISHED_IKE_SA') && s.engine.childSas.length === 1;
const empty = (s: PairStatus): boolean => s.engine.ikeSas.length === 0 && s.engine.childSas.length === 0;

interface Keys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A conn with signature auth: authby= given, and the key lines for each end. */
function sigConn(authby: string, keyLines: string[]): string {
  return westEastConn('west-east', IKE, ESP, `${keyLines.map((l) => `\t${l}\n`).join('')}\tauto=add\n`).replace('\tauthby=secret\n', `\tauthby=${authby}\n`);
}

/** Writes a side's --nssdir with one PEM private key (owner-only) and returns the directory. */
function nssdir(pair: NetnsPair, side: HostSide, file: string, key: KeyObject): string {
  const dir = path.join(pair.dir, side, 'nss');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, file), key.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  return dir;
}

function assertStatus(pair: NetnsPair, side: HostSide, expectAuth: string, policy: string): void {
  const st = pair.ipsec(side, 'whack', '--status');
  assert.equal(st.status, 0, st.stderr);
  assert.match(st.stdout, new RegExp(`^000 "west-east":   our auth:${policy}, their auth:${policy}, our autheap:none, their autheap:none;$`, 'm'), st.stdout);
  assert.match(st.stdout, new RegExp(`^000 #\\d+: "west-east" [\\d.]+ ESTABLISHED_IKE_SA \\((initiator|responder)\\); .*; authenticated using ${expectAuth}$`, 'm'), st.stdout);
}

test('RSA: leftrsasigkey= (RFC 3110) on both ends, private keys from ipsec.secrets relative to --nssdir', async (t) => {
  const west: Keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const east: Keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyLines = [`leftrsasigkey=0s${rfc3110Of(west.publicKey).toString('base64')}`, `rightrsasigkey=0s${rfc3110Of(east.publicKey).toString('base64')}`];
  const conf = sigConn('rsasig', keyLines);
  const pair = await netnsPair(t, { west: conf, east: conf }, { west: 'unused', east: 'unused' });
  const nss = { west: nssdir(pair, 'west', 'west.pem', west.privateKey), east: nssdir(pair, 'east', 'east.pem', east.privateKey) };
  fs.writeFileSync(pair.sides.west.secrets, '@west : RSA "west.pem"\n', { mode: 0o600 });
  fs.writeFileSync(pair.sides.east.secrets, '@east : RSA "east.pem"\n', { mode: 0o600 });
  await pair.start('east', ['--nssdir', nss.east]);
  await pair.start('west', ['--nssdir', nss.west]);
  const r = pair.ipsec('west', 'auto', '--up', 'west-east');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^003 "west-east" #1: initiator established IKE SA; authenticated peer '2048-bit RSASSA-PSS with SHA2_512' digital signature using preloaded certificate '@east'$/m, r.stdout);
  assert.ok(up(await waitStatus(pair, 'east', up)));
  for (const side of ['west', 'east'] as const) assertStatus(pair, side, 'RSA with SHA2_512', 'rsasig');
  const [wi, ei] = [pair.status('west').engine.ikeSas[0]!, pair.status('east').engine.ikeSas[0]!];
  assert.deepEqual([wi.localAuth, wi.peerAuth, ei.localAuth, ei.peerAuth], Array(4).fill('RSA with SHA2_512'));
  const log = fs.readFileSync(pair.sides.west.log, 'utf8');
  assert.doesNotMatch(log, /PRIVATE KEY/, 'no key material in the log');
});

test('ECDSA: keys found in the --nssdir key store by the CKAID of leftecdsakey=; rightpubkey= a PEM file', async (t) => {
  const west: Keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const east: Keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = (k: Keys): string => k.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const pair = await netnsPair(t, { west: '', east: '' }, { west: 'unused', east: 'unused' });
  for (const [side, me, peer] of [['west', west, east], ['east', east, west]] as const) {
    // Each side: its own key as leftecdsakey=/rightecdsakey= (base64 SPKI), the peer's as a PEM file next to ipsec.conf.
    fs.writeFileSync(path.join(pair.dir, side, 'peer.pub'), peer.publicKey.export({ format: 'pem', type: 'spki' }));
    const own = side === 'west' ? `leftecdsakey=0s${spki(me)}` : `rightecdsakey=0s${spki(me)}`;
    const other = side === 'west' ? 'rightpubkey=peer.pub' : 'leftpubkey=peer.pub';
    fs.writeFileSync(pair.sides[side].config, `config setup\n\tlogfile=${pair.sides[side].log}\n${sigConn('ecdsa', [own, other])}`);
    fs.writeFileSync(pair.sides[side].secrets, '# no key entries: the key store has them\n', { mode: 0o600 });
  }
  const nss = { west: nssdir(pair, 'west', 'hostkey.pem', west.privateKey), east: nssdir(pair, 'east', 'hostkey.key', east.privateKey) };
  await pair.start('east', ['--nssdir', nss.east]);
  await pair.start('west', ['--nssdir', nss.west]);
  const r = pair.ipsec('west', 'auto', '--up', 'west-east');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /authenticated peer 'P-256 ECDSA with SHA2_256' digital signature using preloaded certificate '@east'$/m);
  assert.ok(up(await waitStatus(pair, 'east', up)));
  for (const side of ['west', 'east'] as const) assertStatus(pair, side, 'ECDSA with SHA2_256', 'ecdsa');
  assert.match(fs.readFileSync(pair.sides.west.log, 'utf8'), /loaded 1 private key from the key store/);
});

test('wrong key: east holds another key for west -> AUTHENTICATION_FAILED, nothing up on either side', async (t) => {
  const west: Keys = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const east: Keys = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const impostor: Keys = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const line = (side: 'left' | 'right', k: Keys): string => `${side}ecdsakey=0s${k.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
  const pair = await netnsPair(t, { west: sigConn('ecdsa', [line('left', west), line('right', east)]), east: sigConn('ecdsa', [line('left', impostor), line('right', east)]) }, { west: 'unused', east: 'unused' });
  const nss = { west: nssdir(pair, 'west', 'k.pem', west.privateKey), east: nssdir(pair, 'east', 'k.pem', east.privateKey) };
  await pair.start('east', ['--nssdir', nss.east]);
  await pair.start('west', ['--nssdir', nss.west]);
  const r = pair.ipsec('west', 'auto', '--up', 'west-east');
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stdout + r.stderr, /AUTHENTICATION_FAILED/);
  assert.ok(empty(await waitStatus(pair, 'west', empty)));
  assert.ok(empty(pair.status('east')));
  assert.match(fs.readFileSync(pair.sides.east.log, 'utf8'), /IKE_AUTH refused: the initiator's AUTH: the ECDSA with SHA2_384 signature does not verify/);
});

test('a bad key line in ipsec.secrets: --rereadsecrets refuses the file, naming file and line', async (t) => {
  const conf = westEastConn('west-east', IKE, ESP, '\tauto=add\n');
  const pair = await netnsPair(t, { west: conf, east: conf }, { west: 'a PSK for this test', east: 'a PSK for this test' });
  await pair.start('west');
  fs.writeFileSync(pair.sides.west.secrets, '@west @east : PSK "a PSK for this test"\n@west : RSA "missing.pem"\n', { mode: 0o600 });
  const r = pair.ipsec('west', 'auto', '--rereadsecrets');
  assert.notEqual(r.status, 0);
  assert.match(r.stdout + r.stderr, /not loaded/);
  assert.match(fs.readFileSync(pair.sides.west.log, 'utf8'), new RegExp(`${pair.sides.west.secrets.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: cannot read key file .*missing\\.pem: ENOENT`));
});
