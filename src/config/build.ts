// From resolved settings to the typed ConnectionConfig / ConfigSetup: fills in Libreswan's defaults and
// checks the rules that involve more than one keyword (ipsec.conf(5)).
import { ConfigError, ErrorList, Origin } from './errors';
import { CONN_KEYWORDS, END_KEYWORDS, SETUP_KEYWORDS } from './keywords';
import { DefaultValue, KeywordDef } from './keywords/types';
import { AutoAction, ConfigSetup, ConnectionConfig, ConnType, EndConfig, OptionValue, Side } from './model';
import { OptionMap } from './option-map';
import { ResolvedConn } from './resolve';
import { RawSection, Setting } from './sections';
import { formatValue } from './values/format';
import { IpAddress, Subnet } from './values/address';
import { ConfValue, NexthopValue } from './values/parse-value';

function defaultValue(def: KeywordDef): ConfValue | undefined {
  const d: DefaultValue | undefined = def.default;
  if (d === undefined) return undefined;
  if (def.value.kind === 'nexthop') return { kind: d === '%defaultroute' ? 'defaultroute' : 'direct' } as NexthopValue;
  return d as ConfValue;
}

type KeyList = ReadonlyArray<readonly [string, KeywordDef]>;

/** The keywords of a section in table order (left/right expanded), built once. */
function keyList(defs: readonly KeywordDef[], names: (def: KeywordDef) => string[]): KeyList {
  const out: [string, KeywordDef][] = [];
  for (const def of defs) {
    if (def.obsolete || def.value.kind === 'also') continue;
    for (const name of names(def)) out.push([name, def]);
  }
  return out;
}

// The ends first (all of left, then all of right), as Libreswan's readwriteconf prints them.
const CONN_KEYS: KeyList = [
  ...keyList(END_KEYWORDS, (d) => ['left' + d.name]),
  ...keyList(END_KEYWORDS, (d) => ['right' + d.name]),
  ...keyList(CONN_KEYWORDS, (d) => [d.name]),
];
const SETUP_KEYS: KeyList = keyList(SETUP_KEYWORDS, (d) => [d.name]);

/** One frozen OptionValue per default, shared by every conn: a 10,000-conn file must not allocate them anew. */
const DEFAULT_OPTIONS = new Map<string, OptionValue>();
for (const [name, def] of [...CONN_KEYS, ...SETUP_KEYS]) {
  const d = defaultValue(def);
  if (d === undefined) continue;
  if (typeof d === 'object') Object.freeze(d);
  DEFAULT_OPTIONS.set(name, Object.freeze({ value: d, text: formatValue(def.value, d) }));
}
const CONN_ORDER = CONN_KEYS.map(([name]) => name);
const SETUP_ORDER = SETUP_KEYS.map(([name]) => name);

const DEFAULT_ROUTE_NEXTHOP: OptionValue = Object.freeze({ value: Object.freeze({ kind: 'defaultroute' }) as NexthopValue, text: '%defaultroute' });

/** The values set in the file over the shared defaults. */
function collect(order: readonly string[], settings: Map<string, Setting>): OptionMap {
  const own = new Map<string, OptionValue>();
  for (const [name, setting] of settings) {
    const text = setting.text === '' ? '' : formatValue(setting.match.def.value, setting.value);
    own.set(name, { value: setting.value, text, origin: setting.origin });
  }
  return new OptionMap(order, DEFAULT_OPTIONS, own);
}

function get<T>(options: OptionMap, key: string): T {
  return options.get(key)?.value as T;
}

