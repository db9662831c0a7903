// The interop harness proving itself: strongSwan's charon on both test hosts (west initiates), a tunnel
// that really carries pings in ESP-in-UDP, SPIs and selectors that agree on both sides, rekeys,
// termination, and nothing left behind (processes, namespaces, directories).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';

import { createHostPair, listNamespaces, type Host, type HostPair } from '../helpers/netns';
import { ensurePackages, PING_PACKAGES, STRONGSWAN_PACKAGES } from '../helpers/packages';
import { Charon, generateEcdsaKey, startCharon, type IkeSaInfo, type SwanctlConfig, type SwanctlEndpoint } from '../helpers/strongswan';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skip: string | false = isRoot ? (ensurePackages([...STRONGSWAN_PACKAGES, ...PING_PACKAGES]) ?? false) : 'needs root (network namespaces)';
if (skip) console.log(`# strongswan-harness skipped: ${skip}`);

function tunnelConfig(me: Host, peer: Host, ike: string[], esp: string[], local: SwanctlEndpoint, remote: SwanctlEndpoint): SwanctlConfig {
  return {
    connections: [
      {
        name: 'tun',
        localAddrs: [me.outer],
        remoteAddrs: [peer.outer],
        proposals: ike,
        local,
        remote,
        children: [{ name: 'net', localTs: [me.innerSubnet], remoteTs: [peer.innerSubnet], espProposals: esp }],
      },
    ],
  };
}

function onlyIke(sas: IkeSaInfo[], side: string): IkeSaInfo {
  assert.equal(sas.length, 1, `${side}: exactly one IKE SA expected, got ${sas.map((s) => `${s.name} ${s.state}`).join(', ')}`);
  return sas[0]!;
}

async function ping(pair: HostPair, count: number): Promise<string> {
  return pair.execOk('west', 'ping', ['-n', '-c', String(count), '-i', '0.2', '-W', '2', '-I', pair.west.inner, pair.east.inner], { timeoutMs: 20_000 });
}

/** The namespace's UDP datagram counters (/proc/net/snmp is per network namespace). */
async function udpCounters(pair: HostPair, side: 'west' | 'east'): Promise<{ in: number; out: number }> {
  const lines = (await pair.execOk(side, 'cat', ['/proc/net/snmp'])).split('\n').filter((l) => l.startsWith('Udp:'));
  const names = (lines[0] ?? '').split(/\s+/);
  const values = (lines[1] ?? '').split(/\s+/).map(Number);
  const get = (name: string): number => {
    const i = names.indexOf(name);
    if (i < 0 || !Number.isFinite(values[i])) throw new Error(`no ${name} in /proc/net/snmp`);
    return values[i]!;
  };
  return { in: get('InDatagrams'), out: get('OutDatagrams') };
}

/** Runs fn with both charons up; on failure the charon logs are attached; always cleans up. */
async function withTunnel(
  t: TestContext,
  configure: (pair: HostPair, dir: string) => Promise<{ west: SwanctlConfig; east: SwanctlConfig }>,
  fn: (pair: HostPair, west: Charon, east: Charon) => Promise<void>,
): Promise<void> {
  const pair = createHostPair();
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-harness-'));
  let west: Charon | undefined;
  let east: Charon | undefined;
  let failed = false;
  try {
    west = await startCharon(pair, 'west');
    east = await startCharon(pair, 'east');
    const conf = await configure(pair, keyDir);
    west.writeConfig(conf.west);
    east.writeConfig(conf.east);
    await west.loadAll();
    await east.loadAll();
    await fn(pair, west, east);
  } catch (e) {
    failed = true;
    t.diagnostic(`west charon log:\n${west?.logTail(60) ?? '(not started)'}`);
    t.diagnostic(`east charon log:\n${east?.logTail(60) ?? '(not started)'}`);
    throw e;
  } finally {
    const pids = [west?.pid, east?.pid].filter((p): p is number => p !== undefined);
    await west?.stop();
    await east?.stop();
    await pair.destroy();
    fs.rmSync(keyDir, { recursive: true, force: true });
    // Nothing may be left behind (checked only when the test itself passed, so as not to hide its error).
    if (failed) return;
    const names = listNamespaces();
    assert.ok(!names.includes(pair.west.ns) && !names.includes(pair.east.ns), `namespaces left behind: ${names.join(' ')}`);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `charon pid ${pid} still alive`);
    for (const c of [west, east]) if (c) assert.ok(!fs.existsSync(c.dir), `${c.dir} left behind`);
  }
}

