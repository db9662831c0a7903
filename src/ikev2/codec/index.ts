// The IKEv2 message codec: the only entry point the rest of src/ uses. No I/O, no state.
// Receiving: parseMessage(datagram) for IKE_SA_INIT and to route by SPI / message id; then, for a message
// whose payload is SK, openEncryptedMessage(datagram, cipher) (decrypts in place); for SKF, one
// FragmentReassembler per IKE SA: add(datagram) until 'complete'. Every malformed input raises IkeParseError
// (reason: see errors.ts); 'integrity' means the ICV did not verify. unsupportedCriticalTypes(payloads)
// lists unknown critical payload types for UNSUPPORTED_CRITICAL_PAYLOAD.
// Sending: serializeMessage({ header, payloads }) in clear, buildEncryptedMessage(header, payloads, cipher)
// with SK, fragmentMessage(header, payloads, cipher, maxMessageSize) when the peer sent
// IKEV2_FRAGMENTATION_SUPPORTED and the message would not fit.
export { IkeParseError, isIkeParseError, type IkeParseReason } from './errors';
export { IKE_HEADER_LENGTH, parseIkeHeader, readIkeHeader, type IkeHeader, type IkeHeaderInit } from './header';
export * from './payloads';
export { parseMessage, serializeMessage, type IkeMessage } from './message';
export { isKnownPayloadType, serializePayloadChain } from './payload-chain';
export { paddedPlaintextLength, type SkCipher, type SkCipherSizes } from './sk-cipher';
export { buildEncryptedMessage, openEncryptedMessage, type DecryptedMessage } from './encrypted';
export { fragmentCapacity, fragmentMessage, SKF_HEADER_LENGTH } from './fragments';
export { FragmentReassembler, type ReassemblyLimits, type ReassemblyResult } from './reassembler';
