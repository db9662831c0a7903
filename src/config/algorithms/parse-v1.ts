// The simple parser (Libreswan's IKEv1 parser, also `algparse -p1`): one algorithm per slot,
// ENCR-PRF-DH for IKE and ENCR-INTEG-DH for ESP, no '+'; each missing slot is expanded into one
// proposal per default (DH outermost, then encryption, then PRF, then integrity).
import { parseEncryptToken } from './encrypt-token';
import { appendProposal, emptyDraft, Proposal, ProposalDraft } from './proposal';
import { algorithmProblem, lookupAlgorithm, ParserPolicy, ProtocolDefaults, ProtocolSpec } from './protocols';
import { Algorithm, DhAlgorithm, EncryptAlgorithm, INTEG_NONE, integForPrf, IntegAlgorithm, PrfAlgorithm } from './table';
import { ProposalTokens, splitProposals } from './tokenizer';

interface Single {
  encrypt?: EncryptAlgorithm;
  keyLength: number;
  prf?: PrfAlgorithm;
  integ?: IntegAlgorithm;
  dh?: DhAlgorithm;
}

type Result = { error: string } | null;

function addProposal(spec: ProtocolSpec, out: Proposal[], s: Single): Result {
  const draft: ProposalDraft = emptyDraft(spec.name);
  if (s.encrypt) draft.encrypt.push({ alg: s.encrypt, keyLength: s.keyLength });
  if (s.prf) draft.prf.push(s.prf);
  if (s.integ) draft.integ.push(s.integ);
  if (s.dh) draft.dh.push(s.dh);
  const problem = spec.proposalOk(draft);
  if (problem !== null) return { error: problem };
  appendProposal(out, draft);
  return null;
}

function expand(spec: ProtocolSpec, policy: ParserPolicy, d: ProtocolDefaults, out: Proposal[], s: Single): Result {
  const each = <T extends Algorithm>(defaults: readonly T[], set: (alg: T) => Single): Result => {
    for (const alg of defaults) {
      // Defaults the IKE version cannot use are skipped silently.
      if (algorithmProblem(spec, policy, alg, alg.fqn) !== null) continue;
      const r = expand(spec, policy, d, out, set(alg));
      if (r !== null) return r;
    }
    return null;
  };
  if (s.dh === undefined && d.dh) return each(d.dh, (dh) => ({ ...s, dh }));
  if (s.encrypt === undefined && d.encrypt) return each(d.encrypt, (encrypt) => ({ ...s, encrypt }));
  if (s.prf === undefined && d.prf) return each(d.prf, (prf) => ({ ...s, prf }));
  if (s.integ === undefined && s.encrypt?.aead) return expand(spec, policy, d, out, { ...s, integ: INTEG_NONE });
  if (s.integ === undefined && d.integ) return each(d.integ, (integ) => ({ ...s, integ }));
  if (s.integ === undefined && s.prf !== undefined && s.encrypt !== undefined && !s.encrypt.aead) {
    const integ = integForPrf(s.prf);
    if (integ === undefined) return { error: `${spec.name} integrity derived from PRF ${s.prf.fqn} is not supported` };
    return expand(spec, policy, d, out, { ...s, integ });
  }
  return addProposal(spec, out, s);
}

function parseOne(spec: ProtocolSpec, policy: ParserPolicy, text: string, out: Proposal[]): Result {
  const tokens = new ProposalTokens(text, '-;');
  const s: Single = { keyLength: 0 };
  if (spec.encrypt && tokens.thisToken !== null && tokens.prevTerm !== ';') {
    const choice = parseEncryptToken(spec, policy, tokens);
    if (choice.alg === undefined) return { error: choice.error };
    s.encrypt = choice.alg.alg;
    s.keyLength = choice.alg.keyLength;
  }
  if (spec.prf && tokens.thisToken !== null && tokens.prevTerm !== ';') {
    const found = lookupAlgorithm(spec, policy, 'prf', tokens.thisToken, tokens.thisToken);
    if (found.alg === undefined) return { error: found.error };
    s.prf = found.alg;
    tokens.advance();
  }
  if (!spec.prf && spec.integ && tokens.thisToken !== null && tokens.prevTerm !== ';') {
    const found = lookupAlgorithm(spec, policy, 'integ', tokens.thisToken, tokens.thisToken);
    if (found.alg === undefined) return { error: found.error };
    s.integ = found.alg;
    tokens.advance();
  }
  if (spec.dh && tokens.thisToken !== null) {
    const found = lookupAlgorithm(spec, policy, 'dh', tokens.thisToken, tokens.thisToken);
    if (found.alg === undefined) return { error: found.error };
    s.dh = found.alg;
    tokens.advance();
  }
  if (tokens.thisToken !== null) return { error: `${spec.name} proposals contain unexpected '${tokens.thisToken}'` };
  return expand(spec, policy, spec.defaults[policy.version], out, s);
}

export function parseV1(spec: ProtocolSpec, policy: ParserPolicy, text: string): { proposals: Proposal[] } | { error: string } {
  if (text.length === 0) return { error: `${spec.name} proposal is empty` };
  const proposals: Proposal[] = [];
  for (const raw of splitProposals(text)) {
    const r = parseOne(spec, policy, raw, proposals);
    if (r !== null) return r;
  }
  return { proposals };
}