function end(side: Side, o: OptionMap): EndConfig {
  const k = (n: string): string => side + n;
  const text = (n: string): string | undefined => {
    const v = o.get(side + n);
    return v ? String(v.value) : undefined;
  };
  return {
    side,
    host: get(o, k('')),
    subnet: get(o, k('subnet')),
    subnets: get(o, k('subnets')) ?? [],
    vti: get(o, k('vti')),
    addressPool: get(o, k('addresspool')),
    id: text('id'),
    nexthop: get(o, k('nexthop')),
    sourceip: get(o, k('sourceip')),
    protoport: get(o, k('protoport')),
    updown: get(o, k('updown')),
    cat: get(o, k('cat')),
    rsasigkey: text('rsasigkey'),
    ecdsakey: text('ecdsakey'),
    pubkey: text('pubkey'),
    cert: text('cert'),
    ckaid: text('ckaid'),
    ca: text('ca'),
    auth: text('auth'),
    autheap: get(o, k('autheap')),
    ikeport: get(o, k('ikeport')),
    sendcert: get(o, k('sendcert')),
    xauthserver: get(o, k('xauthserver')),
    xauthclient: get(o, k('xauthclient')),
    username: text('username'),
    modecfgserver: get(o, k('modecfgserver')),
    modecfgclient: get(o, k('modecfgclient')),
  };
}

export function buildConn(r: ResolvedConn, errors: ErrorList): ConnectionConfig {
  const o = collect(CONN_ORDER, r.settings);
  // left=%defaultroute "overrides any value supplied for leftnexthop" (ipsec.conf(5)): the next hop is the
  // default route's gateway, as Libreswan's readwriteconf shows.
  for (const s of ['left', 'right'] as const) {
    const host = o.get(s)?.value as { kind?: string } | undefined;
    if (host?.kind === 'defaultroute' && !o.get(`${s}nexthop`)?.origin) o.set(`${s}nexthop`, DEFAULT_ROUTE_NEXTHOP);
    // Libreswan 4.10: a sourceip= without subnet= makes the subnet that one address (readwriteconf shows
    // leftsubnet=SOURCEIP/32), so the tunnel covers the gateway's own internal address.
    const source = o.get(`${s}sourceip`);
    if (source && !o.has(`${s}subnet`) && !o.has(`${s}subnets`) && !o.has(`${s}addresspool`)) {
      const ip = source.value as IpAddress;
      const prefix = ip.family === 4 ? 32 : 128;
      const subnet: Subnet = { family: ip.family, address: ip.text, prefix, text: `${ip.text}/${prefix}` };
      o.set(`${s}subnet`, { value: subnet, text: subnet.text, origin: source.origin });
    }
  }
  const conn: ConnectionConfig = {
    name: r.section.name,
    origin: r.section.origin,
    left: end('left', o),
    right: end('right', o),
    also: r.alsoChain,
    auto: get<AutoAction>(o, 'auto'),
    type: get<ConnType>(o, 'type'),
    authby: get(o, 'authby'),
    keyexchange: get(o, 'keyexchange'),
    ikev2: get<string>(o, 'ikev2') === 'yes',
    ike: o.has('ike') ? String(get(o, 'ike')) : undefined,
    esp: o.has('esp') ? String(get(o, 'esp')) : undefined,
    phase2: get(o, 'phase2'),
    pfs: get(o, 'pfs'),
    ikelifetime: get(o, 'ikelifetime'),
    salifetime: get(o, 'salifetime'),
    ipsecMaxBytes: get(o, 'ipsec-max-bytes'),
    ipsecMaxPackets: get(o, 'ipsec-max-packets'),
    rekey: get(o, 'rekey'),
    reauth: get(o, 'reauth'),
    rekeymargin: get(o, 'rekeymargin'),
    rekeyfuzz: get(o, 'rekeyfuzz'),
    keyingtries: get(o, 'keyingtries'),
    dpddelay: get(o, 'dpddelay'),
    dpdtimeout: get(o, 'dpdtimeout'),
    dpdaction: get(o, 'dpdaction'),
    retransmitInterval: get(o, 'retransmit-interval'),
    retransmitTimeout: get(o, 'retransmit-timeout'),
    encapsulation: get(o, 'encapsulation'),
    natKeepalive: get(o, 'nat-keepalive'),
    fragmentation: get(o, 'fragmentation'),
    narrowing: get(o, 'narrowing'),
    mobike: get(o, 'mobike'),
    initialContact: get(o, 'initial-contact'),
    replayWindow: get(o, 'replay-window'),
    mark: get(o, 'mark'),
    markIn: get(o, 'mark-in'),
    markOut: get(o, 'mark-out'),
    metric: get(o, 'metric'),
    mtu: get<number | undefined>(o, 'mtu') || undefined,
    failureshunt: get(o, 'failureshunt'),
    negotiationshunt: get(o, 'negotiationshunt'),
    options: o,
  };
  checkConn(conn, errors);
  return conn;
}

