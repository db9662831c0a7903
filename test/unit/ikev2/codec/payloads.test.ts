// Payload layouts checked against byte strings typed from the RFC 7296 §3 figures (not produced by our
// serializer), then round trips of every payload type.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { hex } from '../../../helpers/vectors';
import { parseMessage, serializeMessage, unsupportedCriticalTypes, type Payload } from '../../../../src/ikev2/codec';
import { DhGroup, EncrId, IntegId, PrfId, TransformType } from '../../../../src/ikev2/constants';
import { sampleHeader, samplePayloads } from './samples';

/** §3.1 header of sampleHeader: IKE_AUTH (0x23), version 0x20, flags I (0x08), message id 1. */
function header(next: string, payloadBytes: number): string {
  const len = (28 + payloadBytes).toString(16).padStart(8, '0');
  return `0102030405060708 1112131415161718 ${next} 20 23 08 00000001 ${len}`;
}

/** Parses header+body and checks the serializer gives back exactly the same octets. */
function both(next: string, body: string): Payload[] {
  const bodyBytes = hex(body);
  const wire = hex(header(next, bodyBytes.length) + body);
  const msg = parseMessage(wire);
  assert.deepEqual(Buffer.from(serializeMessage(msg)).toString('hex'), wire.toString('hex'));
  return msg.payloads;
}

const b = (s: string): Uint8Array => new Uint8Array(hex(s));

test('SA payload: one IKE proposal, AES-CBC with a Key Length TV attribute (§3.3.1, §3.3.2, §3.3.5)', () => {
  const [sa] = both('21', `
    00 00 0030
    00 00 002c 01 01 00 04
    03 00 000c 01 00 000c 800e 0080
    03 00 0008 02 00 0005
    03 00 0008 03 00 000c
    00 00 0008 04 00 000e`);
  assert.deepEqual(sa, {
    type: 33,
    critical: false,
    proposals: [{
      number: 1, protocolId: 1, spi: new Uint8Array(0),
      transforms: [
        { type: TransformType.ENCR, id: EncrId.AES_CBC, keyLength: 128 },
        { type: TransformType.PRF, id: PrfId.HMAC_SHA2_256 },
        { type: TransformType.INTEG, id: IntegId.HMAC_SHA2_256_128 },
        { type: TransformType.DH, id: DhGroup.MODP2048 },
      ],
    }],
  });
});

test('TS payload with one IPv4 range, any protocol, all ports (§3.13, §3.13.1)', () => {
  const [ts] = both('2c', '00 00 0018  01 000000  07 00 0010 0000 ffff 0a010000 0a0100ff');
  assert.deepEqual(ts, {
    type: 44, critical: false,
    selectors: [{ tsType: 7, ipProtocol: 0, startPort: 0, endPort: 0xffff, startAddress: b('0a010000'), endAddress: b('0a0100ff') }],
  });
});

test('TS payload with an IPv6 range (selector length 40)', () => {
  const a = '20010db8000000000000000000000000';
  const z = '20010db8ffffffffffffffffffffffff';
  const [ts] = both('2d', `00 00 0030  01 000000  08 06 0028 0050 0050 ${a} ${z}`);
  assert.deepEqual(ts, { type: 45, critical: false, selectors: [{ tsType: 8, ipProtocol: 6, startPort: 80, endPort: 80, startAddress: b(a), endAddress: b(z) }] });
});

test('Notify with an ESP SPI (REKEY_SA) chained to a Vendor ID (§3.10, §3.12)', () => {
  const payloads = both('29', '2b 00 000c 03 04 4009 deadbeef   00 00 0008 01020304');
  assert.deepEqual(payloads, [
    { type: 41, critical: false, protocolId: 3, spi: b('deadbeef'), notifyType: 16393, data: new Uint8Array(0) },
    { type: 43, critical: false, data: b('01020304') },
  ]);
});

test('Delete payload with two ESP SPIs, and one for the IKE SA (§3.11)', () => {
  assert.deepEqual(both('2a', '00 00 0010 03 04 0002 01020304 05060708'), [
    { type: 42, critical: false, protocolId: 3, spiSize: 4, spis: [b('01020304'), b('05060708')] },
  ]);
  assert.deepEqual(both('2a', '00 00 0008 01 00 0000'), [{ type: 42, critical: false, protocolId: 1, spiSize: 0, spis: [] }]);
});

