// Key agreement: shared-secret derivations per second with fixed key pairs (what `openssl speed ecdhx25519`
// measures), through the addon, through node:crypto, and OpenSSL's own figure.
import * as crypto from 'node:crypto';

import { DhGroupId, generateDhKeyPair } from '../../native/dh';
import { opsPerSecond } from '../measure';
import { opensslKeyAgreementOps } from '../openssl-speed';
import { BenchRow, Trial, TrialOptions, ratio } from '../types';

interface DhCase {
  label: string;
  group: DhGroupId;
  openssl: string;
  node: () => () => void;
}

function nodeEcdh(curve: 'x25519' | 'x448' | 'prime256v1' | 'secp384r1'): () => () => void {
  return () => {
    const gen = (): crypto.KeyPairKeyObjectResult =>
      curve === 'x25519' || curve === 'x448'
        ? crypto.generateKeyPairSync(curve as 'x25519')
        : crypto.generateKeyPairSync('ec', { namedCurve: curve });
    const a = gen();
    const b = gen();
    return () => {
      crypto.diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
    };
  };
}

function nodeModp(name: 'modp14' | 'modp15'): () => () => void {
  return () => {
    const a = crypto.getDiffieHellman(name);
    const b = crypto.getDiffieHellman(name);
    a.generateKeys();
    const peer = b.generateKeys();
    return () => {
      a.computeSecret(peer);
    };
  };
}

const CASES: DhCase[] = [
  { label: 'X25519', group: 31, openssl: 'ecdhx25519', node: nodeEcdh('x25519') },
  { label: 'P-256 (DH19)', group: 19, openssl: 'ecdhp256', node: nodeEcdh('prime256v1') },
  { label: 'P-384 (DH20)', group: 20, openssl: 'ecdhp384', node: nodeEcdh('secp384r1') },
  { label: 'MODP-2048 (DH14)', group: 14, openssl: 'ffdh2048', node: nodeModp('modp14') },
  { label: 'MODP-3072 (DH15)', group: 15, openssl: 'ffdh3072', node: nodeModp('modp15') },
];

async function run(options: TrialOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const c of CASES) {
    const ours = generateDhKeyPair(c.group);
    const peer = generateDhKeyPair(c.group).publicKey;
    const oursOps = opsPerSecond(options.seconds, 1, () => {
      ours.computeShared(peer).wipe();
    });
    ours.wipe();
    const nodeOps = opsPerSecond(options.seconds, 1, c.node());
    const reference = options.openssl ? opensslKeyAgreementOps(c.openssl, options.seconds) : null;
    rows.push({
      name: `DH ${c.label} shared secret`,
      unit: 'ops/s',
      ours: oursOps,
      reference,
      referenceName: reference === null ? 'openssl speed (not run)' : `openssl speed ${c.openssl}`,
      ratio: ratio(oursOps, reference),
      node: nodeOps,
      nodeRatio: ratio(oursOps, nodeOps),
      target: '>= 0.9 x openssl',
      note: c.group === 14 || c.group === 15 ? 'openssl speed measures the RFC 7919 ffdhe group of the same size' : undefined,
    });
  }
  return rows;
}

export const dhTrial: Trial = { name: 'dh', description: 'DH/ECDH shared-secret computations per second', run };
