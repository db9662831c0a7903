// A real IKE_SA_INIT request from strongSwan's charon (test/vectors/ikev2-strongswan-ike-sa-init.json):
// every field checked against what charon was configured with and logged, and the NAT detection hashes
// recomputed with node:crypto per RFC 7296 §2.23.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import { hex, loadVectors } from '../../../helpers/vectors';
import { parseMessage, serializeMessage, type NotifyPayload } from '../../../../src/ikev2/codec';
import {
  DhGroup, EncrId, ExchangeType, HashAlgorithm, IntegId, NotifyType, notifyTypeName, PrfId, ProtocolId, TransformType,
} from '../../../../src/ikev2/constants';

interface Capture {
  name: string;
  message: string;
  from: { address: string; port: number };
  to: { address: string; port: number };
}

const [capture] = loadVectors<Capture>('ikev2-strongswan-ike-sa-init.json').vectors;

function natd(spis: Uint8Array, address: string, port: number): Buffer {
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  return crypto.createHash('sha1').update(spis).update(Buffer.from(address.split('.').map(Number))).update(p).digest();
}

test(`${capture!.name}: header and payload chain`, () => {
  const wire = hex(capture!.message);
  const m = parseMessage(wire);
  assert.equal(m.header.length, 506); // charon: "(506 bytes)"
  assert.equal(m.header.exchangeType, ExchangeType.IKE_SA_INIT);
  assert.equal(m.header.messageId, 0); // "request 0"
  assert.equal(m.header.initiator, true);
  assert.equal(m.header.response, false);
  assert.equal(m.header.majorVersion, 2);
  assert.equal(m.header.minorVersion, 0);
  assert.deepEqual(m.header.responderSpi, new Uint8Array(8));
  assert.notDeepEqual(m.header.initiatorSpi, new Uint8Array(8));
  // charon's log: [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) N(REDIR_SUP) ]
  assert.deepEqual(m.payloads.map((p) => (p.type === 41 ? notifyTypeName(p.notifyType) : p.type)), [
    33, 34, 40, 'NAT_DETECTION_SOURCE_IP', 'NAT_DETECTION_DESTINATION_IP', 'IKEV2_FRAGMENTATION_SUPPORTED',
    'SIGNATURE_HASH_ALGORITHMS', 'REDIRECT_SUPPORTED',
  ]);
  for (const p of m.payloads) assert.equal(p.type !== 'unknown' && p.critical, false);
  // Re-serializing gives back charon's octets exactly.
  assert.equal(Buffer.from(serializeMessage(m)).toString('hex'), capture!.message);
});

test(`${capture!.name}: proposals as configured (aes128-sha256-modp2048, aes256-sha384-modp3072)`, () => {
  const sa = parseMessage(hex(capture!.message)).payloads[0]!;
  assert.ok(sa.type === 33);
  assert.deepEqual(sa.proposals, [
    {
      number: 1, protocolId: ProtocolId.IKE, spi: new Uint8Array(0),
      transforms: [
        { type: TransformType.ENCR, id: EncrId.AES_CBC, keyLength: 128 },
        { type: TransformType.INTEG, id: IntegId.HMAC_SHA2_256_128 },
        { type: TransformType.PRF, id: PrfId.HMAC_SHA2_256 },
        { type: TransformType.DH, id: DhGroup.MODP2048 },
      ],
    },
    {
      number: 2, protocolId: ProtocolId.IKE, spi: new Uint8Array(0),
      transforms: [
        { type: TransformType.ENCR, id: EncrId.AES_CBC, keyLength: 256 },
        { type: TransformType.INTEG, id: IntegId.HMAC_SHA2_384_192 },
        { type: TransformType.PRF, id: PrfId.HMAC_SHA2_384 },
        { type: TransformType.DH, id: DhGroup.MODP3072 },
      ],
    },
  ]);
});

test(`${capture!.name}: KE, nonce and notifications`, () => {
  const m = parseMessage(hex(capture!.message));
  const [, ke, nonce, ...notifies] = m.payloads;
  assert.ok(ke?.type === 34 && nonce?.type === 40);
  assert.equal(ke.group, DhGroup.MODP2048);
  assert.equal(ke.data.length, 256); // a 2048-bit public value
  assert.equal(nonce.nonce.length, 32);
  const n = notifies as NotifyPayload[];
  for (const p of n) {
    assert.equal(p.protocolId, 0);
    assert.equal(p.spi.length, 0);
  }
  // §2.23: SHA-1(SPIi | SPIr | IP address | port) of the sender (source) and of the receiver (destination).
  const spis = Buffer.concat([m.header.initiatorSpi, m.header.responderSpi]);
  assert.equal(n[0]!.notifyType, NotifyType.NAT_DETECTION_SOURCE_IP);
  assert.deepEqual(Buffer.from(n[0]!.data), natd(spis, capture!.from.address, capture!.from.port));
  assert.equal(n[1]!.notifyType, NotifyType.NAT_DETECTION_DESTINATION_IP);
  assert.deepEqual(Buffer.from(n[1]!.data), natd(spis, capture!.to.address, capture!.to.port));
  assert.equal(n[2]!.data.length, 0);
  // RFC 7427 §4: a list of 16-bit hash algorithm ids.
  const algs = Buffer.from(n[3]!.data);
  assert.deepEqual([algs.readUInt16BE(0), algs.readUInt16BE(2), algs.readUInt16BE(4)], [HashAlgorithm.SHA2_256, HashAlgorithm.SHA2_384, HashAlgorithm.SHA2_512]);
  assert.equal(n[4]!.notifyType, NotifyType.REDIRECT_SUPPORTED);
  assert.equal(n[4]!.data.length, 0);
});
