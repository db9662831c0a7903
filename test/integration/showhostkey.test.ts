// `ipsec showhostkey` over our key store against Libreswan 4.10's over an NSS database holding the same
// keys (imported with openssl + pk12util): the same keyids, CKAIDs and ipsec.conf lines, byte for byte.
// The printed lines, pasted into ipsec.conf, name the keys our daemon then finds by CKAID.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { parsePublicKey } from '../../src/config/public-keys';
import { runIpsec } from '../helpers/cli';

const LIBRESWAN = '/opt/libreswan/usr/libexec/ipsec/showhostkey';
const haveTools = fs.existsSync(LIBRESWAN) && ['certutil', 'pk12util', 'openssl'].every((t) => spawnSync('which', [t]).status === 0);
const skip = haveTools ? false : 'needs Libreswan at /opt/libreswan and certutil, pk12util, openssl';
if (skip) console.log(`# showhostkey comparison skipped: ${skip}`);

function libreswan(args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(LIBRESWAN, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

test('showhostkey: our key store and Libreswan\'s NSS database with the same keys print the same', { skip, timeout: 60_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-showhostkey-'));
  try {
    const store = path.join(dir, 'store');
    const nss = path.join(dir, 'nss');
    fs.mkdirSync(store);
    fs.mkdirSync(nss);
    execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
    const keys = [
      ['a-rsa', generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey],
      ['b-ec', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey],
    ] as const;
    for (const [name, key] of keys) {
      const pem = path.join(store, `${name}.pem`);
      fs.writeFileSync(pem, key.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
      // NSS imports a private key only with a certificate: a throwaway self-signed one.
      const cert = path.join(dir, `${name}.crt`);
      const p12 = path.join(dir, `${name}.p12`);
      execFileSync('openssl', ['req', '-new', '-x509', '-key', pem, '-subj', `/CN=${name}`, '-days', '1', '-out', cert], { stdio: 'ignore' });
      execFileSync('openssl', ['pkcs12', '-export', '-inkey', pem, '-in', cert, '-out', p12, '-passout', 'pass:'], { stdio: 'ignore' });
      execFileSync('pk12util', ['-i', p12, '-d', `sql:${nss}`, '-W', ''], { stdio: 'ignore' });
    }
    const ours = runIpsec(['showhostkey', '--nssdir', store, '--list']);
    const theirs = libreswan(['--nssdir', nss, '--list']);
    assert.equal(ours.status, 0, ours.stderr);
    const sorted = (s: string): string[] => s.trim().split('\n').map((l) => l.replace(/^<\s*\d+>\s*/, '')).sort();
    assert.deepEqual(sorted(ours.stdout), sorted(theirs.stdout));
    const ckaids = [...ours.stdout.matchAll(/ckaid: ([0-9a-f]{40})/g)].map((m) => m[1]!);
    assert.equal(ckaids.length, 2);
    for (const ckaid of ckaids) {
      for (const args of [['--left'], ['--right'], ['--left', '--pubkey'], ['--pem']]) {
        const a = runIpsec(['showhostkey', '--nssdir', store, ...args, '--ckaid', ckaid.slice(0, 8)]);
        const b = libreswan(['--nssdir', nss, ...args, '--ckaid', ckaid.slice(0, 8)]);
        assert.equal(a.status, 0, a.stderr);
        assert.equal(a.stdout.trimEnd(), b.stdout.trimEnd(), `showhostkey ${args.join(' ')} --ckaid ${ckaid}`);
      }
      // What --left prints parses back to the same CKAID (the daemon's lookup of our own key).
      const line = runIpsec(['showhostkey', '--nssdir', store, '--left', '--ckaid', ckaid]).stdout.split('\n')[1]!.trim();
      const [keyword, value] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
      const parsed = parsePublicKey(value, keyword === 'leftecdsakey' ? 'ecdsakey' : 'rsasigkey', '/');
      assert.ok(parsed !== null && parsed !== 'cert' && parsed.ckaid === ckaid);
    }
    const none = runIpsec(['showhostkey', '--nssdir', store, '--left', '--ckaid', '0000']);
    assert.equal(none.status, libreswan(['--nssdir', nss, '--left', '--ckaid', '0000']).status);
    assert.equal(none.status, 20);
    assert.match(none.stderr, /No keys found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
