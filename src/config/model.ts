// The typed result of loading ipsec.conf: canonical values (times in seconds, booleans, parsed
// addresses and subnets) and, for every value, where it came from.
import { Origin } from './errors';
import type { PublicKeyInfo } from './public-keys';
import type { OptionMap } from './option-map';
import { AddressRange, IpAddress, Subnet } from './values/address';
import { ConfValue, HostValue, NexthopValue, SubnetValue, VirtualPrivateEntry } from './values/parse-value';
import { Mark, ProtoPort } from './values/scalars';

/** One keyword's value. `origin` is undefined for Libreswan's default; `text` is the canonical text. */
export interface OptionValue {
  value: ConfValue;
  text: string;
  origin?: Origin;
}

export type Side = 'left' | 'right';

export interface EndConfig {
  side: Side;
  host?: HostValue;
  /** leftsubnet= (a subnet, or the IKEv1 vhost:/vnet: form). */
  subnet?: SubnetValue;
  subnets: readonly Subnet[];
  /** leftvti=: the interface's address and prefix length (host bits kept: `address` is not the network). */
  vti?: Subnet;
  addressPool?: Subnet | AddressRange;
  /** The ID as written; validated by src/config/id.ts (see external-values.ts). */
  id?: string;
  nexthop: NexthopValue;
  sourceip?: IpAddress;
  protoport?: ProtoPort;
  updown: string;
  cat: boolean;
  rsasigkey?: string;
  ecdsakey?: string;
  /** leftpubkey=: an RSA or ECDSA key (Libreswan's showhostkey --pubkey form). */
  pubkey?: string;
  /** The parsed leftrsasigkey= / leftpubkey= / leftecdsakey= (set by validateExternalValues); 'cert' for %cert. */
  publicKey?: PublicKeyInfo | 'cert';
  cert?: string;
  ckaid?: string;
  ca?: string;
  auth?: string;
  autheap: string;
  ikeport?: number;
  sendcert: string;
  xauthserver: boolean;
  xauthclient: boolean;
  username?: string;
  modecfgserver: boolean;
  modecfgclient: boolean;
}

export type AutoAction = 'ignore' | 'add' | 'ondemand' | 'start' | 'keep';
export type ConnType = 'tunnel' | 'transport' | 'passthrough' | 'drop' | 'reject';

export interface ConnectionConfig {
  name: string;
  origin: Origin;
  left: EndConfig;
  right: EndConfig;
  /** Which end is this host, decided by orientation (undefined until oriented, or when neither is local). */
  local?: Side;
  /** The also= sections merged into this conn, in merge order. */
  also: readonly string[];
  auto: AutoAction;
  type: ConnType;
  authby: readonly string[];
  keyexchange: string;
  ikev2: boolean;
  /** Algorithm strings as written (validated by src/config/algorithms/, see external-values.ts). */
  ike?: string;
  /** The Child SA algorithms from esp=, ah= or phase2alg= (one keyword in Libreswan); ESP or AH per `phase2`. */
  esp?: string;
  phase2: string;
  pfs: boolean;
  ikelifetime: number;
  salifetime: number;
  /** ipsec-max-bytes= / ipsec-max-packets=: the hard count limits of each Child SA key, decimal (up to 2^64). */
  ipsecMaxBytes: string;
  ipsecMaxPackets: string;
  rekey: boolean;
  reauth: boolean;
  rekeymargin: number;
  rekeyfuzz: number;
  /** 0 = %forever. */
  keyingtries: number;
  dpddelay: number;
  dpdtimeout: number;
  dpdaction: string;
  retransmitInterval: number;
  retransmitTimeout: number;
  encapsulation: string;
  natKeepalive: boolean;
  fragmentation: string;
  narrowing: boolean;
  mobike: boolean;
  initialContact: boolean;
  replayWindow: number;
  mark?: Mark;
  markIn?: Mark;
  markOut?: Mark;
  metric: number;
  mtu?: number;
  failureshunt: string;
  negotiationshunt: string;
  /** Every conn keyword (canonical name, leftX and rightX included) that has a value, defaults included. */
  options: OptionMap;
}

export interface ConfigSetup {
  logfile?: string;
  logtime: boolean;
  logappend: boolean;
  logip: boolean;
  plutodebug: readonly string[];
  uniqueids: boolean;
  virtualPrivate: readonly VirtualPrivateEntry[];
  keepAlive: number;
  listen?: IpAddress;
  nhelpers: number;
  seedbits: number;
  protostack: string;
  ipsecdir: string;
  secretsfile: string;
  nssdir: string;
  dumpdir: string;
  ddosMode: string;
  ddosIkeThreshold: number;
  maxHalfopenIke: number;
  /** Every setup keyword with a value, defaults included. */
  options: OptionMap;
}

export interface LoadedConfig {
  /** The top file. */
  file: string;
  setup: ConfigSetup;
  /** In file order (%default and also= resolved). */
  conns: readonly ConnectionConfig[];
  warnings: readonly string[];
}
