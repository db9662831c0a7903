import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { opensslVersion } from '../../../src/native/binding';
import { isSecretBytes, secretCopy, secretFrom } from '../../../src/native/secret';

test('the addon loads and runs with OpenSSL 3 (Node\'s own)', () => {
  assert.match(opensslVersion(), /^OpenSSL 3\./);
  assert.ok(opensslVersion().startsWith(`OpenSSL ${process.versions.openssl} `), opensslVersion());
});

test('secretFrom copies into native memory and zeroes the source', () => {
  const src = Buffer.from('00112233445566778899', 'hex');
  const s = secretFrom(src);
  assert.ok(isSecretBytes(s));
  assert.equal(s.length, 10);
  assert.deepEqual(src, Buffer.alloc(10));
  assert.equal(s.reveal().toString('hex'), '00112233445566778899');
});

test('slice, equals and wipe', () => {
  const s = secretCopy(Buffer.from('a0a1a2a3a4a5', 'hex'));
  assert.equal(s.slice(2, 3).reveal().toString('hex'), 'a2a3a4');
  assert.ok(s.equals(Buffer.from('a0a1a2a3a4a5', 'hex')));
  assert.ok(!s.equals(Buffer.from('a0a1a2a3a4a6', 'hex')));
  assert.ok(s.equals(secretCopy(Buffer.from('a0a1a2a3a4a5', 'hex'))));
  assert.throws(() => s.slice(4, 3), /beyond the end/);
  s.wipe();
  assert.equal(s.wiped, true);
  assert.equal(s.length, 0);
  assert.equal(s.reveal().length, 0);
});

test('non-bytes arguments are TypeErrors, not crashes', () => {
  const s = secretCopy(Buffer.alloc(4));
  assert.throws(() => s.equals('abc' as unknown as Uint8Array), TypeError);
  assert.throws(() => s.slice(-1, 2), TypeError);
});
