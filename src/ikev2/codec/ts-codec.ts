// Traffic selector payloads TSi/TSr (RFC 7296 §3.13).
import { TsType } from '../constants';
import type { PayloadCodec } from './codec-types';
import { IkeParseError } from './errors';
import type { TrafficSelector, TsPayload } from './payloads';

/** Address length per TS type; a selector is 8 octets + two addresses. */
function addressLength(tsType: number): number | undefined {
  if (tsType === TsType.IPV4_ADDR_RANGE) return 4;
  if (tsType === TsType.IPV6_ADDR_RANGE) return 16;
  return undefined;
}

export const tsCodec: PayloadCodec<TsPayload> = {
  minBody: 4,
  parse(r, type, critical) {
    const count = r.u8('number of TSs');
    r.skip(3, 'TS reserved');
    const selectors: TrafficSelector[] = [];
    for (let i = 0; i < count; i++) {
      const at = r.pos;
      if (r.remaining === 0) throw new IkeParseError('bad-length', `TS payload says ${count} selectors, holds ${i}`, at);
      const tsType = r.u8('TS type');
      const ipProtocol = r.u8('IP protocol id');
      const length = r.u16('selector length');
      const addrLen = addressLength(tsType);
      // Unknown TS types cannot be understood, so they cannot be narrowed or accepted: refuse the payload.
      if (addrLen === undefined) throw new IkeParseError('invalid-syntax', `unknown TS type ${tsType}`, at);
      if (length !== 8 + 2 * addrLen) throw new IkeParseError('bad-length', `TS type ${tsType} with selector length ${length}`, at + 2);
      const s = r.sub(length - 4, 'traffic selector');
      selectors.push({
        tsType,
        ipProtocol,
        startPort: s.u16('start port'),
        endPort: s.u16('end port'),
        startAddress: s.bytes(addrLen, 'starting address'),
        endAddress: s.bytes(addrLen, 'ending address'),
      });
    }
    r.expectEnd('TS payload');
    return { type: type as 44 | 45, critical, selectors };
  },
  write(w, p) {
    w.u8(p.selectors.length, 'number of TSs');
    w.zeros(3);
    for (const s of p.selectors) {
      const addrLen = addressLength(s.tsType);
      if (addrLen === undefined) throw new RangeError(`unknown TS type ${s.tsType}`);
      if (s.startAddress.length !== addrLen || s.endAddress.length !== addrLen) {
        throw new RangeError(`TS type ${s.tsType} needs ${addrLen}-octet addresses`);
      }
      w.u8(s.tsType);
      w.u8(s.ipProtocol, 'IP protocol id');
      w.u16(8 + 2 * addrLen);
      w.u16(s.startPort, 'start port');
      w.u16(s.endPort, 'end port');
      w.bytes(s.startAddress);
      w.bytes(s.endAddress);
    }
  },
};
