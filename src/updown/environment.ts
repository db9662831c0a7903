// The PLUTO_* environment of an updown script, formatted as Libreswan's pluto formats it
// (programs/pluto/updown.c build_updown_exec), plus PLUTO_TUN for our userspace data path.
// No secret ever goes in here: scripts log their environment, and ps shows it.
import type { ChildSaInfo, IkeSaInfo } from '../ikev2/engine-api';
import type { ConnectionConfig, EndConfig, Side } from '../config/model';
import { bytesToIp, Family, ipToBytes, parseIp, parseSubnet, Subnet } from '../config/values/address';
import type { Mark } from '../config/values/scalars';

/** The operations pluto asks the script for; the suffix (-host/-client, -v6) is added by updownVerb(). */
export type UpdownOperation = 'prepare' | 'route' | 'unroute' | 'up' | 'down';

/** PLUTO_STACK: Libreswan says "xfrm" for the kernel; ours also runs ESP in userspace over a TUN. */
export type UpdownStack = 'xfrm' | 'userspace';

/** PLUTO_VERSION as Libreswan 3.x set it (current Libreswan no longer sets it; scripts may still test it). */
export const PLUTO_UPDOWN_VERSION = '2.0';

export interface UpdownRequest {
  operation: UpdownOperation;
  conn: ConnectionConfig;
  /** The Child SA for up/down; absent for prepare/route/unroute (Libreswan passes no state then). */
  child?: ChildSaInfo;
  /** Its IKE SA: the IDs as negotiated. */
  ike?: IkeSaInfo;
  stack: UpdownStack;
  /** PLUTO_INTERFACE: the real device carrying IKE and ESP ("NULL" when unknown, as Libreswan prints). */
  interfaceName?: string;
  /** PLUTO_TUN: the userspace data path's TUN device (our addition; only with stack 'userspace'). */
  tunDevice?: string;
  /**
   * PLUTO_IKE_PORTS: this daemon's UDP ports for IKE and ESP-in-UDP, "500 4500" (our addition; only with stack
   * 'userspace', where host-to-host routes into the TUN must let this host's packets from them pass).
   */
  ikePorts?: readonly number[];
  /** Resolved addresses when the conn says %defaultroute/%any; the child's addresses win when present. */
  localAddress?: string;
  remoteAddress?: string;
  /** Resolved next hop when the conn says %defaultroute; leftnexthop= wins. */
  nextHop?: string;
  /** Our client / the peer's client (one traffic selector pair); defaults: the child's first TS, the conn's subnet, the host. */
  localClient?: string;
  remoteClient?: string;
  /** The conn's reqid when there is no Child SA yet (route/unroute); a child's own reqid wins. */
  reqid?: number;
  /** PLUTO_PEER_CA: the issuer DN of the peer's certificate, when known. */
  peerCa?: string;
  /** Traffic counters and the SA's add time (seconds since the epoch), from the kernel when known. */
  inBytes?: bigint | number;
  outBytes?: bigint | number;
  addTime?: number;
  /** PLUTO_MOBIKE_EVENT=yes on a MOBIKE address change. */
  mobikeEvent?: boolean;
  /** PATH for the script; default: this process's PATH. */
  path?: string;
  /** plutodebug=updown: the script traces itself (IPSEC_INIT_SCRIPT_DEBUG). */
  debug?: boolean;
  /** PLUTO_DNS_RESOLVER; Libreswan passes the resolver it was built with. */
  dnsResolver?: string;
}

const LIBRESWAN_NULL = 'NULL';

function localSide(conn: ConnectionConfig): Side {
  return conn.local ?? 'left';
}

function endsOf(conn: ConnectionConfig): { me: EndConfig; peer: EndConfig } {
  return localSide(conn) === 'left' ? { me: conn.left, peer: conn.right } : { me: conn.right, peer: conn.left };
}

function hostAddress(end: EndConfig): string | undefined {
  const h = end.host;
  if (h === undefined) return undefined;
  if (h.kind === 'address') return h.address.text;
  if (h.kind === 'hostname') return h.address?.text;
  return undefined;
}

