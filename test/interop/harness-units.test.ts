// The harness's pure parts, without root or strongSwan: the vici message codec (against the encoding
// example of strongSwan's src/libcharon/plugins/vici/README.md, "Encoding example"), the swanctl.conf
// writer (one setting per line) and the list-sa parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isPackagePresent, missingPackages } from '../helpers/packages';
import { parseListSaEvents, renderSwanctlConf } from '../helpers/strongswan';
import { decodeMessage, encodeMessage, type ViciSection } from '../helpers/vici';

const c = (s: string): number[] => [...Buffer.from(s, 'ascii')];
// The README's C array, element by element.
const README_EXAMPLE = Buffer.from([
  3, 4, ...c('key1'), 0, 6, ...c('value1'),
  1, 8, ...c('section1'),
  1, 11, ...c('sub-section'),
  3, 4, ...c('key2'), 0, 6, ...c('value2'),
  2,
  4, 5, ...c('list1'),
  5, 0, 5, ...c('item1'),
  5, 0, 5, ...c('item2'),
  6,
  2,
]);
const README_TREE: ViciSection = { key1: 'value1', section1: { 'sub-section': { key2: 'value2' }, list1: ['item1', 'item2'] } };

test('vici: decodes the README encoding example', () => {
  assert.deepEqual(decodeMessage(README_EXAMPLE), README_TREE);
});

test('vici: encodes the README example tree to the same bytes', () => {
  assert.deepEqual(encodeMessage(README_TREE), README_EXAMPLE);
});

test('vici: truncated and unbalanced messages are rejected', () => {
  assert.throws(() => decodeMessage(README_EXAMPLE.subarray(0, 10)), /truncated/);
  assert.throws(() => decodeMessage(Buffer.from([2])), /unbalanced/);
  assert.throws(() => decodeMessage(Buffer.from([5, 0, 1, 0x61])), /outside a list/);
  assert.throws(() => decodeMessage(Buffer.from([9])), /unknown vici element type 9/);
});

test('swanctl.conf: one setting per line, balanced braces, PSK secret quoted', () => {
  const text = renderSwanctlConf({
    connections: [
      {
        name: 'tun',
        localAddrs: ['192.0.2.1'],
        remoteAddrs: ['192.0.2.2'],
        proposals: ['aes128gcm16-prfsha256-x25519', 'aes256-sha256-ecp256'],
        local: { auth: 'psk', id: '@west' },
        remote: { auth: 'pubkey', id: '@east', pubkeys: ['/k/east.pub'] },
        encap: true,
        children: [{ name: 'net', localTs: ['10.1.0.0/24'], remoteTs: ['10.2.0.0/24'], espProposals: ['aes128gcm16'], rekeyTime: '30s' }],
      },
    ],
    secrets: { psk: [{ ids: ['@west', '@east'], secret: 'a "quoted" secret' }] },
  });
  let depth = 0;
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    assert.match(line.trim(), /^([\w-]+ \{|\}|[\w-]+ = .+)$/, `not one setting per line: ${line}`);
    if (line.trim().endsWith('{')) depth++;
    if (line.trim() === '}') depth--;
    assert.ok(depth >= 0);
  }
  assert.equal(depth, 0);
  assert.match(text, /^ {4}proposals = aes128gcm16-prfsha256-x25519,aes256-sha256-ecp256$/m);
  assert.match(text, /^ {4}encap = yes$/m);
  assert.match(text, /^ {6}pubkeys = \/k\/east\.pub$/m);
  assert.match(text, /^ {8}rekey_time = 30s$/m);
  assert.match(text, /^ {4}secret = "a \\"quoted\\" secret"$/m);
  assert.match(text, /^ {4}id-2 = @east$/m);
});

test('list-sa events become typed IKE and CHILD SAs', () => {
  const sas = parseListSaEvents([
    {
      tun: {
        uniqueid: '3',
        version: '2',
        state: 'ESTABLISHED',
        'local-host': '192.0.2.1',
        'local-port': '4500',
        'local-id': 'west',
        'remote-host': '192.0.2.2',
        'remote-port': '4500',
        'remote-id': 'east',
        initiator: 'yes',
        'initiator-spi': '0011223344556677',
        'responder-spi': '8899aabbccddeeff',
        'nat-remote': 'yes',
        'nat-any': 'yes',
        'encr-alg': 'AES_GCM_16',
        'encr-keysize': '128',
        'prf-alg': 'PRF_HMAC_SHA2_256',
        'dh-group': 'CURVE_25519',
        'child-sas': {
          'net-7': {
            name: 'net',
            uniqueid: '7',
            reqid: '1',
            state: 'INSTALLED',
            mode: 'TUNNEL',
            protocol: 'ESP',
            encap: 'yes',
            'spi-in': 'c0ffee01',
            'spi-out': 'c0ffee02',
            'bytes-in': '252',
            'packets-in': '3',
            'bytes-out': '504',
            'packets-out': '6',
            'local-ts': ['10.1.0.0/24'],
            'remote-ts': ['10.2.0.0/24'],
          },
        },
      },
    },
  ]);
  assert.equal(sas.length, 1);
  const sa = sas[0]!;
  assert.equal(sa.name, 'tun');
  assert.equal(sa.uniqueid, 3);
  assert.equal(sa.localPort, 4500);
  assert.equal(sa.initiator, true);
  assert.equal(sa.natRemote, true);
  assert.equal(sa.natLocal, false);
  assert.equal(sa.encrKeysize, 128);
  assert.equal(sa.integAlg, undefined);
  assert.equal(sa.children.length, 1);
  const ch = sa.children[0]!;
  assert.equal(ch.key, 'net-7');
  assert.equal(ch.uniqueid, 7);
  assert.equal(ch.encap, true);
  assert.equal(ch.spiIn, 'c0ffee01');
  assert.equal(ch.packetsOut, 6);
  assert.equal(ch.bytesOut, 504);
  assert.deepEqual(ch.remoteTs, ['10.2.0.0/24']);
});

test('packages: an unknown package is reported missing, a known one with its files present', () => {
  assert.equal(isPackagePresent('swanlet-no-such-package'), false);
  assert.deepEqual(missingPackages(['swanlet-no-such-package']), ['swanlet-no-such-package']);
  // dpkg itself is on every Debian system; it has no proof files, so only dpkg's status counts.
  assert.equal(isPackagePresent('dpkg'), true);
});
