// Numbers from linux/netlink.h and linux/xfrm.h (UAPI: stable across kernel versions).

export const NLMSG_HDRLEN = 16;
export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4 } as const;
export const NLM_F = { REQUEST: 0x1, MULTI: 0x2, ACK: 0x4, ROOT: 0x100, MATCH: 0x200, DUMP: 0x300, CAPPED: 0x100, ACK_TLVS: 0x200 } as const;
/** Extended-ACK attributes that follow a NLMSG_ERROR (linux/netlink.h enum nlmsgerr_attrs). */
export const NLMSGERR_ATTR = { MSG: 1, OFFS: 2 } as const;

export const XFRM_MSG = {
  NEWSA: 16,
  DELSA: 17,
  GETSA: 18,
  NEWPOLICY: 19,
  DELPOLICY: 20,
  GETPOLICY: 21,
  ALLOCSPI: 22,
  ACQUIRE: 23,
  EXPIRE: 24,
  UPDPOLICY: 25,
  UPDSA: 26,
  POLEXPIRE: 27,
  FLUSHSA: 28,
  FLUSHPOLICY: 29,
  NEWAE: 30,
  GETAE: 31,
  REPORT: 32,
  MIGRATE: 33,
  MAPPING: 38,
} as const;

export const XFRMA = {
  ALG_AUTH: 1,
  ALG_CRYPT: 2,
  ALG_COMP: 3,
  ENCAP: 4,
  TMPL: 5,
  SA: 6,
  POLICY: 7,
  SEC_CTX: 8,
  LTIME_VAL: 9,
  REPLAY_VAL: 10,
  REPLAY_THRESH: 11,
  ETIMER_THRESH: 12,
  SRCADDR: 13,
  COADDR: 14,
  LASTUSED: 15,
  POLICY_TYPE: 16,
  MIGRATE: 17,
  ALG_AEAD: 18,
  KMADDRESS: 19,
  ALG_AUTH_TRUNC: 20,
  MARK: 21,
  TFCPAD: 22,
  REPLAY_ESN_VAL: 23,
  SA_EXTRA_FLAGS: 24,
  PROTO: 25,
  ADDRESS_FILTER: 26,
  PAD: 27,
  OFFLOAD_DEV: 28,
  SET_MARK: 29,
  SET_MARK_MASK: 30,
  IF_ID: 31,
} as const;

/** Multicast groups (enum xfrm_nlgroups): join them to hear the kernel's events. */
export const XFRMNLGRP = { ACQUIRE: 1, EXPIRE: 2, SA: 3, POLICY: 4, AEVENTS: 5, REPORT: 6, MIGRATE: 7, MAPPING: 8 } as const;

export const XFRM_POLICY_DIR = { in: 0, out: 1, fwd: 2 } as const;
export const XFRM_POLICY_ALLOW = 0;
export const XFRM_POLICY_BLOCK = 1;
export const XFRM_MODE = { transport: 0, tunnel: 1 } as const;
export const XFRM_STATE_FLAG = { NOECN: 1, DECAP_DSCP: 2, NOPMTUDISC: 4, WILDRECV: 8, ICMP: 16, AF_UNSPEC: 32, ALIGN4: 64, ESN: 128 } as const;
/** "No limit" for byte and packet lifetimes (the kernel's XFRM_INF). */
export const XFRM_INF = 0xffffffffffffffffn;
export const UDP_ENCAP_ESPINUDP = 2;

export const IPPROTO_ESP = 50;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** sizeof() of the structures in linux/xfrm.h on Linux (x86-64 and every 64-bit ABI alike). */
export const SIZE = {
  selector: 56,
  id: 24,
  lifetimeCfg: 64,
  lifetimeCur: 32,
  usersaInfo: 224,
  userpolicyInfo: 168,
  userTmpl: 64,
  usersaId: 24,
  userspiInfo: 232,
  userpolicyId: 64,
  userAcquire: 280,
  userExpire: 232,
  userPolexpire: 176,
  algoHeader: 68,
  algoAuthHeader: 72,
  algoAeadHeader: 72,
  encapTmpl: 24,
  replayStateEsn: 24,
  mark: 8,
  usersaFlush: 1,
  nlmsgerr: 20,
} as const;
