import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseEspProposals, parseIkeProposals } from '../../../src/config/algorithms';
import type { Proposal } from '../../../src/ikev2/codec';
import { ProtocolId, TransformType as T } from '../../../src/ikev2/constants';
import {
  checkChosenProposal, formatNegotiated, negotiated, offeredGroups, selectProposal, toSaProposals,
} from '../../../src/ikev2/proposals';

const ike = (s: string): Proposal[] => toSaProposals(parseIkeProposals(s), ProtocolId.IKE, new Uint8Array(0));
const esp = (s: string, spi = new Uint8Array([1, 2, 3, 4])): Proposal[] => toSaProposals(parseEspProposals(s), ProtocolId.ESP, spi, false);
const brief = (p: Proposal): string[] => p.transforms.map((t) => `${t.type}:${t.id}${t.keyLength !== undefined ? `/${t.keyLength}` : ''}`);

test('IKE proposals: one per configured proposal, ENCR (each key length), PRF, INTEG, DH; AEAD without INTEG', () => {
  const ps = ike('aes_gcm256-sha2_256;dh19+dh31,aes-sha2;modp2048');
  assert.equal(ps.length, 2);
  assert.deepEqual(ps.map((p) => p.number), [1, 2]);
  assert.deepEqual(brief(ps[0]!), ['1:20/256', '2:5', '4:19', '4:31']);
  // No key length given: the largest, then the default (RFC 7296 §3.3.5 needs one transform per length).
  assert.deepEqual(brief(ps[1]!), ['1:12/256', '1:12/128', '2:5', '3:12', '4:14']);
  assert.equal(ps[0]!.spi.length, 0);
  assert.deepEqual(offeredGroups(ps), [19, 31, 14]);
});

test('ESP proposals carry the SPI and ESN (NO_ESN); ChaCha20-Poly1305 has no Key Length attribute', () => {
  const ps = esp('chacha20poly1305,aes128-sha2_256');
  assert.deepEqual(brief(ps[0]!), ['1:28', '5:0']);
  assert.deepEqual(brief(ps[1]!), ['1:12/128', '3:12', '5:0']);
  assert.deepEqual([...ps[0]!.spi], [1, 2, 3, 4]);
  assert.equal(ps[0]!.protocolId, ProtocolId.ESP);
});

test('selection: the first of the initiator\'s proposals we accept, its preferred transform of each type', () => {
  const offered = ike('aes128-sha2_512;dh19+dh20,aes_gcm256-sha2_256;dh31');
  const ours = ike('aes_gcm256-sha2_256;dh31,aes128-sha2_512;dh20+dh19');
  const chosen = selectProposal(offered, ours)!;
  assert.equal(chosen.number, 1, 'the initiator\'s order wins, not ours');
  assert.deepEqual(brief(chosen), ['1:12/128', '2:7', '3:14', '4:19']);
  assert.equal(formatNegotiated(negotiated(chosen)), 'AES_CBC_128-HMAC_SHA2_512_256-HMAC_SHA2_512-DH19');
});

test('selection: nothing in common is null (NO_PROPOSAL_CHOSEN)', () => {
  assert.equal(selectProposal(ike('aes_gcm256-sha2_256;dh19'), ike('aes_gcm128-sha2_256;dh19')), null, 'key length differs');
  assert.equal(selectProposal(ike('aes_gcm256-sha2_256;dh19'), ike('aes_gcm256-sha2_512;dh19')), null);
  assert.equal(selectProposal(ike('aes_gcm256-sha2_256;dh19'), ike('aes_gcm256-sha2_256;dh20')), null);
  assert.equal(selectProposal(esp('aes_gcm256'), ike('aes_gcm256-sha2_256;dh19')), null, 'another protocol');
});

test('selection: INTEG NONE from a peer that lists it matches our AEAD proposal without INTEG', () => {
  const theirs: Proposal[] = [{ number: 3, protocolId: ProtocolId.ESP, spi: new Uint8Array([9, 9, 9, 9]), transforms: [
    { type: T.ENCR, id: 20, keyLength: 256 }, { type: T.INTEG, id: 0 }, { type: T.ESN, id: 0 },
  ] }];
  const chosen = selectProposal(theirs, esp('aes_gcm256'))!;
  assert.equal(chosen.number, 3);
  assert.deepEqual(brief(chosen), ['1:20/256', '5:0']);
  assert.deepEqual([...chosen.spi], [9, 9, 9, 9]);
});

test('selection: a transform with an unknown attribute is never chosen (§3.3.6)', () => {
  const theirs: Proposal[] = [{ number: 1, protocolId: ProtocolId.ESP, spi: new Uint8Array(4), transforms: [
    { type: T.ENCR, id: 20, keyLength: 256, otherAttributes: [{ type: 99, format: 'tv', value: 1 }] }, { type: T.ESN, id: 0 },
  ] }];
  assert.equal(selectProposal(theirs, esp('aes_gcm256')), null);
});

test('selection: an ESP proposal without ESN, or CBC without INTEG, lacks a mandatory type', () => {
  const noEsn: Proposal[] = [{ number: 1, protocolId: ProtocolId.ESP, spi: new Uint8Array(4), transforms: [{ type: T.ENCR, id: 20, keyLength: 256 }] }];
  assert.equal(selectProposal(noEsn, esp('aes_gcm256')), null);
  const noInteg: Proposal[] = [{ number: 1, protocolId: ProtocolId.ESP, spi: new Uint8Array(4), transforms: [{ type: T.ENCR, id: 12, keyLength: 128 }, { type: T.ESN, id: 0 }] }];
  assert.equal(selectProposal(noInteg, esp('aes128-sha2_256')), null);
});

test('the initiator checks the single answer against what it sent', () => {
  const sent = ike('aes_gcm256-sha2_256;dh19+dh31,aes128-sha2_256;dh19');
  const ok: Proposal = { number: 1, protocolId: ProtocolId.IKE, spi: new Uint8Array(0), transforms: [
    { type: T.ENCR, id: 20, keyLength: 256 }, { type: T.PRF, id: 5 }, { type: T.DH, id: 31 },
  ] };
  assert.equal(checkChosenProposal([ok], sent), null);
  assert.match(checkChosenProposal([ok, ok], sent)!, /not one/);
  assert.match(checkChosenProposal([{ ...ok, number: 7 }], sent)!, /did not send/);
  assert.match(checkChosenProposal([{ ...ok, transforms: [...ok.transforms, { type: T.DH, id: 19 }] }], sent)!, /two transforms/);
  assert.match(checkChosenProposal([{ ...ok, transforms: ok.transforms.slice(0, 2) }], sent)!, /no transform of type 4/);
  assert.match(checkChosenProposal([{ ...ok, transforms: [{ type: T.ENCR, id: 20, keyLength: 128 }, ...ok.transforms.slice(1)] }], sent)!, /did not offer/);
  // Proposal 2 offered AES-CBC, so a GCM transform under number 2 is refused.
  assert.match(checkChosenProposal([{ ...ok, number: 2 }], sent)!, /did not offer/);
});

test('ESP algorithms print as Libreswan does', () => {
  const chosen = selectProposal(esp('aes_gcm256'), esp('aes_gcm256'))!;
  assert.equal(formatNegotiated(negotiated(chosen)), 'AES_GCM_16_256-NONE');
  const cbc = selectProposal(esp('aes256-sha2_512'), esp('aes256-sha2_512'))!;
  assert.equal(formatNegotiated(negotiated(cbc)), 'AES_CBC_256-HMAC_SHA2_512_256');
});
