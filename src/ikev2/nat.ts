// NAT detection (RFC 7296 §2.23): NAT_DETECTION_*_IP data is SHA-1(SPIi | SPIr | IP address | port).
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';

import { ipToBytes } from '../config/values/address';
import type { Endpoint } from './engine-api';
import { u16 } from './messages';

export function natHash(spiI: Uint8Array, spiR: Uint8Array, ep: Endpoint): Uint8Array {
  const h = createHash('sha1');
  h.update(spiI);
  h.update(spiR);
  h.update(ipToBytes(ep.address, isIPv4(ep.address) ? 4 : 6));
  h.update(u16(ep.port));
  return new Uint8Array(h.digest());
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface NatResult {
  /** Our address/port was rewritten on the way (DESTINATION hash mismatch). */
  localBehindNat: boolean;
  /** The peer's was (no SOURCE hash matches where the message came from). */
  remoteBehindNat: boolean;
}

/**
 * Compares the peer's hashes with what we see. Returns null when the peer sent none (it does not support
 * NAT-T, or has encapsulation=no): then no NAT is assumed.
 */
export function detectNat(
  spiI: Uint8Array, spiR: Uint8Array, sourceHashes: readonly Uint8Array[], destinationHashes: readonly Uint8Array[], local: Endpoint, remote: Endpoint,
): NatResult | null {
  if (sourceHashes.length === 0 && destinationHashes.length === 0) return null;
  const src = natHash(spiI, spiR, remote);
  const dst = natHash(spiI, spiR, local);
  return {
    remoteBehindNat: sourceHashes.length > 0 && !sourceHashes.some((h) => same(h, src)),
    localBehindNat: destinationHashes.length > 0 && !destinationHashes.some((h) => same(h, dst)),
  };
}
