// charon's SAs as typed data, from the list-sa events of vici's list-sas command (field names:
// strongSwan's src/libcharon/plugins/vici/README.md).
import type { ViciSection, ViciValue } from './vici';

export interface ChildSaInfo {
  /** The key charon lists the CHILD_SA under (name-uniqueid). */
  key: string;
  name: string;
  uniqueid: number;
  reqid: number;
  /** INSTALLED, REKEYING, REKEYED, DELETING... */
  state: string;
  mode: string;
  protocol: string;
  /** ESP in UDP. */
  encap: boolean;
  /** SPIs as 8 lower-case hex digits. */
  spiIn: string;
  spiOut: string;
  encrAlg?: string;
  encrKeysize?: number;
  integAlg?: string;
  integKeysize?: number;
  dhGroup?: string;
  esn: boolean;
  bytesIn: number;
  packetsIn: number;
  bytesOut: number;
  packetsOut: number;
  rekeyTime?: number;
  lifeTime?: number;
  installTime?: number;
  localTs: string[];
  remoteTs: string[];
}

export interface IkeSaInfo {
  name: string;
  uniqueid: number;
  version: number;
  /** ESTABLISHED, CONNECTING, REKEYING, DELETING... */
  state: string;
  localHost: string;
  localPort: number;
  localId: string;
  remoteHost: string;
  remotePort: number;
  remoteId: string;
  initiator: boolean;
  /** IKE SPIs as 16 lower-case hex digits. */
  initiatorSpi: string;
  responderSpi: string;
  natLocal: boolean;
  natRemote: boolean;
  natFake: boolean;
  natAny: boolean;
  encrAlg?: string;
  encrKeysize?: number;
  integAlg?: string;
  integKeysize?: number;
  prfAlg?: string;
  dhGroup?: string;
  established?: number;
  rekeyTime?: number;
  children: ChildSaInfo[];
  /** Everything charon said, for fields not mapped above. */
  raw: ViciSection;
}

export type SaTarget = { ike: string } | { child: string };

function str(s: ViciSection, key: string): string | undefined {
  const v: ViciValue | undefined = s[key];
  return typeof v === 'string' ? v : undefined;
}
function num(s: ViciSection, key: string): number | undefined {
  const v = str(s, key);
  return v === undefined ? undefined : Number(v);
}
function list(s: ViciSection, key: string): string[] {
  const v = s[key];
  return Array.isArray(v) ? v : [];
}
function section(s: ViciSection, key: string): ViciSection {
  const v = s[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function parseChild(key: string, c: ViciSection): ChildSaInfo {
  return {
    key,
    name: str(c, 'name') ?? key,
    uniqueid: num(c, 'uniqueid') ?? 0,
    reqid: num(c, 'reqid') ?? 0,
    state: str(c, 'state') ?? '',
    mode: str(c, 'mode') ?? '',
    protocol: str(c, 'protocol') ?? '',
    encap: str(c, 'encap') === 'yes',
    spiIn: str(c, 'spi-in') ?? '',
    spiOut: str(c, 'spi-out') ?? '',
    encrAlg: str(c, 'encr-alg'),
    encrKeysize: num(c, 'encr-keysize'),
    integAlg: str(c, 'integ-alg'),
    integKeysize: num(c, 'integ-keysize'),
    dhGroup: str(c, 'dh-group'),
    esn: str(c, 'esn') === '1' || str(c, 'esn') === 'yes',
    bytesIn: num(c, 'bytes-in') ?? 0,
    packetsIn: num(c, 'packets-in') ?? 0,
    bytesOut: num(c, 'bytes-out') ?? 0,
    packetsOut: num(c, 'packets-out') ?? 0,
    rekeyTime: num(c, 'rekey-time'),
    lifeTime: num(c, 'life-time'),
    installTime: num(c, 'install-time'),
    localTs: list(c, 'local-ts'),
    remoteTs: list(c, 'remote-ts'),
  };
}

/** Turns charon's list-sa events into typed IKE SAs (exported for tests of the parser). */
export function parseListSaEvents(events: readonly ViciSection[]): IkeSaInfo[] {
  const out: IkeSaInfo[] = [];
  for (const ev of events) {
    for (const [name, value] of Object.entries(ev)) {
      if (typeof value !== 'object' || Array.isArray(value)) continue;
      const s = value;
      const children = Object.entries(section(s, 'child-sas')).flatMap(([k, c]) =>
        typeof c === 'object' && !Array.isArray(c) ? [parseChild(k, c)] : [],
      );
      out.push({
        name,
        uniqueid: num(s, 'uniqueid') ?? 0,
        version: num(s, 'version') ?? 0,
        state: str(s, 'state') ?? '',
        localHost: str(s, 'local-host') ?? '',
        localPort: num(s, 'local-port') ?? 0,
        localId: str(s, 'local-id') ?? '',
        remoteHost: str(s, 'remote-host') ?? '',
        remotePort: num(s, 'remote-port') ?? 0,
        remoteId: str(s, 'remote-id') ?? '',
        initiator: str(s, 'initiator') === 'yes',
        initiatorSpi: str(s, 'initiator-spi') ?? '',
        responderSpi: str(s, 'responder-spi') ?? '',
        natLocal: str(s, 'nat-local') === 'yes',
        natRemote: str(s, 'nat-remote') === 'yes',
        natFake: str(s, 'nat-fake') === 'yes',
        natAny: str(s, 'nat-any') === 'yes',
        encrAlg: str(s, 'encr-alg'),
        encrKeysize: num(s, 'encr-keysize'),
        integAlg: str(s, 'integ-alg'),
        integKeysize: num(s, 'integ-keysize'),
        prfAlg: str(s, 'prf-alg'),
        dhGroup: str(s, 'dh-group'),
        established: num(s, 'established'),
        rekeyTime: num(s, 'rekey-time'),
        children,
        raw: s,
      });
    }
  }
  return out;
}
