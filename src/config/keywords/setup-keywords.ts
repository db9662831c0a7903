// `config setup` keywords of Libreswan 4.10, with aliases, obsolete names and defaults.
import { KeywordDef, int, oneOf, pathValue, str, time, yesno } from './types';

function g(name: string, value: KeywordDef['value'], extra: Partial<KeywordDef> = {}): KeywordDef {
  return { name, section: 'setup', perSide: false, value, ...extra };
}

/** plutodebug classes: the current ones, and the old names Libreswan maps to base or tmi. */
const DEBUG: Record<string, string> = {
  none: 'none', all: 'all', base: 'base', 'cpu-usage': 'cpu-usage', crypt: 'crypt', tmi: 'tmi', private: 'private',
  refcnt: 'refcnt', whackwatch: 'whackwatch', 'add-prefix': 'add-prefix',
};
for (const name of Object.keys({ ...DEBUG })) {
  if (name !== 'none' && name !== 'all') DEBUG[`no-${name}`] = `no-${name}`;
}

export const SETUP_KEYWORDS: readonly KeywordDef[] = [
  g('protostack', oneOf(['xfrm', 'bsd'], { netkey: 'xfrm', native: 'xfrm', auto: 'xfrm', klips: 'xfrm', mast: 'xfrm', kame: 'bsd' }), { default: 'xfrm' }),
  g('listen', { kind: 'ip' }),
  g('listen-udp', yesno, { default: true }),
  g('listen-tcp', yesno, { default: false }),
  g('ike-socket-bufsize', int(0, 0x7fffffff)),
  g('ike-socket-errqueue', yesno, { default: true }),
  g('nflog-all', int(0, 65535), { default: 0 }),
  // keep-alive, ocsp-timeout and xfrmlifetime are whole seconds in Libreswan 4.10 (it reads "20s" as 0).
  g('keep-alive', int(0, 0x7fffffff), { default: 20 }),
  g('virtual-private', { kind: 'virtualPrivate' }, { oldNames: ['virtual_private'] }),
  g('myvendorid', str),
  g('nhelpers', int(-1, 1000), { default: -1 }),
  g('seedbits', int(0, 0x7fffffff), { default: 0 }),
  g('ikev1-secctx-attr-type', int(0, 65535), { oldNames: ['secctx-attr-type'], default: 32001 }),
  g('ikev1-policy', oneOf(['accept', 'reject', 'drop']), { default: 'drop' }),
  g('crlcheckinterval', time(), { default: 0 }),
  g('crl-strict', yesno, { default: false }),
  g('curl-iface', str),
  g('curl-timeout', time(), { default: 5 }),
  g('ocsp-enable', yesno, { default: false }),
  g('ocsp-strict', yesno, { default: false }),
  g('ocsp-method', oneOf(['get', 'post']), { default: 'get' }),
  g('ocsp-timeout', int(0, 0x7fffffff), { default: 2 }),
  g('ocsp-uri', str),
  g('ocsp-trustname', str),
  g('ocsp-cache-size', int(0, 0x7fffffff), { default: 1000 }),
  g('ocsp-cache-min-age', time(), { default: 3600 }),
  g('ocsp-cache-max-age', time(), { default: 86400 }),
  g('syslog', str, { default: 'daemon.error' }),
  g('plutodebug', { kind: 'enumList', map: DEBUG, separators: 'space-or-comma' }, { default: ['none'] }),
  g('uniqueids', yesno, { default: true }),
  g('logfile', pathValue, { oldNames: ['plutostderrlog'] }),
  g('logappend', yesno, { default: true }),
  g('logip', yesno, { default: true }),
  g('audit-log', yesno, { default: true }),
  g('logtime', yesno, { default: true }),
  g('ddos-mode', oneOf(['auto', 'busy', 'unlimited']), { default: 'auto' }),
  g('ddos-ike-threshold', int(0, 0x7fffffff), { default: 25000 }),
  g('max-halfopen-ike', int(0, 0x7fffffff), { default: 50000 }),
  g('global-redirect', oneOf(['no', 'yes', 'auto']), { default: 'no' }),
  g('global-redirect-to', str),
  g('shuntlifetime', time(), { default: 900 }),
  g('xfrmlifetime', int(0, 0x7fffffff), { default: 30 }),
  g('dumpdir', pathValue, { default: '/run/pluto' }),
  g('statsbin', pathValue),
  g('ipsecdir', pathValue, { default: '/etc/ipsec.d' }),
  g('nssdir', pathValue, { default: '/var/lib/ipsec/nss' }),
  g('secretsfile', pathValue, { default: '/etc/ipsec.secrets' }),
  g('dnssec-enable', yesno, { default: true }),
  g('dnssec-rootkey-file', pathValue, { default: '/var/lib/unbound/root.key' }),
  g('dnssec-anchors', pathValue),
  g('drop-oppo-null', yesno, { default: false }),
  g('interfaces', str, { obsolete: true }),
];
