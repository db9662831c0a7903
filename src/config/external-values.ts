// The one place where the values validated by other modules are checked: the algorithm strings
// (ike=, esp=/phase2alg=/ah=) by src/config/algorithms/ and the IDs (leftid=, rightid=) by src/config/id.ts.
import { AlgorithmError, parseAhProposals, parseEspProposals, parseIkeProposals } from './algorithms';
import { ConfigError, Origin } from './errors';
import { IdError, parseId } from './id';
import { ConnectionConfig } from './model';
import { parsePublicKey, PublicKeyError } from './public-keys';
import * as path from 'node:path';

/** A DNS name: an ID written without @ is resolved as a host name, as Libreswan does (ipsec.conf(5) leftid). */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\.?$/;

function originOf(conn: ConnectionConfig, key: string): Origin {
  return conn.options.get(key)?.origin ?? conn.origin;
}

function checkAlgorithms(conn: ConnectionConfig, errors: ConfigError[]): void {
  const options = { ikeVersion: conn.ikev2 ? 2 : 1, pfs: conn.pfs } as const;
  const check = (key: string, parse: () => unknown): void => {
    try {
      parse();
    } catch (err) {
      if (!(err instanceof AlgorithmError)) throw err;
      errors.push(new ConfigError(originOf(conn, key), err.message, { keyword: key, expected: 'a proposal list such as aes_gcm256-sha2_256;dh19' }));
    }
  };
  if (conn.ike !== undefined) check('ike', () => parseIkeProposals(conn.ike, options));
  if (conn.esp !== undefined) {
    const text = conn.esp;
    check('esp', () => (conn.phase2 === 'ah' ? parseAhProposals(text, options) : parseEspProposals(text, options)));
  }
}

function checkIds(conn: ConnectionConfig, errors: ConfigError[]): void {
  for (const end of [conn.left, conn.right]) {
    const id = end.id;
    if (id === undefined || id === '%myid') continue;
    try {
      parseId(id);
    } catch (err) {
      if (!(err instanceof IdError)) throw err;
      if (HOST_NAME.test(id) && !id.includes('=')) continue; // resolved when the conn is added, as a host name
      const key = `${end.side}id`;
      errors.push(new ConfigError(originOf(conn, key), err.message, { keyword: key }));
    }
  }
}

/** Parses each end's raw public key into `end.publicKey` (PEM paths relative to the file that names them). */
function checkPublicKeys(conn: ConnectionConfig, errors: ConfigError[]): void {
  for (const end of [conn.left, conn.right]) {
    for (const keyword of ['rsasigkey', 'ecdsakey', 'pubkey'] as const) {
      const text = end[keyword];
      if (text === undefined) continue;
      const key = `${end.side}${keyword}`;
      const origin = originOf(conn, key);
      try {
        const parsed = parsePublicKey(text, keyword, path.dirname(path.resolve(origin.file)));
        if (parsed !== null && end.publicKey === undefined) end.publicKey = parsed;
      } catch (err) {
        if (!(err instanceof PublicKeyError)) throw err;
        errors.push(new ConfigError(origin, `${key}=: ${err.message}`, { keyword: key, expected: '0s<base64>, 0x<hex>, a PEM public key file, %cert or %none' }));
      }
    }
  }
}

/** leftckaid=: hex digits, '_' allowed between them, an even number of digits (Libreswan's ttodata, base 16); empty is unset. */
function checkCkaids(conn: ConnectionConfig, errors: ConfigError[]): void {
  for (const end of [conn.left, conn.right]) {
    const text = end.ckaid;
    if (text === undefined || text === '') continue;
    const key = `${end.side}ckaid`;
    const digits = text.replace(/_/g, '');
    let why: string | undefined;
    if (!/^[0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(text)) why = 'not hexadecimal (hex digits only, optionally grouped with _; no 0x)';
    else if (digits.length % 2 !== 0) why = 'an odd number of hex digits';
    if (why !== undefined) errors.push(new ConfigError(originOf(conn, key), `${key}=${text}: ${why}`, { keyword: key }));
  }
}

/** Returns the problems with a conn's algorithm strings, IDs, public keys and CKAIDs, each at its file:line. */
export function validateExternalValues(conn: ConnectionConfig): ConfigError[] {
  const errors: ConfigError[] = [];
  checkAlgorithms(conn, errors);
  checkIds(conn, errors);
  checkPublicKeys(conn, errors);
  checkCkaids(conn, errors);
  return errors;
}
