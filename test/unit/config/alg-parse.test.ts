// The typed proposal parsers: results, defaults, warnings, and each error path with Libreswan's wording
// (expected messages are Libreswan 4.10 algparse's own output for the same strings).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import {
  AlgorithmError, findAlgorithm, formatProposal, IKEV2_DEFAULT_AH_PROPOSALS, IKEV2_DEFAULT_ESP_PROPOSALS,
  IKEV2_DEFAULT_IKE_PROPOSALS, offeredKeyLengths, parseAhProposals, parseEspProposals, parseIkeProposals, ProposalOptions,
} from '../../../src/config/algorithms';

const fmt = (ps: readonly { protocol: string }[]): string[] => ps.map((p) => formatProposal(p as Parameters<typeof formatProposal>[0]));

test('ike=aes-sha2;dh19 gives typed algorithms with IKEv2 transform ids', () => {
  const [p, ...rest] = parseIkeProposals('aes-sha2;dh19');
  assert.equal(rest.length, 0);
  assert.equal(p.protocol, 'IKE');
  assert.deepEqual(p.encrypt.map((e) => [e.alg.fqn, e.alg.ikev2Id, e.keyLength]), [['AES_CBC', 12, 0]]);
  assert.deepEqual(p.prf.map((a) => [a.fqn, a.ikev2Id]), [['HMAC_SHA2_256', 5]]);
  // No integrity given: it follows the PRF.
  assert.deepEqual(p.integ.map((a) => [a.fqn, a.ikev2Id]), [['HMAC_SHA2_256_128', 12]]);
  assert.deepEqual(p.dh.map((a) => [a.fqn, a.ikev2Id]), [['DH19', 19]]);
  assert.equal(formatProposal(p), 'AES_CBC-HMAC_SHA2_256-DH19');
});

test('aliases: aes = AES_CBC, sha2 = SHA2_256, aes_gcm = AES_GCM_16, modp2048 = dh14, ecp_256 = dh19', () => {
  assert.equal(findAlgorithm('encrypt', 'aes')?.fqn, 'AES_CBC');
  assert.equal(findAlgorithm('encrypt', 'AES_GCM')?.fqn, 'AES_GCM_16');
  assert.equal(findAlgorithm('encrypt', 'aes_gcm_a')?.fqn, 'AES_GCM_8');
  assert.equal(findAlgorithm('prf', 'sha2')?.fqn, 'HMAC_SHA2_256');
  assert.equal(findAlgorithm('integ', 'sha2')?.fqn, 'HMAC_SHA2_256_128');
  assert.equal(findAlgorithm('dh', 'dh14')?.fqn, 'MODP2048');
  assert.equal(findAlgorithm('dh', 'ecp_256')?.fqn, 'DH19');
  assert.equal(findAlgorithm('dh', 'x25519'), undefined);
});

test('key lengths: given in any of the three spellings, or left at 0 (all lengths)', () => {
  for (const s of ['aes128', 'aes_128', 'aes-128']) assert.equal(parseIkeProposals(s)[0].encrypt[0].keyLength, 128, s);
  assert.equal(parseIkeProposals('aes')[0].encrypt[0].keyLength, 0);
  assert.equal(parseEspProposals('aes_gcm_16_256')[0].encrypt[0].keyLength, 256);
});

test('key lengths offered in IKEv2: the given one, else largest then default; none for 3DES/ChaCha20', () => {
  const lens = (s: string): number[][] => parseIkeProposals(s)[0].encrypt.map(offeredKeyLengths);
  assert.deepEqual(lens('aes+camellia'), [[256, 128], [256, 128]]);
  assert.deepEqual(lens('aes_gcm_16'), [[256, 128]]);
  assert.deepEqual(lens('aes192+aes_256'), [[192], [256]]);
  assert.deepEqual(lens('3des'), [[]]);
  assert.deepEqual(lens('chacha20_poly1305'), [[]]);
});