function at(conn: ConnectionConfig, key: string): Origin {
  return conn.options.get(key)?.origin ?? conn.origin;
}

/** Rules across keywords; each is one Libreswan complaint (which it prints and loads anyway) or a man page "must". */
function checkConn(conn: ConnectionConfig, errors: ErrorList): void {
  const err = (key: string, problem: string, expected?: string): void =>
    errors.add(new ConfigError(at(conn, key), `conn '${conn.name}': ${problem}`, { keyword: key, expected, kind: 'value' }));
  for (const e of [conn.left, conn.right]) {
    const s = e.side;
    if (e.subnet && e.subnets.length > 0) err(`${s}subnets`, `${s}subnet= and ${s}subnets= cannot be used together`);
    if (e.addressPool && (e.subnet || e.subnets.length > 0)) err(`${s}addresspool`, `${s}addresspool= cannot be used with ${s}subnet= or ${s}subnets=`);
    if (e.subnet && 'virtual' in e.subnet && conn.ikev2) err(`${s}subnet`, 'vhost: and vnet: are only valid for IKEv1 connections', 'ikev2=no, or a plain subnet');
    if (e.ikeport === 500) err(`${s}ikeport`, 'the IKE port cannot be 500 (that is the default port)', 'a port other than 0 and 500');
    if (e.host?.kind === 'defaultroute' && conn.options.get(`${s}nexthop`)?.origin) {
      err(`${s}nexthop`, `${s}nexthop= cannot be given when ${s}=%defaultroute (it is filled in from the default route)`);
    }
  }
  if (conn.left.host?.kind === 'defaultroute' && conn.right.host?.kind === 'defaultroute') err('right', 'left and right cannot both be %defaultroute');
  if ((conn.left.auth !== undefined) !== (conn.right.auth !== undefined)) {
    err(conn.left.auth !== undefined ? 'leftauth' : 'rightauth', 'leftauth= and rightauth= must be set together', 'both leftauth= and rightauth=, or neither');
  } else if (conn.left.auth !== undefined && conn.options.get('authby')?.origin) {
    err('authby', 'authby= cannot be used with leftauth=/rightauth=', 'either authby= or leftauth=+rightauth=');
  }
  if (conn.auto !== 'ignore') {
    for (const s of ['left', 'right'] as const) {
      if (!conn[s].host) err(s, `${s}= is required for auto=${conn.auto}`, `${s}=ADDRESS, a host name or %any`);
    }
  }
  if (conn.options.get('send-redirect')?.value === true && !conn.options.has('redirect-to')) err('send-redirect', 'send-redirect=yes needs redirect-to=');
}

export function buildSetup(section: RawSection): ConfigSetup {
  const o = collect(SETUP_ORDER, section.settings);
  return {
    logfile: o.has('logfile') ? String(get(o, 'logfile')) : undefined,
    logtime: get(o, 'logtime'),
    logappend: get(o, 'logappend'),
    logip: get(o, 'logip'),
    plutodebug: get(o, 'plutodebug'),
    uniqueids: get(o, 'uniqueids'),
    virtualPrivate: get(o, 'virtual-private') ?? [],
    keepAlive: get(o, 'keep-alive'),
    listen: get(o, 'listen'),
    nhelpers: get(o, 'nhelpers'),
    seedbits: get(o, 'seedbits'),
    protostack: get(o, 'protostack'),
    ipsecdir: get(o, 'ipsecdir'),
    secretsfile: get(o, 'secretsfile'),
    nssdir: get(o, 'nssdir'),
    dumpdir: get(o, 'dumpdir'),
    ddosMode: get(o, 'ddos-mode'),
    ddosIkeThreshold: get(o, 'ddos-ike-threshold'),
    maxHalfopenIke: get(o, 'max-halfopen-ike'),
    options: o,
  };
}
