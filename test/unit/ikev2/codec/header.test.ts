// The IKE header (RFC 7296 §3.1) and the message-level checks.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { hex } from '../../../helpers/vectors';
import { IkeParseError, parseMessage, readIkeHeader, serializeMessage } from '../../../../src/ikev2/codec';
import { ExchangeType } from '../../../../src/ikev2/constants';

const b = (s: string): Uint8Array => new Uint8Array(hex(s));

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof IkeParseError, `expected IkeParseError, got ${String(e)}`);
    return e.reason;
  }
  assert.fail('no error');
}

test('header fields are read from the §3.1 layout', () => {
  // IKE_SA_INIT response (R flag 0x20), version 2.0, no payloads, message id 0, length 28.
  const m = parseMessage(hex('8877665544332211 0102030405060708 00 20 22 20 00000000 0000001c'));
  assert.deepEqual(m.header, {
    initiatorSpi: b('8877665544332211'),
    responderSpi: b('0102030405060708'),
    nextPayload: 0,
    majorVersion: 2,
    minorVersion: 0,
    exchangeType: ExchangeType.IKE_SA_INIT,
    flags: 0x20,
    initiator: false,
    response: true,
    higherVersion: false,
    messageId: 0,
    length: 28,
  });
  assert.deepEqual(m.payloads, []);
});

test('flags I, V, R and a large message id; reserved flag bits are ignored', () => {
  const h = parseMessage(hex('0000000000000001 0000000000000002 00 21 25 ff fffffffe 0000001c')).header;
  assert.equal(h.initiator, true);
  assert.equal(h.higherVersion, true);
  assert.equal(h.response, true);
  assert.equal(h.minorVersion, 1); // minor versions are ignored, not refused
  assert.equal(h.messageId, 0xfffffffe);
});

test('the serializer writes the header as §3.1 lays it out', () => {
  const wire = serializeMessage({
    header: { initiatorSpi: b('0102030405060708'), responderSpi: new Uint8Array(8), exchangeType: 37, messageId: 7, initiator: true, response: true },
    payloads: [],
  });
  assert.equal(Buffer.from(wire).toString('hex'), '0102030405060708' + '0000000000000000' + '00' + '20' + '25' + '28' + '00000007' + '0000001c');
});

test('a major version other than 2 is refused with the header attached (for INVALID_MAJOR_VERSION)', () => {
  for (const version of ['30', '10']) {
    const wire = hex(`0102030405060708 0000000000000000 00 ${version} 22 08 00000000 0000001c`);
    try {
      parseMessage(wire);
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof IkeParseError);
      assert.equal(e.reason, 'unsupported-version');
      assert.equal(e.header?.majorVersion, parseInt(version[0]!, 10));
      assert.equal(e.header?.exchangeType, 34);
    }
    // readIkeHeader alone does not judge the version.
    assert.equal(readIkeHeader(wire).majorVersion, parseInt(version[0]!, 10));
  }
});

test('the Length field must equal the datagram length; fewer than 28 octets is truncated', () => {
  const ok = '0102030405060708 0000000000000000 00 20 22 08 00000000';
  assert.equal(reason(() => parseMessage(hex(ok + '0000001d'))), 'bad-length');
  assert.equal(reason(() => parseMessage(hex(ok + '0000001b'))), 'bad-length');
  assert.equal(reason(() => parseMessage(hex(ok + 'ffffffff'))), 'bad-length');
  assert.equal(reason(() => parseMessage(hex(ok + '0000001c' + '00'))), 'bad-length');
  assert.equal(reason(() => parseMessage(hex(ok))), 'truncated');
  assert.equal(reason(() => parseMessage(new Uint8Array(0))), 'truncated');
});
