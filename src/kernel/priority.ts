// Policy priorities (lower wins, as XFRM and the userspace data path order them): the more specific a
// selector, the lower its number, so a conn's narrowed IPsec policy wins over its broader trap, and a
// port-specific eroute over the subnet-wide one. Child SAs, trap/hold policies and `ipsec eroute` share it.
import type { KernelSelector } from './kernel';

export const POLICY_PRIORITY_BASE = 1_000_000;

export function selectorPriority(s: KernelSelector): number {
  const prefixes = Number(s.src.split('/')[1] ?? 0) + Number(s.dst.split('/')[1] ?? 0);
  const narrowing = (s.proto !== 0 ? 4 : 0) + (s.srcPort !== 0 ? 1 : 0) + (s.dstPort !== 0 ? 1 : 0);
  return POLICY_PRIORITY_BASE - prefixes * 8 - narrowing;
}

/** One key per (selector, direction): what the kernel tells policies apart by. */
export function selectorKey(s: KernelSelector, direction: string): string {
  return `${s.src}:${s.srcPort}>${s.dst}:${s.dstPort}/${s.proto} ${direction}`;
}
