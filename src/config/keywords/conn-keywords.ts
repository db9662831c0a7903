// `conn` keywords that are not per-side, with Libreswan 4.10's names, aliases and defaults
// (ipsec.conf(5) as shipped with 4.10, checked against its addconn).
import { KeywordDef, int, oneOf, str, time, yesno } from './types';

const HOUR = 3600;
const SHUNTS = ['none', 'passthrough', 'drop', 'reject', 'hold'];

const AUTHBY_WORDS = [
  'rsasig', 'rsa', 'secret', 'never', 'null', 'ecdsa', 'rsa-sha1', 'rsa-sha2',
  'rsa-sha2_256', 'rsa-sha2_384', 'rsa-sha2_512', 'ecdsa-sha2', 'ecdsa-sha2_256', 'ecdsa-sha2_384', 'ecdsa-sha2_512',
];
const authbyMap: Record<string, string> = {};
for (const w of AUTHBY_WORDS) authbyMap[w] = w;
authbyMap['rsa'] = 'rsasig';

function c(name: string, value: KeywordDef['value'], extra: Partial<KeywordDef> = {}): KeywordDef {
  return { name, section: 'conn', perSide: false, value, ...extra };
}

export const CONN_KEYWORDS: readonly KeywordDef[] = [
  c('also', { kind: 'also' }),
  c('alsoflip', { kind: 'also' }),
  c('keyexchange', oneOf(['ike']), { default: 'ike' }),
  c('ikev2', oneOf(['yes', 'no'], { insist: 'yes', propose: 'yes', permit: 'no', never: 'no' }), { default: 'yes' }),
  c('hostaddrfamily', oneOf(['ipv4', 'ipv6'], { inet: 'ipv4', inet6: 'ipv6' })),
  c('clientaddrfamily', oneOf(['ipv4', 'ipv6'], { inet: 'ipv4', inet6: 'ipv6' })),
  c('type', oneOf(['tunnel', 'transport', 'passthrough', 'drop', 'reject'], { pass: 'passthrough' }), { default: 'tunnel' }),
  c('auto', oneOf(['ignore', 'add', 'ondemand', 'start', 'keep'], { route: 'ondemand', up: 'start' }), { default: 'ignore' }),
  c('authby', { kind: 'enumList', map: authbyMap, separators: 'comma' }, { default: ['rsasig', 'ecdsa'] }),
  c('ike', { kind: 'external', what: 'ike' }),
  // Libreswan 4.10 keeps esp=, ah= and phase2alg= in one field: the Child SA algorithms, for ESP or AH
  // as phase2= says (its readwriteconf prints an esp= value back as ah=).
  c('esp', { kind: 'external', what: 'esp' }, { aliases: ['phase2alg', 'ah'] }),
  c('phase2', oneOf(['esp', 'ah']), { default: 'esp' }),
  c('pfs', yesno, { default: true }),
  c('ikelifetime', time(24 * HOUR), { default: 8 * HOUR }),
  c('salifetime', time(24 * HOUR), { aliases: ['ipsec-lifetime'], oldNames: ['lifetime', 'keylife'], default: 8 * HOUR }),
  c('ipsec-max-bytes', { kind: 'byteCount', unit: 'B' }, { default: '9223372036854775808' }),
  c('ipsec-max-packets', { kind: 'byteCount', unit: '' }, { default: '9223372036854775808' }),
  c('rekey', yesno, { default: true }),
  c('reauth', yesno, { default: false }),
  c('rekeymargin', time(), { default: 540 }),
  c('rekeyfuzz', { kind: 'percent' }, { default: 100 }),
  c('keyingtries', { kind: 'keyingtries' }, { default: 0 }),
  c('dpddelay', time(), { default: 0 }),
  c('dpdtimeout', time(), { default: 0 }),
  c('dpdaction', oneOf(['hold', 'clear', 'restart']), { default: 'hold' }),
  c('retransmit-interval', { kind: 'time', bareUnit: 'ms' }, { default: 0.5 }),
  c('retransmit-timeout', time(), { default: 60 }),
  c('encapsulation', oneOf(['auto', 'yes', 'no']), { default: 'auto' }),
  c('forceencaps', yesno, { obsolete: true }),
  c('nat-keepalive', yesno, { default: true }),
  c('nat-ikev1-method', oneOf(['both', 'rfc', 'drafts', 'none']), { default: 'both' }),
  c('fragmentation', oneOf(['yes', 'no', 'force']), { default: 'yes' }),
  c('ikepad', yesno, { default: true }),
  c('narrowing', yesno, { default: false }),
  c('mobike', yesno, { default: false }),
  c('initial-contact', yesno, { default: true }),
  c('esn', oneOf(['either', 'yes', 'no']), { default: 'either' }),
  c('replay-window', int(0, 0xffffffff), { default: 128 }),
  c('compress', yesno, { default: false }),
  c('decap-dscp', yesno, { default: false }),
  c('nopmtudisc', yesno, { default: false }),
  c('nic-offload', oneOf(['auto', 'yes', 'no']), { default: 'auto' }),
  c('ppk', oneOf(['no', 'propose', 'insist'], { yes: 'propose', permit: 'propose', never: 'no' }), { default: 'no' }),
  c('intermediate', yesno, { default: false }),
  c('sha2-truncbug', yesno, { default: false }),
  c('ms-dh-downgrade', yesno, { default: false }),
  c('require-id-on-certificate', yesno, { default: true }),
  c('aggressive', yesno, { oldNames: ['aggrmode'], default: false }),
  c('xauthby', oneOf(['file', 'pam', 'alwaysok']), { default: 'file' }),
  c('xauthfail', oneOf(['hard', 'soft']), { default: 'hard' }),
  c('pam-authorize', yesno, { default: false }),
  c('modecfgpull', yesno, { default: false }),
  c('modecfgdns', { kind: 'ipList' }),
  c('modecfgdomains', str),
  c('modecfgbanner', str),
  c('remote-peer-type', oneOf(['ietf', 'cisco']), { oldNames: ['remote_peer_type'], default: 'ietf' }),
  c('nm-configured', yesno, { default: false }),
  c('enable-tcp', oneOf(['no', 'yes', 'fallback']), { default: 'no' }),
  c('tcp-remoteport', { kind: 'port' }, { default: 4500 }),
  c('cisco-unity', yesno, { default: false }),
  c('ignore-peer-dns', yesno, { default: false }),
  c('accept-redirect', yesno, { default: false }),
  c('accept-redirect-to', str),
  c('send-redirect', yesno, { default: false }),
  c('redirect-to', str),
  c('fake-strongswan', yesno, { default: false }),
  c('send-vendorid', yesno, { default: false }),
  c('overlapip', yesno, { default: false }),
  c('reqid', int(1, 16379)),
  c('metric', int(0, 0x7fffffff), { default: 1 }),
  // Libreswan accepts mtu=0 and reads it as "no MTU set".
  c('mtu', int(0, 65535)),
  c('tfc', int(0, 65535), { default: 0 }),
  c('send-no-esp-tfc', yesno, { default: false }),
  c('nflog', int(0, 65535), { default: 0 }),
  c('mark', { kind: 'mark' }),
  c('mark-in', { kind: 'mark' }),
  c('mark-out', { kind: 'mark' }),
  c('vti-interface', str),
  c('vti-routing', yesno, { default: true }),
  c('vti-shared', yesno, { default: false }),
  c('ipsec-interface', { kind: 'ipsecInterface' }),
  c('priority', int(0, 0xffffffff), { default: 0 }),
  c('sendca', oneOf(['none', 'issuer', 'all']), { default: 'none' }),
  c('policy-label', str, { aliases: ['sec-label'] }),
  c('failureshunt', oneOf(SHUNTS), { default: 'none' }),
  c('negotiationshunt', oneOf(['hold', 'passthrough', 'drop']), { default: 'hold' }),
];
