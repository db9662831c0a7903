// IKE identities: every form Libreswan's atoid() reads, canonical text, ID payload bodies, equality.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { IdError, IdType, IkeId, parseId } from '../../../src/config/id';
import { hex, loadVectors } from '../../helpers/vectors';

test('@fqdn, user@fqdn, addresses: types and payload bodies (RFC 7296 section 3.5)', () => {
  const fqdn = parseId('@gw.example.org');
  assert.equal(fqdn.type, IdType.FQDN);
  assert.equal(fqdn.toString(), '@gw.example.org');
  assert.deepEqual(fqdn.encode(), Buffer.from('gw.example.org'));

  const user = parseId('alice@example.org');
  assert.equal(user.type, IdType.RFC822_ADDR);
  assert.deepEqual(user.encode(), Buffer.from('alice@example.org'));

  const v4 = parseId('192.0.2.1');
  assert.equal(v4.type, IdType.IPV4_ADDR);
  assert.deepEqual(v4.encode(), Buffer.from([192, 0, 2, 1]));

  const v6 = parseId('2001:DB8::0:1');
  assert.equal(v6.type, IdType.IPV6_ADDR);
  assert.equal(v6.toString(), '2001:db8::1');
  assert.deepEqual(v6.encode(), hex('20010db8000000000000000000000001'));
  assert.deepEqual(parseId('::ffff:192.0.2.1').encode(), hex('00000000000000000000ffffc0000201'));
});

test('key ids: @#hex and @[text]', () => {
  const k = parseId('@#0x0102_0aff');
  assert.equal(k.type, IdType.KEY_ID);
  assert.deepEqual(k.encode(), Buffer.from([1, 2, 0x0a, 0xff]));
  assert.equal(k.toString(), '@#0x01020aff');
  assert.deepEqual(parseId('@[GroupName]').encode(), Buffer.from('GroupName'));
  assert.ok(parseId('@[GroupName]').equals(parseId('@#47726f75704e616d65')));
  assert.throws(() => parseId('@#0x123'), IdError);
});

test('text DNs encode to the DER the openssl command produces, and decode back', () => {
  const file = loadVectors<{ text: string; der: string }>('ike-id-dn.json');
  for (const v of file.vectors) {
    const id = parseId(v.text);
    assert.equal(id.type, IdType.DER_ASN1_DN);
    assert.deepEqual(id.encode(), hex(v.der), v.text);
    assert.equal(id.toString(), v.text);
    const back = IkeId.fromPayload(IdType.DER_ASN1_DN, hex(v.der));
    assert.equal(back.toString(), v.text);
    assert.ok(back.equals(id));
    // @~hex is the same DN given in binary.
    assert.ok(parseId(`@~${v.der}`).equals(id));
  }
  // OpenSSL's slash form and a leading '@' are accepted too.
  assert.ok(parseId('/C=CA/O=Libreswan/CN=x/E=a@b.c').equals(parseId(file.vectors[0].text)));
  assert.ok(parseId('@C=CA, O=Libreswan, CN=x, E=a@b.c').equals(parseId(file.vectors[0].text)));
});

test('DN comparison ignores case of printable values but not attribute order', () => {
  assert.ok(parseId('C=CA, O=Libreswan, CN=X').equals(parseId('c=ca, o=LIBRESWAN, cn=x')));
  assert.ok(!parseId('C=CA, CN=x').equals(parseId('CN=x, C=CA')));
  assert.ok(!parseId('C=CA, CN=x').equals(parseId('C=CA, CN=y')));
});

test('%any, %none, 0.0.0.0 match anything; %fromcert and %null', () => {
  for (const s of ['%any', '%none', '0.0.0.0']) {
    const id = parseId(s);
    assert.equal(id.kind, 'any', s);
    assert.ok(id.isAny());
    assert.ok(id.equals(parseId('@x')));
    assert.throws(() => id.encode(), IdError);
  }
  assert.ok(parseId('%any6').isAny());
  assert.equal(parseId('%fromcert').kind, 'fromcert');
  const nul = parseId('%null');
  assert.equal(nul.type, IdType.NULL);
  assert.equal(nul.encode().length, 0);
});

test('FQDN equality ignores case and trailing dots; kinds must match', () => {
  assert.ok(parseId('@GW.Example.org.').equals(parseId('@gw.example.org')));
  assert.ok(!parseId('@gw.example.org').equals(parseId('gw@example.org')));
  assert.ok(!parseId('192.0.2.1').equals(parseId('192.0.2.2')));
});

test('received ID payloads are checked', () => {
  assert.equal(IkeId.fromPayload(IdType.IPV4_ADDR, Buffer.from([10, 0, 0, 1])).toString(), '10.0.0.1');
  assert.throws(() => IkeId.fromPayload(IdType.IPV4_ADDR, Buffer.from([10, 0, 0])), /4 bytes/);
  assert.throws(() => IkeId.fromPayload(IdType.IPV6_ADDR, Buffer.alloc(15)), /16 bytes/);
  assert.throws(() => IkeId.fromPayload(IdType.DER_ASN1_DN, hex('3005310330')), /malformed DN/);
  assert.throws(() => IkeId.fromPayload(99, Buffer.alloc(1)), /unsupported ID type 99/);
});

test('bad IDs are refused with the reason', () => {
  assert.throws(() => parseId(''), /empty ID/);
  assert.throws(() => parseId('gw.example.org'), /host names are not resolved \(write @gw\.example\.org/);
  assert.throws(() => parseId('%bogus'), /unknown ID keyword '%bogus'/);
  assert.throws(() => parseId('@'), /no name/);
  assert.throws(() => parseId('XX=foo, CN=x'), /unknown attribute 'XX'/);
  assert.throws(() => parseId('CN=x, foo'), /'foo' in DN is not ATTRIBUTE=value/);
  for (const bad of ['', 'gw.example.org', '%bogus', '@', 'XX=1', 'CN=x, y']) {
    assert.throws(() => parseId(bad), (e: unknown) => e instanceof IdError && e.code === 'EID', bad);
  }
});
