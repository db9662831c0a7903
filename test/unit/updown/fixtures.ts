// Connections and SAs for the updown tests, from real ipsec.conf text through our parser.
import { parseIpsecConfText } from '../../../src/config';
import type { ConnectionConfig } from '../../../src/config';
import type { ChildSaInfo, IkeSaInfo } from '../../../src/ikev2/engine-api';

/** The conn NAME of TEXT (a whole ipsec.conf), oriented with left as this host. */
export function conn(text: string, name: string): ConnectionConfig {
  const loaded = parseIpsecConfText(text, 'updown-test.conf');
  const c = loaded.conns.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no conn ${name}`);
  return { ...c, local: 'left' };
}

export function child(over: Partial<ChildSaInfo>): ChildSaInfo {
  return {
    connection: 'x',
    serial: 2,
    ikeSerial: 1,
    spiIn: 0x12345678,
    spiOut: 0xc0ffee01,
    localTs: [],
    remoteTs: [],
    mode: 'tunnel',
    algorithms: 'AES_GCM_16_256-NONE',
    localAddress: '192.0.2.1',
    remoteAddress: '192.0.2.2',
    encapsulated: false,
    reqid: 16389,
    ...over,
  };
}

export function ike(over: Partial<IkeSaInfo>): IkeSaInfo {
  return {
    connection: 'x',
    serial: 1,
    initiator: true,
    spiI: '0102030405060708',
    spiR: '1112131415161718',
    state: 'ESTABLISHED_IKE_SA',
    localAddress: '192.0.2.1',
    remoteAddress: '192.0.2.2',
    localPort: 500,
    remotePort: 500,
    natLocal: false,
    natRemote: false,
    localId: '@west',
    remoteId: '@east',
    algorithms: 'AES_GCM_16_256-HMAC_SHA2_256-DH19',
    establishedAt: 1_700_000_000,
    localAuth: 'authby=secret',
    peerAuth: 'authby=secret',
    peerAuthDetail: '',
    ...over,
  };
}
