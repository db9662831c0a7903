// PRF+ (RFC 7296 §2.13) producing 64 octets of keying material with HMAC-SHA2-256, as for a Child SA's
// KEYMAT: through the addon and through node:crypto's HMAC doing the same iterations.
import * as crypto from 'node:crypto';

import { PRF, prfPlus } from '../../native/prf';
import { secretCopy } from '../../native/secret';
import { opsPerSecond } from '../measure';
import { BenchRow, Trial, TrialOptions, ratio } from '../types';

function nodePrfPlus(key: Buffer, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let n = 1; blocks.length * 32 < length; n++) {
    t = crypto.createHmac('sha256', key).update(t).update(seed).update(Buffer.of(n)).digest();
    blocks.push(t);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

async function run(options: TrialOptions): Promise<BenchRow[]> {
  const keyBytes = crypto.randomBytes(32);
  const key = secretCopy(keyBytes);
  const seed = crypto.randomBytes(32 + 32 + 8 + 8); // Ni | Nr | SPIi | SPIr
  if (!prfPlus(PRF.HMAC_SHA2_256, key, seed, 64).equals(nodePrfPlus(keyBytes, seed, 64))) {
    throw new Error('prf+ through the addon and through node:crypto disagree');
  }
  const ours = opsPerSecond(options.seconds, 16, () => {
    for (let i = 0; i < 16; i++) prfPlus(PRF.HMAC_SHA2_256, key, seed, 64).wipe();
  });
  const node = opsPerSecond(options.seconds, 16, () => {
    for (let i = 0; i < 16; i++) nodePrfPlus(keyBytes, seed, 64);
  });
  return [
    {
      name: 'PRF+ HMAC-SHA2-256, 64 octets',
      unit: 'ops/s',
      ours,
      reference: node,
      referenceName: 'node:crypto createHmac, same iterations',
      ratio: ratio(ours, node),
      node,
      nodeRatio: ratio(ours, node),
      target: '> 1 x node:crypto',
    },
  ];
}

export const prfTrial: Trial = { name: 'prf', description: 'PRF+ key derivation', run };
