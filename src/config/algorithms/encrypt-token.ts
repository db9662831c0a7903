// Reads an encryption token with its optional key length, in each of the forms Libreswan accepts:
// <ealg>-<eklen>, <ealg>_<eklen>, <ealg><eklen> and <ealg>.
import type { EncryptChoice } from './proposal';
import { Lookup, lookupEncrypt, parseKeyLength, ParserPolicy, ProtocolSpec } from './protocols';
import type { ProposalTokens } from './tokenizer';

export function parseEncryptToken(spec: ProtocolSpec, policy: ParserPolicy, tokens: ProposalTokens): Lookup<EncryptChoice> {
  const token = tokens.thisToken ?? '';
  if (token.length === 0) return { error: `${spec.name} encryption algorithm is empty` };

  // <ealg>-<eklen>: a token after '-' that starts with a digit is taken as the key length.
  const next = tokens.next;
  if (tokens.thisTerm === '-' && next !== null && next.length > 0 && next[0] >= '0' && next[0] <= '9') {
    const print = `${token}-${next}`;
    const keyLength = parseKeyLength(spec, print, next);
    if (keyLength.alg === undefined) return keyLength;
    const alg = lookupEncrypt(spec, policy, token, keyLength.alg, print);
    if (alg.alg === undefined) return alg;
    tokens.advance();
    tokens.advance();
    return { alg: { alg: alg.alg, keyLength: keyLength.alg } };
  }

  // <ealg> on its own (names such as aes_gcm_16 end in digits, so this comes first).
  const plain = lookupEncrypt(spec, policy, token, 0, token);
  if (plain.alg !== undefined) {
    tokens.advance();
    return { alg: { alg: plain.alg, keyLength: 0 } };
  }
  let end = token.length;
  while (end > 0 && token[end - 1] >= '0' && token[end - 1] <= '9') end--;
  if (end === token.length) return plain;

  // <ealg><eklen> or <ealg>_<eklen>.
  const keyLength = parseKeyLength(spec, token, token.slice(end));
  if (keyLength.alg === undefined) return keyLength;
  let name = token.slice(0, end);
  if (name.endsWith('_')) name = name.slice(0, -1);
  const alg = lookupEncrypt(spec, policy, name, keyLength.alg, token);
  if (alg.alg === undefined) return alg;
  tokens.advance();
  return { alg: { alg: alg.alg, keyLength: keyLength.alg } };
}
