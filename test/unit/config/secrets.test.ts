// ipsec.secrets loading: every entry form of ipsec.secrets(5), includes, the permission check, and each
// error path with its file:line; no secret value may appear in an error or a log line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { parseId } from '../../../src/config/id';
import { loadSecrets, SecretsError } from '../../../src/config/secrets';
import type { Logger } from '../../../src/log';
import { REPO_ROOT } from '../../helpers/paths';

const CORPUS = path.join(REPO_ROOT, 'test', 'corpus', 'secrets');

/** Copies a corpus directory to a fresh temporary one with every file at `mode` (git does not keep modes). */
function stage(dir: string, mode = 0o600): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  fs.cpSync(path.join(CORPUS, dir), tmp, { recursive: true });
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else fs.chmodSync(p, mode);
    }
  };
  walk(tmp);
  return tmp;
}

function writeSecret(dir: string, name: string, text: string, mode = 0o600): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text, { mode });
  fs.chmodSync(p, mode);
  return p;
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    error: (m) => void lines.push(m),
    warn: (m) => void lines.push(m),
    info: (m) => void lines.push(m),
    debug: (_c, m) => void lines.push(m),
  };
}

/** No DNS in unit tests: the man page's example host name resolves here, nothing else does. */
const resolveHost = async (name: string): Promise<string> => {
  if (name === 'gateway.corp.com') return '192.0.2.10';
  throw Object.assign(new Error(`no such host ${name}`), { code: 'ENOTFOUND' });
};

const reveal = (m: { secret: { reveal(): Buffer } } | null): string => {
  assert.ok(m !== null);
  return m.secret.reveal().toString('latin1');
};

test('the ipsec.secrets(5) examples load, with includes in place and values as bytes', async () => {
  const dir = stage('good');
  const logger = recordingLogger();
  const db = await loadSecrets(path.join(dir, 'ipsec.secrets'), { logger, resolveHost });
  const where = db.entries.map((e) => `${path.relative(dir, e.file)}:${e.line}:${e.kind}:${e.ids.map(String).join(' ')}`);
  assert.deepEqual(where, [
    'ipsec.secrets:2:psk:10.1.0.1 10.2.0.1',
    'ipsec.secrets:4:psk:%any 192.0.2.10',
    'ipsec.secrets:7:psk:@www.xs4all.nl @www.kremvax.ru 10.6.0.1 10.7.0.1 1.8.0.1',
    'ipsec.secrets:10:psk:@hex.example',
    'ipsec.secrets:11:psk:@b64.example',
    'ipsec.secrets:12:psk:@text.example',
    'ipsec.secrets:13:psk:2001:db8::1 ::',
    'ipsec.secrets:16:xauth:@username',
    'ipsec.secrets:17:ppk:10.1.0.1 10.2.0.1',
    'ipsec.d/a.secrets:1:psk:C=CA, O=Libreswan, CN=road',
    'ipsec.d/b.secrets:1:psk:user@example.org @gw.example.org',
    'ipsec.secrets:20:psk:',
  ]);
  const any = parseId('%any');
  assert.equal(reveal(db.findPsk(parseId('10.1.0.1'), parseId('10.2.0.1'))), 'secret shared by two hosts');
  assert.equal(reveal(db.findPsk(parseId('192.0.2.10'), parseId('198.51.100.7'))), 'shared secret with many roadwarriors');
  assert.equal(reveal(db.findPsk(parseId('1.8.0.1'), parseId('@www.kremvax.ru'))), 'secret shared by 5 systems');
  assert.equal(reveal(db.findPsk(parseId('@hex.example'), any)), 'secret-hex');
  assert.equal(reveal(db.findPsk(parseId('@b64.example'), any)), 'secret-b64');
  assert.equal(reveal(db.findPsk(parseId('@text.example'), any)), 'secret-text');
  assert.equal(reveal(db.findPsk(parseId('2001:db8::1'), parseId('2001:db8::99'))), 'single # quoted');
  assert.equal(reveal(db.findPsk(parseId('C=CA, O=Libreswan, CN=road'), parseId('@elsewhere'))), 'from a DN');
  assert.equal(reveal(db.findXauth('username')), 'password');
  assert.equal(reveal(db.findPpk(Buffer.from('PPK_ID_1'))), 'post-quantum preshared key for extra security');
  assert.equal(db.findPpk(Buffer.from('PPK_ID_2')), null);
  // Logged: the files read, never a value.
  assert.ok(logger.lines.some((l) => l.includes('loading secrets from') && l.includes('a.secrets')));
  for (const l of logger.lines) assert.ok(!/secret shared|password|from a DN/.test(l), l);
  db.wipe();
  assert.throws(() => db.findPsk(any, any), /wiped/);
});

