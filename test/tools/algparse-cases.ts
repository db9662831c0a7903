// The algorithm strings compared against Libreswan's algparse: every encryption (each name and alias,
// with no key length and with each valid one) × PRF/integrity × DH, plus malformed strings.
// Shared by the comparison tool (which records the oracle's answers) and the corpus test.
import { DH_ALGORITHMS, ENCRYPT_ALGORITHMS, INTEG_ALGORITHMS, PRF_ALGORITHMS } from '../../src/config/algorithms';

export interface CaseGroup {
  /** File name under test/corpus/algparse/ (without .json). */
  name: string;
  /** algparse options, e.g. ['-v1', '-pfs']. */
  options: string[];
  /** One argument each, such as 'ike=aes-sha1-dh19'. */
  args: string[];
}

const lower = (s: string): string => s.toLowerCase();

function encryptForms(ike: boolean): string[] {
  const out: string[] = [];
  for (const alg of ENCRYPT_ALGORITHMS) {
    if (ike && !alg.ike) {
      out.push(lower(alg.fqn)); // refused for IKE: once is enough
      continue;
    }
    const names = [lower(alg.fqn), ...alg.aliases];
    out.push(...names);
    const base = alg.aliases[0] ?? lower(alg.fqn);
    for (const len of alg.keyLengths) out.push(`${base}${len}`, `${base}_${len}`, `${lower(alg.fqn)}-${len}`);
    if (alg.keyLengths.length === 0) out.push(`${base}128`);
  }
  return out;
}

const PRF_FORMS = ['', ...PRF_ALGORITHMS.flatMap((p) => [lower(p.fqn), ...p.aliases])];
const INTEG_FORMS = ['', ...INTEG_ALGORITHMS.flatMap((i) => [lower(i.fqn), ...i.aliases])];
const DH_FORMS = ['', ...DH_ALGORITHMS.map((d) => lower(d.fqn)), ...DH_ALGORITHMS.flatMap((d) => d.aliases)];

function join(parts: string[]): string {
  return parts.filter((p) => p.length > 0).join('-');
}

/** IKE: encryption × PRF × a few DH, and each DH with a few encryption/PRF pairs. */
function ikeCases(): string[] {
  const out: string[] = [];
  for (const e of encryptForms(true)) for (const p of PRF_FORMS) out.push(`ike=${join([e, p])}`);
  for (const e of ['aes', 'aes_gcm', '3des', 'chacha20_poly1305']) {
    for (const p of ['', 'sha1', 'sha2_512']) for (const d of DH_FORMS) out.push(`ike=${join([e, p, d])}`);
    for (const d of DH_FORMS) if (d) out.push(`ike=${e};${d}`);
  }
  for (const e of ['aes', 'aes_gcm']) for (const i of INTEG_FORMS) out.push(`ike=${join([e, i, 'sha2'])}`, `ike=${join([e, i, 'sha1', 'dh19'])}`);
  return out;
}

function espCases(): string[] {
  const out: string[] = [];
  for (const e of encryptForms(false)) for (const i of INTEG_FORMS) out.push(`esp=${join([e, i])}`);
  for (const e of ['aes', 'aes_gcm', 'null']) {
    for (const i of ['', 'sha1', 'sha2_512']) for (const d of DH_FORMS) out.push(`esp=${join([e, i, d])}`);
    for (const d of DH_FORMS) if (d) out.push(`esp=${e};${d}`);
  }
  return out;
}

function ahCases(): string[] {
  const out: string[] = [];
  for (const i of INTEG_FORMS) for (const d of ['', ...DH_FORMS.slice(1, 6)]) out.push(`ah=${join([i, d])}`);
  for (const i of INTEG_FORMS) if (i) out.push(`ah=${i};dh19`);
  return out;
}

