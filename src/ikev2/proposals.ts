// SA payload proposals (RFC 7296 §2.7, §3.3): our configured proposals (ike=, esp=) as the SA payload
// carries them, the responder's choice among the initiator's, and the initiator's check of that choice.
import { offeredKeyLengths, type Proposal as ConfigProposal } from '../config/algorithms';
import type { Proposal, Transform } from './codec';
import { DhGroup, EncrId, EsnId, IntegId, ProtocolId, TransformType, dhGroupName, encrIdName, integIdName, prfIdName } from './constants';

/** What one accepted proposal settles: one transform per type (0 = absent). */
export interface Negotiated {
  protocolId: number;
  encr: number;
  /** Key length in bits, 0 when the transform has no Key Length attribute. */
  keyBits: number;
  prf: number;
  integ: number;
  dh: number;
  esn: boolean;
  /** The proposal's SPI as sent (empty for IKE_SA_INIT, 4 octets for ESP). */
  spi: Uint8Array;
}

const AEAD = new Set<number>([
  EncrId.AES_GCM_8, EncrId.AES_GCM_12, EncrId.AES_GCM_16, EncrId.AES_CCM_8, EncrId.AES_CCM_12, EncrId.AES_CCM_16,
  EncrId.CHACHA20_POLY1305, EncrId.NULL_AUTH_AES_GMAC,
]);

export function isAeadEncr(id: number): boolean {
  return AEAD.has(id);
}

function idOf(alg: { ikev2Id: number | null; fqn: string }): number {
  if (alg.ikev2Id === null) throw new RangeError(`${alg.fqn} has no IKEv2 transform id`);
  return alg.ikev2Id;
}

/**
 * One SA payload proposal per configured proposal, numbered from 1 (Libreswan's order: ENCR (each key
 * length), PRF, INTEG, DH, then ESN for ESP). Integrity NONE is left out: RFC 5282 §8 lets an AEAD
 * proposal omit it, and "no INTEG transform" is what both Libreswan and strongSwan send for AEAD.
 * `dh` false leaves DH out (the first Child SA, which uses the IKE SA's keys; or ESP without PFS).
 */
export function toSaProposals(config: readonly ConfigProposal[], protocolId: number, spi: Uint8Array, dh = true): Proposal[] {
  return config.map((p, i) => {
    const transforms: Transform[] = [];
    for (const e of p.encrypt) {
      const lengths = offeredKeyLengths(e);
      if (lengths.length === 0) transforms.push({ type: TransformType.ENCR, id: idOf(e.alg) });
      for (const keyLength of lengths) transforms.push({ type: TransformType.ENCR, id: idOf(e.alg), keyLength });
    }
    if (protocolId === ProtocolId.IKE) for (const f of p.prf) transforms.push({ type: TransformType.PRF, id: idOf(f) });
    for (const g of p.integ) {
      if (idOf(g) !== IntegId.NONE) transforms.push({ type: TransformType.INTEG, id: idOf(g) });
    }
    if (dh) for (const d of p.dh) if (idOf(d) !== DhGroup.NONE) transforms.push({ type: TransformType.DH, id: idOf(d) });
    if (protocolId !== ProtocolId.IKE) transforms.push({ type: TransformType.ESN, id: EsnId.NO_ESN });
    return { number: i + 1, protocolId, spi: new Uint8Array(spi), transforms };
  });
}

function sameTransform(a: Transform, b: Transform): boolean {
  return a.type === b.type && a.id === b.id && (a.keyLength ?? 0) === (b.keyLength ?? 0);
}

/** Transform types whose absence means "none" (INTEG with AEAD, DH without PFS); the others must match. */
function typesOf(p: Proposal): Set<number> {
  return new Set(p.transforms.map((t) => t.type));
}

/**
 * Matches the peer's proposal `theirs` against our `ours`: for each transform type, the first of their
 * transforms (their preference order) that we also offer. A type only one side lists fails the match,
 * except that INTEG NONE and DH NONE stand for an absent type. Transforms with attributes we do not
 * know are never chosen (§3.3.6).
 */
function matchProposal(theirs: Proposal, ours: Proposal): Transform[] | null {
  if (theirs.protocolId !== ours.protocolId) return null;
  const optionalNone = (type: number, id: number): boolean =>
    (type === TransformType.INTEG && id === IntegId.NONE) || (type === TransformType.DH && id === DhGroup.NONE);
  const types = new Set([...typesOf(theirs), ...typesOf(ours)]);
  const chosen: Transform[] = [];
  for (const type of [...types].sort((a, b) => a - b)) {
    const mine = ours.transforms.filter((t) => t.type === type);
    const offered = theirs.transforms.filter((t) => t.type === type && t.otherAttributes === undefined);
    if (mine.length === 0 || offered.length === 0) {
      // One side leaves the type out: acceptable only if the other side allows NONE for it.
      const other = mine.length === 0 ? offered : mine;
      if (other.some((t) => optionalNone(type, t.id))) continue;
      return null;
    }
    const pick = offered.find((t) => mine.some((m) => sameTransform(m, t)));
    if (pick === undefined) return null;
    if (optionalNone(type, pick.id)) continue;
    chosen.push({ type: pick.type, id: pick.id, ...(pick.keyLength !== undefined ? { keyLength: pick.keyLength } : {}) });
  }
  return chosen;
}

