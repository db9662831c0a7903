// PF_KEY v2 numbers: RFC 2367 §2.3 (message types, extension types, SA types and states) and the KAME
// extensions every implementation carries (linux/pfkeyv2.h, linux/ipsec.h, FreeBSD net/pfkeyv2.h).

export const PF_KEY_V2 = 2;

export const SADB = {
  RESERVED: 0,
  GETSPI: 1,
  UPDATE: 2,
  ADD: 3,
  DELETE: 4,
  GET: 5,
  ACQUIRE: 6,
  REGISTER: 7,
  EXPIRE: 8,
  FLUSH: 9,
  DUMP: 10,
  X_PROMISC: 11,
  X_PCHANGE: 12,
  X_SPDUPDATE: 13,
  X_SPDADD: 14,
  X_SPDDELETE: 15,
  X_SPDGET: 16,
  X_SPDACQUIRE: 17,
  X_SPDDUMP: 18,
  X_SPDFLUSH: 19,
  X_SPDSETIDX: 20,
  X_SPDEXPIRE: 21,
  X_SPDDELETE2: 22,
} as const;
export const SADB_MAX = 24;

export const EXT = {
  SA: 1,
  LIFETIME_CURRENT: 2,
  LIFETIME_HARD: 3,
  LIFETIME_SOFT: 4,
  ADDRESS_SRC: 5,
  ADDRESS_DST: 6,
  ADDRESS_PROXY: 7,
  KEY_AUTH: 8,
  KEY_ENCRYPT: 9,
  IDENTITY_SRC: 10,
  IDENTITY_DST: 11,
  SENSITIVITY: 12,
  PROPOSAL: 13,
  SUPPORTED_AUTH: 14,
  SUPPORTED_ENCRYPT: 15,
  SPIRANGE: 16,
  X_KMPRIVATE: 17,
  X_POLICY: 18,
  X_SA2: 19,
  X_NAT_T_TYPE: 20,
  X_NAT_T_SPORT: 21,
  X_NAT_T_DPORT: 22,
  X_NAT_T_OA: 23,
} as const;

export const SATYPE = { UNSPEC: 0, AH: 2, ESP: 3, X_IPCOMP: 9 } as const;
export const SASTATE = { LARVAL: 0, MATURE: 1, DYING: 2, DEAD: 3 } as const;
/** FreeBSD's sadb_sa_flags bit for 64-bit sequence numbers (RFC 4304); Linux's PF_KEY has no ESN. */
export const SADB_X_SAFLAGS_ESN = 0x400;

/** linux/ipsec.h, netipsec/ipsec.h. */
export const IPSEC_MODE = { ANY: 0, TRANSPORT: 1, TUNNEL: 2 } as const;
export const IPSEC_DIR = { ANY: 0, INBOUND: 1, OUTBOUND: 2, FWD: 3 } as const;
export const IPSEC_POLICY = { DISCARD: 0, NONE: 1, IPSEC: 2, ENTRUST: 3, BYPASS: 4 } as const;
export const IPSEC_LEVEL = { DEFAULT: 0, USE: 1, REQUIRE: 2, UNIQUE: 3 } as const;

export const IPPROTO_ESP = 50;
/** UDP_ENCAP_ESPINUDP (RFC 3948), the sadb_x_nat_t_type value. */
export const UDP_ENCAP_ESPINUDP = 2;

/** Fixed part of each structure, in bytes (each a multiple of 8 but sadb_x_ipsecrequest's 16 too). */
export const SIZE = {
  msg: 16,
  ext: 4,
  sa: 16,
  lifetime: 32,
  address: 8,
  key: 8,
  ident: 16,
  prop: 8,
  comb: 72,
  supported: 8,
  alg: 8,
  spirange: 16,
  xSa2: 16,
  xPolicy: 16,
  xIpsecrequest: 16,
  natTType: 8,
  natTPort: 8,
  sockaddrIn: 16,
  sockaddrIn6: 28,
} as const;

/** Address family numbers: the sockaddr inside an ADDRESS extension carries the platform's own. */
export interface SockaddrStyle {
  /** BSD sockaddrs start with a length octet and a one-octet family; Linux's with a 16-bit family. */
  bsdLength: boolean;
  inet: number;
  inet6: number;
}

export const SOCKADDR_LINUX: SockaddrStyle = { bsdLength: false, inet: 2, inet6: 10 };
export const SOCKADDR_FREEBSD: SockaddrStyle = { bsdLength: true, inet: 2, inet6: 28 };
export const SOCKADDR_OPENBSD: SockaddrStyle = { bsdLength: true, inet: 2, inet6: 24 };

export function sockaddrStyleFor(platform: NodeJS.Platform): SockaddrStyle {
  if (platform === 'freebsd') return SOCKADDR_FREEBSD;
  if (platform === 'openbsd') return SOCKADDR_OPENBSD;
  return SOCKADDR_LINUX;
}
