// Raw public key authentication for interop tests against charon: fresh key pairs written where each side
// reads them (ours: PKCS#8 in ipsec.secrets, public keys in ipsec.conf; charon: SEC1 / PKCS#1 in its ecdsa/
// and rsa/ directories, SPKI PEM in `pubkeys = ...`), and the lines of both configurations. Shared by the
// engine-level and daemon-level signature tests.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { rfc3110Of } from '../../src/config/public-keys';
import type { SwanctlEndpoint, SwanctlSecrets } from '../helpers/swanctl-conf';

export interface Keys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** How both sides authenticate with raw public keys. */
export interface PubkeyAuth {
  authby: string;
  /** Our conn's key lines, e.g. leftecdsakey=0s..., rightpubkey=/path/east.pub */
  ourKeyLines: string[];
  /** Our ipsec.secrets (e.g. `@west : ECDSA "/path/west.pem"`). */
  ourSecrets: string;
  charonLocal: SwanctlEndpoint;
  charonRemote: SwanctlEndpoint;
  charonSecrets: SwanctlSecrets;
}

export type SigKind = 'rsa' | 'ecdsa';

/** A fresh key pair: ECDSA on `curve` (P-256 by default) or RSA-2048. */
export function generateKeys(kind: SigKind, curve = 'prime256v1'): Keys {
  return kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: curve });
}

/** Key files in `dir`: ours (PKCS#8), charon's (SEC1 / PKCS#1, which its ecdsa/ and rsa/ directories read), the public key (SPKI PEM). */
export function keyFiles(dir: string, name: string, k: Keys): { pkcs8: string; native: string; pub: string } {
  const pkcs8 = path.join(dir, `${name}.pem`);
  const native = path.join(dir, `${name}.key`);
  const pub = path.join(dir, `${name}.pub`);
  fs.writeFileSync(pkcs8, k.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  fs.writeFileSync(native, k.privateKey.export({ format: 'pem', type: k.privateKey.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs1' }), { mode: 0o600 });
  fs.writeFileSync(pub, k.publicKey.export({ format: 'pem', type: 'spki' }));
  return { pkcs8, native, pub };
}

/**
 * West (ours) and east (charon) authenticate with these keys: west's private key for us and its public key
 * for charon; east's for charon and its public key for us (RSA as leftrsasigkey=/rightrsasigkey= in RFC 3110
 * form, ECDSA as leftecdsakey= (SPKI, base64) and rightpubkey= (a PEM file)). `charonSeesWest` / `weSeeEast`
 * replace the public key each side believes in (a wrong key).
 */
export function pubkeyAuth(dir: string, kind: SigKind, west: Keys, east: Keys, wrong: { charonSeesWest?: Keys; weSeeEast?: Keys } = {}): PubkeyAuth {
  const w = keyFiles(dir, 'west', west);
  const e = keyFiles(dir, 'east', east);
  const charonWestPub = wrong.charonSeesWest ? keyFiles(dir, 'west-impostor', wrong.charonSeesWest).pub : w.pub;
  const eastForUs = wrong.weSeeEast ?? east;
  const ourKey = kind === 'rsa' ? `leftrsasigkey=0s${rfc3110Of(west.publicKey).toString('base64')}` : `leftecdsakey=0s${west.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
  const theirs = kind === 'rsa' ? `rightrsasigkey=0s${rfc3110Of(eastForUs.publicKey).toString('base64')}` : `rightpubkey=${keyFiles(dir, 'east-as-we-see-it', eastForUs).pub}`;
  return {
    authby: kind === 'rsa' ? 'rsasig' : 'ecdsa',
    ourKeyLines: [ourKey, theirs],
    ourSecrets: `@west : ${kind === 'rsa' ? 'RSA' : 'ECDSA'} "${w.pkcs8}"\n`,
    charonLocal: { auth: 'pubkey', id: '@east', pubkeys: [e.pub] },
    charonRemote: { auth: 'pubkey', id: '@west', pubkeys: [charonWestPub] },
    charonSecrets: kind === 'rsa' ? { rsaKeys: [e.native] } : { ecdsaKeys: [e.native] },
  };
}

/** Runs `fn` with a fresh temporary directory for key files, removed afterwards. */
export async function withKeyDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-sigkeys-'));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