test('IKEv2 defaults when ike=/esp=/ah= are absent', () => {
  const dh = 'MODP2048+MODP3072+MODP4096+MODP8192+DH19+DH20+DH21+DH31';
  assert.deepEqual(fmt(IKEV2_DEFAULT_IKE_PROPOSALS), [
    `AES_GCM_16_256-HMAC_SHA2_512+HMAC_SHA2_256-${dh}`, `AES_GCM_16_128-HMAC_SHA2_512+HMAC_SHA2_256-${dh}`,
    `AES_CBC_256-HMAC_SHA2_512+HMAC_SHA2_256-${dh}`, `AES_CBC_128-HMAC_SHA2_512+HMAC_SHA2_256-${dh}`,
  ]);
  assert.deepEqual(fmt(IKEV2_DEFAULT_ESP_PROPOSALS), [
    'AES_GCM_16_256-NONE', 'AES_GCM_16_128-NONE',
    'AES_CBC_256-HMAC_SHA2_512_256+HMAC_SHA2_256_128', 'AES_CBC_128-HMAC_SHA2_512_256+HMAC_SHA2_256_128',
  ]);
  assert.deepEqual(fmt(IKEV2_DEFAULT_AH_PROPOSALS), ['HMAC_SHA2_512_256', 'HMAC_SHA2_256_128', 'HMAC_SHA1_96']);
  assert.deepEqual(fmt(parseIkeProposals(undefined)), fmt(IKEV2_DEFAULT_IKE_PROPOSALS));
});

test('IKEv1 expands one proposal per default (simple parser)', () => {
  assert.deepEqual(fmt(parseIkeProposals('aes-sha1', { ikeVersion: 1 })), ['AES_CBC-HMAC_SHA1-MODP2048', 'AES_CBC-HMAC_SHA1-MODP1536']);
  assert.deepEqual(fmt(parseEspProposals(undefined, { ikeVersion: 1 })), ['AES_CBC-HMAC_SHA1_96']);
});

test('warnings: duplicates discarded, DH ignored when PFS is off', () => {
  const warnings: string[] = [];
  const onWarning = (m: string): void => void warnings.push(m);
  assert.deepEqual(fmt(parseIkeProposals('aes+aes128-sha1+sha1', { onWarning })), ['AES_CBC-HMAC_SHA1-MODP2048+MODP3072+MODP4096+MODP8192+DH19+DH20+DH21+DH31']);
  assert.deepEqual(fmt(parseEspProposals('aes-sha1;dh19', { pfs: false, onWarning })), ['AES_CBC-HMAC_SHA1_96']);
  assert.deepEqual(warnings, [
    'discarding duplicate IKE encryption algorithm AES_CBC_128',
    'discarding duplicate IKE PRF algorithm HMAC_SHA1',
    'ignoring ESP DH algorithm DH19 as PFS policy is disabled',
  ]);
  // With PFS (the default for a connection) the DH stays.
  assert.deepEqual(fmt(parseEspProposals('aes-sha1;dh19')), ['AES_CBC-HMAC_SHA1_96-DH19']);
});

