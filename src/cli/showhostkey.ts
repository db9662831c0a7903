// `ipsec showhostkey`: Libreswan's tool over swanlet's key store (the PEM private keys in --nssdir, see
// src/config/key-store.ts). --list prints each key's keyid and CKAID; --left/--right print the ipsec.conf
// line for a key picked by --ckaid (a prefix will do) or --rsaid; --pubkey the SubjectPublicKeyInfo form;
// --pem the PEM public key. Output and exit codes as Libreswan 4.10's: 20 when no key matches.
import { createPublicKey } from 'node:crypto';
import type { Command } from 'commander';

import { loadKeyStore, type StoredKey } from '../config/key-store';
import { keyKind, rfc3110Of } from '../config/public-keys';

const DEFAULT_NSSDIR = '/var/lib/ipsec/nss';
const EXIT_USAGE = 1;
const EXIT_NO_KEY = 20;

/** x | y of an EC key (Libreswan's leftecdsakey= form). */
function ecPoint(k: StoredKey): Buffer {
  const jwk = createPublicKey(k.key).export({ format: 'jwk' });
  return Buffer.concat([Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
}

/** Libreswan's keyid: the first 9 base64 characters of the RFC 3110 key (RSA) or of the CKAID (ECDSA). */
export function keyid(k: StoredKey): string {
  const bytes = keyKind(k.key) === 'rsa' ? rfc3110Of(k.key) : Buffer.from(k.ckaid, 'hex');
  return bytes.toString('base64').slice(0, 9);
}

export function listLines(keys: readonly StoredKey[]): string[] {
  return keys.map((k, i) => `<${String(i + 1).padStart(2)}> ${keyKind(k.key) === 'rsa' ? 'RSA' : 'ECDSA'} keyid: ${keyid(k)} ckaid: ${k.ckaid}`);
}

/** The ipsec.conf lines for one key, as `showhostkey --left|--right [--pubkey]` prints them. */
export function endLines(k: StoredKey, side: 'left' | 'right', pubkey: boolean): string[] {
  if (pubkey) return [`\t${side}pubkey=${createPublicKey(k.key).export({ format: 'der', type: 'spki' }).toString('base64')}`];
  if (keyKind(k.key) === 'rsa') return [`\t# rsakey ${keyid(k)}`, `\t${side}rsasigkey=0s${rfc3110Of(k.key).toString('base64')}`];
  return [`\t# ecdsakey ${keyid(k)}`, `\t${side}ecdsakey=0s${ecPoint(k).toString('base64')}`];
}

interface Options {
  nssdir: string;
  list?: boolean;
  dump?: boolean;
  left?: boolean;
  right?: boolean;
  pubkey?: boolean;
  pem?: boolean;
  ckaid?: string;
  rsaid?: string;
}

function fail(message: string, code: number): void {
  process.stderr.write(`ipsec showhostkey: ${message}\n`);
  process.exitCode = code;
}

export function register(program: Command): void {
  program
    .command('showhostkey')
    .description('show the keys of the key store (--nssdir) as ipsec.conf lines, by CKAID')
    .option('--nssdir <dir>', 'the key store directory', DEFAULT_NSSDIR)
    .option('--list', 'list every key with its keyid and CKAID')
    .option('--dump', 'the same as --list')
    .option('--left', 'print the leftrsasigkey=/leftecdsakey= line of the selected key')
    .option('--right', 'print the rightrsasigkey=/rightecdsakey= line of the selected key')
    .option('--pubkey', 'with --left/--right: print leftpubkey= (base64 SubjectPublicKeyInfo) instead')
    .option('--pem', 'print the selected public key as PEM')
    .option('--ckaid <ckaid>', 'select the key whose CKAID starts with this hex')
    .option('--rsaid <rsaid>', 'select the RSA key whose keyid starts with this')
    .action(async (opts: Options) => {
      let keys: StoredKey[];
      try {
        keys = await loadKeyStore(opts.nssdir);
      } catch (e) {
        fail((e as Error).message, EXIT_USAGE);
        return;
      }
      const selector = opts.ckaid ?? opts.rsaid;
      if (opts.list || opts.dump) {
        if (selector !== undefined) return fail('You must not select a key', EXIT_USAGE);
        for (const line of listLines(keys)) process.stdout.write(`${line}\n`);
        return;
      }
      if (!opts.left && !opts.right && !opts.pem) return fail('You must specify an operation: --list, --left, --right or --pem', EXIT_USAGE);
      if (selector === undefined) return fail('You must select a key using --ckaid or --rsaid', EXIT_USAGE);
      const key = opts.ckaid !== undefined
        ? keys.find((k) => k.ckaid.startsWith(opts.ckaid!.toLowerCase()))
        : keys.find((k) => keyKind(k.key) === 'rsa' && keyid(k).startsWith(opts.rsaid!));
      if (key === undefined) return fail('No keys found', EXIT_NO_KEY);
      const lines = opts.pem ? [createPublicKey(key.key).export({ format: 'pem', type: 'spki' }).toString().trimEnd()] : endLines(key, opts.left ? 'left' : 'right', opts.pubkey === true);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
