// What each of ike=, esp= and ah= may contain, its defaults per IKE version, and the per-algorithm
// checks (IKE version, in-process implementation, FIPS) with Libreswan 4.10's messages.
import type { ProposalProtocolName } from './errors';
import { aeadNoneProblem, ProposalDraft, typeName } from './proposal';
import {
  Algorithm, AlgorithmKind, DhAlgorithm, EncryptAlgorithm, findAlgorithm, FIPS_DISABLED_KNOWN, IntegAlgorithm, KNOWN_UNIMPLEMENTED, PrfAlgorithm,
} from './table';

export type IkeVersion = 1 | 2;

export interface ParserPolicy {
  readonly version: IkeVersion;
  /** 1: the simple (cross-product) parser; 2: the IKEv2 parser with '+' alternatives. */
  readonly parser: 1 | 2;
  readonly pfs: boolean;
  readonly fips: boolean;
  readonly warn: (message: string) => void;
}

export interface ProtocolDefaults {
  /** The proposals used when the keyword is absent. */
  readonly proposals: string;
  readonly encrypt?: readonly EncryptAlgorithm[];
  readonly prf?: readonly PrfAlgorithm[];
  readonly integ?: readonly IntegAlgorithm[];
  readonly dh?: readonly DhAlgorithm[];
}

export interface ProtocolSpec {
  readonly name: ProposalProtocolName;
  readonly encrypt: boolean;
  readonly prf: boolean;
  readonly integ: boolean;
  readonly dh: boolean;
  /** ESP/AH: DH only with PFS, and the same DH in every proposal. */
  readonly checkPfs: boolean;
  readonly defaults: Readonly<Record<IkeVersion, ProtocolDefaults>>;
  /** Whole-proposal checks; returns an error message or null. */
  proposalOk(p: ProposalDraft): string | null;
}

export type Lookup<T> = { alg: T; error?: undefined } | { alg?: undefined; error: string };

function must<T extends Algorithm>(alg: T | undefined): T {
  if (alg === undefined) throw new Error('algorithm table is missing a default');
  return alg;
}
const P = (n: string): PrfAlgorithm => must(findAlgorithm('prf', n));
const I = (n: string): IntegAlgorithm => must(findAlgorithm('integ', n));
const D = (n: string): DhAlgorithm => must(findAlgorithm('dh', n));

export const IKE_PROTOCOL: ProtocolSpec = {
  name: 'IKE', encrypt: true, prf: true, integ: true, dh: true, checkPfs: false,
  defaults: {
    1: { proposals: 'AES_CBC,3DES', prf: [P('HMAC_SHA2_256'), P('HMAC_SHA2_512'), P('HMAC_SHA1')], dh: [D('MODP2048'), D('MODP1536')] },
    2: {
      proposals: 'AES_GCM_16_256,AES_GCM_16_128,AES_CBC_256,AES_CBC_128',
      prf: [P('HMAC_SHA2_512'), P('HMAC_SHA2_256')],
      dh: ['MODP2048', 'MODP3072', 'MODP4096', 'MODP8192', 'DH19', 'DH20', 'DH21', 'DH31'].map(D),
    },
  },
  proposalOk(p) {
    const aead = aeadNoneProblem(p);
    if (aead !== null) return aead;
    if (p.dh.some((d) => d.fqn === 'NONE')) return "IKE DH algorithm 'none' not permitted";
    return null;
  },
};

export const ESP_PROTOCOL: ProtocolSpec = {
  name: 'ESP', encrypt: true, prf: false, integ: true, dh: true, checkPfs: true,
  defaults: {
    1: { proposals: 'AES_CBC', integ: [I('HMAC_SHA1_96')] },
    2: { proposals: 'AES_GCM_16_256,AES_GCM_16_128,AES_CBC_256,AES_CBC_128', integ: [I('HMAC_SHA2_512_256'), I('HMAC_SHA2_256_128')] },
  },
  proposalOk: (p) => aeadNoneProblem(p),
};

export const AH_PROTOCOL: ProtocolSpec = {
  name: 'AH', encrypt: false, prf: false, integ: true, dh: true, checkPfs: true,
  defaults: {
    1: { proposals: 'HMAC_SHA1_96', integ: [I('HMAC_SHA1_96')] },
    2: { proposals: 'HMAC_SHA2_512_256,HMAC_SHA2_256_128,HMAC_SHA1_96', integ: [I('HMAC_SHA1_96')] },
  },
  proposalOk(p) {
    if (p.integ.some((i) => i.fqn === 'NONE')) return "AH cannot have 'none' as the integrity algorithm";
    return null;
  },
};