/**
 * The responder's choice (§2.7): the first of the initiator's proposals that one of ours accepts, with
 * one transform of each type. Returns the chosen proposal (their number and SPI; the caller replaces the
 * SPI with its own for ESP) or null for NO_PROPOSAL_CHOSEN.
 */
export function selectProposal(offered: readonly Proposal[], ours: readonly Proposal[]): Proposal | null {
  for (const theirs of offered) {
    for (const mine of ours) {
      const transforms = matchProposal(theirs, mine);
      if (transforms !== null && hasMandatoryTypes(theirs.protocolId, transforms)) {
        return { number: theirs.number, protocolId: theirs.protocolId, spi: new Uint8Array(theirs.spi), transforms };
      }
    }
  }
  return null;
}

function hasMandatoryTypes(protocolId: number, transforms: readonly Transform[]): boolean {
  const has = (type: number): boolean => transforms.some((t) => t.type === type);
  if (!has(TransformType.ENCR)) return false;
  const aead = transforms.some((t) => t.type === TransformType.ENCR && isAeadEncr(t.id));
  if (protocolId === ProtocolId.IKE) return has(TransformType.PRF) && has(TransformType.DH) && (aead || has(TransformType.INTEG));
  return has(TransformType.ESN) && (aead || has(TransformType.INTEG));
}

/**
 * The initiator's check of the responder's answer (§3.3.6): exactly one proposal, whose number is one we
 * sent, with one transform per type, each of which that proposal of ours offered, and no type missing.
 * Returns an error text, or null when acceptable.
 */
export function checkChosenProposal(answer: readonly Proposal[], sent: readonly Proposal[]): string | null {
  if (answer.length !== 1) return `the responder returned ${answer.length} proposals, not one`;
  const chosen = answer[0]!;
  const ours = sent.find((p) => p.number === chosen.number);
  if (ours === undefined) return `the responder chose proposal ${chosen.number}, which we did not send`;
  if (chosen.protocolId !== ours.protocolId) return `the responder changed the protocol to ${chosen.protocolId}`;
  const seen = new Set<number>();
  for (const t of chosen.transforms) {
    if (seen.has(t.type)) return `the responder chose two transforms of type ${t.type}`;
    seen.add(t.type);
    if (!ours.transforms.some((m) => sameTransform(m, t))) return `the responder chose transform ${t.type}/${t.id}, which we did not offer`;
  }
  for (const type of typesOf(ours)) if (!seen.has(type)) return `the responder chose no transform of type ${type}`;
  if (!hasMandatoryTypes(chosen.protocolId, chosen.transforms)) return 'the chosen proposal lacks a mandatory transform';
  return null;
}

/** The algorithms of a single chosen proposal. */
export function negotiated(p: Proposal): Negotiated {
  const get = (type: number): Transform | undefined => p.transforms.find((t) => t.type === type);
  const encr = get(TransformType.ENCR);
  const esn = get(TransformType.ESN);
  return {
    protocolId: p.protocolId,
    encr: encr?.id ?? 0,
    keyBits: encr?.keyLength ?? 0,
    prf: get(TransformType.PRF)?.id ?? 0,
    integ: get(TransformType.INTEG)?.id ?? IntegId.NONE,
    dh: get(TransformType.DH)?.id ?? DhGroup.NONE,
    esn: esn?.id === EsnId.ESN,
    spi: p.spi,
  };
}

/** The DH groups our proposals offer, in order (the first one is the initiator's KE guess). */
export function offeredGroups(proposals: readonly Proposal[]): number[] {
  const out: number[] = [];
  for (const p of proposals) for (const t of p.transforms) if (t.type === TransformType.DH && !out.includes(t.id)) out.push(t.id);
  return out;
}

/**
 * Libreswan's printed form: IKE "AES_GCM_16_256-HMAC_SHA2_512-DH19" (ENCR-PRF-DH, with INTEG when not
 * AEAD), ESP "AES_GCM_16_256-NONE-DH19" (ENCR-INTEG[-DH]).
 */
export function formatNegotiated(n: Negotiated): string {
  const encr = n.keyBits !== 0 ? `${encrIdName(n.encr)}_${n.keyBits}` : encrIdName(n.encr);
  const integ = n.integ === IntegId.NONE ? 'NONE' : integIdName(n.integ);
  const dh = n.dh === DhGroup.NONE ? '' : `-${dhName(n.dh)}`;
  if (n.protocolId === ProtocolId.IKE) {
    return `${encr}-${isAeadEncr(n.encr) ? '' : `${integ}-`}${prfIdName(n.prf)}${dh}`;
  }
  return `${encr}-${integ}${dh}`;
}

function dhName(id: number): string {
  const name = dhGroupName(id);
  return name.startsWith('MODP') && name !== 'MODP1024_S160' ? name : `DH${id}`;
}
