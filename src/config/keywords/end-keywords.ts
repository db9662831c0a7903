// Per-side keywords: each exists as leftNAME and rightNAME (`left`/`right` themselves have name "").
import { KeywordDef, oneOf, str, yesno } from './types';

function e(name: string, value: KeywordDef['value'], extra: Partial<KeywordDef> = {}): KeywordDef {
  return { name, section: 'conn', perSide: true, value, ...extra };
}

export const END_KEYWORDS: readonly KeywordDef[] = [
  e('', { kind: 'host' }),
  e('subnet', { kind: 'subnet' }),
  e('subnets', { kind: 'subnets' }),
  e('vti', { kind: 'interfaceAddress' }),
  e('addresspool', { kind: 'addressPool' }),
  e('protoport', { kind: 'protoport' }),
  e('nexthop', { kind: 'nexthop' }, { default: '%direct' }),
  e('sourceip', { kind: 'ip' }),
  e('updown', str, { default: 'ipsec _updown' }),
  e('cat', yesno, { default: false }),
  e('id', { kind: 'external', what: 'id' }),
  // Three keywords in Libreswan 4.10 (readwriteconf keeps each name): an RSA key, an ECDSA key, either.
  e('rsasigkey', str),
  e('ecdsakey', str),
  e('pubkey', str),
  e('cert', str),
  e('ckaid', str),
  e('ca', str),
  // Libreswan 4.10's addconn takes one of these, in any case (the hash-restricted rsa-sha2... / ecdsa-sha2...
  // words are authby= words only: "keyword auth, invalid value").
  e('auth', oneOf(['rsasig', 'ecdsa', 'secret', 'null', 'eaponly', 'never'], { rsa: 'rsasig' })),
  e('autheap', oneOf(['none', 'tls']), { default: 'none' }),
  e('ikeport', { kind: 'port' }),
  e('sendcert', oneOf(['sendifasked', 'always', 'never']), { default: 'sendifasked' }),
  e('xauthserver', yesno, { default: false }),
  e('xauthclient', yesno, { default: false }),
  e('username', str, { oldNames: ['xauthusername'] }),
  e('modecfgserver', yesno, { default: false }),
  e('modecfgclient', yesno, { default: false }),
];
