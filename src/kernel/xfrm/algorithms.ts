// IKEv2 transform ids (RFC 7296 §3.3.2, IANA "IKEv2 Transform Type 1/3") to the Linux crypto API names
// that XFRM wants, with key, salt and ICV/truncation lengths (the same table as Libreswan's
// kernel_alg / strongSwan's kernel_netlink_ipsec.c).
import { EncrId, IntegId } from '../../ikev2/constants';
import { XfrmCodecError } from './structs';

export interface KernelEncr {
  /** Crypto API name: "cbc(aes)", "rfc4106(gcm(aes))". */
  name: string;
  /** AEAD: sent as XFRMA_ALG_AEAD with this ICV length in bits. */
  aeadIcvBits?: number;
  /** Key lengths (bits) the id allows; the keymat is key plus `saltBytes`. */
  keyBits: readonly number[];
  /** Salt/nonce appended to the key in the keymat (RFC 4106 §8.1, RFC 3686 §5.1, RFC 7634 §4). */
  saltBytes: number;
}

export interface KernelInteg {
  name: string;
  keyBits: number;
  truncBits: number;
}

const AES = [128, 192, 256] as const;

const ENCR: ReadonlyMap<number, KernelEncr> = new Map<number, KernelEncr>([
  [EncrId.NULL, { name: 'ecb(cipher_null)', keyBits: [0], saltBytes: 0 }],
  [EncrId['3DES'], { name: 'cbc(des3_ede)', keyBits: [192], saltBytes: 0 }],
  [EncrId.AES_CBC, { name: 'cbc(aes)', keyBits: AES, saltBytes: 0 }],
  [EncrId.AES_CTR, { name: 'rfc3686(ctr(aes))', keyBits: AES, saltBytes: 4 }],
  [EncrId.AES_CCM_8, { name: 'rfc4309(ccm(aes))', aeadIcvBits: 64, keyBits: AES, saltBytes: 3 }],
  [EncrId.AES_CCM_12, { name: 'rfc4309(ccm(aes))', aeadIcvBits: 96, keyBits: AES, saltBytes: 3 }],
  [EncrId.AES_CCM_16, { name: 'rfc4309(ccm(aes))', aeadIcvBits: 128, keyBits: AES, saltBytes: 3 }],
  [EncrId.AES_GCM_8, { name: 'rfc4106(gcm(aes))', aeadIcvBits: 64, keyBits: AES, saltBytes: 4 }],
  [EncrId.AES_GCM_12, { name: 'rfc4106(gcm(aes))', aeadIcvBits: 96, keyBits: AES, saltBytes: 4 }],
  [EncrId.AES_GCM_16, { name: 'rfc4106(gcm(aes))', aeadIcvBits: 128, keyBits: AES, saltBytes: 4 }],
  [EncrId.NULL_AUTH_AES_GMAC, { name: 'rfc4543(gcm(aes))', aeadIcvBits: 128, keyBits: AES, saltBytes: 4 }],
  [EncrId.CAMELLIA_CBC, { name: 'cbc(camellia)', keyBits: AES, saltBytes: 0 }],
  [EncrId.CHACHA20_POLY1305, { name: 'rfc7539esp(chacha20,poly1305)', aeadIcvBits: 128, keyBits: [256], saltBytes: 4 }],
]);

const INTEG: ReadonlyMap<number, KernelInteg> = new Map<number, KernelInteg>([
  [IntegId.HMAC_MD5_96, { name: 'hmac(md5)', keyBits: 128, truncBits: 96 }],
  [IntegId.HMAC_SHA1_96, { name: 'hmac(sha1)', keyBits: 160, truncBits: 96 }],
  [IntegId.AES_XCBC_96, { name: 'xcbc(aes)', keyBits: 128, truncBits: 96 }],
  [IntegId.AES_CMAC_96, { name: 'cmac(aes)', keyBits: 128, truncBits: 96 }],
  [IntegId.HMAC_SHA2_256_128, { name: 'hmac(sha256)', keyBits: 256, truncBits: 128 }],
  [IntegId.HMAC_SHA2_384_192, { name: 'hmac(sha384)', keyBits: 384, truncBits: 192 }],
  [IntegId.HMAC_SHA2_512_256, { name: 'hmac(sha512)', keyBits: 512, truncBits: 256 }],
]);

/** The kernel's encryption algorithm for an IKEv2 ENCR id and key length (0 = the only one it has). */
export function kernelEncr(id: number, keyBits: number): KernelEncr & { chosenKeyBits: number } {
  const alg = ENCR.get(id);
  if (!alg) throw new XfrmCodecError(`ENCR transform ${id} has no XFRM equivalent`);
  const chosen = keyBits === 0 && alg.keyBits.length === 1 ? alg.keyBits[0]! : keyBits;
  if (!alg.keyBits.includes(chosen)) throw new XfrmCodecError(`ENCR transform ${id} (${alg.name}) has no ${keyBits}-bit key (allowed: ${alg.keyBits.join(', ')})`);
  return { ...alg, chosenKeyBits: chosen };
}

export function kernelInteg(id: number): KernelInteg {
  const alg = INTEG.get(id);
  if (!alg) throw new XfrmCodecError(`INTEG transform ${id} has no XFRM equivalent`);
  return alg;
}