test('a secrets file readable or writable by group or others is refused, saying chmod 600 FILE', async () => {
  for (const mode of [0o644, 0o640, 0o604, 0o620, 0o602]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const file = writeSecret(dir, 'ipsec.secrets', '@a @b : PSK "SEKRET-perm"\n', mode);
    await assert.rejects(loadSecrets(file), (err: unknown) => {
      assert.ok(err instanceof SecretsError);
      assert.equal(err.code, 'ESECRETS');
      assert.ok(err.message.includes(`chmod 600 ${file}`), err.message);
      assert.ok(err.message.includes(`mode ${mode.toString(8).padStart(4, '0')}`), err.message);
      assert.ok(!err.message.includes('SEKRET'));
      return true;
    });
  }
  // An included file is checked too.
  const dir = stage('good');
  fs.chmodSync(path.join(dir, 'ipsec.d', 'b.secrets'), 0o644);
  await assert.rejects(loadSecrets(path.join(dir, 'ipsec.secrets'), { resolveHost }), /b\.secrets: is accessible by group or others \(mode 0644\).*chmod 600/);
  // 0400 is fine.
  const ro = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  const db = await loadSecrets(writeSecret(ro, 's', '@a @b : PSK "readonly"\n', 0o400));
  assert.equal(db.entries.length, 1);
});

test('every malformed file is refused with file:line and the reason, and without its secret', async () => {
  const dir = stage('bad');
  const manifest = JSON.parse(fs.readFileSync(path.join(CORPUS, 'bad', 'manifest.json'), 'utf8')) as {
    cases: { file: string; line: number; message: string }[];
  };
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.secrets')).sort();
  assert.deepEqual(manifest.cases.map((c) => c.file).sort(), files, 'every bad file has a manifest entry');
  for (const c of manifest.cases) {
    const file = path.join(dir, c.file);
    const logger = recordingLogger();
    await assert.rejects(loadSecrets(file, { logger, resolveHost }), (err: unknown) => {
      assert.ok(err instanceof SecretsError, `${c.file}: ${String(err)}`);
      assert.equal(err.file, file, c.file);
      assert.equal(err.line, c.line, `${c.file}: ${err.message}`);
      assert.ok(err.message.startsWith(c.line > 0 ? `${file}:${c.line}: ` : `${file}: `), err.message);
      assert.ok(err.message.includes(c.message), `${c.file}: ${err.message}`);
      assert.ok(!err.message.includes('SEKRET'), `${c.file} leaks its secret: ${err.message}`);
      return true;
    });
    for (const l of logger.lines) assert.ok(!l.includes('SEKRET'), `${c.file} logs its secret: ${l}`);
  }
});

test('an index that does not resolve is refused with file:line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  const file = writeSecret(dir, 's', '@a\n  no-such.example : PSK "SEKRET-dns"\n');
  await assert.rejects(loadSecrets(file, { resolveHost }), (err: unknown) =>
    err instanceof SecretsError && err.line === 2 && /index "no-such\.example": cannot resolve host name \(ENOTFOUND\); write @no-such\.example/.test(err.message)
    && !err.message.includes('SEKRET'));
});

