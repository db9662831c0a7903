// IKEv2 key exchange (transform type 4): MODP 14/15/16/18, ECP 19/20/21, Curve25519/448 31/32.
// The private key stays in native memory; shared secrets come back as SecretBytes.
// generateDhKeyPair/computeShared run on the calling thread; the *Async twins run on the helper pool
// (see helpers.ts: setHelperThreads), which is what the daemon uses.
import { nativeConstant, nativeFunction } from './binding';
import type { SecretBytes } from './secret';

/** IKEv2 transform type 4 IDs this module implements. */
export type DhGroupId = 14 | 15 | 16 | 18 | 19 | 20 | 21 | 31 | 32;

export const DH_GROUPS: readonly DhGroupId[] = Object.freeze([14, 15, 16, 18, 19, 20, 21, 31, 32] as const);

/** Libreswan's names (as `ipsec status` prints them: MODP2048, DH19, DH31, ...). */
const GROUP_NAMES: Readonly<Record<DhGroupId, string>> = Object.freeze({
  14: 'MODP2048',
  15: 'MODP3072',
  16: 'MODP4096',
  18: 'MODP8192',
  19: 'DH19',
  20: 'DH20',
  21: 'DH21',
  31: 'DH31',
  32: 'DH32',
});

/** One side's ephemeral key pair. Wipe it once the shared secret is computed. */
export interface DhKeyPair {
  readonly group: DhGroupId;
  /** The KE payload data (a fresh copy on each read). */
  readonly publicKey: Buffer;
  /** True once wipe() was called (the private key is freed). */
  readonly wiped: boolean;
  /** g^ir from the peer's KE payload data; throws ERR_IPSEC_DH_BAD_LENGTH / ERR_IPSEC_DH_BAD_PEER. */
  computeShared(peer: Uint8Array): SecretBytes;
  /** Frees the private key now (a job already queued with it still completes). */
  wipe(): void;
}

/** An error from this module: `code` is ERR_IPSEC_DH_UNKNOWN_GROUP, _BAD_LENGTH, _BAD_PEER, ... */
export interface DhError extends Error {
  code: string;
}

function unknownGroup(group: number): DhError {
  const err = new Error(`unknown DH group ${String(group)} (IKEv2 transform type 4 ID)`) as DhError;
  err.code = 'ERR_IPSEC_DH_UNKNOWN_GROUP';
  return err;
}

export function isDhGroupId(value: number): value is DhGroupId {
  return (DH_GROUPS as readonly number[]).includes(value);
}

function checkGroup(group: number): DhGroupId {
  if (!isDhGroupId(group)) throw unknownGroup(group);
  return group;
}

export function dhGroupName(group: DhGroupId): string {
  return GROUP_NAMES[checkGroup(group)];
}

type Lengths = Readonly<Record<string, number>>;
let publicLengths: Lengths | undefined;
let sharedLengths: Lengths | undefined;

/** The KE payload data length of the group (the addon's own table). */
export function dhPublicKeyLength(group: DhGroupId): number {
  publicLengths ??= nativeConstant<Lengths>('dhPublicLengths', 'object');
  const n = publicLengths[String(checkGroup(group))];
  if (n === undefined) throw unknownGroup(group);
  return n;
}

/** The length of g^ir for the group (MODP: the prime's length; ECP: a coordinate's; X25519/X448: 32/56). */
export function dhSharedSecretLength(group: DhGroupId): number {
  sharedLengths ??= nativeConstant<Lengths>('dhSharedLengths', 'object');
  const n = sharedLengths[String(checkGroup(group))];
  if (n === undefined) throw unknownGroup(group);
  return n;
}

type GenerateFn = (group: number) => DhKeyPair;
type GenerateAsyncFn = (group: number) => Promise<DhKeyPair>;
type ComputeAsyncFn = (pair: DhKeyPair, peer: Uint8Array) => Promise<SecretBytes>;
type FromPrivateFn = (group: number, privateKey: Uint8Array) => DhKeyPair;
type PrimeFn = (group: number) => Buffer;

let generateFn: GenerateFn | undefined;
let generateAsyncFn: GenerateAsyncFn | undefined;
let computeAsyncFn: ComputeAsyncFn | undefined;

/** A fresh key pair, computed on the calling thread. */
export function generateDhKeyPair(group: DhGroupId): DhKeyPair {
  generateFn ??= nativeFunction<GenerateFn>('dhGenerateKeyPair');
  return generateFn(checkGroup(group));
}

/** A fresh key pair, computed on the helper pool (inline when it has 0 threads). Rejects, never throws. */
export function generateDhKeyPairAsync(group: DhGroupId): Promise<DhKeyPair> {
  generateAsyncFn ??= nativeFunction<GenerateAsyncFn>('dhGenerateKeyPairAsync');
  return generateAsyncFn(group);
}

/**
 * pair.computeShared(peer) on the helper pool. The peer bytes are copied at the call, so the caller
 * may reuse its buffer. Rejects with the same errors computeShared throws.
 */
export function computeSharedAsync(pair: DhKeyPair, peer: Uint8Array): Promise<SecretBytes> {
  computeAsyncFn ??= nativeFunction<ComputeAsyncFn>('dhComputeSharedAsync');
  return computeAsyncFn(pair, peer);
}

/**
 * Known-answer tests only: the key pair of a published private key (ECP scalar, big-endian and
 * field-sized; X25519/X448 scalar as RFC 7748 encodes it). Never use it for a real exchange.
 */
export function dhKeyPairFromPrivate(group: DhGroupId, privateKey: Uint8Array): DhKeyPair {
  return nativeFunction<FromPrivateFn>('dhKeyPairFromPrivate')(checkGroup(group), privateKey);
}

/** The prime OpenSSL uses for a MODP group (to check it against RFC 3526). */
export function dhGroupPrime(group: 14 | 15 | 16 | 18): Buffer {
  return nativeFunction<PrimeFn>('dhGroupPrime')(checkGroup(group));
}