function familyOf(address: string): Family {
  const ip = parseIp(address);
  if (ip === undefined) throw new Error(`updown: '${address}' is not an IP address`);
  return ip.family;
}

function hostSubnet(address: string): Subnet {
  const family = familyOf(address);
  const canonical = bytesToIp(ipToBytes(address, family), family);
  const prefix = family === 4 ? 32 : 128;
  return { family, address: canonical, prefix, text: `${canonical}/${prefix}` };
}

function toSubnet(text: string): Subnet {
  if (!text.includes('/')) return hostSubnet(text);
  const r = parseSubnet(text);
  if (!r.ok) throw new Error(`updown: bad client '${text}': ${r.reason}`);
  return r.subnet;
}

/** The prefix length as a mask written as an address: "255.255.255.0", "ffff:ffff::". */
export function prefixMask(prefix: number, family: Family): string {
  const bytes = new Uint8Array(family === 4 ? 4 : 16);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i] = (0xff << (8 - bits)) & 0xff;
  }
  return bytesToIp(bytes, family);
}

/**
 * PLUTO_VERB: "-host" when our client is just our host address, else "-client" (Libreswan's legacy name);
 * "-v6" follows the client's family.
 */
export function updownVerb(operation: UpdownOperation, localClient: Subnet, localHost: string | undefined): string {
  const v6 = localClient.family === 6 ? '-v6' : '';
  const isHost =
    localHost !== undefined &&
    localClient.prefix === (localClient.family === 4 ? 32 : 128) &&
    familyOf(localHost) === localClient.family &&
    hostSubnet(localHost).address === localClient.address;
  return `${operation}${isHost ? '-host' : '-client'}${v6}`;
}

/** The mark as Libreswan prints it: "%u/%#08x" (decimal value, 0x-prefixed mask zero-padded to 8 chars). */
export function formatMark(mark: Mark): string {
  const value = mark.value >>> 0;
  const mask = mark.mask >>> 0;
  const maskText = mask === 0 ? '00000000' : `0x${mask.toString(16).padStart(6, '0')}`;
  return `${value}/${maskText}`;
}

/** SPI_IN/SPI_OUT: "0x%x" of the SPI in host order. */
export function formatSpi(spi: number): string {
  return `0x${(spi >>> 0).toString(16)}`;
}

const AUTHBY_POLICY: Record<string, string> = {
  rsasig: 'RSASIG',
  rsa: 'RSASIG',
  'rsa-sha2': 'RSASIG',
  'rsa-sha2_256': 'RSASIG',
  'rsa-sha2_384': 'RSASIG',
  'rsa-sha2_512': 'RSASIG',
  ecdsa: 'ECDSA',
  'ecdsa-sha2': 'ECDSA',
  'ecdsa-sha2_256': 'ECDSA',
  'ecdsa-sha2_384': 'ECDSA',
  'ecdsa-sha2_512': 'ECDSA',
  secret: 'PSK',
  null: 'AUTH_NULL',
  never: 'AUTH_NEVER',
};

/**
 * PLUTO_CONN_POLICY: Libreswan joins its policy bit names with '+'. We print the bits our config has
 * (authentication, ENCRYPT, TUNNEL, PFS, IKEV2_ALLOW, fragmentation, ESN); Libreswan's list also names
 * bits we have no equivalent for.
 */
export function connPolicy(conn: ConnectionConfig): string {
  const bits: string[] = [];
  for (const a of conn.authby) {
    const name = AUTHBY_POLICY[a.toLowerCase()];
    if (name !== undefined && !bits.includes(name)) bits.push(name);
  }
  bits.push('ENCRYPT');
  if (conn.type === 'tunnel') bits.push('TUNNEL');
  if (conn.pfs) bits.push('PFS');
  bits.push('IKEV2_ALLOW');
  if (conn.fragmentation !== 'no') bits.push('IKE_FRAG_ALLOW');
  if (conn.fragmentation === 'force') bits.push('IKE_FRAG_FORCE');
  if (conn.mobike) bits.push('MOBIKE');
  bits.push('ESN_NO');
  return bits.join('+');
}

