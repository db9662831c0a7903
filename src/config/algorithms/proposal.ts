// A parsed proposal: lists of alternative algorithms per transform type, as Libreswan holds them,
// plus the helpers both parsers share (duplicate removal, AEAD/NONE rules, printing).
import type { DhAlgorithm, EncryptAlgorithm, IntegAlgorithm, PrfAlgorithm } from './table';
import type { ProposalProtocolName } from './errors';

export interface EncryptChoice {
  readonly alg: EncryptAlgorithm;
  /** Key length in bits; 0 means "not given" (IKEv2 then offers every valid length). */
  readonly keyLength: number;
}

export interface Proposal {
  readonly protocol: ProposalProtocolName;
  readonly encrypt: readonly EncryptChoice[];
  readonly prf: readonly PrfAlgorithm[];
  readonly integ: readonly IntegAlgorithm[];
  readonly dh: readonly DhAlgorithm[];
}

/**
 * The key lengths an IKEv2 proposal offers for one encryption choice: the one given, or, when none
 * was given, the largest and then the default (AES: 256, 128), as Libreswan emits them. Algorithms
 * without a key length attribute (3DES, ChaCha20-Poly1305, NULL) give [].
 */
export function offeredKeyLengths(choice: EncryptChoice): number[] {
  if (choice.alg.keyLengths.length === 0) return [];
  if (choice.keyLength !== 0) return [choice.keyLength];
  const max = Math.max(...choice.alg.keyLengths);
  return max === choice.alg.defaultKeyLength ? [max] : [max, choice.alg.defaultKeyLength];
}

/** The mutable form used while parsing. */
export interface ProposalDraft {
  protocol: ProposalProtocolName;
  encrypt: EncryptChoice[];
  prf: PrfAlgorithm[];
  integ: IntegAlgorithm[];
  dh: DhAlgorithm[];
}

export function emptyDraft(protocol: ProposalProtocolName): ProposalDraft {
  return { protocol, encrypt: [], prf: [], integ: [], dh: [] };
}

export type TransformList = 'encrypt' | 'prf' | 'integ' | 'dh';

const TYPE_NAMES: Record<TransformList, string> = { encrypt: 'encryption', prf: 'PRF', integ: 'integrity', dh: 'DH' };

/** Libreswan's name for an algorithm type in messages ("encryption", "PRF", "integrity", "DH"). */
export function typeName(kind: TransformList): string {
  return TYPE_NAMES[kind];
}

/**
 * Drops later repeats of an algorithm, warning for each. Encryption with key length 0 is a wildcard,
 * so it swallows later entries of the same algorithm; a specific length only swallows the same length.
 */
export function removeDuplicates(draft: ProposalDraft, kind: TransformList, warn: (msg: string) => void): void {
  if (kind === 'encrypt') {
    const list = draft.encrypt;
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; ) {
        if (list[j].alg === list[i].alg && (list[i].keyLength === 0 || list[i].keyLength === list[j].keyLength)) {
          const dead = list[j];
          warn(`discarding duplicate ${draft.protocol} encryption algorithm ${dead.alg.fqn}${dead.keyLength !== 0 ? `_${dead.keyLength}` : ''}`);
          list.splice(j, 1);
        } else {
          j++;
        }
      }
    }
    return;
  }
  const list: { fqn: string }[] = draft[kind];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; ) {
      if (list[j] === list[i]) {
        warn(`discarding duplicate ${draft.protocol} ${typeName(kind)} algorithm ${list[j].fqn}`);
        list.splice(j, 1);
      } else {
        j++;
      }
    }
  }
}

/** Appends unless an earlier proposal already covers it (Libreswan drops such duplicates silently). */
export function appendProposal(list: Proposal[], draft: ProposalDraft): void {
  const covered = list.some((old) => {
    if (old.encrypt.length !== draft.encrypt.length) return false;
    for (let i = 0; i < old.encrypt.length; i++) {
      const o = old.encrypt[i];
      const n = draft.encrypt[i];
      if (o.alg !== n.alg) return false;
      if (o.keyLength !== 0 && n.keyLength !== o.keyLength) return false;
    }
    const same = <T>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
    return same(old.prf, draft.prf) && same(old.integ, draft.integ) && same(old.dh, draft.dh);
  });
  if (!covered) list.push(freeze(draft));
}

function freeze(d: ProposalDraft): Proposal {
  return Object.freeze({
    protocol: d.protocol,
    encrypt: Object.freeze([...d.encrypt]),
    prf: Object.freeze([...d.prf]),
    integ: Object.freeze([...d.integ]),
    dh: Object.freeze([...d.dh]),
  });
}

export function allAead(p: { encrypt: readonly EncryptChoice[] }): boolean {
  return p.encrypt.length > 0 && p.encrypt.every((e) => e.alg.aead);
}

export function allNonAead(p: { encrypt: readonly EncryptChoice[] }): boolean {
  return p.encrypt.length > 0 && p.encrypt.every((e) => !e.alg.aead);
}

export function integIsNone(p: { integ: readonly IntegAlgorithm[] }): boolean {
  return p.integ.every((i) => i.fqn === 'NONE');
}

/** AEAD needs integrity NONE, everything else needs real integrity; mixing the two is refused. */
export function aeadNoneProblem(p: ProposalDraft): string | null {
  if (p.encrypt.length === 0) return null;
  const aead = allAead(p);
  const norm = allNonAead(p);
  if (!aead && !norm) return `AEAD and non-AEAD ${p.protocol} encryption algorithm cannot be combined`;
  const none = integIsNone(p);
  if (aead && !none) {
    return `AEAD ${p.protocol} encryption algorithm ${p.encrypt[0].alg.fqn} must have 'NONE' as the integrity algorithm`;
  }
  if (norm && none) {
    return `non-AEAD ${p.protocol} encryption algorithm ${p.encrypt[0].alg.fqn} cannot have 'NONE' as the integrity algorithm`;
  }
  return null;
}

/**
 * Prints a proposal as Libreswan's algparse does: ENCR[_LEN]-[INTEG-]PRF-DH with '+' between
 * alternatives. Integrity is left out when it is just the PRF's own (IKE, non-AEAD) or NONE with a PRF.
 */
export function formatProposal(p: Proposal): string {
  const parts: string[] = [];
  if (p.encrypt.length > 0) {
    parts.push(p.encrypt.map((e) => (e.keyLength !== 0 ? `${e.alg.fqn}_${e.keyLength}` : e.alg.fqn)).join('+'));
  }
  let printInteg = p.prf.length === 0 || (allAead(p) && !integIsNone(p));
  if (!printInteg && allNonAead(p)) {
    const n = Math.max(p.integ.length, p.prf.length);
    for (let i = 0; i < n && !printInteg; i++) {
      const integ = p.integ[i];
      const prf = p.prf[i];
      printInteg = integ === undefined || prf === undefined || integ.prf !== prf.fqn;
    }
  }
  if (printInteg && p.integ.length > 0) parts.push(p.integ.map((i) => i.fqn).join('+'));
  if (p.prf.length > 0) parts.push(p.prf.map((a) => a.fqn).join('+'));
  if (p.dh.length > 0) parts.push(p.dh.map((a) => a.fqn).join('+'));
  return parts.join('-');
}