test('strongSwan <-> strongSwan, PSK, AES-128-GCM + X25519: SAs agree, ping goes through ESP in UDP 4500, rekeys, terminate', { skip, timeout: 120_000 }, async (t) => {
  await withTunnel(
    t,
    async (pair) => {
      const secrets = { psk: [{ ids: ['@west', '@east'], secret: 'harness-test-psk-0123456789' }] };
      const ike = ['aes128gcm16-prfsha256-x25519'];
      const esp = ['aes128gcm16'];
      return {
        west: { ...tunnelConfig(pair.west, pair.east, ike, esp, { auth: 'psk', id: '@west' }, { auth: 'psk', id: '@east' }), secrets },
        east: { ...tunnelConfig(pair.east, pair.west, ike, esp, { auth: 'psk', id: '@east' }, { auth: 'psk', id: '@west' }), secrets },
      };
    },
    async (pair, west, east) => {
      const out = await west.initiate('net');
      assert.match(out, /initiate completed successfully/);

      const w = onlyIke(await west.listSas(), 'west');
      const e = onlyIke(await east.waitForSas((s) => s.some((x) => x.children.some((c) => c.state === 'INSTALLED')), 10_000, 'east CHILD_SA'), 'east');
      for (const [side, sa] of [
        ['west', w],
        ['east', e],
      ] as const) {
        assert.equal(sa.state, 'ESTABLISHED', `${side} IKE SA`);
        assert.equal(sa.version, 2);
        assert.equal(sa.encrAlg, 'AES_GCM_16');
        assert.equal(sa.encrKeysize, 128);
        assert.equal(sa.prfAlg, 'PRF_HMAC_SHA2_256');
        assert.equal(sa.dhGroup, 'CURVE_25519');
        // kernel-libipsec can only carry ESP in UDP: IKE moved to 4500 and the CHILD_SA is encapsulated.
        assert.equal(sa.localPort, 4500, `${side} IKE local port`);
        assert.equal(sa.remotePort, 4500, `${side} IKE remote port`);
        assert.equal(sa.children.length, 1, `${side} CHILD_SAs`);
        const c = sa.children[0]!;
        assert.equal(c.state, 'INSTALLED');
        assert.equal(c.mode, 'TUNNEL');
        assert.equal(c.protocol, 'ESP');
        assert.equal(c.encap, true, `${side} CHILD_SA UDP-encapsulated`);
        assert.equal(c.encrAlg, 'AES_GCM_16');
        assert.equal(c.encrKeysize, 128);
        assert.match(c.spiIn, /^[0-9a-f]{8}$/);
        assert.match(c.spiOut, /^[0-9a-f]{8}$/);
      }
      assert.equal(w.initiator, true);
      assert.equal(e.initiator, false);
      assert.equal(w.localId, 'west');
      assert.equal(w.remoteId, 'east');
      assert.equal(e.localId, 'east');
      assert.equal(e.remoteId, 'west');
      assert.equal(w.initiatorSpi, e.initiatorSpi);
      assert.equal(w.responderSpi, e.responderSpi);
      const wc = w.children[0]!;
      const ec = e.children[0]!;
      assert.equal(wc.spiOut, ec.spiIn, "west's outbound SPI is east's inbound");
      assert.equal(wc.spiIn, ec.spiOut, "east's outbound SPI is west's inbound");
      assert.deepEqual(wc.localTs, ['10.1.0.0/24']);
      assert.deepEqual(wc.remoteTs, ['10.2.0.0/24']);
      assert.deepEqual(ec.localTs, ['10.2.0.0/24']);
      assert.deepEqual(ec.remoteTs, ['10.1.0.0/24']);

      // kernel-libipsec routes the remote subnet into its TUN device (table 220, source = our inner address).
      const routes = await pair.execOk('west', 'ip', ['route', 'show', 'table', '220']);
      assert.match(routes, /10\.2\.0\.0\/24 dev ipsec0 .*src 10\.1\.0\.1/);

      const listening = await pair.execOk('east', 'ss', ['-H', '-u', '-l', '-n']);
      assert.match(listening, /:4500\b/, 'charon listens on UDP 4500');
      const udpBefore = await udpCounters(pair, 'east');
      const pingOut = await ping(pair, 3);
      assert.match(pingOut, /3 packets transmitted, 3 received/);
      // Each echo request reached east inside a UDP datagram and each reply left in one (ESP in UDP).
      const udpAfter = await udpCounters(pair, 'east');
      assert.ok(udpAfter.in - udpBefore.in >= 3, `east UDP datagrams in: ${udpBefore.in} -> ${udpAfter.in}`);
      assert.ok(udpAfter.out - udpBefore.out >= 3, `east UDP datagrams out: ${udpBefore.out} -> ${udpAfter.out}`);
      const w2 = onlyIke(await west.listSas(), 'west').children[0]!;
      const e2 = onlyIke(await east.listSas(), 'east').children[0]!;
      assert.ok(w2.packetsOut >= 3 && w2.packetsIn >= 3, `west counters out=${w2.packetsOut} in=${w2.packetsIn}`);
      assert.ok(e2.packetsIn >= 3 && e2.packetsOut >= 3, `east counters in=${e2.packetsIn} out=${e2.packetsOut}`);
      // The same packets leave and arrive in UDP on port 4500 (charon's own log of its IKE traffic).
      assert.match(west.log(), /sending packet: from 192\.0\.2\.1\[4500\] to 192\.0\.2\.2\[4500\]/);

      // CHILD_SA rekey started by west: new SPIs on both sides, still matching, and traffic still flows.
      await west.rekey({ child: 'net' });
      const rw = await west.waitForSas((s) => s[0]?.children.length === 1 && s[0].children[0]!.spiIn !== wc.spiIn && s[0].children[0]!.state === 'INSTALLED', 15_000, 'west: old CHILD_SA gone');
      const re = await east.waitForSas((s) => s[0]?.children.length === 1 && s[0].children[0]!.spiIn !== ec.spiIn && s[0].children[0]!.state === 'INSTALLED', 15_000, 'east: old CHILD_SA gone');
      assert.equal(rw[0]!.children[0]!.spiOut, re[0]!.children[0]!.spiIn);
      assert.equal(rw[0]!.children[0]!.spiIn, re[0]!.children[0]!.spiOut);
      assert.match(await ping(pair, 2), /2 packets transmitted, 2 received/);

      // IKE SA rekey started by east: new IKE SPIs agree on both sides.
      await east.rekey({ ike: 'tun' });
      const ie = await east.waitForSas((s) => s.length === 1 && s[0]!.state === 'ESTABLISHED' && s[0]!.initiatorSpi !== e.initiatorSpi, 15_000, 'east: rekeyed IKE SA alone');
      const iw = await west.waitForSas((s) => s.length === 1 && s[0]!.state === 'ESTABLISHED' && s[0]!.initiatorSpi !== w.initiatorSpi, 15_000, 'west: rekeyed IKE SA alone');
      assert.equal(iw[0]!.initiatorSpi, ie[0]!.initiatorSpi);
      assert.equal(iw[0]!.responderSpi, ie[0]!.responderSpi);
      assert.equal(ie[0]!.initiator, true, 'east initiated the IKE rekey, so it is the new SA initiator');
      assert.equal(iw[0]!.children[0]?.state, 'INSTALLED', 'the CHILD_SA moved to the new IKE SA');

      // Terminate from west: both sides end up with nothing, and the tunnel no longer carries pings.
      assert.match(await west.terminate({ ike: 'tun' }), /terminate completed successfully/);
      await west.waitForSas((s) => s.length === 0, 10_000, 'west: no SA');
      await east.waitForSas((s) => s.length === 0, 10_000, 'east: no SA');
      const after = await pair.exec('west', 'ping', ['-n', '-c', '1', '-W', '1', '-I', pair.west.inner, pair.east.inner], { timeoutMs: 10_000 });
      assert.notEqual(after.code, 0, 'ping must fail once the tunnel is down');
    },
  );
});

