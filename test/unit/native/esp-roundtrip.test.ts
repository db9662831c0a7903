// Round trips (seal on an outbound SA, open on the inbound twin) for every transform and key size, with and
// without ESN, and interop-style cross-checks of AES-CBC / NULL with HMAC against node:crypto (both ways).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import { ESP_ENCR, ESP_INTEG, createEspSa, espBenchmark, espKeymatLengths, type EspSa } from '../../../src/native/esp';
import { secretCopy } from '../../../src/native/secret';

interface Transform { name: string; encr: number; keyBits: number; integ: number }

const INTEGS = [
  ['HMAC-SHA1-96', ESP_INTEG.HMAC_SHA1_96],
  ['HMAC-SHA2-256-128', ESP_INTEG.HMAC_SHA2_256_128],
  ['HMAC-SHA2-384-192', ESP_INTEG.HMAC_SHA2_384_192],
  ['HMAC-SHA2-512-256', ESP_INTEG.HMAC_SHA2_512_256],
] as const;
const TRANSFORMS: Transform[] = [
  { name: 'AES-128-GCM-16', encr: ESP_ENCR.AES_GCM_16, keyBits: 128, integ: ESP_INTEG.NONE },
  { name: 'AES-256-GCM-16', encr: ESP_ENCR.AES_GCM_16, keyBits: 256, integ: ESP_INTEG.NONE },
  { name: 'ChaCha20-Poly1305', encr: ESP_ENCR.CHACHA20_POLY1305, keyBits: 256, integ: ESP_INTEG.NONE },
  ...[128, 192, 256].flatMap((keyBits) =>
    INTEGS.map(([n, integ]) => ({ name: `AES-${keyBits}-CBC/${n}`, encr: ESP_ENCR.AES_CBC, keyBits, integ }))),
  ...INTEGS.map(([n, integ]) => ({ name: `NULL/${n}`, encr: ESP_ENCR.NULL, keyBits: 0, integ })),
];
const SIZES = [0, 1, 63, 64, 1400, 8192];
const ICV: Record<number, number> = { 0: 16, 2: 12, 12: 16, 13: 24, 14: 32 };
const DIGEST: Record<number, string> = { 2: 'sha1', 12: 'sha256', 13: 'sha384', 14: 'sha512' };

function makePair(t: Transform, esn: boolean, initialSeq = 0n) {
  const lengths = espKeymatLengths(t.encr, t.keyBits, t.integ);
  const encrKeymat = crypto.randomBytes(lengths.encr);
  const integKey = crypto.randomBytes(lengths.integ);
  const spi = 0x0a0b0c0d;
  const common = { spi, encr: t.encr, keyBits: t.keyBits, integ: t.integ, esn, replayWindow: 128, initialSeq };
  const make = (direction: 'in' | 'out') => createEspSa({ ...common, direction, encrKeymat: secretCopy(encrKeymat),
    integKey: lengths.integ ? secretCopy(integKey) : undefined });
  return { out: make('out'), inn: make('in'), encrKeymat, integKey, spi };
}

function seal(sa: EspSa, payload: Buffer, nextHeader: number): Buffer {
  const buf = Buffer.alloc(sa.headerLength + payload.length + sa.trailerMax);
  payload.copy(buf, sa.headerLength);
  const r = sa.seal(buf, sa.headerLength, payload.length, nextHeader);
  return Buffer.from(buf.subarray(r.offset, r.offset + r.length));
}

for (const t of TRANSFORMS) {
  for (const esn of [false, true]) {
    test(`round trip ${t.name}, ${esn ? 'ESN' : 'no ESN'}, sizes ${SIZES.join('/')}`, () => {
      const { out, inn } = makePair(t, esn);
      const block = t.encr === ESP_ENCR.AES_CBC ? 16 : 4;
      const ivLength = t.encr === ESP_ENCR.AES_CBC ? 16 : t.encr === ESP_ENCR.NULL ? 0 : 8;
      assert.equal(out.headerLength, 8 + ivLength);
      assert.equal(out.trailerMax, block - 1 + 2 + (ICV[t.integ] ?? -1));
      let bytes = 0;
      for (const [i, size] of SIZES.entries()) {
        const payload = crypto.randomBytes(size);
        const packet = seal(out, payload, 4 + i);
        const textLength = packet.length - out.headerLength - (ICV[t.integ] ?? 0);
        assert.equal(textLength % block, 0, 'the trailer ends on the block boundary');
        assert.ok(textLength - size - 2 < block, 'minimal padding');
        assert.equal(packet.readUInt32BE(0), 0x0a0b0c0d);
        assert.equal(packet.readUInt32BE(4), i + 1, 'sequence numbers start at 1');
        if (t.encr !== ESP_ENCR.NULL && size >= 16) {
          assert.ok(!packet.includes(payload.subarray(0, 16)), 'the payload is encrypted');
        }
        if (t.encr === ESP_ENCR.NULL) assert.deepEqual(packet.subarray(8, 8 + size), payload, 'NULL leaves it clear');
        const r = inn.open(packet, 0, packet.length);
        assert.ok(r.ok, `size ${size}: ${r.ok ? '' : r.reason}`);
        assert.equal(r.payloadOffset, out.headerLength);
        assert.equal(r.payloadLength, size);
        assert.equal(r.nextHeader, 4 + i);
        assert.equal(r.seq, BigInt(i + 1));
        assert.deepEqual(packet.subarray(r.payloadOffset, r.payloadOffset + size), payload);
        bytes += size;
      }
      assert.deepEqual(inn.counters(), { packets: SIZES.length, bytes, authFailures: 0, replayDrops: 0, tooOld: 0,
        malformed: 0, badSpi: 0, seqOverflow: 0 });
      assert.equal(out.counters().packets, SIZES.length);
      assert.equal(out.counters().bytes, bytes);
    });
  }
}

