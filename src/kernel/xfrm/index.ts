// The XFRM kernel interface: XfrmKernel for the daemon, the codec for tools and tests.
export { XfrmKernel, type XfrmKernelOptions } from './xfrm-kernel';
export {
  encodeSa,
  encodeSaId,
  encodeAllocSpi,
  encodePolicy,
  encodePolicyId,
  encodeFlushPolicies,
  encodeFlushSas,
  encodeDump,
  decodePolicy,
  decodeSa,
  type AllocSpiOptions,
  type DecodedPolicy,
  type DecodedSa,
} from './messages';
export { decodeEvent } from './events';
export { kernelEncr, kernelInteg, type KernelEncr, type KernelInteg } from './algorithms';
export { XfrmCodecError } from './structs';
export type { EncodedRequest } from './nlmsg';
