// The one interface between the IKE daemon and whatever carries ESP: the kernel (netlink XFRM, PF_KEY)
// or the userspace data path. The daemon programs SAs and policies through it and reads counters;
// expiries and acquires come back as events. (strongSwan's kernel_ipsec_t plays the same role.)
import type { SecretBytes } from '../native/secret';

/** An address as text: "192.0.2.1" or "2001:db8::1". */
export type IpText = string;

/** A traffic selector as the kernel sees it: one subnet each way, a protocol, ports (0 = any). */
export interface KernelSelector {
  /** CIDR: "10.1.0.0/24". */
  src: string;
  dst: string;
  /** IP protocol number, 0 = any. */
  proto: number;
  srcPort: number;
  dstPort: number;
}

export type SaMode = 'tunnel' | 'transport';

export interface KernelSaLifetimes {
  /** 0 = no limit. The soft limit raises an 'expire' event with hard=false (rekey), the hard one deletes. */
  softBytes: number;
  hardBytes: number;
  softPackets: number;
  hardPackets: number;
  softSeconds: number;
  hardSeconds: number;
}

export interface KernelSa {
  spi: number;
  /** Outer addresses: src is the sender of ESP for this SA, dst its receiver. */
  src: IpText;
  dst: IpText;
  proto: 'esp';
  mode: SaMode;
  /** Ties the SA to its policies. */
  reqid: number;
  /** IKEv2 ENCR transform id and key length in bits (0 where the id implies it). */
  encr: { id: number; keyBits: number; keymat: SecretBytes };
  /** IKEv2 INTEG transform id; absent for AEAD. */
  integ?: { id: number; key: SecretBytes };
  esn: boolean;
  replayWindow: number;
  /** UDP encapsulation (RFC 3948): the outer UDP ports; absent = plain ESP. */
  encap?: { srcPort: number; dstPort: number };
  /** The traffic this SA may carry (checked inbound). */
  selector: KernelSelector;
  lifetimes: KernelSaLifetimes;
  /** Optional XFRM mark (mark=, mark-in=, mark-out=). */
  mark?: { value: number; mask: number };
  /** Direction from this host's point of view. */
  direction: 'in' | 'out';
}

export type PolicyDirection = 'in' | 'out' | 'fwd';

/** What a policy does with matching packets (ipsec_eroute(8)'s magic SAIDs, and plain IPsec). */
export type PolicyAction = 'ipsec' | 'pass' | 'drop' | 'reject' | 'hold' | 'trap';

export interface KernelPolicy {
  selector: KernelSelector;
  direction: PolicyDirection;
  action: PolicyAction;
  priority: number;
  /** For action 'ipsec': where the packets go and which SA (by reqid). */
  template?: { src: IpText; dst: IpText; proto: 'esp'; mode: SaMode; reqid: number };
  mark?: { value: number; mask: number };
}

export interface KernelSaCounters {
  bytes: number;
  packets: number;
  /** Seconds since the epoch of the last packet, 0 = never used. */
  lastUsed: number;
  replayDrops: number;
  authFailures: number;
}

export type KernelEvent =
  /** A trap policy matched a packet: negotiate a tunnel for it. */
  | { type: 'acquire'; selector: KernelSelector; policyDirection: PolicyDirection }
  /** An SA reached a soft (rekey) or hard (delete) lifetime. */
  | { type: 'expire'; spi: number; dst: IpText; hard: boolean }
  /** A policy with a lifetime expired. */
  | { type: 'polexpire'; selector: KernelSelector; direction: PolicyDirection; hard: boolean };

export interface Kernel {
  /** What this interface drives: 'xfrm', 'pfkey', 'userspace', or 'recording' (tests). */
  readonly name: string;
  /**
   * Every ESP SA this interface carries travels in UDP (RFC 3948), NAT or not (the userspace data path, as
   * strongSwan's libipsec): the engine then negotiates as with encapsulation=yes, so both ends float to the
   * NAT-T port and send ESP-in-UDP.
   */
  readonly requiresUdpEncap: boolean;
  /** A fresh SPI for an inbound SA from `src` to `dst` (never 0..255, never one in use). */
  allocSpi(src: IpText, dst: IpText): Promise<number>;
  addSa(sa: KernelSa): Promise<void>;
  /** Replaces an SA with the same spi/dst (e.g. after NAT mapping changes). */
  updateSa(sa: KernelSa): Promise<void>;
  delSa(spi: number, dst: IpText): Promise<void>;
  querySa(spi: number, dst: IpText): Promise<KernelSaCounters>;
  addPolicy(policy: KernelPolicy): Promise<void>;
  /** Replaces the policy with the same selector and direction. */
  updatePolicy(policy: KernelPolicy): Promise<void>;
  delPolicy(selector: KernelSelector, direction: PolicyDirection): Promise<void>;
  listPolicies(): Promise<KernelPolicy[]>;
  /** Removes every SA and policy this daemon installed. */
  flush(): Promise<void>;
  /** Acquire / expire / polexpire events. */
  onEvent(listener: (event: KernelEvent) => void): void;
  close(): Promise<void>;
}
