// The ike=, esp= and ah= parsers: Libreswan 4.x proposal syntax and semantics, typed results.
import { AlgorithmError, ProposalProtocolName } from './errors';
import { parseV1 } from './parse-v1';
import { parseV2 } from './parse-v2';
import type { Proposal } from './proposal';
import { AH_PROTOCOL, ESP_PROTOCOL, IKE_PROTOCOL, IkeVersion, ParserPolicy, ProtocolSpec } from './protocols';

export { AlgorithmError } from './errors';
export type { ProposalProtocolName } from './errors';
export type { EncryptChoice, Proposal } from './proposal';
export { formatProposal, offeredKeyLengths } from './proposal';
export type { IkeVersion } from './protocols';
export * from './table';

export interface ProposalOptions {
  /** Which IKE version the connection uses (default 2). */
  ikeVersion?: IkeVersion;
  /** Parser: 1 = simple cross-product parser, 2 = '+' alternatives (default: the IKE version's own). */
  parser?: 1 | 2;
  /** ESP/AH only: with pfs=no any DH is dropped (with a warning). Default true, as Libreswan's pfs=yes. */
  pfs?: boolean;
  /** Restrict to FIPS-approved algorithms. */
  fips?: boolean;
  /** Receives the warnings Libreswan logs (duplicates discarded, DH ignored without PFS). */
  onWarning?: (message: string) => void;
}

const SPECS: Record<ProposalProtocolName, ProtocolSpec> = { IKE: IKE_PROTOCOL, ESP: ESP_PROTOCOL, AH: AH_PROTOCOL };

/**
 * ESP/AH: with PFS off any DH is dropped with a warning; with PFS on either every proposal names a
 * DH or none does, and (one CHILD SA, one KE) they all name the same one.
 */
function checkPfs(spec: ProtocolSpec, policy: ParserPolicy, proposals: Proposal[]): Proposal[] {
  let firstNull = false;
  let firstNone = false;
  let firstDh: string | null = null;
  let secondDh: string | null = null;
  for (const p of proposals) {
    const dh = p.dh[0];
    if (dh === undefined) firstNull = true;
    else if (dh.fqn === 'NONE') firstNone = true;
    else if (firstDh === null) firstDh = dh.fqn;
    else if (secondDh === null && dh.fqn !== firstDh) secondDh = dh.fqn;
  }
  if (firstDh === null && !firstNone) return proposals;
  if (!policy.pfs) {
    return proposals.map((p) => {
      const dh = p.dh[0];
      if (dh === undefined) return p;
      policy.warn(dh.fqn === 'NONE'
        ? `ignoring redundant ${spec.name} DH algorithm NONE as PFS policy is disabled`
        : `ignoring ${spec.name} DH algorithm ${dh.fqn} as PFS policy is disabled`);
      return Object.freeze({ ...p, dh: Object.freeze([]) });
    });
  }
  if (firstNull) throw new AlgorithmError(spec.name, `either all or no ${spec.name} proposals should specify DH`);
  if (firstDh !== null && secondDh !== null) {
    throw new AlgorithmError(spec.name, policy.version === 1
      ? `more than one IKEv1 ${spec.name} DH algorithm (${firstDh}, ${secondDh}) is not allowed in quick mode`
      : `more than one IKEv2 ${spec.name} DH algorithm (${firstDh}, ${secondDh}) requires unimplemented CHILD_SA INVALID_KE`);
  }
  return proposals;
}

function parse(protocol: ProposalProtocolName, text: string | undefined, options: ProposalOptions): Proposal[] {
  const spec = SPECS[protocol];
  const version = options.ikeVersion ?? 2;
  const policy: ParserPolicy = {
    version,
    parser: options.parser ?? version,
    pfs: options.pfs ?? true,
    fips: options.fips ?? false,
    warn: options.onWarning ?? (() => undefined),
  };
  const input = text ?? spec.defaults[version].proposals;
  const result = policy.parser === 2 ? parseV2(spec, policy, input) : parseV1(spec, policy, input);
  if ('error' in result) throw new AlgorithmError(protocol, result.error);
  if (result.proposals.length === 0) throw new AlgorithmError(protocol, `${protocol} proposal is empty`);
  return spec.checkPfs ? checkPfs(spec, policy, result.proposals) : result.proposals;
}

/** Parses an ike= value; `undefined` (keyword absent) gives the defaults. Throws AlgorithmError. */
export function parseIkeProposals(text: string | undefined, options: ProposalOptions = {}): Proposal[] {
  return parse('IKE', text, options);
}

/** Parses an esp= (or phase2alg=) value; `undefined` gives the defaults. Throws AlgorithmError. */
export function parseEspProposals(text: string | undefined, options: ProposalOptions = {}): Proposal[] {
  return parse('ESP', text, options);
}

/** Parses an ah= value; `undefined` gives the defaults. Throws AlgorithmError. */
export function parseAhProposals(text: string | undefined, options: ProposalOptions = {}): Proposal[] {
  return parse('AH', text, options);
}

export function parseProposals(protocol: ProposalProtocolName, text: string | undefined, options: ProposalOptions = {}): Proposal[] {
  return parse(protocol, text, options);
}

/** The IKEv2 proposals used when ike= is absent. */
export const IKEV2_DEFAULT_IKE_PROPOSALS: readonly Proposal[] = Object.freeze(parseIkeProposals(undefined));
/** The IKEv2 proposals used when esp= is absent. */
export const IKEV2_DEFAULT_ESP_PROPOSALS: readonly Proposal[] = Object.freeze(parseEspProposals(undefined));
/** The IKEv2 proposals used when ah= is absent. */
export const IKEV2_DEFAULT_AH_PROPOSALS: readonly Proposal[] = Object.freeze(parseAhProposals(undefined));