test('a missing file and a glob that matches nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  await assert.rejects(loadSecrets(path.join(dir, 'nope.secrets')), /nope\.secrets: cannot read: ENOENT/);
  const logger = recordingLogger();
  const db = await loadSecrets(writeSecret(dir, 'main', 'include /nonexistent-dir/*.secrets\n@a : PSK "x-long-enough"\n'), { logger });
  assert.equal(db.entries.length, 1);
  assert.ok(logger.lines.some((l) => l.includes('no secrets file matched')));
});

test('a short quoted PSK gives the weak-secret warning without the value', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  const logger = recordingLogger();
  await loadSecrets(writeSecret(dir, 's', '@a : PSK "SEKRET"\n'), { logger });
  assert.ok(logger.lines.some((l) => l.endsWith(':1: WARNING: using a weak secret (PSK)')));
  for (const l of logger.lines) assert.ok(!l.includes('SEKRET'));
});

test('RSA and ECDSA keys from PEM files; the full inline RSA format; refusals', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeSecret(dir, 'rsa8.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  writeSecret(dir, 'rsa1.pem', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  writeSecret(dir, 'ec.pem', ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string);
  writeSecret(dir, 'enc.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string);
  writeSecret(dir, 'open.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o644);
  const jwk = rsa.privateKey.export({ format: 'jwk' });
  const h = (v: string | undefined): string => `0x${Buffer.from(v ?? '', 'base64url').toString('hex')}`;
  const inline = ['@inline : RSA {', `  Modulus: ${h(jwk.n)}`, `  PublicExponent: ${h(jwk.e)}`, `  PrivateExponent: ${h(jwk.d)}`,
    `  Prime1: ${h(jwk.p)}`, `  Prime2: ${h(jwk.q)}`, `  Exponent1: ${h(jwk.dp)}`, `  Exponent2: ${h(jwk.dq)}`, `  Coefficient: ${h(jwk.qi)}`, '  }'].join('\n');
  const file = writeSecret(dir, 'ipsec.secrets', [
    '@rsa8 : RSA "rsa8.pem"', `@rsa1 : RSA ${path.join(dir, 'rsa1.pem')}`, '@ec : ECDSA "ec.pem"', inline, ''].join('\n'));
  const db = await loadSecrets(file);
  const pub = (k: crypto.KeyObject): string => crypto.createPublicKey(k).export({ type: 'spki', format: 'der' }).toString('hex');
  const rsaPub = rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
  assert.equal(pub(db.findPrivateKey('rsa', parseId('@rsa8'))!.key), rsaPub);
  assert.equal(pub(db.findPrivateKey('rsa', parseId('@rsa1'))!.key), rsaPub);
  assert.equal(pub(db.findPrivateKey('rsa', parseId('@inline'))!.key), rsaPub);
  assert.equal(pub(db.findPrivateKey('ecdsa', parseId('@ec'))!.key), ec.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'));
  assert.equal(db.findPrivateKey('ecdsa', parseId('@rsa8')), null);

  const refuse = async (line: string, pattern: RegExp): Promise<void> => {
    const f = writeSecret(dir, 'bad.secrets', `${line}\n`);
    await assert.rejects(loadSecrets(f), (err: unknown) => err instanceof SecretsError && err.line === 1 && pattern.test(err.message));
  };
  await refuse('@x : RSA "enc.pem"', /encrypted private key/);
  await refuse('@x : RSA "ec.pem"', /holds a ec key, not RSA/);
  await refuse('@x : ECDSA "rsa8.pem"', /holds a rsa key, not ECDSA/);
  await refuse('@x : ECDSA "open.pem"', /key file .*open\.pem: is accessible by group or others.*chmod 600/);
  await refuse('@x : RSA', /RSA entry needs a PEM file name/);
  // A modulus that is not p*q (last digit changed).
  const broken = inline.replace(/(Modulus: 0x[0-9a-f]+)([0-9a-f])\n/, (_m, head: string, last: string) => `${head}${last === '0' ? '2' : '0'}\n`).replace('@inline', '@x');
  assert.notEqual(broken, inline.replace('@inline', '@x'));
  await refuse(broken, /RSA fields do not form a valid private key/);
});
