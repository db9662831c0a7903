// IKE identities as Libreswan reads them in leftid=/rightid= and ipsec.secrets indices (its atoid()):
// %any/%none, %fromcert, %null, IPv4/IPv6 addresses, @fqdn, user@fqdn, @#hex and @[text] key ids,
// @~hex binary DNs, and text DNs. `encode()` gives the ID payload body (RFC 7296 section 3.5).
import { isIP } from 'node:net';

import { decodeDn, DnAttribute, DnError, encodeDn, formatDn, parseDn, sameDn } from './id-dn';

/** IKEv2 identification types (RFC 7296 section 3.5; ID_NULL from RFC 7619). */
export enum IdType {
  IPV4_ADDR = 1,
  FQDN = 2,
  RFC822_ADDR = 3,
  IPV6_ADDR = 5,
  DER_ASN1_DN = 9,
  DER_ASN1_GN = 10,
  KEY_ID = 11,
  NULL = 13,
}

export type IkeIdKind = 'any' | 'fromcert' | 'null' | 'ipv4' | 'ipv6' | 'fqdn' | 'user-fqdn' | 'dn' | 'key-id';

export class IdError extends Error {
  readonly code = 'EID';
}

export class IkeId {
  private constructor(
    readonly kind: IkeIdKind,
    /** The address (ipv4/ipv6), the name (fqdn/user-fqdn), or the canonical DN text. */
    readonly text: string,
    private readonly body: Buffer,
    private readonly dn: readonly DnAttribute[] | null,
  ) {}

  /** The IKEv2 ID type, or null for %any and %fromcert (which have none of their own). */
  get type(): IdType | null {
    switch (this.kind) {
      case 'ipv4': return IdType.IPV4_ADDR;
      case 'ipv6': return IdType.IPV6_ADDR;
      case 'fqdn': return IdType.FQDN;
      case 'user-fqdn': return IdType.RFC822_ADDR;
      case 'dn': return IdType.DER_ASN1_DN;
      case 'key-id': return IdType.KEY_ID;
      case 'null': return IdType.NULL;
      default: return null;
    }
  }

  /** Matches anything: %any, %none, 0.0.0.0, %any6, ::. */
  isAny(): boolean {
    return this.kind === 'any' || ((this.kind === 'ipv4' || this.kind === 'ipv6') && /^(0\.0\.0\.0|::)$/.test(this.text));
  }

  /** The ID payload body. %any and %fromcert have none (the caller uses the address or the certificate). */
  encode(): Buffer {
    if (this.kind === 'any' || this.kind === 'fromcert') {
      throw new IdError(`ID ${this.toString()} has no ID payload of its own (the host address or certificate is used)`);
    }
    return Buffer.from(this.body);
  }

  toString(): string {
    switch (this.kind) {
      case 'any': return '%any';
      case 'fromcert': return '%fromcert';
      case 'null': return '%null';
      case 'fqdn': return `@${this.text}`;
      case 'key-id': return `@#0x${this.body.toString('hex')}`;
      default: return this.text;
    }
  }

  /**
   * Libreswan's same_id(): %any on either side matches; FQDNs compare without case and trailing dots;
   * DNs compare attribute by attribute; addresses by value.
   */
  equals(other: IkeId): boolean {
    if (this.kind === 'any' || other.kind === 'any') return true;
    if (this.kind !== other.kind) return false;
    switch (this.kind) {
      case 'fqdn':
      case 'user-fqdn': {
        const strip = (s: string): string => s.replace(/\.+$/, '').toLowerCase();
        return strip(this.text) === strip(other.text);
      }
      case 'dn': return this.dn !== null && other.dn !== null && sameDn(this.dn, other.dn);
      case 'ipv4':
      case 'ipv6':
      case 'key-id': return this.body.equals(other.body);
      default: return true;
    }
  }

  /** The DN's attributes (kind 'dn' only). */
  get dnAttributes(): readonly DnAttribute[] | null {
    return this.dn;
  }

  static any(): IkeId {
    return new IkeId('any', '%any', Buffer.alloc(0), null);
  }

  static fromAddress(address: string): IkeId {
    const family = isIP(address);
    if (family === 4) {
      return new IkeId('ipv4', address, Buffer.from(address.split('.').map(Number)), null);
    }
    if (family === 6) {
      const body = ipv6Bytes(address);
      return new IkeId('ipv6', formatIpv6(body), body, null);
    }
    throw new IdError(`'${address}' is not an IP address`);
  }