test('KE, IDi, AUTH, Nonce, CERTREQ, EAP layouts (§3.4, §3.5, §3.8, §3.9, §3.7, §3.16)', () => {
  const key = '42'.repeat(32);
  const nonce = '4e'.repeat(16);
  const payloads = both('22', `
    23 00 0028 001f 0000 ${key}
    27 00 000c 02 000000 65617374
    28 00 000c 02 000000 aabbccdd
    26 00 0014 ${nonce}
    30 00 0005 04
    00 00 0009 01 01 0005 01`);
  assert.deepEqual(payloads, [
    { type: 34, critical: false, group: 31, data: b(key) },
    { type: 35, critical: false, idType: 2, data: new TextEncoder().encode('east') },
    { type: 39, critical: false, method: 2, data: b('aabbccdd') },
    { type: 40, critical: false, nonce: b(nonce) },
    { type: 38, critical: false, encoding: 4, data: new Uint8Array(0) },
    { type: 48, critical: false, message: b('0101000501') },
  ]);
});

test('CP payload: CFG_REQUEST for an address and a DNS server (§3.15, §3.15.1)', () => {
  assert.deepEqual(both('2f', '00 00 0014 01 000000 0001 0000 0003 0004 08080808'), [
    { type: 47, critical: false, cfgType: 1, attributes: [{ type: 1, value: new Uint8Array(0) }, { type: 3, value: b('08080808') }] },
  ]);
});

test('SK payload stays opaque in parseMessage; its Next Payload is the first inner type (§3.14)', () => {
  assert.deepEqual(both('2e', '23 00 0010 000102030405060708090a0b'), [
    { type: 46, critical: false, firstInnerType: 35, body: b('000102030405060708090a0b') },
  ]);
});

test('SKF payload: fragment number and total (RFC 7383 §2.5)', () => {
  assert.deepEqual(both('35', '00 00 000c 0002 0003 aabbccdd'), [
    { type: 53, critical: false, firstInnerType: 0, fragmentNumber: 2, totalFragments: 3, body: b('aabbccdd') },
  ]);
});

test('unknown payloads are kept with their type and critical bit; the critical ones are listed (§2.5, §3.2)', () => {
  const payloads = both('c8', 'c9 80 0008 0badc0de  29 00 0004  00 80 0008 00004000');
  assert.deepEqual(payloads, [
    { type: 'unknown', payloadType: 200, critical: true, body: b('0badc0de') },
    { type: 'unknown', payloadType: 201, critical: false, body: new Uint8Array(0) },
    // A known type with C set is parsed normally: the bit only matters for unknown types.
    { type: 41, critical: true, protocolId: 0, spi: new Uint8Array(0), notifyType: 0x4000, data: new Uint8Array(0) },
  ]);
  assert.deepEqual(unsupportedCriticalTypes(payloads), [200]);
});

test('reserved bits of the generic header are ignored on receipt', () => {
  const wire = hex(header('2b', 8) + '00 7f 0008 01020304');
  assert.deepEqual(parseMessage(wire).payloads, [{ type: 43, critical: false, data: b('01020304') }]);
});

test('every payload type round-trips through serializeMessage and parseMessage', () => {
  for (const p of samplePayloads()) {
    const wire = serializeMessage({ header: sampleHeader, payloads: [p] });
    assert.deepEqual(parseMessage(wire).payloads, [p], JSON.stringify(p.type));
  }
  const all = samplePayloads();
  const msg = parseMessage(serializeMessage({ header: sampleHeader, payloads: all }));
  assert.deepEqual(msg.payloads, all);
  assert.deepEqual(unsupportedCriticalTypes(msg.payloads), [200]);
});

test('the serializer refuses values that cannot be encoded', () => {
  const bad: Payload[][] = [
    [{ type: 33, proposals: [] }],
    [{ type: 44, selectors: [{ tsType: 7, ipProtocol: 0, startPort: 0, endPort: 0, startAddress: new Uint8Array(16), endAddress: new Uint8Array(16) }] }],
    [{ type: 34, group: 70000, data: new Uint8Array(1) }],
    [{ type: 42, protocolId: 3, spiSize: 4, spis: [new Uint8Array(8)] }],
    [{ type: 46, firstInnerType: 0, body: new Uint8Array(0) }, { type: 43, data: new Uint8Array(0) }],
  ];
  for (const payloads of bad) assert.throws(() => serializeMessage({ header: sampleHeader, payloads }), RangeError);
  assert.throws(() => serializeMessage({ header: { ...sampleHeader, initiatorSpi: new Uint8Array(4) }, payloads: [] }), RangeError);
});
