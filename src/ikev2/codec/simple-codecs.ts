// The payloads with a few fixed fields and one opaque tail (RFC 7296 §3.4-§3.12, §3.14-§3.16; RFC 7383).
import type { PayloadCodec } from './codec-types';
import { IkeParseError } from './errors';
import type {
  AuthPayload, CertPayload, CertReqPayload, CfgAttributeValue, CpPayload, DeletePayload, EapPayload, IdPayload,
  KePayload, NoncePayload, NotifyPayload, SkfPayload, SkPayload, VendorIdPayload,
} from './payloads';
import { IdType } from '../constants';

export const NONCE_MIN = 16; // §2.10: at least 128 bits
export const NONCE_MAX = 256; // §3.9: at most 256 octets

function nonEmpty(data: Uint8Array, what: string, at: number): Uint8Array {
  if (data.length === 0) throw new IkeParseError('invalid-syntax', `${what} must not be empty`, at);
  return data;
}

export const keCodec: PayloadCodec<KePayload> = {
  minBody: 4,
  parse(r, _t, critical) {
    const group = r.u16('DH group');
    r.skip(2, 'KE reserved');
    const at = r.pos;
    return { type: 34, critical, group, data: nonEmpty(r.rest(), 'key exchange data', at) };
  },
  write(w, p) {
    w.u16(p.group, 'DH group');
    w.zeros(2);
    w.bytes(p.data);
  },
};

export const idCodec: PayloadCodec<IdPayload> = {
  minBody: 4,
  parse(r, type, critical) {
    const idType = r.u8('ID type');
    r.skip(3, 'ID reserved');
    const at = r.pos;
    const data = r.rest();
    // ID_NULL (RFC 7619) is the one identity with no data.
    if (idType !== IdType.NULL) nonEmpty(data, 'identification data', at);
    return { type: type as 35 | 36, critical, idType, data };
  },
  write(w, p) {
    w.u8(p.idType, 'ID type');
    w.zeros(3);
    w.bytes(p.data);
  },
};

export const certCodec: PayloadCodec<CertPayload> = {
  minBody: 1,
  parse(r, _t, critical) {
    const encoding = r.u8('cert encoding');
    const at = r.pos;
    return { type: 37, critical, encoding, data: nonEmpty(r.rest(), 'certificate data', at) };
  },
  write(w, p) {
    w.u8(p.encoding, 'cert encoding');
    w.bytes(p.data);
  },
};

export const certReqCodec: PayloadCodec<CertReqPayload> = {
  minBody: 1,
  // An empty certification authority list is allowed (any CA).
  parse(r, _t, critical) {
    return { type: 38, critical, encoding: r.u8('cert encoding'), data: r.rest() };
  },
  write(w, p) {
    w.u8(p.encoding, 'cert encoding');
    w.bytes(p.data);
  },
};

export const authCodec: PayloadCodec<AuthPayload> = {
  minBody: 4,
  parse(r, _t, critical) {
    const method = r.u8('auth method');
    r.skip(3, 'AUTH reserved');
    const at = r.pos;
    return { type: 39, critical, method, data: nonEmpty(r.rest(), 'authentication data', at) };
  },
  write(w, p) {
    w.u8(p.method, 'auth method');
    w.zeros(3);
    w.bytes(p.data);
  },
};

export const nonceCodec: PayloadCodec<NoncePayload> = {
  minBody: 0,
  parse(r, _t, critical) {
    const at = r.pos;
    const nonce = r.rest();
    if (nonce.length < NONCE_MIN || nonce.length > NONCE_MAX) {
      throw new IkeParseError('invalid-syntax', `nonce of ${nonce.length} octets (must be ${NONCE_MIN}..${NONCE_MAX})`, at);
    }
    return { type: 40, critical, nonce };
  },
  write(w, p) {
    w.bytes(p.nonce);
  },
};

export const notifyCodec: PayloadCodec<NotifyPayload> = {
  minBody: 4,
  parse(r, _t, critical) {
    const protocolId = r.u8('protocol id');
    const spiSize = r.u8('SPI size');
    const notifyType = r.u16('notify message type');
    const spi = r.bytes(spiSize, 'notify SPI');
    return { type: 41, critical, protocolId, spi, notifyType, data: r.rest() };
  },
  write(w, p) {
    w.u8(p.protocolId, 'protocol id');
    w.u8(p.spi.length, 'SPI size');
    w.u16(p.notifyType, 'notify message type');
    w.bytes(p.spi);
    w.bytes(p.data);
  },
};

