// The key store in --nssdir. Libreswan keeps private keys in an NSS database there and finds them by
// CKAID; swanlet reads unencrypted PEM private keys (files named *.pem or *.key, owner-only) from that
// directory instead and indexes them by the same CKAID (the SHA-1 of the RSA modulus or EC point, as
// `ipsec showhostkey` prints it). Other files (Libreswan's cert9.db, public keys) are left alone.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { KeyObject } from 'node:crypto';

import { ckaidOf } from './public-keys';
import { KeyEntryError, keyFromPem } from './secrets-keys';

export interface StoredKey {
  file: string;
  ckaid: string;
  key: KeyObject;
}

/** A key file that cannot be used: names the file and the line of its PEM header. */
export class KeyStoreError extends Error {
  readonly code = 'EKEYSTORE';
  constructor(readonly file: string, readonly line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
  }
}

// The file is searched as bytes: a JavaScript string copy of a private key could not be wiped.
const PRIVATE_PEM_END = 'PRIVATE KEY-----';

/** The line of the PEM header, or 0 when the file holds no private key. */
function headerLine(contents: Buffer): number {
  const at = contents.indexOf(PRIVATE_PEM_END);
  const begin = at < 0 ? -1 : contents.lastIndexOf('-----BEGIN', at);
  if (begin < 0) return 0;
  let line = 1;
  for (let i = contents.indexOf(10); i >= 0 && i < begin; i = contents.indexOf(10, i + 1)) line++;
  return line;
}

/** Reads every PEM private key in `dir`; a missing directory is an empty store. */
export async function loadKeyStore(dir: string): Promise<StoredKey[]> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => /\.(pem|key)$/i.test(n)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new KeyStoreError(dir, 0, `cannot read the key store: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const out: StoredKey[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const st = await fs.stat(file);
    if (!st.isFile()) continue;
    const contents = await fs.readFile(file);
    const line = headerLine(contents);
    if (line === 0) {
      contents.fill(0);
      continue;
    }
    if ((st.mode & 0o077) !== 0) {
      contents.fill(0);
      throw new KeyStoreError(file, line, `private key is accessible by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 ${file}`);
    }
    const kind = contents.includes('BEGIN EC PRIVATE KEY') ? 'ecdsa' : contents.includes('BEGIN RSA PRIVATE KEY') ? 'rsa' : null;
    try {
      // A PKCS#8 file does not say its type in the header: try RSA, then EC.
      const key = kind !== null ? keyFromPem(contents, kind, file) : pkcs8Key(contents, file);
      out.push({ file, ckaid: ckaidOf(key), key });
    } catch (e) {
      if (e instanceof KeyEntryError) throw new KeyStoreError(file, line, e.message);
      throw e;
    } finally {
      contents.fill(0);
    }
  }
  return out;
}

function pkcs8Key(contents: Buffer, file: string): KeyObject {
  const copy = Buffer.from(contents);
  try {
    return keyFromPem(copy, 'rsa', file);
  } catch (e) {
    if (!(e instanceof KeyEntryError) || !/holds a .* key, not RSA/.test(e.message)) throw e;
    return keyFromPem(Buffer.from(contents), 'ecdsa', file);
  } finally {
    copy.fill(0);
  }
}
