// The algorithm table as `algparse -v` lists it on stderr (Libreswan 4.10's ike_alg_init() listing):
// one section per algorithm type, each row with key lengths, where it may be used, FIPS, the
// implementation and the aliases. FIPS mode first lists what it disables, then only FIPS rows.
import { ALGORITHMS, Algorithm, EncryptAlgorithm } from './table';

/** Where each algorithm is usable (IKE SA, ESP, AH per IKE version) and what implements it. */
interface Display {
  readonly v1: string; // letters: I = IKE, E = ESP, A = AH
  readonly v2: string;
  readonly impl: string;
}

const D = (v1: string, v2: string, impl = ''): Display => ({ v1, v2, impl });

const DISPLAY: Readonly<Record<string, Display>> = {
  // encryption
  AES_CCM_16: D('E', 'E'), AES_CCM_12: D('E', 'E'), AES_CCM_8: D('E', 'E'),
  '3DES_CBC': D('IE', 'IE', 'NSS(CBC)'), CAMELLIA_CTR: D('E', 'E'), CAMELLIA_CBC: D('IE', 'IE', 'NSS(CBC)'),
  AES_GCM_16: D('E', 'IE', 'NSS(GCM)'), AES_GCM_12: D('E', 'IE', 'NSS(GCM)'), AES_GCM_8: D('E', 'IE', 'NSS(GCM)'),
  AES_CTR: D('IE', 'IE', 'NSS(CTR)'), AES_CBC: D('IE', 'IE', 'NSS(CBC)'), NULL_AUTH_AES_GMAC: D('E', 'E'), NULL: D('E', 'E'),
  CHACHA20_POLY1305: D('', 'IE', 'NSS(AEAD)'),
  // PRF
  HMAC_MD5: D('I', 'I', 'native(HMAC)'), HMAC_SHA1: D('I', 'I', 'NSS'), HMAC_SHA2_256: D('I', 'I', 'NSS'),
  HMAC_SHA2_384: D('I', 'I', 'NSS'), HMAC_SHA2_512: D('I', 'I', 'NSS'), AES_XCBC: D('', 'I', 'native(XCBC)'),
  // integrity
  HMAC_MD5_96: D('IEA', 'IEA', 'native(HMAC)'), HMAC_SHA1_96: D('IEA', 'IEA', 'NSS'), HMAC_SHA2_512_256: D('IEA', 'IEA', 'NSS'),
  HMAC_SHA2_384_192: D('IEA', 'IEA', 'NSS'), HMAC_SHA2_256_128: D('IEA', 'IEA', 'NSS'), HMAC_SHA2_256_TRUNCBUG: D('EA', 'A'),
  AES_XCBC_96: D('EA', 'IEA', 'native(XCBC)'), AES_CMAC_96: D('EA', 'EA'), 'integ:NONE': D('E', 'IE'),
  // DH
  'dh:NONE': D('', 'IEA', 'NSS(MODP)'), MODP1536: D('IEA', 'IEA', 'NSS(MODP)'), MODP2048: D('IEA', 'IEA', 'NSS(MODP)'),
  MODP3072: D('IEA', 'IEA', 'NSS(MODP)'), MODP4096: D('IEA', 'IEA', 'NSS(MODP)'), MODP6144: D('IEA', 'IEA', 'NSS(MODP)'),
  MODP8192: D('IEA', 'IEA', 'NSS(MODP)'), DH19: D('I', 'IEA', 'NSS(ECP)'), DH20: D('I', 'IEA', 'NSS(ECP)'),
  DH21: D('I', 'IEA', 'NSS(ECP)'), DH31: D('I', 'IEA', 'NSS(ECP)'),
};

interface Row {
  readonly name: string;
  readonly keys: string;
  readonly display: Display;
  readonly fips: boolean;
  readonly aliases: readonly string[];
}