export const deleteCodec: PayloadCodec<DeletePayload> = {
  minBody: 4,
  parse(r, _t, critical) {
    const at = r.pos;
    const protocolId = r.u8('protocol id');
    const spiSize = r.u8('SPI size');
    const count = r.u16('number of SPIs');
    if (spiSize === 0 && count !== 0) throw new IkeParseError('invalid-syntax', `${count} SPIs of size 0`, at);
    if (spiSize * count !== r.remaining) {
      throw new IkeParseError('bad-length', `${count} SPIs of ${spiSize} octets in ${r.remaining} octets`, at);
    }
    const spis: Uint8Array[] = [];
    for (let i = 0; i < count; i++) spis.push(r.bytes(spiSize, 'deleted SPI'));
    return { type: 42, critical, protocolId, spiSize, spis };
  },
  write(w, p) {
    for (const spi of p.spis) if (spi.length !== p.spiSize) throw new RangeError(`delete SPI of ${spi.length} octets, spiSize ${p.spiSize}`);
    w.u8(p.protocolId, 'protocol id');
    w.u8(p.spiSize, 'SPI size');
    w.u16(p.spis.length, 'number of SPIs');
    for (const spi of p.spis) w.bytes(spi);
  },
};

export const vendorIdCodec: PayloadCodec<VendorIdPayload> = {
  minBody: 0,
  parse(r, _t, critical) {
    return { type: 43, critical, data: r.rest() };
  },
  write(w, p) {
    w.bytes(p.data);
  },
};

export const skCodec: PayloadCodec<SkPayload> = {
  minBody: 0,
  parse(r, _t, critical, nextField) {
    return { type: 46, critical, firstInnerType: nextField, body: r.rest() };
  },
  write(w, p) {
    w.bytes(p.body);
  },
};

export const skfCodec: PayloadCodec<SkfPayload> = {
  minBody: 4,
  parse(r, _t, critical, nextField) {
    const at = r.pos;
    const fragmentNumber = r.u16('fragment number');
    const totalFragments = r.u16('total fragments');
    // RFC 7383 §2.5: numbers start at 1 and never exceed the total.
    if (fragmentNumber === 0 || totalFragments === 0 || fragmentNumber > totalFragments) {
      throw new IkeParseError('invalid-syntax', `fragment ${fragmentNumber} of ${totalFragments}`, at);
    }
    return { type: 53, critical, firstInnerType: nextField, fragmentNumber, totalFragments, body: r.rest() };
  },
  write(w, p) {
    w.u16(p.fragmentNumber, 'fragment number');
    w.u16(p.totalFragments, 'total fragments');
    w.bytes(p.body);
  },
};

export const cpCodec: PayloadCodec<CpPayload> = {
  minBody: 4,
  parse(r, _t, critical) {
    const cfgType = r.u8('CFG type');
    r.skip(3, 'CP reserved');
    const attributes: CfgAttributeValue[] = [];
    while (r.remaining > 0) {
      const type = r.u16('attribute type') & 0x7fff; // the top bit is reserved
      const length = r.u16('attribute length');
      attributes.push({ type, value: r.sub(length, 'configuration attribute').rest() });
    }
    return { type: 47, critical, cfgType, attributes };
  },
  write(w, p) {
    w.u8(p.cfgType, 'CFG type');
    w.zeros(3);
    for (const a of p.attributes) {
      if (a.type > 0x7fff) throw new RangeError(`configuration attribute type ${a.type} does not fit 15 bits`);
      w.u16(a.type);
      w.u16(a.value.length, 'attribute length');
      w.bytes(a.value);
    }
  },
};

export const eapCodec: PayloadCodec<EapPayload> = {
  minBody: 4,
  parse(r, _t, critical) {
    const at = r.pos;
    const message = r.rest();
    // RFC 3748 §4: Code, Identifier, Length (the whole EAP packet), which must fill the payload exactly.
    const eapLength = (message[2]! << 8) | message[3]!;
    if (eapLength !== message.length) {
      throw new IkeParseError('bad-length', `EAP length ${eapLength} in a ${message.length}-octet payload`, at + 2);
    }
    return { type: 48, critical, message };
  },
  write(w, p) {
    w.bytes(p.message);
  },
};
