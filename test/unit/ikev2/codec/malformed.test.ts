// Malformed messages: every one must raise IkeParseError (never another exception, never a read out of range).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { hex } from '../../../helpers/vectors';
import { IkeParseError, parseMessage, serializeMessage, type IkeParseReason } from '../../../../src/ikev2/codec';
import { sampleHeader, samplePayloads } from './samples';

function header(next: string, payloadBytes: number): string {
  return `0102030405060708 1112131415161718 ${next} 20 23 08 00000001 ${(28 + payloadBytes).toString(16).padStart(8, '0')}`;
}

/** A message whose header length is right for the given body, so the payload checks are reached. */
function msg(next: string, body: string): Uint8Array {
  const bytes = hex(body);
  return new Uint8Array(hex(header(next, bytes.length) + body));
}

function reasonOf(buf: Uint8Array): IkeParseReason {
  try {
    parseMessage(buf);
  } catch (e) {
    if (e instanceof IkeParseError) return e.reason;
    throw e;
  }
  assert.fail(`accepted ${Buffer.from(buf).toString('hex')}`);
}

test('a message truncated at every offset is refused with IkeParseError', () => {
  const whole = serializeMessage({ header: sampleHeader, payloads: samplePayloads() });
  for (let n = 0; n < whole.length; n++) {
    // As received (header length now wrong) and with the header length fixed up to reach the payload checks.
    const cut = whole.slice(0, n);
    reasonOf(cut);
    if (n >= 28) {
      new DataView(cut.buffer).setUint32(24, n);
      reasonOf(cut);
    }
  }
});

test('payload and substructure length errors', () => {
  const cases: [string, string, IkeParseReason][] = [
    ['2b', '00 00 0003', 'bad-length'], // payload length below the generic header
    ['2b', '00 00 0009 01020304', 'bad-length'], // payload length beyond the message
    ['2b', '00 00 0007 01020304', 'bad-length'], // leaves an octet after the last payload
    ['2b', '2b 00 0008 01020304', 'truncated'], // says another payload follows, none does
    ['2b', '00 00', 'truncated'], // half a generic header
    ['22', '00 00 0006 001f', 'bad-length'], // KE shorter than its fixed fields
    ['29', '00 00 000a 03 04 4009 dead', 'truncated'], // notify SPI size beyond the payload
    ['2a', '00 00 000e 03 04 0002 01020304 0506', 'bad-length'], // delete: SPIs do not fill the payload
    ['2c', '00 00 0018 01 000000 07 00 0011 0000 ffff 0a010000 0a0100ff', 'bad-length'], // IPv4 selector length 17
    ['2c', '00 00 0018 02 000000 07 00 0010 0000 ffff 0a010000 0a0100ff', 'bad-length'], // 2 TSs, holds 1
    ['2c', '00 00 001c 01 000000 07 00 0010 0000 ffff 0a010000 0a0100ff 00000000', 'bad-length'], // trailing
    ['21', '00 00 0010 00 00 000c 01 01 00 01 00 00 0008', 'bad-length'], // proposal length 12 > 8 remaining
    ['21', '00 00 0014 00 00 0010 01 01 00 01 00 00 0007 01 00 000c', 'bad-length'], // transform length 7
    ['21', '00 00 0014 00 00 0010 01 01 00 02 00 00 0008 01 00 000c', 'invalid-syntax'], // 2 transforms, 1st says last
    ['21', '00 00 0014 00 00 0010 01 01 00 01 03 00 0008 01 00 000c', 'invalid-syntax'], // 1 transform, says more
    ['21', '00 00 0014 02 00 0010 01 01 00 01 00 00 0008 01 00 000c', 'bad-length'], // "more proposals", none
    ['21', '00 00 0014 07 00 0010 01 01 00 01 00 00 0008 01 00 000c', 'invalid-syntax'], // bad proposal marker
    ['21', '00 00 0018 00 00 0014 01 01 00 01 00 00 000c 01 00 000c 000e 0080', 'invalid-syntax'], // Key Length as TLV
    ['21', '00 00 0018 00 00 0014 01 01 00 01 00 00 000c 01 00 000c 0063 0080', 'bad-length'], // TLV beyond transform
    ['21', '00 00 0004', 'bad-length'], // SA with no proposal
    ['30', '00 00 0008 01 01 0005', 'bad-length'], // EAP length 5 in 4 octets
    ['2f', '00 00 000c 01 000000 0001 0004', 'bad-length'], // CP attribute length beyond the payload
    ['35', '00 00 000c 0004 0003 aabbccdd', 'invalid-syntax'], // fragment 4 of 3
    ['35', '00 00 000c 0000 0003 aabbccdd', 'invalid-syntax'], // fragment 0
    ['2e', '2b 00 0008 01020304 2b000004', 'invalid-syntax'], // SK followed by another payload
  ];
  for (const [next, body, expected] of cases) assert.equal(reasonOf(msg(next, body)), expected, `${next}: ${body}`);
});

test('zero-length or out-of-range fields the RFC forbids', () => {
  const cases: [string, string][] = [
    ['28', '00 00 0004'], // empty nonce (§2.10: at least 128 bits)
    ['28', `00 00 0013 ${'00'.repeat(15)}`], // 15-octet nonce
    ['28', `00 00 0105 ${'00'.repeat(257)}`], // 257-octet nonce (§3.9: at most 256)
    ['22', '00 00 0008 001f 0000'], // KE without key exchange data
    ['23', '00 00 0008 02 000000'], // IDi FQDN without data
    ['27', '00 00 0008 02 000000'], // AUTH without data
    ['25', '00 00 0005 04'], // CERT without data
    ['2a', '00 00 0008 03 00 0002'], // delete: 2 SPIs of size 0
    ['2c', '00 00 0018 01 000000 09 00 0010 0000 ffff 0a010000 0a0100ff'], // unknown TS type
  ];
  for (const [next, body] of cases) assert.equal(reasonOf(msg(next, body)), 'invalid-syntax', `${next}: ${body}`);
  // ID_NULL (RFC 7619) is the one identity with empty data; a 16-octet nonce is fine.
  assert.equal(parseMessage(msg('23', '00 00 0008 0d 000000')).payloads.length, 1);
  assert.equal(parseMessage(msg('28', `00 00 0014 ${'00'.repeat(16)}`)).payloads.length, 1);
});

test('length fields at their maximum never read past the buffer', () => {
  for (const next of ['21', '22', '29', '2c', '2f', '30', '2e', '35', 'c8']) {
    assert.equal(reasonOf(msg(next, '00 00 ffff 00000000')), 'bad-length');
  }
  const big = msg('2b', '00 00 0008 01020304');
  new DataView(big.buffer).setUint32(24, 0xffffffff);
  assert.equal(reasonOf(big), 'bad-length');
});
