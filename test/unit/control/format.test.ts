import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatStatus, formatTraffic } from '../../../src/control/format';

test('trafficstatus lines have Libreswan\'s form', () => {
  assert.deepEqual(formatTraffic([{ serial: 2, connection: 'conn', type: 'ESP', addTime: 1234567890, inBytes: 0, outBytes: 84, remoteId: '@east' }]), [
    `006 #2: "conn", type=ESP, add_time=1234567890, inBytes=0, outBytes=84, id='@east'`,
  ]);
});

test('status lists interfaces, connections, totals and SAs, every line numbered 000', () => {
  const lines = formatStatus({
    pid: 1,
    kernel: 'memory',
    listening: [{ address: '127.0.0.1', port: 500 }],
    connections: [{ name: 'a', local: 'left', spd: '10.0.1.0/24===192.0.2.1[@w]...192.0.2.2[@e]===10.0.2.0/24', routing: 'unrouted', auto: 'add', ike: 'aes256-sha2', esp: 'aes_gcm', origin: 'f:1', ourAuth: 'rsasig', theirAuth: 'ecdsa', ourAutheap: 'none', theirAutheap: 'none' }],
    engine: {
      ikeSas: [{ connection: 'a', serial: 1, initiator: true, spiI: '01', spiR: '02', state: 'ESTABLISHED_IKE_SA', localAddress: '192.0.2.1', remoteAddress: '192.0.2.2', localPort: 500, remotePort: 500, natLocal: false, natRemote: false, localId: '@w', remoteId: '@e', algorithms: 'AES_GCM_16_256-NONE-DH19', establishedAt: 5, localAuth: 'RSA with SHA2_512', peerAuth: 'ECDSA with SHA2_256', peerAuthDetail: "'P-256 ECDSA with SHA2_256' digital signature" }],
      childSas: [{ connection: 'a', serial: 2, ikeSerial: 1, spiIn: 0x1000, spiOut: 0x2000, localTs: ['10.0.1.0/24'], remoteTs: ['10.0.2.0/24'], mode: 'tunnel', algorithms: 'AES_GCM_16_256-NONE', localAddress: '192.0.2.1', remoteAddress: '192.0.2.2', encapsulated: false, reqid: 16389 }],
    },
    debug: [],
    natKeepalives: [],
    keepaliveCounters: { sent: 0, received: 0 },
  });
  assert.ok(lines.every((l) => l.startsWith('000 ')));
  assert.ok(lines.includes('000 interface 127.0.0.1:500'));
  assert.ok(lines.includes('000 "a": 10.0.1.0/24===192.0.2.1[@w]...192.0.2.2[@e]===10.0.2.0/24; unrouted; eroute owner: #0'));
  assert.ok(lines.includes('000 Total IPsec connections: loaded 1, active 1'));
  assert.ok(lines.includes('000 "a":   our auth:rsasig, their auth:ecdsa, our autheap:none, their autheap:none;'));
  assert.ok(lines.includes('000 #1: "a" 192.0.2.2 ESTABLISHED_IKE_SA (initiator); AES_GCM_16_256-NONE-DH19; IKE SPIs: 01:02; authenticated using ECDSA with SHA2_256'));
  assert.ok(lines.includes('000 IKE SAs: total(1), half-open(0), open(0), authenticated(1), anonymous(0)'));
  assert.ok(lines.some((l) => l.startsWith('000 #2: "a" esp.00002000@192.0.2.2 esp.00001000@192.0.2.1 tun.4005@192.0.2.2')));
});