/** Malformed and awkward strings: empty parts, bad key lengths, unknown or unsupported names, mixing. */
export const MALFORMED: readonly string[] = [
  'ike=', 'esp=', 'ah=', 'ike=,', 'ike=aes,', 'ike=,aes', 'ike=aes,,aes', 'ike=-', 'ike=aes-', 'ike=aes--dh19', 'ike=aes-;dh19',
  'ike=aes+', 'ike=+aes', 'ike=aes++3des', 'ike=aes-sha1+', 'ike=aes-sha1-dh19+', 'ike=aes;', 'ike=;dh19', 'esp=;dh19', 'ah=;dh19',
  'ike= aes', 'ike=aes ', 'ike=AES-SHA1-DH19', 'ike=Aes_Gcm-Sha2-Ecp_256', 'ike=aes-sha1-dh19-sha2', 'ike=aes-sha1;dh19-dh20',
  'ike=aes-sha1-dh19;dh20', 'ike=aes;sha1', 'ike=aes-sha1;dh19,aes-sha2', 'ike=aes-sha1-dh19,aes-sha1', 'ike=aes,3des-md5',
  'ike=aes+3des-sha1+sha2-dh19+dh20', 'ike=aes128+aes', 'ike=aes+aes128', 'ike=aes128+aes128', 'ike=aes-sha1+sha1',
  'ike=aes-sha1,aes-sha1', 'ike=aes128,aes', 'ike=aes,aes128', 'ike=aes-sha1-dh19+dh19', 'ike=aes_gcm+aes', 'ike=aes+aes_gcm',
  'ike=aes-0', 'ike=aes0', 'ike=aes_0', 'ike=aes-00128', 'ike=aes-128x', 'ike=aes-1x', 'ike=aes-99999999999', 'ike=aes-2147483647',
  'ike=aes-2147483646', 'ike=aes-99999999999999999999999', 'ike=aes224', 'ike=aes-224', 'ike=aes512', 'ike=3des168', 'ike=3des-192',
  'ike=_128', 'ike=aes_', 'ike=aes__128', 'ike=aes_gcm-16', 'ike=aes_gcm_16-128', 'ike=aes_gcm_c-128', 'ike=aes_gcm_c128',
  'ike=aes-sha1_96', 'ike=aes-sha1_96-sha1', 'ike=aes-sha1_96+sha2_256_128-sha1+sha2', 'ike=aes-sha1_96-sha1+sha2',
  'ike=aes_gcm-sha1_96-sha2', 'ike=aes_gcm-none-sha2', 'ike=aes-none-sha2', 'ike=aes-aes_cmac', 'ike=aes-aes_xcbc', 'ike=aes-aes_xcbc_96',
  'ike=aes-sha1+foo', 'ike=aes-sha1+sha1+foo', 'ike=aes-foo', 'ike=foo', 'ike=des', 'ike=blowfish', 'ike=twofish', 'ike=serpent',
  'ike=aes-tiger', 'ike=aes-ripemd', 'ike=aes-sha1-modp1024', 'ike=aes-sha1-dh2', 'ike=aes-sha1-dh22', 'ike=aes-sha1-dh23',
  'ike=aes-sha1-dh24', 'ike=aes-sha1-x25519', 'ike=aes-sha1-ecp_192', 'ike=aes-sha1-curve448', 'ike=aes-sha1-none', 'ike=aes-sha1;null',
  'ike=aes-sha1-dh19+none', 'ike=aes_ccm', 'ike=aes_gmac', 'ike=null', 'ike=camellia_ctr', 'ike=chacha20_poly1305-256', 'ike=id2',
  'ike=3des-id2', 'ike=aes-sha1-modp8192,aes-sha1-modp8192,aes-sha1-modp8192', 'ike=aes-md5-dh5', 'ike=aes-hmac_sha2_256_truncbug',
  'esp=aes-sha1,3des-sha1;modp8192', 'esp=aes-sha1-modp8192,3des-sha1-modp8192', 'esp=aes-sha1-modp8192,aes-sha1-modp8192',
  'esp=3des-sha1;modp8192,3des-sha2', 'esp=3des-sha1-modp8192,3des-sha2', 'esp=3des-sha1-modp8192,3des-sha2-modp8192',
  'esp=3des-sha1-modp8192,3des-sha2;modp8192', 'esp=3des-sha1-modp8192,3des-sha2-ecp_521', 'esp=aes-sha1-dh19+dh20',
  'esp=aes-sha1-dh19,aes-sha2-dh20', 'esp=aes-sha1,aes-sha1-dh19', 'esp=aes-sha1-none,aes-sha2-dh19', 'esp=aes-sha1-none,aes-sha2-none',
  'esp=3des168-sha1', 'esp=3des-null', 'esp=aes128-null', 'esp=aes224-sha1', 'esp=aes0-sha1', 'esp=aes-0-sha1', 'esp=aes-sha1555',
  'esp=camellia666-sha1', 'esp=blowfish', 'esp=des-sha1', 'esp=aes_ctr666', 'esp=aes128-sha2_128', 'esp=aes256-sha2_256-4096',
  'esp=aes256-sha2_256-128', 'esp=vanitycipher', 'esp=ase-sah', 'esp=aes-sah1', 'esp=id3', 'esp=aes-id3', 'esp=aes_gcm-md5', 'esp=mars',
  'esp=aes_gcm-16', 'esp=aes_gcm-0', 'esp=aes_gcm-123456789012345', 'esp=3des-sha1;dh22', 'esp=aes-sha1+none', 'esp=aes-none+sha1',
  'esp=aes_gcm-none+sha1', 'esp=aes_gcm+aes-null', 'esp=aes-hmac_sha2_256_truncbug', 'esp=aes-sha1-sha2', 'esp=aes+3des-sha1+md5',
  'esp=aes-sha1+sha1', 'esp=null-none', 'esp=null_auth_aes_gmac_256-null;modp8192', 'esp=camellia_cbc_256-hmac_sha2_512_256;modp8192',
  'esp=aes-sha1;none', 'esp=aes-sha1-null', 'ah=null', 'ah=none', 'ah=sha1+none', 'ah=none+sha1', 'ah=aes-sha1', 'ah=vanityhash1',
  'ah=aes_gcm_c-256', 'ah=id3', 'ah=3des', 'ah=aes_gcm', 'ah=aes_ccm', 'ah=ripemd', 'ah=sha1-modp8192,sha1-modp8192,sha1-modp8192',
  'ah=sha1+sha2-dh19', 'ah=sha1-dh19-dh20', 'ah=sha1;dh19+dh20', 'ah=md5', 'ah=aes_xcbc', 'ah=aes_cmac', 'ah=sha1,sha2;dh19',
  'ike', 'esp', 'ah',
];

