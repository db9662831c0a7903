// What the codec needs from the SK payload cipher (implemented in src/native/aead.ts on its own branch;
// the codec only depends on this shape so it can be tested with fakes and never imports the addon).

export interface SkCipherSizes {
  ivLength: number;
  icvLength: number;
  /** The padded plaintext is a multiple of this (16 for AES-CBC, 1 for the stream/AEAD modes). */
  blockLength: number;
  aead: boolean;
}

/**
 * A sealer for one direction of one IKE SA. `message` is laid out as
 * [AAD: IKE header + SK/SKF header, 0..ivOffset) [IV] [plaintext: inner payloads + padding + pad length] [ICV].
 */
export interface SkCipher {
  readonly sizes: SkCipherSizes;
  /** Encrypts in place, writes IV and ICV; returns ivOffset + IV + plaintext + ICV (the message length). */
  seal(message: Uint8Array, ivOffset: number, plaintextLength: number): number;
  /**
   * Verifies message[0, totalLength) and decrypts in place; returns the plaintext length (at ivOffset + IV),
   * or -1 when the ICV does not match.
   */
  open(message: Uint8Array, ivOffset: number, totalLength: number): number;
}

/**
 * §3.14: the plaintext is the inner payloads, then padding, then one Pad Length octet, in all a multiple of
 * the block length. We use the least padding (zeros); AEAD modes still carry the Pad Length octet (RFC 5282).
 */
export function paddedPlaintextLength(contentLength: number, blockLength: number): number {
  const block = Math.max(1, blockLength);
  return Math.ceil((contentLength + 1) / block) * block;
}

export function checkSizes(s: SkCipherSizes): void {
  for (const [k, v] of Object.entries({ iv: s.ivLength, icv: s.icvLength, block: s.blockLength })) {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`cipher ${k} length ${v} is not sane`);
  }
}