  /** Builds an ID from a received ID payload. Throws IdError on a malformed body. */
  static fromPayload(type: number, body: Buffer): IkeId {
    switch (type) {
      case IdType.IPV4_ADDR:
        if (body.length !== 4) throw new IdError(`ID_IPV4_ADDR body must be 4 bytes, got ${body.length}`);
        return IkeId.fromAddress([...body].join('.'));
      case IdType.IPV6_ADDR:
        if (body.length !== 16) throw new IdError(`ID_IPV6_ADDR body must be 16 bytes, got ${body.length}`);
        return new IkeId('ipv6', formatIpv6(body), Buffer.from(body), null);
      case IdType.FQDN: return new IkeId('fqdn', body.toString('latin1'), Buffer.from(body), null);
      case IdType.RFC822_ADDR: return new IkeId('user-fqdn', body.toString('latin1'), Buffer.from(body), null);
      case IdType.KEY_ID: return new IkeId('key-id', '', Buffer.from(body), null);
      case IdType.NULL: return new IkeId('null', '', Buffer.alloc(0), null);
      case IdType.DER_ASN1_DN: return IkeId.fromDer(body);
      default: throw new IdError(`unsupported ID type ${type}`);
    }
  }

  private static fromDer(der: Buffer): IkeId {
    try {
      const dn = decodeDn(der);
      return new IkeId('dn', formatDn(dn), Buffer.from(der), dn);
    } catch (err) {
      if (err instanceof DnError) throw new IdError(`malformed DN: ${err.message}`);
      throw err;
    }
  }

  /** @internal used by parseId */
  static create(kind: IkeIdKind, text: string, body: Buffer, dn: readonly DnAttribute[] | null): IkeId {
    return new IkeId(kind, text, body, dn);
  }
}

function ipv6Bytes(address: string): Buffer {
  // Expand '::' and a trailing dotted IPv4 part into 8 groups.
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1].split('.').map(Number);
    text = text.slice(0, v4.index) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** RFC 5952 text: lower case, longest run of zero groups (two or more) as '::'. */
function formatIpv6(b: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

function hexBytes(text: string, what: string): Buffer {
  const digits = text.replace(/^0x/i, '').replace(/_/g, '');
  if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(digits)) {
    throw new IdError(`${what} must be an even number of hex digits`);
  }
  return Buffer.from(digits, 'hex');
}

/**
 * Parses an ID as Libreswan's atoid() does. Throws IdError with the reason.
 * Host names (no '@', not an address) would need DNS, which is refused: write @name for an FQDN ID.
 */
export function parseId(text: string): IkeId {
  const src = text.trim();
  if (src === '') throw new IdError('empty ID');
  if (src === '%fromcert') return IkeId.create('fromcert', src, Buffer.alloc(0), null);
  if (src === '%none' || src === '%any' || src === '0.0.0.0') return IkeId.any();
  if (src === '%null') return IkeId.create('null', '', Buffer.alloc(0), null);
  if (src === '%any6') return IkeId.fromAddress('::');
  if (src.includes('=') && !src.startsWith('@#') && !src.startsWith('@[')) {
    try {
      const dn = parseDn(src.startsWith('@') ? src.slice(1) : src);
      return IkeId.create('dn', formatDn(dn), encodeDn(dn), dn);
    } catch (err) {
      if (err instanceof DnError) throw new IdError(`ID '${src}': ${err.message}`);
      throw err;
    }
  }
  if (!src.includes('@')) {
    if (isIP(src) !== 0) return IkeId.fromAddress(src);
    if (src.startsWith('%')) throw new IdError(`unknown ID keyword '${src}' (expected %any, %none, %fromcert, %null or %any6)`);
    throw new IdError(`ID '${src}' is neither an IP address nor an @FQDN; host names are not resolved (write @${src} for a name ID)`);
  }
  if (src.startsWith('@#')) return IkeId.create('key-id', '', hexBytes(src.slice(2), `key ID '${src}'`), null);
  if (src.startsWith('@~')) {
    const der = hexBytes(src.slice(2), `binary DN '${src}'`);
    try {
      const dn = decodeDn(der);
      return IkeId.create('dn', formatDn(dn), der, dn);
    } catch (err) {
      if (err instanceof DnError) throw new IdError(`ID '${src}': ${err.message}`);
      throw err;
    }
  }
  if (src.startsWith('@[')) {
    const inner = src.endsWith(']') ? src.slice(2, -1) : src.slice(2);
    return IkeId.create('key-id', '', Buffer.from(inner, 'latin1'), null);
  }
  if (src.startsWith('@')) {
    const name = src.slice(1);
    if (name === '') throw new IdError("ID '@' has no name after the '@'");
    return IkeId.create('fqdn', name, Buffer.from(name, 'latin1'), null);
  }
  return IkeId.create('user-fqdn', src, Buffer.from(src, 'latin1'), null);
}
