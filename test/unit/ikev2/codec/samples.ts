// One example of every payload type, as the parser returns them (critical: false spelled out), for
// round trips and as seeds for the fuzz test.
import { hex } from '../../../helpers/vectors';
import {
  AuthMethod, CertEncoding, CfgAttribute, CfgType, DhGroup, EncrId, ExchangeType, IdType, IntegId, NotifyType, PrfId,
  ProtocolId, TransformType, TsType,
} from '../../../../src/ikev2/constants';
import type { IkeHeaderInit, Payload } from '../../../../src/ikev2/codec';

const u8 = (s: string): Uint8Array => new Uint8Array(hex(s));
const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

export const sampleHeader: IkeHeaderInit = {
  initiatorSpi: u8('0102030405060708'),
  responderSpi: u8('1112131415161718'),
  exchangeType: ExchangeType.IKE_AUTH,
  messageId: 1,
  initiator: true,
  response: false,
};

export function samplePayloads(): Payload[] {
  return [
    {
      type: 33,
      critical: false,
      proposals: [
        {
          number: 1,
          protocolId: ProtocolId.IKE,
          spi: new Uint8Array(0),
          transforms: [
            { type: TransformType.ENCR, id: EncrId.AES_CBC, keyLength: 256 },
            { type: TransformType.PRF, id: PrfId.HMAC_SHA2_256 },
            { type: TransformType.INTEG, id: IntegId.HMAC_SHA2_256_128 },
            { type: TransformType.DH, id: DhGroup.CURVE25519 },
          ],
        },
        {
          number: 2,
          protocolId: ProtocolId.ESP,
          spi: u8('c0ffee01'),
          transforms: [
            { type: TransformType.ENCR, id: EncrId.AES_GCM_16, keyLength: 128, otherAttributes: [{ type: 99, format: 'tlv', data: u8('abcd') }] },
            { type: TransformType.ESN, id: 0, otherAttributes: [{ type: 98, format: 'tv', value: 7 }] },
          ],
        },
      ],
    },
    { type: 34, critical: false, group: DhGroup.CURVE25519, data: fill(32, 0x42) },
    { type: 35, critical: false, idType: IdType.FQDN, data: new TextEncoder().encode('west.example') },
    { type: 36, critical: false, idType: IdType.NULL, data: new Uint8Array(0) },
    { type: 37, critical: false, encoding: CertEncoding.X509_SIGNATURE, data: fill(40, 0x30) },
    { type: 38, critical: false, encoding: CertEncoding.X509_SIGNATURE, data: fill(20, 0x55) },
    { type: 39, critical: false, method: AuthMethod.SHARED_KEY_MIC, data: fill(32, 0xa5) },
    { type: 40, critical: false, nonce: fill(32, 0x4e) },
    { type: 41, critical: false, protocolId: ProtocolId.ESP, spi: u8('deadbeef'), notifyType: NotifyType.REKEY_SA, data: new Uint8Array(0) },
    { type: 41, critical: false, protocolId: 0, spi: new Uint8Array(0), notifyType: NotifyType.NAT_DETECTION_SOURCE_IP, data: fill(20, 0x11) },
    { type: 42, critical: false, protocolId: ProtocolId.ESP, spiSize: 4, spis: [u8('01020304'), u8('05060708')] },
    { type: 42, critical: false, protocolId: ProtocolId.IKE, spiSize: 0, spis: [] },
    { type: 43, critical: false, data: u8('882fe56d6fd20dbc2251613b2ebe5beb') },
    {
      type: 44,
      critical: false,
      selectors: [
        { tsType: TsType.IPV4_ADDR_RANGE, ipProtocol: 0, startPort: 0, endPort: 65535, startAddress: u8('0a010000'), endAddress: u8('0a0100ff') },
        { tsType: TsType.IPV6_ADDR_RANGE, ipProtocol: 6, startPort: 443, endPort: 443, startAddress: fill(16, 0x20), endAddress: fill(16, 0x2f) },
      ],
    },
    { type: 45, critical: false, selectors: [{ tsType: TsType.IPV4_ADDR_RANGE, ipProtocol: 17, startPort: 500, endPort: 4500, startAddress: u8('c0000201'), endAddress: u8('c0000202') }] },
    {
      type: 47,
      critical: false,
      cfgType: CfgType.CFG_REQUEST,
      attributes: [
        { type: CfgAttribute.INTERNAL_IP4_ADDRESS, value: new Uint8Array(0) },
        { type: CfgAttribute.INTERNAL_IP4_DNS, value: u8('08080808') },
      ],
    },
    { type: 48, critical: false, message: u8('0101000501') },
    { type: 'unknown', payloadType: 200, critical: true, body: u8('0badc0de') },
    { type: 'unknown', payloadType: 49, critical: false, body: new Uint8Array(0) },
  ];
}
