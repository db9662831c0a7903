// ESP seal throughput: the addon in its native loop (how the data path calls it), the addon with one
// JavaScript call per packet, node:crypto building the same packet, and `openssl speed` for the cipher.
import * as crypto from 'node:crypto';

import { createEspSa, espBenchmark, espKeymatLengths, ESP_ENCR, ESP_INTEG, EspSa } from '../../native/esp';
import { secretCopy } from '../../native/secret';
import { gbps, opsPerSecond } from '../measure';
import { opensslCipherBytesPerSecond, opensslHmacBytesPerSecond } from '../openssl-speed';
import { BenchRow, Trial, TrialOptions, ratio } from '../types';

interface EspSuite {
  label: string;
  encr: number;
  keyBits: number;
  integ: number;
  /** OpenSSL's figure for the same work at one size (bytes/s), or null. */
  openssl: (size: number, seconds: number) => number | null;
  opensslName: string;
  /** node:crypto sealing one packet of `size` payload octets. */
  node: (size: number) => () => void;
}

function nodeAead(cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305', keyLen: number): (size: number) => () => void {
  return (size) => {
    const key = crypto.randomBytes(keyLen);
    const salt = crypto.randomBytes(4);
    const packet = Buffer.alloc(8 + 8 + size + 2 + 3 + 16);
    let seq = 0n;
    return () => {
      seq++;
      const nonce = Buffer.alloc(12);
      salt.copy(nonce, 0);
      nonce.writeBigUInt64BE(seq, 4);
      const c = crypto.createCipheriv(cipher as 'aes-128-gcm', key, nonce, { authTagLength: 16 });
      c.setAAD(packet.subarray(0, 8));
      const body = packet.subarray(16, 16 + size + 2);
      c.update(body).copy(packet, 16);
      c.final();
      c.getAuthTag().copy(packet, 16 + size + 2);
    };
  };
}

function nodeCbcHmac(size: number): () => void {
  const key = crypto.randomBytes(16);
  const mac = crypto.randomBytes(32);
  const padded = Math.ceil((size + 2) / 16) * 16;
  const packet = Buffer.alloc(8 + 16 + padded + 16);
  return () => {
    const iv = crypto.randomBytes(16);
    const c = crypto.createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
    c.update(packet.subarray(24, 24 + padded)).copy(packet, 24);
    c.final();
    iv.copy(packet, 8);
    crypto.createHmac('sha256', mac).update(packet.subarray(0, 24 + padded)).digest().copy(packet, 24 + padded, 0, 16);
  };
}

const SUITES: EspSuite[] = [
  {
    label: 'AES-128-GCM', encr: ESP_ENCR.AES_GCM_16, keyBits: 128, integ: ESP_INTEG.NONE,
    openssl: (size, s) => opensslCipherBytesPerSecond('aes-128-gcm', size, s), opensslName: 'openssl speed -evp aes-128-gcm',
    node: nodeAead('aes-128-gcm', 16),
  },
  {
    label: 'AES-256-GCM', encr: ESP_ENCR.AES_GCM_16, keyBits: 256, integ: ESP_INTEG.NONE,
    openssl: (size, s) => opensslCipherBytesPerSecond('aes-256-gcm', size, s), opensslName: 'openssl speed -evp aes-256-gcm',
    node: nodeAead('aes-256-gcm', 32),
  },
  {
    label: 'ChaCha20-Poly1305', encr: ESP_ENCR.CHACHA20_POLY1305, keyBits: 256, integ: ESP_INTEG.NONE,
    openssl: (size, s) => opensslCipherBytesPerSecond('chacha20-poly1305', size, s), opensslName: 'openssl speed -evp chacha20-poly1305',
    node: nodeAead('chacha20-poly1305', 32),
  },
  {
    label: 'AES-128-CBC+HMAC-SHA2-256-128', encr: ESP_ENCR.AES_CBC, keyBits: 128, integ: ESP_INTEG.HMAC_SHA2_256_128,
    openssl: (size, s) => {
      // The two passes in sequence: 1 / (1/cbc + 1/hmac).
      const cbc = opensslCipherBytesPerSecond('aes-128-cbc', size, s);
      const mac = opensslHmacBytesPerSecond('sha256', size, s);
      return cbc && mac ? 1 / (1 / cbc + 1 / mac) : null;
    },
    opensslName: 'openssl speed -evp aes-128-cbc + -hmac sha256',
    node: nodeCbcHmac,
  },
];

function makeSa(suite: EspSuite): EspSa {
  const lengths = espKeymatLengths(suite.encr, suite.keyBits, suite.integ);
  return createEspSa({
    spi: 0x1000,
    direction: 'out',
    encr: suite.encr,
    keyBits: suite.keyBits,
    integ: suite.integ,
    encrKeymat: secretCopy(crypto.randomBytes(lengths.encr)),
    integKey: lengths.integ > 0 ? secretCopy(crypto.randomBytes(lengths.integ)) : undefined,
    esn: true,
    replayWindow: 0,
  });
}

async function run(options: TrialOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const suite of SUITES) {
    for (const size of options.sizes) {
      const sa = makeSa(suite);
      // The native loop: count packets chosen to last about `seconds`.
      const probe = Number(espBenchmark(sa, size, 2000));
      const count = Math.max(2000, Math.round((options.seconds * 1e9 * 2000) / Math.max(1, probe)));
      espBenchmark(sa, size, Math.round(count / 10));
      const nativeNs = Number(espBenchmark(sa, size, count));
      const nativeBps = (count * size * 1e9) / nativeNs;

      const buf = Buffer.alloc(sa.headerLength + size + sa.trailerMax);
      const perCall = opsPerSecond(options.seconds, 64, () => {
        for (let i = 0; i < 64; i++) sa.seal(buf, sa.headerLength, size, 4);
      });
      sa.wipe();
      const nodeOps = opsPerSecond(options.seconds, 1, suite.node(size));
      const opensslBps = options.openssl ? suite.openssl(size, options.seconds) : null;
      const name = `ESP seal ${suite.label} ${size}B`;
      rows.push({
        name: `${name} (native loop)`,
        unit: 'GB/s',
        ours: gbps(nativeBps),
        reference: opensslBps === null ? null : gbps(opensslBps),
        referenceName: opensslBps === null ? 'openssl speed (not run)' : suite.opensslName,
        ratio: ratio(nativeBps, opensslBps),
        node: gbps(nodeOps * size),
        nodeRatio: ratio(nativeBps, nodeOps * size),
        target: size === 1400 ? '>= 0.9 x openssl' : undefined,
      });
      rows.push({
        name: `${name} (one JS call per packet)`,
        unit: 'GB/s',
        ours: gbps(perCall * size),
        reference: gbps(nodeOps * size),
        referenceName: 'node:crypto, same packet',
        ratio: ratio(perCall, nodeOps),
        target: '> 1 x node:crypto',
      });
    }
  }
  return rows;
}

export const espTrial: Trial = { name: 'esp', description: 'ESP seal throughput per transform and packet size', run };
