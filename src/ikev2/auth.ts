// PSK authentication (RFC 7296 §2.15): AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>), where
// the initiator's SignedOctets = RealMessage1 | NonceRData | prf(SK_pi, RestOfInitIDPayload) and the
// responder's = RealMessage2 | NonceIData | prf(SK_pr, RestOfRespIDPayload).
import { timingSafeEqual } from 'node:crypto';

import { prf, prfSecret, type PrfId } from '../native/prf';
import type { SecretBytes } from '../native/secret';
import type { IdPayload } from './codec';

const KEY_PAD = new Uint8Array(Buffer.from('Key Pad for IKEv2', 'ascii'));

/** RestOf{Init,Resp}IDPayload: the ID payload body after the generic header (type, 3 reserved, data). */
export function restOfIdPayload(id: IdPayload): Uint8Array {
  const out = new Uint8Array(4 + id.data.length);
  out[0] = id.idType;
  out.set(id.data, 4);
  return out;
}

export function signedOctets(prfId: PrfId, realMessage: Uint8Array, peerNonce: Uint8Array, skP: SecretBytes, id: IdPayload): Uint8Array {
  const macedId = prf(prfId, skP, restOfIdPayload(id));
  return new Uint8Array(Buffer.concat([realMessage, peerNonce, macedId]));
}

export function pskAuth(prfId: PrfId, psk: SecretBytes, octets: Uint8Array): Uint8Array {
  // prf(PSK, pad) is key material: it stays in native memory; only the AUTH value, public, comes back.
  const inner = prfSecret(prfId, psk, KEY_PAD);
  const auth = new Uint8Array(prf(prfId, inner, octets));
  inner.wipe();
  return auth;
}

export function authEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