/** Hash and IPCOMP algorithms are not part of proposals; listed for completeness, as Libreswan does. */
const HASH_ROWS: readonly Row[] = [
  { name: 'MD5', keys: '', display: D('I', '', 'NSS'), fips: false, aliases: [] },
  { name: 'SHA1', keys: '', display: D('I', 'I', 'NSS'), fips: true, aliases: ['sha'] },
  { name: 'SHA2_256', keys: '', display: D('I', 'I', 'NSS'), fips: true, aliases: ['sha2', 'sha256'] },
  { name: 'SHA2_384', keys: '', display: D('I', 'I', 'NSS'), fips: true, aliases: ['sha384'] },
  { name: 'SHA2_512', keys: '', display: D('I', 'I', 'NSS'), fips: true, aliases: ['sha512'] },
  { name: 'IDENTITY', keys: '', display: D('', ''), fips: true, aliases: [] },
];
const IPCOMP_ROWS: readonly Row[] = [
  { name: 'DEFLATE', keys: '', display: D('EA', 'EA'), fips: true, aliases: [] },
  { name: 'LZS', keys: '', display: D('', 'EA'), fips: true, aliases: [] },
  { name: 'LZJH', keys: '', display: D('', 'EA'), fips: true, aliases: [] },
];

function keyLengths(alg: EncryptAlgorithm): string {
  if (alg.keyLengths.length === 0) return alg.defaultKeyLength > 0 ? `[*${alg.defaultKeyLength}]` : '[]';
  const lens = [...alg.keyLengths].reverse().map((k) => (k === alg.defaultKeyLength ? `*${k}` : `${k}`));
  return `{${lens.join(',')}}`;
}

function rowFor(alg: Algorithm): Row {
  const display = DISPLAY[alg.fqn] ?? DISPLAY[`${alg.kind}:${alg.fqn}`];
  if (display === undefined) throw new Error(`no listing entry for ${alg.fqn}`);
  return { name: alg.fqn, keys: alg.kind === 'encrypt' ? keyLengths(alg) : '', display, fips: alg.fips, aliases: alg.aliases };
}

const usage = (letters: string): string =>
  `${letters.includes('I') ? 'IKE' : '   '} ${letters.includes('E') ? 'ESP' : '   '} ${letters.includes('A') ? 'AH' : '  '}`;

const SECTIONS: readonly { title: string; what: string; rows: () => readonly Row[] }[] = [
  { title: 'Encryption', what: 'Encryption', rows: () => ALGORITHMS.encrypt.map(rowFor) },
  { title: 'Hash', what: 'Hash', rows: () => HASH_ROWS },
  { title: 'PRF', what: 'PRF', rows: () => ALGORITHMS.prf.map(rowFor) },
  { title: 'Integrity', what: 'Integrity', rows: () => ALGORITHMS.integ.map(rowFor) },
  { title: 'DH', what: 'DH', rows: () => ALGORITHMS.dh.map(rowFor) },
  { title: 'IPCOMP', what: 'IPCOMP', rows: () => IPCOMP_ROWS },
];

/** The lines `algparse -v` prints (without its "algparse: " prefix). */
export function algorithmListing(fips: boolean): string[] {
  const out: string[] = [];
  if (fips) {
    for (const s of SECTIONS) for (const r of s.rows()) if (!r.fips) out.push(`${s.what} algorithm ${r.name} disabled; not FIPS compliant`);
  }
  const sections = SECTIONS.map((s) => ({ title: s.title, rows: s.rows().filter((r) => !fips || r.fips) }));
  const implWidth = Math.max(...sections.flatMap((s) => s.rows.map((r) => r.display.impl.length)));
  for (const s of sections) {
    out.push(`${fips ? 'FIPS ' : ''}${s.title} algorithms:`);
    for (const r of s.rows) {
      // Libreswan pads to columns, so a long name pushes the key lengths but not what follows.
      let line = `  ${r.name}`.padEnd(21) + r.keys;
      line = `${line.padEnd(36)}IKEv1: ${usage(r.display.v1)}  IKEv2: ${usage(r.display.v2)}  ${r.fips ? 'FIPS' : '    '} `;
      line += r.display.impl.padEnd(implWidth);
      if (r.aliases.length > 0) line += ` ${r.aliases.join(', ')}`;
      out.push(line);
    }
  }
  return out;
}
