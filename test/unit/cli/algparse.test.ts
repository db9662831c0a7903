// `ipsec algparse` through the real CLI: output, warnings on stderr, exit statuses.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { runIpsec } from '../../helpers/cli';

test('ipsec algparse ike=aes prints the echoed command and the expanded IKEv2 proposal', () => {
  const r = runIpsec(['algparse', 'ike=aes']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, "algparse -v2 'ike=aes'\n\tAES_CBC-HMAC_SHA2_512+HMAC_SHA2_256-MODP2048+MODP3072+MODP4096+MODP8192+DH19+DH20+DH21+DH31\n");
  assert.equal(r.stderr, '');
});

test('ipsec algparse -v1 -pfs esp=... and a bad string: ERROR line and exit status 1', () => {
  const r = runIpsec(['algparse', '-v1', '-pfs', 'esp=aes-sha1;modp2048', 'ike=aes-sha1-dh2']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, [
    "algparse -v1 -pfs 'esp=aes-sha1;modp2048'", '\tAES_CBC-HMAC_SHA1_96-MODP2048',
    "algparse -v1 -pfs 'ike=aes-sha1-dh2'", "\tERROR: IKE DH algorithm 'dh2' is not recognized", '',
  ].join('\n'));
});

test('ipsec algparse warns on stderr when DH is ignored without PFS', () => {
  const r = runIpsec(['algparse', 'esp=aes-sha1-dh19']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, "algparse -v2 'esp=aes-sha1-dh19'\n\tAES_CBC-HMAC_SHA1_96\n");
  assert.equal(r.stderr, 'algparse: ignoring ESP DH algorithm DH19 as PFS policy is disabled\n');
});

test('ipsec algparse: a string without a protocol goes through ike, ah and esp', () => {
  const r = runIpsec(['algparse', 'sha1']);
  assert.equal(r.status, 1);
  assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('algparse')), [
    "algparse -v2 'ike=sha1'", "algparse -v2 'ah=sha1'", "algparse -v2 'esp=sha1'",
  ]);
});

test('ipsec algparse: unknown option (124), unknown protocol (1), no argument (usage, 1), -h (usage, 0)', () => {
  const bad = runIpsec(['algparse', '-x', 'ike']);
  assert.equal(bad.status, 124);
  assert.equal(bad.stderr, 'unknown option: -x\n');
  const proto = runIpsec(['algparse', 'ike=aes', 'foo=bar']);
  assert.equal(proto.status, 1);
  assert.equal(proto.stderr, "unrecognized PROTOCOL in 'foo=bar'");
  const none = runIpsec(['algparse']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^Usage:/);
  const optionsOnly = runIpsec(['algparse', '-v1']);
  assert.equal(optionsOnly.status, 0);
  assert.equal(optionsOnly.stdout + optionsOnly.stderr, '');
  const help = runIpsec(['algparse', '-h']);
  assert.equal(help.status, 0);
  assert.match(help.stderr, /-v1 \| -ikev1/);
});

test('ipsec algparse -v lists the algorithm table on stderr, as Libreswan does', () => {
  const r = runIpsec(['algparse', '-v', 'ah=sha1']);
  assert.equal(r.status, 0);
  const lines = r.stderr.split('\n');
  assert.equal(lines[0], 'algparse: Encryption algorithms:');
  assert.ok(lines.includes('algparse:   AES_CBC            {256,192,*128} IKEv1: IKE ESP     IKEv2: IKE ESP     FIPS NSS(CBC)     aes'));
  assert.ok(lines.includes('algparse:   DH19                              IKEv1: IKE         IKEv2: IKE ESP AH  FIPS NSS(ECP)     ecp_256, ecp256'));
  assert.equal(lines.at(-2), 'algparse: leak detective found no leaks');
});