/** PLUTO_CONN_KIND: a conn with a %any peer is a template, an SA of it an instance. */
function connKind(peer: EndConfig, child: ChildSaInfo | undefined): string {
  const any = peer.host === undefined || peer.host.kind === 'any';
  if (!any) return 'CK_PERMANENT';
  return child === undefined ? 'CK_TEMPLATE' : 'CK_INSTANCE';
}

function firstSubnet(end: EndConfig): Subnet | undefined {
  if (end.subnets.length > 0) return end.subnets[0];
  const s = end.subnet;
  if (s !== undefined && !('virtual' in s)) return s;
  return undefined;
}

function resolveClient(explicit: string | undefined, ts: string[] | undefined, end: EndConfig, host: string): Subnet {
  if (explicit !== undefined) return toSubnet(explicit);
  if (ts !== undefined && ts.length > 0 && ts[0] !== undefined) return toSubnet(ts[0]);
  return firstSubnet(end) ?? hostSubnet(host);
}

function count(v: bigint | number): string {
  return typeof v === 'bigint' ? v.toString() : String(Math.trunc(v));
}

/**
 * The environment for one run, in Libreswan's order. Throws only on a conn that cannot be described
 * (no address for an end): the runner turns that into a logged failure.
 */
export function buildUpdownEnvironment(req: UpdownRequest): Record<string, string> {
  const { conn, child, ike } = req;
  const { me, peer } = endsOf(conn);
  const myAddr = child?.localAddress ?? req.localAddress ?? hostAddress(me);
  const peerAddr = child?.remoteAddress ?? req.remoteAddress ?? hostAddress(peer);
  if (myAddr === undefined) throw new Error(`updown: connection "${conn.name}" has no local address`);
  if (peerAddr === undefined) throw new Error(`updown: connection "${conn.name}" has no peer address`);
  const myClient = resolveClient(req.localClient, child?.localTs, me, myAddr);
  const peerClient = resolveClient(req.remoteClient, child?.remoteTs, peer, peerAddr);
  const tunneling = (child?.mode ?? (conn.type === 'transport' ? 'transport' : 'tunnel')) === 'tunnel';
  const myProto = me.protoport?.protocol ?? 0;
  const peerProto = peer.protoport?.protocol ?? 0;
  const myPort = typeof me.protoport?.port === 'number' ? me.protoport.port : 0;
  const peerPort = typeof peer.protoport?.port === 'number' ? peer.protoport.port : 0;
  const nextHop = me.nexthop.kind === 'address' ? me.nexthop.address.text : (req.nextHop ?? peerAddr);

  const env: Record<string, string> = {};
  const set = (name: string, value: string): void => {
    env[name] = value;
  };
  set('PATH', req.path ?? process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin');
  set('PLUTO_VERSION', PLUTO_UPDOWN_VERSION);
  set('PLUTO_VERB', updownVerb(req.operation, myClient, myAddr));
  set('PLUTO_CONNECTION', conn.name);
  set('PLUTO_CONNECTION_TYPE', tunneling ? 'tunnel' : 'transport');
  set('PLUTO_VIRT_INTERFACE', LIBRESWAN_NULL);
  set('PLUTO_INTERFACE', req.interfaceName ?? LIBRESWAN_NULL);
  set('PLUTO_XFRMI_ROUTE', '');
  // Libreswan leaves PLUTO_NEXT_HOP out only when unspecified; a %direct next hop is the peer itself.
  set('PLUTO_NEXT_HOP', nextHop);
  set('PLUTO_ME', hostSubnet(myAddr).address);
  set('PLUTO_MY_ID', ike?.localId ?? me.id ?? hostSubnet(myAddr).address);
  set('PLUTO_CLIENT_FAMILY', `ipv${myClient.family}`);
  set('PLUTO_MY_CLIENT', myClient.text);
  set('PLUTO_MY_CLIENT_NET', myClient.address);
  set('PLUTO_MY_CLIENT_MASK', prefixMask(myClient.prefix, myClient.family));
  if (me.vti !== undefined) set('VTI_IP', `${me.vti.address}/${me.vti.prefix}`);
  set('PLUTO_MY_PORT', String(myPort));
  set('PLUTO_MY_PROTOCOL', String(myProto));
  set('PLUTO_SA_REQID', String(child?.reqid ?? req.reqid ?? 0));
  set('PLUTO_SA_TYPE', child === undefined ? 'none' : 'ESP');
  set('PLUTO_PEER', hostSubnet(peerAddr).address);
  set('PLUTO_PEER_ID', ike?.remoteId ?? peer.id ?? hostSubnet(peerAddr).address);
  // Transport mode behind NAT: Libreswan names the peer's (public) host, not the negotiated selector.
  const natTransport = !tunneling && child !== undefined && child.encapsulated;
  const peerHost = hostSubnet(peerAddr);
  set('PLUTO_PEER_CLIENT', natTransport ? `${peerHost.address}/${hostSubnet(myAddr).prefix}` : peerClient.text);
  set('PLUTO_PEER_CLIENT_NET', natTransport ? peerHost.address : peerClient.address);
  set('PLUTO_PEER_CLIENT_MASK', prefixMask(peerClient.prefix, peerClient.family));
  set('PLUTO_PEER_PORT', String(peerPort));
  set('PLUTO_PEER_PROTOCOL', String(peerProto));
  set('PLUTO_PEER_CA', req.peerCa ?? '');
  set('PLUTO_STACK', req.stack);
  if (req.stack === 'userspace' && req.tunDevice !== undefined) set('PLUTO_TUN', req.tunDevice);
  if (req.stack === 'userspace' && req.ikePorts !== undefined && req.ikePorts.length > 0) set('PLUTO_IKE_PORTS', req.ikePorts.join(' '));
  set('PLUTO_DNS_RESOLVER', req.dnsResolver ?? 'file');
  if (conn.metric !== 0) set('PLUTO_METRIC', String(conn.metric));
  if (conn.mtu !== undefined && conn.mtu !== 0) set('PLUTO_MTU', String(conn.mtu));
  set('PLUTO_ADDTIME', String(child === undefined ? 0 : Math.trunc(req.addTime ?? 0)));
  set('PLUTO_CONN_POLICY', connPolicy(conn));
  set('PLUTO_CONN_KIND', connKind(peer, child));
  set('PLUTO_CONN_ADDRFAMILY', `ipv${familyOf(myAddr)}`);
  set('XAUTH_FAILED', '0');
  if (me.sourceip !== undefined) {
    set('PLUTO_MY_SOURCEIP', me.sourceip.text);
    if (child !== undefined) set('PLUTO_MOBIKE_EVENT', req.mobikeEvent === true ? 'yes' : '');
  }
  set('PLUTO_IS_PEER_CISCO', '0');
  set('PLUTO_PEER_DNS_INFO', '');
  set('PLUTO_PEER_DOMAIN_INFO', '');
  set('PLUTO_PEER_BANNER', '');
  set('PLUTO_CFG_SERVER', me.modecfgserver ? '1' : '0');
  set('PLUTO_CFG_CLIENT', me.modecfgclient ? '1' : '0');
  set('PLUTO_NM_CONFIGURED', '0');
  if (child !== undefined && req.inBytes !== undefined) set('PLUTO_INBYTES', count(req.inBytes));
  if (child !== undefined && req.outBytes !== undefined) set('PLUTO_OUTBYTES', count(req.outBytes));
  const markIn = conn.markIn ?? conn.mark;
  const markOut = conn.markOut ?? conn.mark;
  if (markIn !== undefined && markIn.value !== 0) set('CONNMARK_IN', formatMark(markIn));
  if (markOut !== undefined && markOut.value !== 0) set('CONNMARK_OUT', formatMark(markOut));
  set('VTI_IFACE', '');
  set('VTI_ROUTING', 'no');
  set('VTI_SHARED', 'no');
  if (me.cat) set('CAT', 'YES');
  // Libreswan's (long-standing) naming: SPI_IN is the SPI the peer chose (our outbound SA), SPI_OUT ours.
  set('SPI_IN', formatSpi(child?.spiOut ?? 0));
  set('SPI_OUT', formatSpi(child?.spiIn ?? 0));
  if (req.debug === true) set('IPSEC_INIT_SCRIPT_DEBUG', 'yes');
  return env;
}
