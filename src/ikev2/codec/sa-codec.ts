// SA payload (RFC 7296 §3.3): proposals, transforms, transform attributes.
import { TransformAttribute } from '../constants';
import { Reader, Writer } from './bytes';
import type { PayloadCodec } from './codec-types';
import { IkeParseError } from './errors';
import type { Proposal, RawTransformAttribute, SaPayload, Transform } from './payloads';

const LAST = 0;
const MORE_PROPOSALS = 2; // §3.3.1: "Last Substruc" of a proposal that is followed by another
const MORE_TRANSFORMS = 3; // §3.3.2: same for transforms
const PROPOSAL_HEADER = 8;
const TRANSFORM_HEADER = 8;
const ATTRIBUTE_FORMAT_TV = 0x8000;

function parseAttributes(r: Reader, t: Transform): void {
  while (r.remaining > 0) {
    const at = r.pos;
    const word = r.u16('attribute type');
    const type = word & 0x7fff;
    if (word & ATTRIBUTE_FORMAT_TV) {
      const value = r.u16('attribute value');
      if (type === TransformAttribute.KEY_LENGTH) {
        if (t.keyLength !== undefined) throw new IkeParseError('invalid-syntax', 'two Key Length attributes', at);
        t.keyLength = value;
      } else {
        (t.otherAttributes ??= []).push({ type, format: 'tv', value });
      }
    } else {
      const length = r.u16('attribute length');
      if (type === TransformAttribute.KEY_LENGTH) throw new IkeParseError('invalid-syntax', 'Key Length must be a TV attribute', at);
      (t.otherAttributes ??= []).push({ type, format: 'tlv', data: r.sub(length, 'TLV attribute').rest() });
    }
  }
}

function parseTransform(r: Reader, last: boolean): Transform {
  const at = r.pos;
  const marker = r.u8('transform last substruc');
  if (marker !== (last ? LAST : MORE_TRANSFORMS)) {
    throw new IkeParseError('invalid-syntax', `transform Last Substruc ${marker} disagrees with Num Transforms`, at);
  }
  r.skip(1, 'transform reserved');
  const length = r.u16('transform length');
  if (length < TRANSFORM_HEADER) throw new IkeParseError('bad-length', `transform length ${length} < ${TRANSFORM_HEADER}`, at + 2);
  const body = r.sub(length - 4, 'transform');
  const t: Transform = { type: body.u8('transform type'), id: 0 };
  body.skip(1, 'transform reserved');
  t.id = body.u16('transform id');
  parseAttributes(body, t);
  return t;
}

function parseProposal(r: Reader, last: boolean): Proposal {
  const at = r.pos;
  const marker = r.u8('proposal last substruc');
  if (marker !== (last ? LAST : MORE_PROPOSALS)) {
    throw new IkeParseError('invalid-syntax', `proposal Last Substruc ${marker} where ${last ? 'last' : 'more'} was expected`, at);
  }
  r.skip(1, 'proposal reserved');
  const length = r.u16('proposal length');
  if (length < PROPOSAL_HEADER) throw new IkeParseError('bad-length', `proposal length ${length} < ${PROPOSAL_HEADER}`, at + 2);
  const body = r.sub(length - 4, 'proposal');
  const number = body.u8('proposal number');
  const protocolId = body.u8('protocol id');
  const spiSize = body.u8('SPI size');
  const count = body.u8('number of transforms');
  const spi = body.bytes(spiSize, 'proposal SPI');
  const transforms: Transform[] = [];
  for (let i = 0; i < count; i++) {
    if (body.remaining === 0) throw new IkeParseError('bad-length', `proposal says ${count} transforms, holds ${i}`, body.pos);
    transforms.push(parseTransform(body, i === count - 1));
  }
  body.expectEnd('proposal');
  return { number, protocolId, spi, transforms };
}

function writeTransform(w: Writer, t: Transform, last: boolean): void {
  const start = w.length;
  w.u8(last ? LAST : MORE_TRANSFORMS);
  w.u8(0);
  w.u16(0); // length, patched below
  w.u8(t.type, 'transform type');
  w.u8(0);
  w.u16(t.id, 'transform id');
  if (t.keyLength !== undefined) {
    w.u16(ATTRIBUTE_FORMAT_TV | TransformAttribute.KEY_LENGTH);
    w.u16(t.keyLength, 'key length');
  }
  for (const a of t.otherAttributes ?? []) writeAttribute(w, a);
  w.patchU16(start + 2, w.length - start, 'transform length');
}

function writeAttribute(w: Writer, a: RawTransformAttribute): void {
  if (a.type > 0x7fff) throw new RangeError(`attribute type ${a.type} does not fit 15 bits`);
  if (a.format === 'tv') {
    w.u16(ATTRIBUTE_FORMAT_TV | a.type);
    w.u16(a.value, 'attribute value');
  } else {
    w.u16(a.type);
    w.u16(a.data.length, 'attribute length');
    w.bytes(a.data);
  }
}

function writeProposal(w: Writer, p: Proposal, last: boolean): void {
  const start = w.length;
  w.u8(last ? LAST : MORE_PROPOSALS);
  w.u8(0);
  w.u16(0); // length, patched below
  w.u8(p.number, 'proposal number');
  w.u8(p.protocolId, 'protocol id');
  w.u8(p.spi.length, 'SPI size');
  w.u8(p.transforms.length, 'number of transforms');
  w.bytes(p.spi);
  p.transforms.forEach((t, i) => writeTransform(w, t, i === p.transforms.length - 1));
  w.patchU16(start + 2, w.length - start, 'proposal length');
}

export const saCodec: PayloadCodec<SaPayload> = {
  minBody: PROPOSAL_HEADER,
  parse(r, _type, critical) {
    const proposals: Proposal[] = [];
    // Each proposal says whether another follows; the payload length must end exactly after the last.
    for (;;) {
      const at = r.pos;
      if (r.remaining < PROPOSAL_HEADER) throw new IkeParseError('bad-length', 'SA payload ends inside a proposal', at);
      const more = r.buf[at] === MORE_PROPOSALS;
      proposals.push(parseProposal(r, !more));
      if (!more) break;
    }
    r.expectEnd('SA payload');
    return { type: 33, critical, proposals };
  },
  write(w, p) {
    if (p.proposals.length === 0) throw new RangeError('an SA payload needs at least one proposal');
    p.proposals.forEach((prop, i) => writeProposal(w, prop, i === p.proposals.length - 1));
  },
};