test('CBC IVs differ per packet and are not the sequence number', () => {
  const { out } = makePair(TRANSFORMS.find((t) => t.name === 'AES-128-CBC/HMAC-SHA2-256-128') as Transform, false);
  const ivs = new Set<string>();
  for (let i = 0; i < 50; i++) ivs.add(seal(out, Buffer.alloc(10), 4).subarray(8, 24).toString('hex'));
  assert.equal(ivs.size, 50);
  assert.ok(![...ivs].some((iv) => iv.startsWith('0000000000000000')));
});

// ---- node:crypto builds and checks the same packets (RFC 4303 §2, RFC 3602, RFC 4868, RFC 2410) ----

function cipherName(t: Transform): string | undefined {
  return t.encr === ESP_ENCR.AES_CBC ? `aes-${t.keyBits}-cbc` : undefined;
}

function icvOf(t: Transform, key: Buffer, authenticated: Buffer, seq: bigint, esn: boolean): Buffer {
  const h = crypto.createHmac(DIGEST[t.integ] ?? 'none', key).update(authenticated);
  if (esn) {
    const high = Buffer.alloc(4);
    high.writeUInt32BE(Number(seq >> 32n));
    h.update(high); // RFC 4303 §3.3.2.1: the high half is authenticated but not sent
  }
  return h.digest().subarray(0, ICV[t.integ]);
}

function referencePacket(t: Transform, encrKey: Buffer, integKey: Buffer, spi: number, seq: bigint, esn: boolean,
  payload: Buffer, nextHeader: number): Buffer {
  const block = t.encr === ESP_ENCR.AES_CBC ? 16 : 4;
  const padLength = (block - ((payload.length + 2) % block)) % block;
  const text = Buffer.concat([payload, Buffer.from([...Array.from({ length: padLength }, (_, i) => i + 1), padLength, nextHeader])]);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(spi, 0);
  header.writeUInt32BE(Number(seq & 0xffffffffn), 4);
  let body = text;
  let iv = Buffer.alloc(0);
  const name = cipherName(t);
  if (name) {
    iv = crypto.randomBytes(16);
    const c = crypto.createCipheriv(name, encrKey, iv).setAutoPadding(false);
    body = Buffer.concat([c.update(text), c.final()]);
  }
  const authenticated = Buffer.concat([header, iv, body]);
  return Buffer.concat([authenticated, icvOf(t, integKey, authenticated, seq, esn)]);
}

for (const t of TRANSFORMS.filter((x) => x.integ !== ESP_INTEG.NONE && (x.keyBits !== 192 || x.integ === ESP_INTEG.HMAC_SHA2_256_128))) {
  for (const esn of [false, true]) {
    test(`interop ${t.name}, ${esn ? 'ESN' : 'no ESN'}: node:crypto opens our packets and we open its packets`, () => {
      const initialSeq = esn ? 0xffff_fffdn : 0n; // crosses 2^32 with ESN
      const { out, inn, encrKeymat, integKey, spi } = makePair(t, esn, initialSeq);
      for (const [i, size] of [0, 1, 63, 64, 1400].entries()) {
        const seq = initialSeq + BigInt(i) + 1n;
        const payload = crypto.randomBytes(size);
        // Ours → node:crypto.
        const packet = seal(out, payload, 17);
        const icvLength = ICV[t.integ] ?? 0;
        const authenticated = packet.subarray(0, packet.length - icvLength);
        assert.deepEqual(packet.subarray(packet.length - icvLength), icvOf(t, integKey, authenticated, seq, esn), 'ICV');
        assert.equal(packet.readUInt32BE(4), Number(seq & 0xffffffffn));
        let text = packet.subarray(out.headerLength, packet.length - icvLength);
        const name = cipherName(t);
        if (name) {
          const d = crypto.createDecipheriv(name, encrKeymat, packet.subarray(8, 24)).setAutoPadding(false);
          text = Buffer.concat([d.update(text), d.final()]);
        }
        assert.deepEqual(text.subarray(0, size), payload);
        assert.equal(text[text.length - 1], 17);
        // node:crypto → ours.
        const theirs = referencePacket(t, encrKeymat, integKey, spi, seq, esn, payload, 6);
        const r = inn.open(theirs, 0, theirs.length);
        assert.ok(r.ok, `size ${size}: ${r.ok ? '' : r.reason}`);
        assert.equal(r.seq, seq);
        assert.equal(r.nextHeader, 6);
        assert.deepEqual(theirs.subarray(r.payloadOffset, r.payloadOffset + r.payloadLength), payload);
      }
    });
  }
}

test('the native benchmark loop runs seals and opens and reports nanoseconds', () => {
  const { out, inn } = makePair(TRANSFORMS[0] as Transform, false);
  const sealNs = espBenchmark(out, 1400, 200);
  assert.equal(typeof sealNs, 'bigint');
  assert.ok(sealNs > 0n);
  assert.equal(out.counters().packets, 200);
  const openNs = espBenchmark(inn, 1400, 100, out);
  assert.ok(openNs > 0n);
  assert.equal(inn.counters().packets, 100);
  assert.throws(() => espBenchmark(inn, 1400, 10), /peer must be a live EspSa/);
});