/** Is a known algorithm usable here: IKE version, implementation, FIPS. (Libreswan's alg_byname_ok.) */
export function algorithmProblem(spec: ProtocolSpec, policy: ParserPolicy, alg: Algorithm, print: string): string | null {
  const what = `${spec.name} ${typeName(alg.kind)} algorithm '${print}'`;
  if (policy.version === 1) {
    const v1ok = spec.name === 'IKE' ? alg.ikev1.ike : alg.ikev1.esp;
    if (!v1ok) return `${what} is not supported by IKEv1`;
  } else if (alg.ikev2Id === null) {
    return `${what} is not supported by IKEv2`;
  }
  // The IKE SA needs an in-process implementation; ESP/AH are the kernel's, except their DH.
  const implemented = spec.name === 'IKE' || alg.kind === 'dh' ? alg.ike : true;
  if (!implemented) return `${what} is not supported`;
  if (policy.fips && !alg.fips) return `${what} is not valid`;
  return null;
}

/** Looks an algorithm up by name and checks it is usable (Libreswan's alg_byname). */
export function lookupAlgorithm(spec: ProtocolSpec, policy: ParserPolicy, kind: 'encrypt', name: string, print: string): Lookup<EncryptAlgorithm>;
export function lookupAlgorithm(spec: ProtocolSpec, policy: ParserPolicy, kind: 'prf', name: string, print: string): Lookup<PrfAlgorithm>;
export function lookupAlgorithm(spec: ProtocolSpec, policy: ParserPolicy, kind: 'integ', name: string, print: string): Lookup<IntegAlgorithm>;
export function lookupAlgorithm(spec: ProtocolSpec, policy: ParserPolicy, kind: 'dh', name: string, print: string): Lookup<DhAlgorithm>;
export function lookupAlgorithm(spec: ProtocolSpec, policy: ParserPolicy, kind: AlgorithmKind, name: string, print: string): Lookup<Algorithm>;
export function lookupAlgorithm(spec: ProtocolSpec, policy: ParserPolicy, kind: AlgorithmKind, name: string, print: string): Lookup<Algorithm> {
  let alg = findAlgorithm(kind, name);
  // In FIPS mode the non-FIPS algorithms are not registered at all.
  if (alg !== undefined && policy.fips && !alg.fips) alg = undefined;
  const what = `${spec.name} ${typeName(kind)} algorithm '${print}'`;
  if (alg === undefined) {
    const group = spec.name === 'IKE' ? 'ike' : 'child';
    const lower = name.toLowerCase();
    const known = KNOWN_UNIMPLEMENTED[kind][group].includes(lower) || (policy.fips && FIPS_DISABLED_KNOWN[kind][group].includes(lower));
    return { error: `${what} ${known ? 'is not supported' : 'is not recognized'}` };
  }
  const problem = algorithmProblem(spec, policy, alg, print);
  return problem === null ? { alg } : { error: problem };
}

/** Parses a key length as C's strtol would, with Libreswan's messages; returns bits or an error. */
export function parseKeyLength(spec: ProtocolSpec, print: string, text: string): Lookup<number> {
  const m = /^\s*[+-]?\d+/.exec(text);
  if (m === null || m[0].length !== text.length) {
    return { error: `${spec.name} encryption algorithm '${print}' key length contains a non-numeric character` };
  }
  const value = Number(text.trim());
  if (value >= 2147483647) return { error: `${spec.name} encryption algorithm '${print}' key length WAY too big` };
  if (value === 0) return { error: `${spec.name} encryption key length is zero` };
  return { alg: value };
}

/** Looks up an encryption algorithm and checks an explicit key length against it. */
export function lookupEncrypt(spec: ProtocolSpec, policy: ParserPolicy, name: string, keyLength: number, print: string): Lookup<EncryptAlgorithm> {
  const found = lookupAlgorithm(spec, policy, 'encrypt', name, print);
  if (found.alg === undefined || keyLength <= 0) return found;
  const alg = found.alg;
  if (alg.keyLengths.length === 0) return { error: `${spec.name} encryption algorithm ${alg.fqn} does not allow a key lengths` };
  if (!alg.keyLengths.includes(keyLength)) {
    return {
      error: `${spec.name} encryption algorithm ${alg.fqn} with key length ${keyLength} invalid; valid key lengths: ${alg.keyLengths.join(', ')}`,
    };
  }
  return found;
}
