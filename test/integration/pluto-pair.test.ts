// Our pluto on both sides (issue 5, "the same with our pluto on both sides"): two daemons in the west and
// east namespaces, driven only through the real CLI (ipsec pluto / auto / whack), PSK with AES-GCM + X25519.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';

import { netnsPair, waitStatus, westEastConn, type PairStatus } from './pluto-pair-harness';

const IKE = 'aes_gcm256-sha2_256;dh31';
const ESP = 'aes_gcm256';
const PSK = 'a pre-shared key for the pluto pair tests';
const conf = (auto: string): string => westEastConn('west-east', IKE, ESP, `\tauto=${auto}\n`);
const up = (s: PairStatus): boolean => s.engine.ikeSas.some((sa) => sa.state === 'ESTABLISHED_IKE_SA') && s.engine.childSas.length === 1;
const empty = (s: PairStatus): boolean => s.engine.ikeSas.length === 0 && s.engine.childSas.length === 0;

test('auto --up between two of our plutos: status, trafficstatus and JSON agree on both; auto --down deletes both', async (t) => {
  const pair = await netnsPair(t, { west: conf('add'), east: conf('add') }, { west: PSK, east: PSK });
  await pair.start('east');
  await pair.start('west');

  const r = pair.ipsec('west', 'auto', '--up', 'west-east');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^\d{3} "west-east": initiating IKEv2 connection$/m);
  assert.match(r.stdout, /^003 "west-east" #1: initiator established IKE SA; authenticated peer using authby=secret and ID_FQDN '@east'$/m);
  const child = /^004 "west-east" #2: initiator established Child SA using #1; IPsec tunnel \[10\.1\.0\.0\/24===10\.2\.0\.0\/24\] \{ESPinUDP=>0x([0-9a-f]{8}) <0x([0-9a-f]{8}) xfrm=AES_GCM_16_256-NONE DPD=passive\}$/m.exec(r.stdout);
  assert.ok(child, r.stdout);
  // No kernel ESP here: each daemon chose the userspace data path on its own, so ESP goes in UDP (ESPinUDP).
  for (const side of ['west', 'east'] as const) {
    assert.match(fs.readFileSync(pair.sides[side].log, 'utf8'), /using kernel interface: userspace ESP \(kernel refused an ESP SA: /);
  }

  for (const side of ['west', 'east'] as const) {
    const st = pair.ipsec(side, 'whack', '--status');
    assert.equal(st.status, 0, st.stderr);
    const role = side === 'west' ? 'initiator' : 'responder';
    const peer = side === 'west' ? '192.0.2.2' : '192.0.2.1';
    assert.match(st.stdout, new RegExp(`^000 #\\d+: "west-east" ${peer.replace(/\./g, '\\.')} ESTABLISHED_IKE_SA \\(${role}\\); AES_GCM_16_256-HMAC_SHA2_256-DH31; IKE SPIs: [0-9a-f]{16}:[0-9a-f]{16}$`, 'm'), st.stdout);
    assert.match(st.stdout, /^000 #\d+: "west-east" [\d.]+ STATE_V2_ESTABLISHED_CHILD_SA \(IPsec SA established\); isakmp#\d+; AES_GCM_16_256-NONE$/m, st.stdout);
    assert.match(st.stdout, /^000 IKE SAs: total\(1\), half-open\(0\), open\(0\), authenticated\(1\), anonymous\(0\)$/m);
    assert.match(st.stdout, /^000 IPsec SAs: total\(1\), authenticated\(1\), anonymous\(0\)$/m);
    const tr = pair.ipsec(side, 'whack', '--trafficstatus');
    assert.equal(tr.status, 0, tr.stderr);
    const peerId = side === 'west' ? '@east' : '@west';
    assert.match(tr.stdout, new RegExp(`^006 #\\d+: "west-east", type=ESP, add_time=\\d+, inBytes=0, outBytes=0, id='${peerId}'$`, 'm'), tr.stdout);
  }

  const w = pair.status('west');
  const e = pair.status('east');
  assert.equal(w.engine.ikeSas.length, 1);
  assert.equal(e.engine.ikeSas.length, 1);
  const [wi, ei] = [w.engine.ikeSas[0]!, e.engine.ikeSas[0]!];
  assert.deepEqual([wi.spiI, wi.spiR], [ei.spiI, ei.spiR], 'the same IKE SA on both sides');
  assert.notEqual(wi.spiR, '0000000000000000');
  assert.deepEqual([wi.initiator, ei.initiator], [true, false]);
  assert.deepEqual([wi.localId, wi.remoteId, ei.localId, ei.remoteId], ['@west', '@east', '@east', '@west']);
  assert.equal(wi.algorithms, ei.algorithms);
  const [wc, ec] = [w.engine.childSas[0]!, e.engine.childSas[0]!];
  assert.equal(wc.spiOut, ec.spiIn, "west's outbound SPI is east's inbound SPI");
  assert.equal(wc.spiIn, ec.spiOut, "west's inbound SPI is east's outbound SPI");
  assert.deepEqual([parseInt(child[1]!, 16), parseInt(child[2]!, 16)], [wc.spiOut, wc.spiIn], 'auto --up printed the SPIs the status shows');
  assert.notEqual(wc.spiIn, wc.spiOut, 'random SPIs: two kernels do not hand out the same one');
  assert.deepEqual([wc.localTs, wc.remoteTs], [['10.1.0.0/24'], ['10.2.0.0/24']]);
  assert.deepEqual([ec.localTs, ec.remoteTs], [['10.2.0.0/24'], ['10.1.0.0/24']]);
  assert.equal(wc.algorithms, ec.algorithms);
  assert.deepEqual([wc.mode, ec.mode], ['tunnel', 'tunnel']);
  const wt = JSON.parse(pair.ipsec('west', 'whack', '--trafficstatus', '--json').stdout) as { serial: number; remoteId: string }[];
  assert.deepEqual(wt.map((x) => [x.serial, x.remoteId]), [[wc.serial, '@east']]);

  const down = pair.ipsec('west', 'auto', '--down', 'west-east');
  assert.equal(down.status, 0, down.stderr);
  assert.ok(empty(await waitStatus(pair, 'west', empty)), 'west deleted its SAs');
  assert.ok(empty(await waitStatus(pair, 'east', empty)), 'east deleted its SAs on the delete from west');
  assert.equal(pair.ipsec('east', 'whack', '--trafficstatus').stdout, '');
  assert.match(fs.readFileSync(pair.sides.east.log, 'utf8'), /"west-east" #\d+: IKE SA deleted \(deleted by the peer\)/);
});

test('auto=start brings the tunnel up when the daemon starts', async (t) => {
  const pair = await netnsPair(t, { west: conf('start'), east: conf('add') }, { west: PSK, east: PSK });
  await pair.start('east');
  await pair.start('west');
  assert.ok(up(await waitStatus(pair, 'west', up)), fs.readFileSync(pair.sides.west.log, 'utf8'));
  assert.ok(up(await waitStatus(pair, 'east', up)));
  assert.match(fs.readFileSync(pair.sides.west.log, 'utf8'), /"west-east" #\d+: up$/m);
});

test('a wrong PSK: auto --up fails with a non-zero exit and AUTHENTICATION_FAILED, no SA stays', async (t) => {
  const pair = await netnsPair(t, { west: conf('add'), east: conf('add') }, { west: PSK, east: 'another pre-shared key altogether' });
  await pair.start('east');
  await pair.start('west');
  const r = pair.ipsec('west', 'auto', '--up', 'west-east');
  assert.notEqual(r.status, 0);
  assert.match(r.stdout + r.stderr, /AUTHENTICATION_FAILED/);
  assert.ok(empty(await waitStatus(pair, 'west', empty)), 'west keeps no SA');
  assert.ok(empty(await waitStatus(pair, 'east', empty)), 'east keeps no SA');
});

test('SIGTERM of one daemon deletes the SAs on the other (delete sent at shutdown)', async (t) => {
  const pair = await netnsPair(t, { west: conf('add'), east: conf('add') }, { west: PSK, east: PSK });
  await pair.start('east');
  const west = await pair.start('west');
  const r = pair.ipsec('west', 'auto', '--up', 'west-east');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.ok(up(pair.status('east')));
  west.child.kill('SIGTERM');
  assert.equal(await west.exited, 0);
  assert.ok(empty(await waitStatus(pair, 'east', empty)), 'east deleted the SAs on the delete from west');
  assert.match(fs.readFileSync(pair.sides.east.log, 'utf8'), /"west-east" #\d+: IKE SA deleted \(deleted by the peer\)/);
});
