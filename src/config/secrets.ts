// ipsec.secrets(5): PSK, XAUTH, PPKS, RSA and ECDSA entries with their ID selectors, `include` with
// globs, file:line on every entry and error, and Libreswan's best-match rule for choosing a secret.
// Secret values go straight into native memory (SecretBytes) and never into a message or log line.
import * as dns from 'node:dns/promises';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { KeyObject } from 'node:crypto';

import { silentLogger, Logger } from '../log';
import { secretFrom, SecretBytes } from '../native/secret';
import { IdError, IkeId, parseId } from './id';
import { decodeSecretData, SecretDataError } from './secrets-data';
import { expandGlob } from './secrets-glob';
import { KeyEntryError, keyFromPem, rsaFromBraces } from './secrets-keys';
import { KeyStoreError, loadKeyStore, type StoredKey } from './key-store';
import { ckaidOf } from './public-keys';
import { readRecords, SecretsRecord, SecretsSyntaxError, SecretsToken } from './secrets-lexer';

export type SecretKind = 'psk' | 'xauth' | 'ppk' | 'rsa' | 'ecdsa';

/** What may be shown about an entry: never its value. */
export interface SecretsEntryInfo {
  readonly kind: SecretKind;
  /** The selectors; empty means "any host and peer". */
  readonly ids: readonly IkeId[];
  readonly file: string;
  readonly line: number;
}

interface StoredEntry extends SecretsEntryInfo {
  readonly secret?: SecretBytes;
  readonly ppkId?: Buffer;
  readonly key?: KeyObject;
}

export interface SecretMatch extends SecretsEntryInfo {
  readonly secret: SecretBytes;
}

export interface PrivateKeyMatch extends SecretsEntryInfo {
  readonly key: KeyObject;
}

export interface LoadSecretsOptions {
  logger?: Logger;
  /**
   * Resolves an index written as a host name ("looked up when the file is loaded", ipsec.secrets(5));
   * default: the system resolver, IPv4 (Libreswan resolves to IPv6 only for names containing ':').
   */
  resolveHost?: (name: string) => Promise<string>;
  /**
   * --nssdir: `: RSA "file"` / `: ECDSA "file"` names are relative to it (else to the secrets file), and its
   * PEM private keys are found by CKAID (key-store.ts).
   */
  nssdir?: string;
}

/** What a signer asks for (see PrivateKeyQuery in src/ikev2/engine-api.ts). */
export interface PrivateKeyLookup {
  local: IkeId;
  remote: IkeId;
  ckaid?: string;
  kinds: readonly ('rsa' | 'ecdsa')[];
}

/** A secrets file that cannot be used; `file` and `line` say where (line 0: the file as a whole). */
export class SecretsError extends Error {
  readonly code = 'ESECRETS';
  constructor(readonly file: string, readonly line: number, problem: string) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
    this.name = 'SecretsError';
  }
}

const MAX_INCLUDE_DEPTH = 10;
const KIND_WORDS: Record<string, SecretKind> = { psk: 'psk', xauth: 'xauth', ppks: 'ppk', rsa: 'rsa', ecdsa: 'ecdsa' };

// Libreswan's match bits: a more specific match has a larger value.
const MATCH_DEFAULT = 0o1;
const MATCH_ANY = 0o2;
const MATCH_REMOTE = 0o4;
const MATCH_LOCAL = 0o10;
const ACCEPTED = new Set([
  MATCH_DEFAULT, MATCH_ANY, MATCH_LOCAL | MATCH_DEFAULT, MATCH_LOCAL | MATCH_ANY, MATCH_REMOTE | MATCH_ANY, MATCH_LOCAL | MATCH_REMOTE,
]);

export class SecretsDb {
  private wiped = false;

  private readonly ckaids = new Map<StoredEntry, string>();

  /** @internal built by loadSecrets */
  constructor(private readonly stored: readonly StoredEntry[], private readonly logger: Logger, private storeKeys: readonly StoredKey[] = []) {}

  /** The private keys of the --nssdir key store (file and CKAID only). */
  get keyStore(): readonly { file: string; ckaid: string }[] {
    return this.storeKeys.map(({ file, ckaid }) => ({ file, ckaid }));
  }

  /** Every entry, in file order (includes expanded in place), without values. */
  get entries(): readonly SecretsEntryInfo[] {
    return this.stored.map(({ kind, ids, file, line }) => ({ kind, ids, file, line }));
  }

