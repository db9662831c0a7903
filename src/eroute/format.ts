// The eroute table as /proc/net/ipsec_eroute showed it (ipsec_eroute(5) of KLIPS): a packet count, the source
// and destination subnets, and the SAID, in KLIPS's columns:
//   "%-10d %-18s -> %-18s => %s"      e.g. "0          10.1.0.0/24        -> 10.2.0.0/24        => %trap"
// A selector narrowed to a transport protocol or ports (Openswan's extension of the table) shows the ports
// after the subnets and the protocol after the SAID: "10.1.0.0/24:0 -> 10.2.0.5/32:110 => tun0x135@...:6".
import type { ErouteEntry } from '../control/eroute-wire';
import type { KernelSelector } from '../kernel/kernel';
import { selectorPriority } from '../kernel/priority';
import { formatSaid } from './said';

function selectorHasPorts(s: KernelSelector): boolean {
  return s.proto !== 0 || s.srcPort !== 0 || s.dstPort !== 0;
}

export function formatErouteLine(e: ErouteEntry): string {
  const s = e.selector;
  const narrow = selectorHasPorts(s);
  const src = narrow ? `${s.src}:${s.srcPort}` : s.src;
  const dst = narrow ? `${s.dst}:${s.dstPort}` : s.dst;
  const said = narrow ? `${formatSaid(e.said)}:${s.proto}` : formatSaid(e.said);
  return `${String(e.packets).padEnd(10)} ${src.padEnd(18)} -> ${dst.padEnd(18)} => ${said}`;
}

/** Most specific first (the order the data path matches in: longer prefixes, then protocol and ports), then by text. */
export function sortEroutes(entries: readonly ErouteEntry[]): ErouteEntry[] {
  const key = (e: ErouteEntry): string => `${e.selector.src} ${e.selector.dst} ${e.selector.proto} ${e.selector.srcPort} ${e.selector.dstPort}`;
  return [...entries].sort((a, b) => {
    const d = selectorPriority(a.selector) - selectorPriority(b.selector);
    return d !== 0 ? d : key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  });
}

export function formatEroutes(entries: readonly ErouteEntry[]): string[] {
  return sortEroutes(entries).map(formatErouteLine);
}