/**
 * Known differences, left out of the corpus: for 'ike=128' (a bare number) Libreswan 4.10 also prints an
 * internal "EXPECTATION FAILED: stop <= s.len (shunk_slice() ...)" on stderr; we print only the error.
 */
export const KNOWN_DIFFERENCES: readonly string[] = ['ike=128'];

const ALL_CASES = (): string[] => [...ikeCases(), ...espCases(), ...ahCases()];

/** The groups recorded in the corpus: the full matrix with the defaults, then smaller sets per option. */
export function caseGroups(): CaseGroup[] {
  const matrix = ALL_CASES();
  const small = [...MALFORMED, ...matrix.filter((_, i) => i % 7 === 0)];
  return [
    { name: 'v2-matrix', options: [], args: matrix },
    { name: 'v2-malformed', options: [], args: [...MALFORMED] },
    { name: 'v2-pfs', options: ['-pfs'], args: small },
    { name: 'v2-p1', options: ['-p1'], args: small },
    { name: 'v1-matrix', options: ['-v1'], args: matrix },
    { name: 'v1-malformed', options: ['-v1'], args: [...MALFORMED] },
    { name: 'v1-pfs', options: ['-v1', '-pfs'], args: small },
    { name: 'v1-p2', options: ['-v1', '-p2'], args: small },
    { name: 'v2-fips', options: ['-fips'], args: [...matrix, ...MALFORMED] },
    { name: 'v1-fips', options: ['-v1', '-fips'], args: small },
    { name: 'verbose', options: ['-v'], args: ['ike=aes', 'esp=aes-sha1-dh19', 'ah=foo'] },
    { name: 'verbose-fips', options: ['-v', '-fips'], args: ['ike', 'esp=aes-sha1+sha1'] },
    { name: 'options-only', options: ['-v1', '-pfs'], args: [] },
    { name: 'no-protocol', options: [], args: ['aes', 'sha1', 'aes-sha1', 'aes_gcm', '3des-md5-dh5', 'foo', ''] },
  ];
}
