// The IKEv2 proposal parser (Libreswan's default for IKEv2): ENCR[+ENCR]-[INTEG-]PRF[+PRF]-DH[+DH],
// ';' before DH, missing parts filled from the protocol's defaults.
import { parseEncryptToken } from './encrypt-token';
import {
  allAead, allNonAead, appendProposal, emptyDraft, Proposal, ProposalDraft, removeDuplicates, TransformList, typeName,
} from './proposal';
import { lookupAlgorithm, ParserPolicy, ProtocolSpec } from './protocols';
import { INTEG_NONE, integForPrf } from './table';
import { ProposalTokens, splitProposals } from './tokenizer';

type Result = { error: string } | null;

/** Parses one algorithm token of `kind` and any '+' alternatives after it (Libreswan's PARSE_ALG). */
function parseAlgorithms(spec: ProtocolSpec, policy: ParserPolicy, draft: ProposalDraft, kind: Exclude<TransformList, 'encrypt'>, tokens: ProposalTokens): Result {
  const one = (): Result => {
    const token = tokens.thisToken ?? '';
    if (token.length === 0) return { error: `${spec.name} ${typeName(kind)} algorithm is empty` };
    const found = lookupAlgorithm(spec, policy, kind, token, token);
    if (found.alg === undefined) return { error: found.error };
    (draft[kind] as unknown[]).push(found.alg);
    return null;
  };
  let result = one();
  if (result !== null) return result;
  tokens.advance();
  while (tokens.prevTerm === '+') {
    result = one();
    if (result !== null) break;
    tokens.advance();
  }
  removeDuplicates(draft, kind, policy.warn);
  return result;
}

function mergeDefaults(spec: ProtocolSpec, policy: ParserPolicy, draft: ProposalDraft): Result {
  const defaults = spec.defaults[policy.version];
  if (draft.encrypt.length === 0 && defaults.encrypt) draft.encrypt.push(...defaults.encrypt.map((alg) => ({ alg, keyLength: 0 })));
  if (draft.prf.length === 0 && defaults.prf) draft.prf.push(...defaults.prf);
  if (draft.integ.length === 0) {
    if (allAead(draft)) {
      draft.integ.push(INTEG_NONE);
    } else if (defaults.integ) {
      draft.integ.push(...defaults.integ);
    } else if (draft.prf.length > 0 && allNonAead(draft)) {
      for (const prf of draft.prf) {
        const integ = integForPrf(prf);
        if (integ === undefined) return { error: `${spec.name} integrity derived from PRF ${prf.fqn} is not supported` };
        draft.integ.push(integ);
      }
    }
  }
  if (draft.dh.length === 0 && defaults.dh) draft.dh.push(...defaults.dh);
  return null;
}


function parseOne(spec: ProtocolSpec, policy: ParserPolicy, text: string): { draft: ProposalDraft } | { error: string } {
  const draft = emptyDraft(spec.name);
  let tokens = new ProposalTokens(text, '-;+');

  if (spec.encrypt) {
    do {
      const choice = parseEncryptToken(spec, policy, tokens);
      if (choice.alg === undefined) return { error: choice.error };
      draft.encrypt.push(choice.alg);
    } while (tokens.prevTerm === '+');
    removeDuplicates(draft, 'encrypt', policy.warn);
  }

  // Try <encr>-<PRF> first; if that fails, <encr>-<INTEG>[-<PRF>] (so integrity needs its full name).
  let prfError: string | null = null;
  if (spec.prf && tokens.thisToken !== null && tokens.prevTerm !== ';') {
    const trial = tokens.clone();
    const r = parseAlgorithms(spec, policy, draft, 'prf', trial);
    if (r === null) {
      tokens = trial;
    } else {
      draft.prf.length = 0;
      prfError = r.error;
    }
  }
  if (spec.integ && tokens.thisToken !== null && tokens.prevTerm !== ';' && draft.prf.length === 0) {
    const r = parseAlgorithms(spec, policy, draft, 'integ', tokens);
    if (r !== null) return { error: prfError ?? r.error };
  }
  if (spec.prf && tokens.thisToken !== null && tokens.prevTerm !== ';' && draft.prf.length === 0) {
    const r = parseAlgorithms(spec, policy, draft, 'prf', tokens);
    if (r !== null) return r;
  }
  if (spec.dh && tokens.thisToken !== null) {
    const r = parseAlgorithms(spec, policy, draft, 'dh', tokens);
    if (r !== null) return r;
  }
  if (tokens.thisToken !== null) return { error: `${spec.name} proposal contains unexpected '${tokens.thisToken}'` };
  const merged = mergeDefaults(spec, policy, draft);
  if (merged !== null) return merged;
  const problem = spec.proposalOk(draft);
  if (problem !== null) return { error: problem };
  return { draft };
}

/** Parses a whole value with the IKEv2 parser; returns the proposals or the first error. */
export function parseV2(spec: ProtocolSpec, policy: ParserPolicy, text: string): { proposals: Proposal[] } | { error: string } {
  if (text.length === 0) return { error: `${spec.name} proposal is empty` };
  const proposals: Proposal[] = [];
  for (const raw of splitProposals(text)) {
    const one = parseOne(spec, policy, raw);
    if ('error' in one) return one;
    appendProposal(proposals, one.draft);
  }
  return { proposals };
}
