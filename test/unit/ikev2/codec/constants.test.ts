// The constants' names print readably, unknown values print as numbers, and no group repeats a value.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import * as C from '../../../../src/ikev2/constants';

test('names print, unknown values print as numbers', () => {
  assert.equal(C.exchangeTypeName(34), 'IKE_SA_INIT');
  assert.equal(C.exchangeTypeName(99), '99');
  assert.equal(C.payloadTypeName(53), 'SKF');
  assert.equal(C.notifyTypeName(5), 'INVALID_MAJOR_VERSION');
  assert.equal(C.notifyTypeName(16430), 'IKEV2_FRAGMENTATION_SUPPORTED');
  assert.equal(C.notifyTypeName(16431), 'SIGNATURE_HASH_ALGORITHMS');
  assert.equal(C.notifyTypeName(16396), 'MOBIKE_SUPPORTED');
  assert.equal(C.notifyTypeName(40000), '40000');
  assert.equal(C.transformIdName(C.TransformType.DH, 31), 'CURVE25519');
  assert.equal(C.transformIdName(C.TransformType.ENCR, 20), 'AES_GCM_16');
  assert.equal(C.transformIdName(C.TransformType.INTEG, 12), 'HMAC_SHA2_256_128');
  assert.equal(C.transformIdName(C.TransformType.PRF, 5), 'HMAC_SHA2_256');
  assert.equal(C.transformIdName(C.TransformType.ESN, 1), 'ESN');
  assert.equal(C.transformIdName(9, 1), '1');
  assert.equal(C.authMethodName(14), 'DIGITAL_SIGNATURE');
  assert.equal(C.idTypeName(2), 'FQDN');
  assert.equal(C.tsTypeName(8), 'IPV6_ADDR_RANGE');
  assert.equal(C.protocolIdName(3), 'ESP');
  assert.ok(C.isNotifyError(C.NotifyType.INVALID_SYNTAX));
  assert.ok(!C.isNotifyError(C.NotifyType.COOKIE));
});

test('within each group every value has one name, and the error/status split holds', () => {
  const groups: Record<string, Record<string, number>> = {
    ExchangeType: C.ExchangeType, PayloadType: C.PayloadType, NotifyType: C.NotifyType, ProtocolId: C.ProtocolId,
    TransformType: C.TransformType, EncrId: C.EncrId, PrfId: C.PrfId, IntegId: C.IntegId, DhGroup: C.DhGroup,
    IdType: C.IdType, CertEncoding: C.CertEncoding, AuthMethod: C.AuthMethod, TsType: C.TsType, CfgType: C.CfgType,
    CfgAttribute: C.CfgAttribute, HashAlgorithm: C.HashAlgorithm,
  };
  for (const [group, table] of Object.entries(groups)) {
    const values = Object.values(table);
    assert.equal(new Set(values).size, values.length, `${group} repeats a value`);
  }
  for (const v of Object.values(C.NotifyError)) assert.ok(v < 16384);
  for (const v of Object.values(C.NotifyStatus)) assert.ok(v >= 16384 && v < 65536);
});
