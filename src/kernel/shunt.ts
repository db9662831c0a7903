// The template a %trap or %hold policy carries. XFRM has no trap or hold action: both are an ALLOW policy
// with an ESP template and no SA yet (the kernel then raises ACQUIRE and holds the packets), so such a policy
// needs a template. A conn's trap names the conn's gateways; a bare one (ipsec eroute --said %trap) names
// none: transport mode with unspecified addresses, which the kernel fills from the packet's own. The
// userspace data path and the recording kernel only keep it.
import { isIPv6 } from 'node:net';

import type { KernelPolicy, KernelSelector } from './kernel';

export function bareShuntTemplate(selector: KernelSelector): NonNullable<KernelPolicy['template']> {
  const any = isIPv6(selector.src.split('/')[0] ?? '') ? '::' : '0.0.0.0';
  return { src: any, dst: any, proto: 'esp', mode: 'transport', reqid: 0 };
}
