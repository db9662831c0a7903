// Stateless cookies (RFC 7296 §2.6): Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>).
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';

import { ipToBytes } from '../config/values/address';

export class CookieJar {
  private version = 0;
  constructor(private secret: Buffer) {}

  /** A new secret (old cookies stop verifying); the daemon may call it periodically. */
  rotate(secret: Buffer): void {
    this.secret = secret;
    this.version = (this.version + 1) & 0xff;
  }

  make(ni: Uint8Array, initiatorAddress: string, spiI: Uint8Array): Uint8Array {
    const h = createHash('sha256');
    h.update(ni);
    h.update(ipToBytes(initiatorAddress, isIPv4(initiatorAddress) ? 4 : 6));
    h.update(spiI);
    h.update(this.secret);
    return new Uint8Array(Buffer.concat([Buffer.from([this.version]), h.digest()]));
  }

  verify(cookie: Uint8Array, ni: Uint8Array, initiatorAddress: string, spiI: Uint8Array): boolean {
    const expected = this.make(ni, initiatorAddress, spiI);
    return cookie.length === expected.length && cookie.every((b, i) => b === expected[i]);
  }
}
