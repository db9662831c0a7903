// The PF_KEY v2 kernel interface (--use-bsdkame): PfkeyKernel for the daemon, the codec for tools and tests.
export { PfkeyKernel, pfkeyUnavailableMessage, type PfkeyKernelOptions, type PfkeyTransport } from './pfkey-kernel';
export { decodeMessage, encodeMessage, findExt, PfkeyCodecError, type PfkeyMessage, type PfkeyExtension, type EncodedMessage, type IpsecRequest, type Comb, type Lifetime, type SupportedAlg } from './codec';
export { decodeCounters, decodeEvent, decodePolicy, decodeSpi, encodeGetSpi, encodePolicy, encodePolicyId, encodeSa, encodeSaId, encodeSimple, errorOf, type RequestContext, type SpiRange } from './messages';
export { pfkeyAuth, pfkeyEncr, ikeEncr, ikeInteg, SADB_AALG, SADB_EALG, type PfkeyPlatform } from './algorithms';
export * from './constants';