test('strongSwan <-> strongSwan, ECDSA P-256 raw public keys, AES-CBC/SHA2 + ECP-256: tunnel up and ping', { skip, timeout: 90_000 }, async (t) => {
  await withTunnel(
    t,
    async (pair, dir) => {
      const wk = await generateEcdsaKey(dir, 'west');
      const ek = await generateEcdsaKey(dir, 'east');
      const ike = ['aes256-sha256-ecp256'];
      const esp = ['aes256-sha256'];
      return {
        west: {
          ...tunnelConfig(pair.west, pair.east, ike, esp, { auth: 'pubkey', id: '@west', pubkeys: [wk.publicKey] }, { auth: 'pubkey', id: '@east', pubkeys: [ek.publicKey] }),
          secrets: { ecdsaKeys: [wk.privateKey] },
        },
        east: {
          ...tunnelConfig(pair.east, pair.west, ike, esp, { auth: 'pubkey', id: '@east', pubkeys: [ek.publicKey] }, { auth: 'pubkey', id: '@west', pubkeys: [wk.publicKey] }),
          secrets: { ecdsaKeys: [ek.privateKey] },
        },
      };
    },
    async (pair, west, east) => {
      await west.initiate('net');
      const w = onlyIke(await west.listSas(), 'west');
      const e = onlyIke(await east.waitForSas((s) => s[0]?.children[0]?.state === 'INSTALLED', 10_000, 'east CHILD_SA'), 'east');
      assert.equal(w.state, 'ESTABLISHED');
      assert.equal(w.encrAlg, 'AES_CBC');
      assert.equal(w.encrKeysize, 256);
      assert.equal(w.integAlg, 'HMAC_SHA2_256_128');
      assert.equal(w.dhGroup, 'ECP_256');
      assert.equal(w.children[0]?.integAlg, 'HMAC_SHA2_256_128');
      assert.equal(w.children[0]?.spiOut, e.children[0]?.spiIn);
      assert.match(west.log(), /authentication of 'west' \(myself\) with ECDSA/);
      assert.match(await ping(pair, 2), /2 packets transmitted, 2 received/);
    },
  );
});
