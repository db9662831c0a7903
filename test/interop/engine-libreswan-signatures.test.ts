// Libreswan 4.10's pluto (west, its private key in an NSS database, raw public keys in its ipsec.conf)
// initiates to our engine (east) with RSA and with ECDSA: each side must verify the other's RFC 7427
// signature. Libreswan's CHILD_SA cannot be installed here (the kernel has no ESP), so the proof is the
// IKE SA both report as authenticated, and how: Libreswan's "authenticated peer '...' digital signature"
// line and our peerAuth.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { rfc3110Of } from '../../src/config/public-keys';
import { createHostPair } from '../helpers/netns';
import { EngineProcess } from './engine-process';

const LIBEXEC = '/opt/libreswan/usr/libexec/ipsec';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const tools = ['certutil', 'pk12util', 'openssl'].every((t) => spawnSync('which', [t]).status === 0);
const skip: string | false = !isRoot ? 'needs root (network namespaces)'
  : !fs.existsSync(path.join(LIBEXEC, 'pluto')) || !tools ? 'needs Libreswan unpacked at /opt/libreswan, certutil, pk12util and openssl' : false;
if (skip) console.log(`# engine-libreswan-signatures skipped: ${skip}`);

interface Keys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Libreswan's key line: RFC 3110 for RSA, the bare base64 SubjectPublicKeyInfo (showhostkey --pubkey) for EC. */
function keyLine(side: 'left' | 'right', k: Keys): string {
  if (k.publicKey.asymmetricKeyType === 'rsa') return `${side}rsasigkey=0s${rfc3110Of(k.publicKey).toString('base64')}`;
  return `${side}pubkey=${k.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
}

/** An NSS database holding `key` (imported as a PKCS#12 with a throwaway self-signed certificate). */
function nssWith(dir: string, key: KeyObject): string {
  const nss = path.join(dir, 'nss');
  fs.mkdirSync(nss);
  const pem = path.join(dir, 'west.pem');
  fs.writeFileSync(pem, key.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
  execFileSync('openssl', ['req', '-new', '-x509', '-key', pem, '-subj', '/CN=west', '-days', '1', '-out', path.join(dir, 'west.crt')], { stdio: 'ignore' });
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', pem, '-in', path.join(dir, 'west.crt'), '-out', path.join(dir, 'west.p12'), '-passout', 'pass:'], { stdio: 'ignore' });
  execFileSync('pk12util', ['-i', path.join(dir, 'west.p12'), '-d', `sql:${nss}`, '-W', ''], { stdio: 'ignore' });
  return nss;
}

const CASES = [
  { kind: 'RSA', authby: 'rsasig', gen: (): Keys => generateKeyPairSync('rsa', { modulusLength: 3072 }), theySee: "'3072-bit RSASSA-PSS with SHA2_512'", weSee: 'RSA with SHA2_512', weSeeDetail: "'3072-bit RSASSA-PSS with SHA2_512' digital signature", secret: 'RSA' },
  { kind: 'ECDSA', authby: 'ecdsa', gen: (): Keys => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), theySee: "'P-256 ECDSA with SHA2_256'", weSee: 'ECDSA with SHA2_512', weSeeDetail: "'P-256 ECDSA with SHA2_512' digital signature", secret: 'ECDSA' },
] as const;

for (const c of CASES) {
  test(`Libreswan initiates with ${c.kind} raw keys: both verify the other's RFC 7427 signature`, { skip, timeout: 90_000 }, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-lsw-'));
    const pair = createHostPair();
    let pluto: ChildProcess | undefined;
    let engine: EngineProcess | undefined;
    try {
      const west = c.gen();
      const east = c.gen();
      const conn = [
        'conn tun',
        `\tleft=${pair.west.outer}`, '\tleftid=@west', `\t${keyLine('left', west)}`, `\tleftsubnet=${pair.west.innerSubnet}`,
        `\tright=${pair.east.outer}`, '\trightid=@east', `\t${keyLine('right', east)}`, `\trightsubnet=${pair.east.innerSubnet}`,
        `\tauthby=${c.authby}`, '\tike=aes_gcm256-sha2_256;dh19', '\tesp=aes_gcm256', '\tauto=add', '',
      ].join('\n');
      const eastKey = path.join(dir, 'east.pem');
      fs.writeFileSync(eastKey, east.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
      engine = await EngineProcess.start(pair, 'east', pair.east.outer, conn, `@east : ${c.secret} "${eastKey}"\n`);

      const nss = nssWith(dir, west.privateKey);
      const run = path.join(dir, 'run');
      fs.mkdirSync(run);
      const conf = path.join(dir, 'lsw.conf');
      const log = path.join(dir, 'pluto.log');
      fs.writeFileSync(conf, `config setup\n\tlogfile=${log}\n\tplutodebug=none\n${conn}`);
      fs.writeFileSync(path.join(dir, 'lsw.secrets'), '', { mode: 0o600 });
      pluto = pair.spawn('west', path.join(LIBEXEC, 'pluto'), [
        '--nofork', '--config', conf, '--secretsfile', path.join(dir, 'lsw.secrets'), '--nssdir', nss, '--rundir', run, '--ipsecdir', dir, '--logfile', log,
      ], { stdio: 'ignore' });
      const ctl = path.join(run, 'pluto.ctl');
      for (let i = 0; i < 100 && !fs.existsSync(ctl); i++) await new Promise((r) => setTimeout(r, 100));
      await pair.execOk('west', path.join(LIBEXEC, 'addconn'), ['--config', conf, '--ctlsocket', ctl, 'tun']);
      const r = await pair.exec('west', path.join(LIBEXEC, 'whack'), ['--ctlsocket', ctl, '--name', 'tun', '--initiate']);
      assert.match(r.stdout, new RegExp(`initiator established IKE SA; authenticated peer ${c.theySee} digital signature using preloaded certificate '@east'`), r.stdout);
      const up = engine.events.find((e) => e.event === 'ikeUp');
      assert.ok(up?.sa, `our engine reported the IKE SA up:\n${engine.logTail()}`);
      assert.equal(up.sa.peerAuth, c.weSee, 'how Libreswan authenticated, as we saw it');
      assert.equal(up.sa.peerAuthDetail, c.weSeeDetail, 'in the words Libreswan itself uses');
      assert.equal(up.sa.remoteId, '@west');
    } catch (e) {
      t.diagnostic(`engine log:\n${engine?.logTail(40) ?? ''}`);
      t.diagnostic(`Libreswan log:\n${fs.existsSync(path.join(dir, 'pluto.log')) ? fs.readFileSync(path.join(dir, 'pluto.log'), 'utf8').split('\n').slice(-40).join('\n') : ''}`);
      throw e;
    } finally {
      pluto?.kill('SIGTERM');
      await engine?.stop();
      await pair.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