  /**
   * The entry that most specifically matches the pair of IDs (ipsec.secrets(5); Libreswan's
   * lsw_find_secret_by_id): both IDs listed beats one side plus %any, beats the local ID alone as the
   * only index, beats %any alone or no index. Among equally good matches the first in the file wins.
   * `asym` (public-key entries) also accepts an entry that lists the local ID among others.
   */
  private best(kind: SecretKind, local: IkeId, remote: IkeId | null, asym: boolean): StoredEntry | null {
    if (this.wiped) throw new Error('secrets have been wiped');
    let best: StoredEntry | null = null;
    let bestMatch = 0;
    for (const entry of this.stored) {
      if (entry.kind !== kind) continue;
      let match = 0;
      if (entry.ids.length === 0) match = MATCH_ANY;
      for (const id of entry.ids) {
        if (id.isAny()) {
          match |= MATCH_ANY;
        } else {
          if (id.equals(local)) match |= MATCH_LOCAL;
          if (remote !== null && id.equals(remote)) match |= MATCH_REMOTE;
        }
      }
      if (match === MATCH_LOCAL && entry.ids.length === 1) match |= MATCH_DEFAULT;
      if (!ACCEPTED.has(match) && !(asym && match === MATCH_LOCAL)) continue;
      if (match > bestMatch) {
        best = entry;
        bestMatch = match;
      } else if (match === bestMatch && best !== null && best.secret && entry.secret && !best.secret.equals(entry.secret)) {
        this.logger.warn(`${entry.file}:${entry.line}: matches as well as ${best.file}:${best.line} but holds a different secret; using the first`);
      }
    }
    return best;
  }

  /** The PSK for an IKE SA between `local` and `remote`, or null. */
  findPsk(local: IkeId, remote: IkeId): SecretMatch | null {
    return this.asMatch(this.best('psk', local, remote, false));
  }

  /** The XAUTH password for a user name (entries indexed by @username). */
  findXauth(username: string): SecretMatch | null {
    // Built directly: a user name is an FQDN-type ID whatever characters it holds.
    const user = IkeId.create('fqdn', username, Buffer.from(username, 'latin1'), null);
    return this.asMatch(this.best('xauth', user, null, false));
  }

  /** A static PPK by its PPK_ID. */
  findPpk(ppkId: Uint8Array): SecretMatch | null {
    if (this.wiped) throw new Error('secrets have been wiped');
    const e = this.stored.find((s) => s.kind === 'ppk' && s.ppkId !== undefined && s.ppkId.equals(ppkId));
    return this.asMatch(e ?? null);
  }

  /** The private key (RSA or ECDSA) for the local ID, matched as Libreswan matches asymmetric keys. */
  findPrivateKey(kind: 'rsa' | 'ecdsa', local: IkeId, remote: IkeId | null = null): PrivateKeyMatch | null {
    const e = this.best(kind, local, remote, true);
    if (e === null || e.key === undefined) return null;
    return { kind: e.kind, ids: e.ids, file: e.file, line: e.line, key: e.key };
  }

  /** A private key by CKAID (ipsec.secrets entries first, then the key store), or null. */
  findPrivateKeyByCkaid(ckaid: string): KeyObject | null {
    if (this.wiped) throw new Error('secrets have been wiped');
    const want = ckaid.toLowerCase();
    for (const e of this.stored) {
      if (e.key === undefined) continue;
      let c = this.ckaids.get(e);
      if (c === undefined) this.ckaids.set(e, (c = ckaidOf(e.key)));
      if (c === want) return e.key;
    }
    return this.storeKeys.find((k) => k.ckaid === want)?.key ?? null;
  }

  /** The key a signer uses: by CKAID when the conn names one, else the best ID match of each allowed kind. */
  findSigningKey(q: PrivateKeyLookup): KeyObject | null {
    if (q.ckaid !== undefined) return this.findPrivateKeyByCkaid(q.ckaid);
    for (const kind of q.kinds) {
      const m = this.findPrivateKey(kind, q.local, q.remote);
      if (m !== null) return m.key;
    }
    return null;
  }

  /**
   * Zeroes every secret held (on reload or shutdown) and lets go of the private keys (OpenSSL frees them
   * with their last reference; node:crypto has no way to zero a KeyObject).
   */
  wipe(): void {
    for (const e of this.stored) {
      e.secret?.wipe();
      e.ppkId?.fill(0);
    }
    this.storeKeys = [];
    this.wiped = true;
  }

