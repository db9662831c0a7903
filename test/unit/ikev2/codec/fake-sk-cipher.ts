// Test stand-ins for the native SK cipher, built on node:crypto so they really encrypt and authenticate:
// AES-128-GCM-16 (RFC 5282 layout: 8-octet IV, salt || IV nonce, AAD = everything before the IV) and
// AES-128-CBC with HMAC-SHA2-256-128 (16-octet IV, ICV over everything before it).
import * as crypto from 'node:crypto';

import type { SkCipher } from '../../../../src/ikev2/codec';

export function gcmCipher(key = Buffer.alloc(16, 7), salt = Buffer.from('01020304', 'hex')): SkCipher & { sealed: number } {
  let counter = 0n;
  return {
    sealed: 0,
    sizes: { ivLength: 8, icvLength: 16, blockLength: 1, aead: true },
    seal(m, ivOffset, plaintextLength) {
      const iv = Buffer.alloc(8);
      iv.writeBigUInt64BE(++counter);
      m.set(iv, ivOffset);
      const c = crypto.createCipheriv('aes-128-gcm', key, Buffer.concat([salt, iv]));
      c.setAAD(m.subarray(0, ivOffset));
      const start = ivOffset + 8;
      const ct = c.update(m.subarray(start, start + plaintextLength));
      c.final();
      m.set(ct, start);
      m.set(c.getAuthTag(), start + plaintextLength);
      this.sealed++;
      return start + plaintextLength + 16;
    },
    open(m, ivOffset, totalLength) {
      const start = ivOffset + 8;
      const n = totalLength - start - 16;
      if (n < 0) throw new Error('fake: too short');
      const d = crypto.createDecipheriv('aes-128-gcm', key, Buffer.concat([salt, m.subarray(ivOffset, start)]));
      d.setAAD(m.subarray(0, ivOffset));
      d.setAuthTag(m.subarray(start + n, totalLength));
      const pt = d.update(m.subarray(start, start + n));
      try {
        d.final();
      } catch {
        return -1;
      }
      m.set(pt, start);
      return n;
    },
  };
}

export function cbcHmacCipher(key = Buffer.alloc(16, 9), macKey = Buffer.alloc(32, 5)): SkCipher {
  return {
    sizes: { ivLength: 16, icvLength: 16, blockLength: 16, aead: false },
    seal(m, ivOffset, plaintextLength) {
      if (plaintextLength % 16 !== 0) throw new Error('fake: CBC plaintext not padded');
      const iv = crypto.randomBytes(16);
      m.set(iv, ivOffset);
      const start = ivOffset + 16;
      const c = crypto.createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
      const ct = Buffer.concat([c.update(m.subarray(start, start + plaintextLength)), c.final()]);
      m.set(ct, start);
      const end = start + plaintextLength;
      m.set(crypto.createHmac('sha256', macKey).update(m.subarray(0, end)).digest().subarray(0, 16), end);
      return end + 16;
    },
    open(m, ivOffset, totalLength) {
      const start = ivOffset + 16;
      const end = totalLength - 16;
      if (end < start || (end - start) % 16 !== 0) throw new Error('fake: bad CBC length');
      const mac = crypto.createHmac('sha256', macKey).update(m.subarray(0, end)).digest().subarray(0, 16);
      if (!crypto.timingSafeEqual(mac, m.subarray(end, totalLength))) return -1;
      const d = crypto.createDecipheriv('aes-128-cbc', key, m.subarray(ivOffset, start)).setAutoPadding(false);
      m.set(Buffer.concat([d.update(m.subarray(start, end)), d.final()]), start);
      return end - start;
    },
  };
}