const ERRORS: [string, (t: string, o?: ProposalOptions) => unknown, string, ProposalOptions, string][] = [
  ['ike', parseIkeProposals, '', {}, 'IKE proposal is empty'],
  ['ike', parseIkeProposals, 'aes,', {}, 'IKE encryption algorithm is empty'],
  ['ike', parseIkeProposals, 'aes--dh19', {}, 'IKE PRF algorithm is empty'],
  ['ike', parseIkeProposals, 'aes-sha1-', {}, 'IKE DH algorithm is empty'],
  ['ah', parseAhProposals, ';dh19', {}, 'AH integrity algorithm is empty'],
  ['ike', parseIkeProposals, 'foo', {}, "IKE encryption algorithm 'foo' is not recognized"],
  ['ike', parseIkeProposals, 'des', {}, "IKE encryption algorithm 'des' is not supported"],
  ['ike', parseIkeProposals, 'aes_ccm', {}, "IKE encryption algorithm 'aes_ccm' is not supported"],
  ['ike', parseIkeProposals, 'aes_gcm', { ikeVersion: 1 }, "IKE encryption algorithm 'aes_gcm' is not supported by IKEv1"],
  ['esp', parseEspProposals, 'aes-hmac_sha2_256_truncbug', {}, "ESP integrity algorithm 'hmac_sha2_256_truncbug' is not supported by IKEv2"],
  ['ike', parseIkeProposals, 'aes-md5', { fips: true }, "IKE PRF algorithm 'md5' is not supported"],
  ['ike', parseIkeProposals, 'aes_gcm-dh19', {}, "IKE PRF algorithm 'dh19' is not recognized"],
  ['ike', parseIkeProposals, 'aes-sha1-dh22', {}, "IKE DH algorithm 'dh22' is not supported"],
  ['esp', parseEspProposals, 'aes0', {}, 'ESP encryption key length is zero'],
  ['esp', parseEspProposals, 'aes-12x', {}, "ESP encryption algorithm 'aes-12x' key length contains a non-numeric character"],
  ['esp', parseEspProposals, 'aes_gcm-123456789012345', {}, "ESP encryption algorithm 'aes_gcm-123456789012345' key length WAY too big"],
  ['esp', parseEspProposals, 'aes224', {}, 'ESP encryption algorithm AES_CBC with key length 224 invalid; valid key lengths: 128, 192, 256'],
  ['esp', parseEspProposals, '3des168-sha1', {}, 'ESP encryption algorithm 3DES_CBC does not allow a key lengths'],
  ['ike', parseIkeProposals, 'aes-sha1;dh19-dh20', {}, "IKE proposal contains unexpected 'dh20'"],
  ['ike', parseIkeProposals, 'aes-sha1-dh19-x', { ikeVersion: 1 }, "IKE proposals contain unexpected 'x'"],
  ['ike', parseIkeProposals, 'aes_gcm+aes', {}, 'AEAD and non-AEAD IKE encryption algorithm cannot be combined'],
  ['esp', parseEspProposals, 'aes_gcm-sha1', {}, "AEAD ESP encryption algorithm AES_GCM_16 must have 'NONE' as the integrity algorithm"],
  ['esp', parseEspProposals, 'aes-none', {}, "non-AEAD ESP encryption algorithm AES_CBC cannot have 'NONE' as the integrity algorithm"],
  ['ike', parseIkeProposals, 'aes-sha1;none', {}, "IKE DH algorithm 'none' not permitted"],
  ['ah', parseAhProposals, 'none', {}, "AH cannot have 'none' as the integrity algorithm"],
  ['esp', parseEspProposals, 'aes-sha1,aes-sha1-dh19', { pfs: true }, 'either all or no ESP proposals should specify DH'],
  ['esp', parseEspProposals, 'aes-sha1-dh19,aes-sha2-dh20', { pfs: true }, 'more than one IKEv2 ESP DH algorithm (DH19, DH20) requires unimplemented CHILD_SA INVALID_KE'],
  ['esp', parseEspProposals, 'aes-sha1-dh5,aes-sha2-dh14', { pfs: true, ikeVersion: 1 }, 'more than one IKEv1 ESP DH algorithm (MODP1536, MODP2048) is not allowed in quick mode'],
];

for (const [proto, parse, text, options, message] of ERRORS) {
  test(`${proto}=${text}${Object.keys(options).length ? ` ${JSON.stringify(options)}` : ''} is refused: ${message}`, () => {
    assert.throws(() => parse(text, options), (err: unknown) => {
      assert.ok(err instanceof AlgorithmError);
      assert.equal(err.code, 'EALGORITHM');
      assert.equal(err.protocol, proto.toUpperCase());
      assert.equal(err.message, message);
      return true;
    });
  });
}
