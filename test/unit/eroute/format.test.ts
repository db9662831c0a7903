// The eroute table in KLIPS's /proc/net/ipsec_eroute columns, and SAIDs as KLIPS printed them.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ErouteEntry } from '../../../src/control/eroute-wire';
import { formatErouteLine, formatEroutes } from '../../../src/eroute/format';
import { formatSaid, parseSaid } from '../../../src/eroute/said';

const sel = (src: string, dst: string, proto = 0, srcPort = 0, dstPort = 0): ErouteEntry['selector'] => ({ src, dst, proto, srcPort, dstPort });

test('SAIDs print as KLIPS did: tun0xSPI@v4, proto:SPI@v6, %magic; and parse back', () => {
  assert.equal(formatSaid({ kind: 'sa', proto: 'tun', spi: 0x130, edst: '192.168.43.1' }), 'tun0x130@192.168.43.1');
  assert.equal(formatSaid({ kind: 'sa', proto: 'tun', spi: 0x130, edst: '3058:4::5' }), 'tun:130@3058:4::5');
  assert.equal(formatSaid({ kind: 'sa', proto: 'esp', spi: 0xdeadbeef, edst: '10.0.0.1' }), 'esp0xdeadbeef@10.0.0.1');
  for (const a of ['pass', 'drop', 'reject', 'hold', 'trap'] as const) assert.equal(formatSaid({ kind: 'magic', action: a }), `%${a}`);
  assert.deepEqual(parseSaid('tun0x130@192.168.43.1'), { kind: 'sa', proto: 'tun', spi: 0x130, host: '192.168.43.1' });
  assert.deepEqual(parseSaid('tun:130@3058:4::5'), { kind: 'sa', proto: 'tun', spi: 0x130, host: '3058:4::5', family: 6 });
});

test('a line: count, source, "->", destination, "=>", SAID, in the columns of ipsec_eroute(5)', () => {
  assert.equal(
    formatErouteLine({ packets: 1867, selector: sel('172.31.252.0/24', '0.0.0.0/0'), said: { kind: 'sa', proto: 'tun', spi: 0x130, edst: '192.168.43.1' } }),
    '1867       172.31.252.0/24    -> 0.0.0.0/0          => tun0x130@192.168.43.1',
  );
  assert.equal(
    formatErouteLine({ packets: 125, selector: sel('3049:1::/64', '::/0'), said: { kind: 'sa', proto: 'tun', spi: 0x130, edst: '3058:4::5' } }),
    '125        3049:1::/64        -> ::/0               => tun:130@3058:4::5',
  );
  assert.equal(formatErouteLine({ packets: 0, selector: sel('10.1.0.0/24', '10.2.0.0/24'), said: { kind: 'magic', action: 'trap' } }), '0          10.1.0.0/24        -> 10.2.0.0/24        => %trap');
});

test('a selector with a protocol or ports shows the ports after the subnets and the protocol after the SAID', () => {
  assert.equal(
    formatErouteLine({ packets: 3, selector: sel('192.168.0.0/16', '10.9.9.9/32', 6, 0, 110), said: { kind: 'magic', action: 'drop' } }),
    '3          192.168.0.0/16:0   -> 10.9.9.9/32:110    => %drop:6',
  );
});

test('the table lists the most specific eroutes first, then by address', () => {
  const entries: ErouteEntry[] = [
    { packets: 0, selector: sel('0.0.0.0/0', '0.0.0.0/0'), said: { kind: 'magic', action: 'pass' } },
    { packets: 0, selector: sel('10.2.0.0/24', '10.1.0.0/24'), said: { kind: 'magic', action: 'hold' } },
    { packets: 0, selector: sel('10.1.0.0/24', '10.2.0.0/24'), said: { kind: 'magic', action: 'trap' } },
    { packets: 0, selector: sel('10.1.0.1/32', '10.2.0.0/24'), said: { kind: 'magic', action: 'drop' } },
  ];
  assert.deepEqual(formatEroutes(entries).map((l) => l.split(/\s+/).slice(1, 4).join(' ')), [
    '10.1.0.1/32 -> 10.2.0.0/24',
    '10.1.0.0/24 -> 10.2.0.0/24',
    '10.2.0.0/24 -> 10.1.0.0/24',
    '0.0.0.0/0 -> 0.0.0.0/0',
  ]);
});
