// X.501 distinguished names for IKE IDs (ID_DER_ASN1_DN): Libreswan's text form
// ("C=CA, O=Libreswan, CN=x", or OpenSSL's "/C=CA/O=Libreswan/CN=x") to DER and back.
// A comma inside a value is written as ",," (as ipsec.conf(5) says).
import { DerError, oidContent, oidText } from '../der';

export interface DnAttribute {
  /** Dotted OID. */
  readonly oid: string;
  /** Short name as printed (CN, O, ...) or the dotted OID when unknown. */
  readonly name: string;
  readonly value: string;
  /** ASN.1 string tag: 0x13 PrintableString, 0x16 IA5String, 0x0c UTF8String (others kept on decode). */
  readonly tag: number;
}

const ATTRIBUTES: readonly { name: string; oid: string; aliases: string[]; ia5?: boolean }[] = [
  { name: 'CN', oid: '2.5.4.3', aliases: ['commonname'] },
  { name: 'SN', oid: '2.5.4.4', aliases: ['surname'] },
  { name: 'serialNumber', oid: '2.5.4.5', aliases: ['serialnumber'] },
  { name: 'C', oid: '2.5.4.6', aliases: ['countryname'] },
  { name: 'L', oid: '2.5.4.7', aliases: ['localityname'] },
  { name: 'ST', oid: '2.5.4.8', aliases: ['s', 'stateorprovincename'] },
  { name: 'STREET', oid: '2.5.4.9', aliases: ['streetaddress'] },
  { name: 'O', oid: '2.5.4.10', aliases: ['organizationname'] },
  { name: 'OU', oid: '2.5.4.11', aliases: ['organizationalunitname'] },
  { name: 'T', oid: '2.5.4.12', aliases: ['title'] },
  { name: 'D', oid: '2.5.4.13', aliases: ['description'] },
  { name: 'PC', oid: '2.5.4.17', aliases: ['postalcode'] },
  { name: 'N', oid: '2.5.4.41', aliases: ['name'] },
  { name: 'G', oid: '2.5.4.42', aliases: ['gn', 'givenname'] },
  { name: 'I', oid: '2.5.4.43', aliases: ['initials'] },
  { name: 'ID', oid: '2.5.4.45', aliases: ['uniqueidentifier'] },
  { name: 'dnQualifier', oid: '2.5.4.46', aliases: ['dnqualifier'] },
  { name: 'pseudonym', oid: '2.5.4.65', aliases: [] },
  { name: 'E', oid: '1.2.840.113549.1.9.1', aliases: ['email', 'emailaddress'], ia5: true },
  { name: 'unstructuredName', oid: '1.2.840.113549.1.9.2', aliases: ['unstructuredname'], ia5: true },
  { name: 'UID', oid: '0.9.2342.19200300.100.1.1', aliases: ['userid'] },
  { name: 'DC', oid: '0.9.2342.19200300.100.1.25', aliases: ['domaincomponent'], ia5: true },
];

export class DnError extends Error {
  readonly code = 'EDN';
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function attributeFor(key: string): { name: string; oid: string; ia5?: boolean } {
  const lower = key.toLowerCase();
  const known = ATTRIBUTES.find((a) => a.name.toLowerCase() === lower || a.aliases.includes(lower));
  if (known) return known;
  if (/^\d+(\.\d+)+$/.test(key)) return { name: key, oid: key };
  throw new DnError(`unknown attribute '${key}' in DN (known: ${ATTRIBUTES.map((a) => a.name).join(', ')})`);
}

/** Splits on ',' (LDAP style) treating ',,' as a literal comma, or on '/' for the OpenSSL style. */
function splitRdns(text: string): string[] {
  const t = text.trim();
  if (t.startsWith('/')) return t.slice(1).split('/');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < t.length; i++) {
    if (t[i] === ',') {
      if (t[i + 1] === ',') {
        cur += ',';
        i++;
        continue;
      }
      out.push(cur);
      cur = '';
    } else {
      cur += t[i];
    }
  }
  out.push(cur);
  return out;
}

