// pluto's side of `ipsec eroute`: the outbound policies of its Kernel shown as KLIPS's eroute table, and
// --add/--replace/--del/--clear applied to them. A SAID that names an SA must be one of our installed
// outbound Child SAs: the eroute then points at it by reqid, as the Child SA's own policies do.
import { isIPv6 } from 'node:net';

import { parseIp } from '../config/values/address';
import type { ErouteArgs, ErouteEntry, Said } from '../control/eroute-wire';
import { formatSaid } from '../eroute/said';
import type { ChildSaInfo } from '../ikev2/engine-api';
import type { Kernel, KernelPolicy, KernelSelector } from '../kernel/kernel';
import { selectorKey, selectorPriority } from '../kernel/priority';
import { bareShuntTemplate } from '../kernel/shunt';

export interface ErouteDeps {
  kernel: Kernel;
  /** The Child SAs the engine has installed now. */
  childSas(): ChildSaInfo[];
}

export type ErouteResult =
  | { ok: true; entries?: ErouteEntry[]; countsKept: boolean; note?: string }
  | { ok: false; error: string };

const sameAddress = (a: string, b: string): boolean => (parseIp(a)?.text ?? a) === (parseIp(b)?.text ?? b);

function selectorText(s: KernelSelector): string {
  const ports = s.proto !== 0 || s.srcPort !== 0 || s.dstPort !== 0;
  return ports ? `${s.src}:${s.srcPort} -> ${s.dst}:${s.dstPort} proto ${s.proto}` : `${s.src} -> ${s.dst}`;
}

/** The SAID an outbound policy amounts to; an IPsec one names the newest Child SA with its reqid. */
export function saidOfPolicy(p: KernelPolicy, children: readonly ChildSaInfo[]): Said {
  if (p.action !== 'ipsec') return { kind: 'magic', action: p.action };
  const t = p.template;
  const edst = t?.dst ?? (isIPv6(p.selector.dst.split('/')[0] ?? '') ? '::' : '0.0.0.0');
  const child = children
    .filter((c) => t !== undefined && c.reqid === t.reqid && sameAddress(c.remoteAddress, t.dst))
    .sort((a, b) => b.serial - a.serial)[0];
  // No SA (yet, or any more) behind the reqid: SPI 0, as KLIPS showed an eroute whose SA was gone.
  return { kind: 'sa', proto: t?.mode === 'transport' ? 'esp' : 'tun', spi: child?.spiOut ?? 0, edst };
}

function sameSaid(a: Said, b: Said): boolean {
  if (a.kind === 'magic' || b.kind === 'magic') return a.kind === b.kind && a.kind === 'magic' && b.kind === 'magic' && a.action === b.action;
  // tun and esp both name our ESP SA.
  const proto = (p: string): string => (p === 'tun' ? 'esp' : p);
  return proto(a.proto) === proto(b.proto) && a.spi === b.spi && sameAddress(a.edst, b.edst);
}

/** The policy an eroute with `said` installs, or why there is none. */
function policyFor(selector: KernelSelector, said: Said, children: readonly ChildSaInfo[]): KernelPolicy | string {
  const base = { selector, direction: 'out' as const, priority: selectorPriority(selector) };
  if (said.kind === 'magic') {
    const needsTemplate = said.action === 'trap' || said.action === 'hold';
    return { ...base, action: said.action, ...(needsTemplate ? { template: bareShuntTemplate(selector) } : {}) };
  }
  const text = formatSaid(said);
  if (said.proto === 'ah' || said.proto === 'comp') return `no SA ${text}: this pluto negotiates ESP SAs only`;
  const out = children.find((c) => c.spiOut === said.spi && sameAddress(c.remoteAddress, said.edst));
  if (!out) {
    const inbound = children.some((c) => c.spiIn === said.spi && sameAddress(c.localAddress, said.edst));
    return inbound ? `SA ${text} is an inbound SA: an eroute sends packets through an outbound SA` : `no SA ${text} is installed`;
  }
  if (said.proto === 'tun' && out.mode !== 'tunnel') return `SA ${text} is a transport-mode SA: name it esp, not tun`;
  return { ...base, action: 'ipsec', template: { src: out.localAddress, dst: out.remoteAddress, proto: 'esp', mode: out.mode, reqid: out.reqid } };
}

async function outbound(kernel: Kernel): Promise<KernelPolicy[]> {
  return (await kernel.listPolicies()).filter((p) => p.direction === 'out');
}

export async function list(deps: ErouteDeps): Promise<ErouteEntry[]> {
  const children = deps.childSas();
  const out: ErouteEntry[] = [];
  for (const p of await outbound(deps.kernel)) {
    const packets = deps.kernel.policyPackets ? await deps.kernel.policyPackets(p.selector, 'out').catch(() => 0) : 0;
    out.push({ packets, selector: p.selector, said: saidOfPolicy(p, children) });
  }
  return out;
}

export async function runEroute(deps: ErouteDeps, args: ErouteArgs): Promise<ErouteResult> {
  const countsKept = typeof deps.kernel.policyPackets === 'function';
  const fail = (error: string): ErouteResult => ({ ok: false, error });
  try {
    if (args.op === 'list') return { ok: true, entries: await list(deps), countsKept };
    const policies = await outbound(deps.kernel);
    if (args.op === 'clear') {
      for (const p of policies) await deps.kernel.delPolicy(p.selector, 'out');
      return { ok: true, countsKept, note: `${policies.length} eroute${policies.length === 1 ? '' : 's'} deleted` };
    }
    const key = selectorKey(args.selector, 'out');
    const existing = policies.find((p) => selectorKey(p.selector, 'out') === key);
    const children = deps.childSas();
    const what = `eroute ${selectorText(args.selector)}`;
    if (args.op === 'del') {
      if (!existing) return fail(`no ${what}`);
      const has = saidOfPolicy(existing, children);
      if (args.said !== null && !sameSaid(has, args.said)) return fail(`${what} goes to ${formatSaid(has)}, not ${formatSaid(args.said)}: not deleted`);
      await deps.kernel.delPolicy(existing.selector, 'out');
      return { ok: true, countsKept };
    }
    if (args.op === 'add' && existing) return fail(`${what} exists (=> ${formatSaid(saidOfPolicy(existing, children))}); use --replace to change it`);
    if (args.op === 'replace' && !existing) return fail(`no ${what} to replace; use --add`);
    const policy = policyFor(args.selector, args.said, children);
    if (typeof policy === 'string') return fail(policy);
    if (args.op === 'add') await deps.kernel.addPolicy(policy);
    else await deps.kernel.updatePolicy(policy);
    return { ok: true, countsKept };
  } catch (err) {
    return fail(`the kernel refused: ${err instanceof Error ? err.message : String(err)}`);
  }
}