  private asMatch(e: StoredEntry | null): SecretMatch | null {
    if (e === null || e.secret === undefined) return null;
    return { kind: e.kind, ids: e.ids, file: e.file, line: e.line, secret: e.secret };
  }
}

/** Refuses a secrets (or key) file that group or others may read or write. */
async function checkPermissions(file: string): Promise<void> {
  const st = await fs.stat(file);
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw new SecretsError(file, 0, `is accessible by group or others (mode ${mode}); secrets must be private: run chmod 600 ${file}`);
  }
}

/** A DNS name, as opposed to a mistyped ID keyword or address. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

async function systemResolve(name: string): Promise<string> {
  return (await dns.lookup(name, { family: 4 })).address;
}

interface LoadState {
  entries: StoredEntry[];
  logger: Logger;
  resolveHost: (name: string) => Promise<string>;
  active: string[];
  nssdir?: string;
}

function secretValue(file: string, line: number, kind: string, token: SecretsToken | undefined): Buffer {
  if (token === undefined) throw new SecretsError(file, line, `${kind} entry has no value`);
  if (token.quoted) return Buffer.from(token.text, 'latin1');
  try {
    return decodeSecretData(token.text);
  } catch (err) {
    if (err instanceof SecretDataError) throw new SecretsError(file, token.line, `${kind} value is malformed: ${err.message}`);
    throw err;
  }
}

async function readKeyFile(file: string, line: number, name: string, kind: 'rsa' | 'ecdsa', nssdir: string | undefined): Promise<KeyObject> {
  const keyPath = path.isAbsolute(name) ? name : path.join(nssdir ?? path.dirname(file), name);
  let contents: Buffer;
  try {
    await checkPermissions(keyPath);
    contents = await fs.readFile(keyPath);
  } catch (err) {
    if (err instanceof SecretsError) throw new SecretsError(file, line, `key file ${err.message}`);
    throw new SecretsError(file, line, `cannot read key file ${keyPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return keyFromPem(contents, kind, keyPath);
  } catch (err) {
    if (err instanceof KeyEntryError) throw new SecretsError(file, line, err.message);
    throw err;
  }
}

async function processEntry(file: string, rec: SecretsRecord, state: LoadState): Promise<void> {
  const ids: IkeId[] = [];
  let i = 0;
  for (; i < rec.tokens.length; i++) {
    const t = rec.tokens[i];
    if (!t.quoted && t.text === ':') break;
    try {
      ids.push(parseId(t.text));
    } catch (err) {
      if (!(err instanceof IdError)) throw err;
      if (!HOST_NAME.test(t.text)) throw new SecretsError(file, t.line, `index "${t.text}": ${err.message}`);
      let address: string;
      try {
        address = await state.resolveHost(t.text);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? String(e);
        throw new SecretsError(file, t.line, `index "${t.text}": cannot resolve host name (${code}); write @${t.text} for a name ID`);
      }
      ids.push(IkeId.fromAddress(address));
    }
  }
  if (i === rec.tokens.length) throw new SecretsError(file, rec.line, "entry has no ':' between its indices and its key type");
  const kindToken = rec.tokens[i + 1];
  if (kindToken === undefined) throw new SecretsError(file, rec.line, "nothing after ':' (expected PSK, XAUTH, PPKS, RSA or ECDSA)");
  const kindWord = kindToken.quoted ? '' : kindToken.text.toLowerCase();
  if (kindWord === 'pin') throw new SecretsError(file, kindToken.line, "keyword 'PIN' is obsolete: smartcards are not supported");
  const kind = KIND_WORDS[kindWord];
  // The token is not shown: a missing key type means it may well be the secret itself.
  if (kind === undefined) throw new SecretsError(file, kindToken.line, "unknown key type after ':' (expected PSK, XAUTH, PPKS, RSA or ECDSA; the token is not shown as it may be a secret)");
  const rest = rec.tokens.slice(i + 2);
  const base = { kind, ids, file, line: rec.line };
  let used: number;
  let entry: StoredEntry;
  try {
    if (kind === 'psk' || kind === 'xauth') {
      const bytes = secretValue(file, rec.line, kind.toUpperCase(), rest[0]);
      if (kind === 'psk' && rest[0]?.quoted === true && bytes.length < 8) state.logger.warn(`${file}:${rec.line}: WARNING: using a weak secret (PSK)`);
      if (bytes.length === 0) throw new SecretsError(file, rec.line, `${kind.toUpperCase()} value is empty`);
      entry = { ...base, secret: secretFrom(bytes) };
      used = 1;
    } else if (kind === 'ppk') {
      const id = rest[0];
      if (id === undefined || !id.quoted) throw new SecretsError(file, rec.line, 'PPKS needs a quoted PPK_ID before the key');
      const bytes = secretValue(file, rec.line, 'PPK', rest[1]);
      entry = { ...base, ppkId: Buffer.from(id.text, 'latin1'), secret: secretFrom(bytes) };
      used = 2;
    } else if (rest[0] !== undefined && !rest[0].quoted && rest[0].text === '{') {
      if (kind === 'ecdsa') throw new SecretsError(file, rec.line, 'ECDSA keys cannot be written inline: give a PEM file (: ECDSA "key.pem")');
      const parsed = rsaFromBraces(rest);
      entry = { ...base, key: parsed.key };
      used = parsed.used;
    } else if (rest[0] !== undefined) {
      entry = { ...base, key: await readKeyFile(file, rec.line, rest[0].text, kind, state.nssdir) };
      used = 1;
    } else {
      throw new SecretsError(file, rec.line, `${kind.toUpperCase()} entry needs a PEM file name or a { ... } key`);
    }
  } catch (err) {
    if (err instanceof KeyEntryError) throw new SecretsError(file, rec.line, err.message);
    throw err;
  }
  if (rest.length > used) {
    entry.secret?.wipe();
    throw new SecretsError(file, rest[used].line, `unexpected token after the ${kind.toUpperCase()} entry's value (not shown, it may be secret)`);
  }
  state.entries.push(entry);
}

async function loadFile(file: string, state: LoadState): Promise<void> {
  if (state.active.includes(file)) throw new SecretsError(file, 0, `includes itself (via ${state.active.join(' -> ')})`);
  if (state.active.length > MAX_INCLUDE_DEPTH) throw new SecretsError(file, 0, `includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
  let raw: Buffer;
  try {
    await checkPermissions(file);
    raw = await fs.readFile(file);
  } catch (err) {
    if (err instanceof SecretsError) throw err;
    throw new SecretsError(file, 0, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  // latin1 keeps every byte as one character, so quoted secrets keep their exact bytes.
  const text = raw.toString('latin1');
  raw.fill(0);
  let records: SecretsRecord[];
  try {
    records = readRecords(file, text);
  } catch (err) {
    if (err instanceof SecretsSyntaxError) throw new SecretsError(file, err.line, err.message.slice(`${file}:${err.line}: `.length));
    throw err;
  }
  state.logger.info(`loading secrets from "${file}"`);
  state.active.push(file);
  for (const rec of records) {
    const first = rec.tokens[0];
    if (!first.quoted && first.text === 'include') {
      if (rec.tokens.length !== 2) throw new SecretsError(file, rec.line, 'include needs exactly one file name (a glob pattern)');
      const pattern = rec.tokens[1].text;
      const absolute = path.isAbsolute(pattern) ? pattern : path.join(path.dirname(file), pattern);
      const matches = await expandGlob(absolute);
      if (matches.length === 0) state.logger.info(`${file}:${rec.line}: no secrets file matched "${absolute}"`);
      for (const m of matches) await loadFile(m, state);
    } else {
      await processEntry(file, rec, state);
    }
  }
  state.active.pop();
}

/**
 * Reads an ipsec.secrets file and what it includes. Any problem (a file readable by others, a bad
 * index, a malformed value, an unsupported key) refuses the whole set, with file:line.
 */
export async function loadSecrets(file: string, options: LoadSecretsOptions = {}): Promise<SecretsDb> {
  const logger = options.logger ?? silentLogger;
  const state: LoadState = {
    entries: [], logger, active: [], resolveHost: options.resolveHost ?? systemResolve,
    ...(options.nssdir !== undefined ? { nssdir: path.resolve(options.nssdir) } : {}),
  };
  let store: StoredKey[] = [];
  try {
    await loadFile(path.resolve(file), state);
    if (state.nssdir !== undefined) store = await loadKeyStore(state.nssdir);
  } catch (err) {
    for (const e of state.entries) e.secret?.wipe();
    if (err instanceof KeyStoreError) throw new SecretsError(err.file, err.line, err.message.slice(`${err.file}:${err.line}: `.length));
    throw err;
  }
  if (store.length > 0) logger.info(`loaded ${store.length} private key${store.length === 1 ? '' : 's'} from the key store "${state.nssdir ?? ''}"`);
  return new SecretsDb(state.entries, logger, store);
}
