// The lifetimes a Child SA's kernel SAs carry, as Libreswan sets them (ipsec.conf(5)):
// - time: hard at salifetime, soft (rekey) rekeymargin before it;
// - bytes and packets: hard at ipsec-max-bytes / ipsec-max-packets; soft at 25% of the hard limit on the
//   original initiator and 50% on the original responder, less up to 12% of that (fuzz), so the initiator
//   is the one that usually rekeys. These are not negotiated: each end sets its own.
// A count limit beyond 2^53 (the default is 2^63) cannot be reached in any SA's life and is programmed as
// none (0), which every Kernel reads as "no limit".
import type { KernelSaLifetimes } from '../kernel/kernel';

const UNREACHABLE = 1n << 53n;
const FUZZ_PERCENT = 12n;

export interface LifetimeConfig {
  salifetime: number;
  rekeymargin: number;
  ipsecMaxBytes: string;
  ipsecMaxPackets: string;
}

/** `fuzz` in [0, 1): the share of the fuzz range taken off the soft limit (tests pass a fixed one). */
export function countLimits(hardText: string, initiator: boolean, fuzz: number): { soft: number; hard: number } {
  const hard = BigInt(hardText);
  if (hard === 0n || hard >= UNREACHABLE) return { soft: 0, hard: 0 };
  const percent = initiator ? 25n : 50n;
  const base = (hard * percent) / 100n;
  const range = (base * FUZZ_PERCENT) / 100n;
  const off = BigInt(Math.floor(Math.min(Math.max(fuzz, 0), 0.999999) * Number(range + 1n)));
  // At least 1 (0 would mean "none") and below the hard limit where there is room (a hard limit of 1: both at once).
  let soft = base - off;
  if (soft < 1n) soft = 1n;
  if (soft >= hard && hard > 1n) soft = hard - 1n;
  return { soft: Number(soft), hard: Number(hard) };
}

export function childSaLifetimes(c: LifetimeConfig, initiator: boolean, random: () => number = Math.random): KernelSaLifetimes {
  const bytes = countLimits(c.ipsecMaxBytes, initiator, random());
  const packets = countLimits(c.ipsecMaxPackets, initiator, random());
  return {
    softBytes: bytes.soft, hardBytes: bytes.hard, softPackets: packets.soft, hardPackets: packets.hard,
    softSeconds: Math.max(1, c.salifetime - c.rekeymargin), hardSeconds: c.salifetime,
  };
}
