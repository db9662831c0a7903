// RFC 3948 demultiplexing on the NAT-T port (§2.1 UDP-encapsulated ESP: the SPI comes first and is never
// zero; §2.2 IKE: a 4-octet non-ESP marker of zeros; §2.3 NAT-keepalive: one octet 0xFF) and plain IKE
// on port 500. The datagrams are written out octet by octet from those sections.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import {
  classifyIkePort,
  classifyNattPort,
  natKeepalive,
  withNonEspMarker,
} from '../../../src/net/non-esp-marker';

/** A 28-octet IKE header (RFC 7296 §3.1): SPIi, SPIr = 0, next payload SA, version 2.0, IKE_SA_INIT. */
const IKE_HEADER = Buffer.from('0102030405060708' + '0000000000000000' + '21' + '20' + '22' + '08' + '00000000' + '0000001c', 'hex');

test('the marker is four zero octets in front of the message, which is copied unchanged', () => {
  const wire = withNonEspMarker(IKE_HEADER);
  assert.equal(wire.length, 32);
  assert.deepEqual([...wire.subarray(0, 4)], [0, 0, 0, 0]);
  assert.deepEqual(wire.subarray(4), IKE_HEADER);
  assert.notEqual(wire.buffer, IKE_HEADER.buffer, 'the message is copied, not aliased');
});

test('a keep-alive is exactly one 0xFF octet', () => {
  assert.deepEqual([...natKeepalive()], [0xff]);
});

test('on 4500: marker + IKE header is IKE, delivered without the marker', () => {
  const r = classifyNattPort(withNonEspMarker(IKE_HEADER));
  assert.equal(r.kind, 'ike');
  assert.ok(r.kind === 'ike');
  assert.deepEqual(Buffer.from(r.data), IKE_HEADER);
});

test('on 4500: one 0xFF octet is a keep-alive; one other octet is malformed', () => {
  assert.deepEqual(classifyNattPort(Uint8Array.of(0xff)), { kind: 'keepalive' });
  assert.deepEqual(classifyNattPort(Uint8Array.of(0x00)), { kind: 'malformed', reason: 'bad-keepalive' });
  assert.deepEqual(classifyNattPort(Uint8Array.of(0xfe)), { kind: 'malformed', reason: 'bad-keepalive' });
});

test('on 4500: 0xFF followed by more octets is not a keep-alive (it is ESP with SPI 0xFF......)', () => {
  const esp = Buffer.from('ff00000100000001', 'hex');
  const r = classifyNattPort(esp);
  assert.equal(r.kind, 'esp');
});

test('on 4500: a non-zero first word is ESP, handed on whole (SPI first)', () => {
  const esp = Buffer.from('c0ffee01' + '00000001' + 'aabbccddeeff0011', 'hex');
  const r = classifyNattPort(esp);
  assert.ok(r.kind === 'esp');
  assert.deepEqual(Buffer.from(r.data), esp);
  // Only one octet of the SPI non-zero still makes it ESP, not IKE.
  for (let i = 0; i < 4; i++) {
    const b = Buffer.alloc(36);
    b[i] = 1;
    assert.equal(classifyNattPort(b).kind, 'esp', `non-zero octet ${i}`);
  }
});

test('on 4500: empty, too short for a marker, a marker with less than an IKE header, or ESP shorter than SPI+seq are malformed', () => {
  assert.deepEqual(classifyNattPort(new Uint8Array(0)), { kind: 'malformed', reason: 'empty' });
  assert.deepEqual(classifyNattPort(Uint8Array.of(0, 0)), { kind: 'malformed', reason: 'short-esp' });
  assert.deepEqual(classifyNattPort(Uint8Array.of(0, 0, 0)), { kind: 'malformed', reason: 'short-esp' });
  assert.deepEqual(classifyNattPort(new Uint8Array(4)), { kind: 'malformed', reason: 'short-ike' });
  assert.deepEqual(classifyNattPort(new Uint8Array(4 + 27)), { kind: 'malformed', reason: 'short-ike' });
  assert.equal(classifyNattPort(new Uint8Array(4 + 28)).kind, 'ike');
  assert.deepEqual(classifyNattPort(Uint8Array.of(1, 2, 3, 4, 5, 6, 7)), { kind: 'malformed', reason: 'short-esp' });
  assert.equal(classifyNattPort(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)).kind, 'esp');
});

test('on 500: IKE as it is (no marker is looked for or removed), malformed when shorter than the header', () => {
  const r = classifyIkePort(IKE_HEADER);
  assert.ok(r.kind === 'ike');
  assert.equal(r.data, IKE_HEADER);
  // Four zero octets on 500 are not a marker: the datagram is delivered whole.
  const zeros = Buffer.concat([Buffer.alloc(4), IKE_HEADER]);
  const z = classifyIkePort(zeros);
  assert.ok(z.kind === 'ike');
  assert.equal(z.data.length, 32);
  assert.deepEqual(classifyIkePort(new Uint8Array(0)), { kind: 'malformed', reason: 'empty' });
  assert.deepEqual(classifyIkePort(Uint8Array.of(0xff)), { kind: 'malformed', reason: 'short-ike' });
  assert.deepEqual(classifyIkePort(IKE_HEADER.subarray(0, 27)), { kind: 'malformed', reason: 'short-ike' });
});

test('classification never throws, whatever the bytes (every length 0..64, every first octet)', () => {
  for (let n = 0; n <= 64; n++) {
    for (let first = 0; first < 256; first += 17) {
      const b = new Uint8Array(n);
      if (n > 0) b[0] = first;
      const kinds = [classifyNattPort(b).kind, classifyIkePort(b).kind];
      for (const k of kinds) assert.ok(['ike', 'esp', 'keepalive', 'malformed'].includes(k));
    }
  }
});