/** Parses Libreswan's text DN. Throws DnError. */
export function parseDn(text: string): DnAttribute[] {
  const rdns = splitRdns(text);
  if (rdns.length === 0 || rdns.every((r) => r.trim() === '')) throw new DnError('empty DN');
  return rdns.map((rdn) => {
    const eq = rdn.indexOf('=');
    if (eq < 0) throw new DnError(`'${rdn.trim()}' in DN is not ATTRIBUTE=value`);
    const key = rdn.slice(0, eq).trim();
    const value = rdn.slice(eq + 1).trim();
    if (key === '') throw new DnError(`missing attribute name before '=' in DN`);
    const attr = attributeFor(key);
    const tag = attr.ia5 ? 0x16 : PRINTABLE.test(value) ? 0x13 : 0x0c;
    return { oid: attr.oid, name: attr.name, value, tag };
  });
}

/** The canonical text: "C=CA, O=Libreswan, CN=x" (commas in values doubled). */
export function formatDn(attrs: readonly DnAttribute[]): string {
  return attrs.map((a) => `${a.name}=${a.value.replace(/,/g, ',,')}`).join(', ');
}

// --- DER ---------------------------------------------------------------------------------------

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function encodeOid(oid: string): Buffer {
  return Buffer.from(oidContent(oid));
}

function decodeOid(body: Buffer): string {
  try {
    return oidText(body);
  } catch (e) {
    if (e instanceof DerError) throw new DnError(`${e.message} in DER DN`);
    throw e;
  }
}

/** DER Name: SEQUENCE OF SET OF SEQUENCE { OID, string }. */
export function encodeDn(attrs: readonly DnAttribute[]): Buffer {
  const rdns = attrs.map((a) => {
    const value = a.tag === 0x0c ? Buffer.from(a.value, 'utf8') : Buffer.from(a.value, 'latin1');
    return tlv(0x31, tlv(0x30, Buffer.concat([tlv(0x06, encodeOid(a.oid)), tlv(a.tag, value)])));
  });
  return tlv(0x30, Buffer.concat(rdns));
}

interface Tlv {
  tag: number;
  body: Buffer;
  end: number;
}

function readTlv(buf: Buffer, at: number): Tlv {
  if (at + 2 > buf.length) throw new DnError('truncated DER DN');
  const tag = buf[at];
  let len = buf[at + 1];
  let pos = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > buf.length) throw new DnError('bad DER length in DN');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i];
    pos += n;
  }
  if (pos + len > buf.length) throw new DnError('truncated DER DN');
  return { tag, body: buf.subarray(pos, pos + len), end: pos + len };
}

/** Decodes a DER Name (as received in an ID payload). Throws DnError on malformed input. */
export function decodeDn(der: Buffer): DnAttribute[] {
  const name = readTlv(der, 0);
  if (name.tag !== 0x30 || name.end !== der.length) throw new DnError('DN is not a DER SEQUENCE');
  const out: DnAttribute[] = [];
  for (let at = 0; at < name.body.length; ) {
    const set = readTlv(name.body, at);
    if (set.tag !== 0x31) throw new DnError('DN RDN is not a SET');
    for (let j = 0; j < set.body.length; ) {
      const seq = readTlv(set.body, j);
      if (seq.tag !== 0x30) throw new DnError('DN attribute is not a SEQUENCE');
      const oid = readTlv(seq.body, 0);
      if (oid.tag !== 0x06) throw new DnError('DN attribute type is not an OID');
      const val = readTlv(seq.body, oid.end);
      const dotted = decodeOid(oid.body);
      const known = ATTRIBUTES.find((a) => a.oid === dotted);
      const value = val.tag === 0x0c ? val.body.toString('utf8') : val.body.toString('latin1');
      out.push({ oid: dotted, name: known?.name ?? dotted, value, tag: val.tag });
      j = seq.end;
    }
    at = set.end;
  }
  return out;
}

/** Same DN: same attributes in the same order; Printable/IA5 values compare without case. */
export function sameDn(a: readonly DnAttribute[], b: readonly DnAttribute[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    if (x.oid !== y.oid) return false;
    const caseless = (t: number): boolean => t === 0x13 || t === 0x16;
    return caseless(x.tag) && caseless(y.tag) ? x.value.toLowerCase() === y.value.toLowerCase() : x.value === y.value;
  });
}
