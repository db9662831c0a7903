// The IKEv2 message codec: the only entry point the rest of src/ uses.
export { IkeParseError, isIkeParseError, type IkeParseReason } from './errors';
export { IKE_HEADER_LENGTH, parseIkeHeader, readIkeHeader, type IkeHeader, type IkeHeaderInit } from './header';
export * from './payloads';
export { parseMessage, serializeMessage, type IkeMessage } from './message';
export { isKnownPayloadType, serializePayloadChain } from './payload-chain';
export { paddedPlaintextLength, type SkCipher, type SkCipherSizes } from './sk-cipher';
export { buildEncryptedMessage, openEncryptedMessage, type DecryptedMessage } from './encrypted';
export { fragmentCapacity, fragmentMessage, SKF_HEADER_LENGTH } from './fragments';
export { FragmentReassembler, type ReassemblyLimits, type ReassemblyResult } from './reassembler';
