// One test's world for the engine-vs-charon interop tests: a host pair, our engine (engine-driver) in
// west, strongSwan's charon in east, the same PSK tunnel configured on both (10.1.0.0/24 <-> 10.2.0.0/24,
// @west/@east), logs attached on failure, and everything cleaned up afterwards.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';

import type { PubkeyAuth } from './pubkey-auth';
import { createHostPair, type HostPair } from '../helpers/netns';
import {
  startCharon, type Charon, type ChildSaInfo as SwanChild, type IkeSaInfo as SwanIke,
} from '../helpers/strongswan';
import type { ChildSaInfo } from '../../src/ikev2/engine-api';
import { EngineProcess, type DriverStatus } from './engine-process';

export const PSK = 'interop-engine-psk-0123456789';

export interface Suite {
  /** Libreswan syntax for our ipsec.conf. */
  ike: string;
  esp: string;
  /** strongSwan syntax for swanctl.conf. */
  swanIke: string;
  swanEsp: string;
  /** More lines for our conn (e.g. "pfs=no"). */
  engineExtra?: string[];
  /** charon's dpd_delay (e.g. "1s"). */
  swanDpdDelay?: string;
  /** More children in charon's connection (name, local and remote selectors). */
  swanExtraChildren?: { name: string; localTs: string[]; remoteTs: string[] }[];
}

/** Public-key authentication instead of the PSK: our conn's authby= and key lines, charon's endpoints and keys. */

export interface World {
  pair: HostPair;
  engine: EngineProcess;
  charon: Charon;
}

/** The outer address and inner subnet of a host, IPv4 or (with ipv6) IPv6. */
export function addressing(pair: HostPair, side: 'west' | 'east', ipv6: boolean): { outer: string; subnet: string } {
  const h = pair[side];
  if (!ipv6) return { outer: h.outer, subnet: h.innerSubnet };
  if (h.outer6 === undefined || h.innerSubnet6 === undefined) throw new Error('the host pair has no IPv6 addresses');
  return { outer: h.outer6, subnet: h.innerSubnet6 };
}

/**
 * Our west conn "tun" for the interop tests (engine or daemon against charon in east): the two outer
 * addresses, @west/@east, the inner subnets, the PSK or the public-key lines, the proposals, then `extra`.
 */
export function westConn(w: { outer: string; subnet: string }, e: { outer: string; subnet: string }, o: { ike: string; esp: string; pubkey?: PubkeyAuth; extra: readonly string[] }): string {
  return [
    'conn tun',
    `\tleft=${w.outer}`,
    '\tleftid=@west',
    `\tleftsubnet=${w.subnet}`,
    `\tright=${e.outer}`,
    '\trightid=@east',
    `\trightsubnet=${e.subnet}`,
    `\tauthby=${o.pubkey?.authby ?? 'secret'}`,
    ...(o.pubkey?.ourKeyLines ?? []).map((l) => `\t${l}`),
    `\tike=${o.ike}`,
    `\tesp=${o.esp}`,
    '\tauto=add',
    ...o.extra.map((l) => `\t${l}`),
    '',
  ].join('\n');
}

export function engineConf(pair: HostPair, suite: Suite, ipv6 = false, pubkey?: PubkeyAuth): string {
  return westConn(addressing(pair, 'west', ipv6), addressing(pair, 'east', ipv6), {
    ike: suite.ike, esp: suite.esp, pubkey, extra: ['ikev2=insist', ...(suite.engineExtra ?? [])],
  });
}

export async function withEngineAndCharon(
  t: TestContext,
  suite: Suite,
  fn: (w: World) => Promise<void>,
  opts: { enginePsk?: string; charonPsk?: string; charonConf?: string; ipv6?: boolean; pubkey?: PubkeyAuth } = {},
): Promise<void> {
  const ipv6 = opts.ipv6 === true;
  const pair = createHostPair({ ipv6 });
  const w = addressing(pair, 'west', ipv6);
  const e = addressing(pair, 'east', ipv6);
  let charon: Charon | undefined;
  let engine: EngineProcess | undefined;
  try {
    charon = await startCharon(pair, 'east', opts.charonConf ? { extraCharonConf: opts.charonConf } : {});
    charon.writeConfig({
      connections: [
        {
          name: 'tun',
          localAddrs: [e.outer],
          remoteAddrs: [w.outer],
          proposals: [suite.swanIke],
          ...(suite.swanDpdDelay ? { dpdDelay: suite.swanDpdDelay } : {}),
          local: opts.pubkey?.charonLocal ?? { auth: 'psk', id: '@east' },
          remote: opts.pubkey?.charonRemote ?? { auth: 'psk', id: '@west' },
          children: [
            { name: 'net', localTs: [e.subnet], remoteTs: [w.subnet], espProposals: [suite.swanEsp] },
            ...(suite.swanExtraChildren ?? []).map((c) => ({ ...c, espProposals: [suite.swanEsp] })),
          ],
        },
      ],
      secrets: opts.pubkey?.charonSecrets ?? { psk: [{ ids: ['@west', '@east'], secret: opts.charonPsk ?? PSK }] },
    });
    await charon.loadAll();
    const secrets = opts.pubkey?.ourSecrets ?? `@west @east : PSK "${opts.enginePsk ?? PSK}"\n`;
    engine = await EngineProcess.start(pair, 'west', w.outer, engineConf(pair, suite, ipv6, opts.pubkey), secrets);
    await fn({ pair, engine, charon });
  } catch (e) {
    t.diagnostic(`engine log:\n${engine?.logTail(60) ?? '(not started)'}`);
    t.diagnostic(`charon log:\n${charon?.logTail(60) ?? '(not started)'}`);
    throw e;
  } finally {
    // SWANLET_INTEROP_LOGS=DIR keeps both logs of every test (passing ones too) for reading afterwards.
    const keep = process.env.SWANLET_INTEROP_LOGS;
    if (keep) {
      fs.mkdirSync(keep, { recursive: true });
      const tag = t.name.replace(/[^A-Za-z0-9]+/g, '_').slice(0, 80);
      fs.writeFileSync(path.join(keep, `${tag}.engine.log`), engine?.log() ?? '');
      fs.writeFileSync(path.join(keep, `${tag}.charon.log`), charon?.log() ?? '');
    }
    await engine?.stop();
    await charon?.stop();
    await pair.destroy();
  }
}

export const spiHex = (spi: number): string => (spi >>> 0).toString(16).padStart(8, '0');
export const ikeSpiHex = (spi: string): string => spi.replace(/[^0-9a-f]/gi, '').toLowerCase();

/** Our Child SA and charon's agree: SPIs crossed, selectors mirrored, both sides encapsulated. */
export function assertChildAgrees(ours: ChildSaInfo, theirs: SwanChild, status: DriverStatus): void {
  assert.equal(theirs.state, 'INSTALLED');
  assert.equal(theirs.encap, true, 'charon: CHILD_SA UDP-encapsulated');
  assert.equal(spiHex(ours.spiOut), theirs.spiIn, 'our outbound SPI is charon inbound');
  assert.equal(spiHex(ours.spiIn), theirs.spiOut, 'charon outbound SPI is our inbound');
  assert.deepEqual(ours.localTs, theirs.remoteTs);
  assert.deepEqual(ours.remoteTs, theirs.localTs);
  assert.equal(ours.encapsulated, true, 'our CHILD_SA follows charon to UDP encapsulation');
  // The recording kernel holds exactly this pair, each with UDP encapsulation on 4500.
  const inSa = status.kernel.find((k) => k.direction === 'in' && k.spi === ours.spiIn);
  const outSa = status.kernel.find((k) => k.direction === 'out' && k.spi === ours.spiOut);
  assert.ok(inSa, `kernel has our inbound SA ${spiHex(ours.spiIn)}: ${JSON.stringify(status.kernel)}`);
  assert.ok(outSa, `kernel has our outbound SA ${spiHex(ours.spiOut)}`);
  assert.deepEqual(inSa.encap, { srcPort: 4500, dstPort: 4500 });
  assert.deepEqual(outSa.encap, { srcPort: 4500, dstPort: 4500 });
}

/** Charon's single IKE SA with one installed CHILD_SA, waited for. */
export async function charonUp(charon: Charon): Promise<SwanIke> {
  const sas = await charon.waitForSas((s) => s.length === 1 && s[0]!.state === 'ESTABLISHED' && s[0]!.children.some((c) => c.state === 'INSTALLED'), 10_000, 'charon: IKE SA + CHILD_SA');
  return sas[0]!;
}

/** Both sides agree on the one IKE SA and its one Child SA. */
export async function assertAgreement(w: World, weInitiated: boolean): Promise<{ theirs: SwanIke; status: DriverStatus }> {
  const theirs = await charonUp(w.charon);
  const status = await w.engine.waitForStatus((s) => s.ikeSas.length === 1 && s.ikeSas[0]!.state.includes('ESTABLISHED') && s.childSas.length === 1, 10_000, 'engine: IKE SA + Child SA');
  const ike = status.ikeSas[0]!;
  assert.equal(theirs.state, 'ESTABLISHED');
  assert.equal(theirs.version, 2);
  assert.equal(theirs.initiator, !weInitiated, 'charon initiator flag');
  assert.equal(ike.initiator, weInitiated, 'our initiator flag');
  assert.equal(ikeSpiHex(ike.spiI), theirs.initiatorSpi, 'IKE SPIi');
  assert.equal(ikeSpiHex(ike.spiR), theirs.responderSpi, 'IKE SPIr');
  assert.equal(theirs.localId, 'east');
  assert.equal(theirs.remoteId, 'west');
  assert.equal(theirs.localPort, 4500, 'charon moved IKE to 4500');
  assert.equal(theirs.remotePort, 4500, 'we moved IKE to 4500');
  assert.equal(theirs.children.length, 1);
  assert.equal(status.childSas.length, 1);
  assertChildAgrees(status.childSas[0]!, theirs.children[0]!, status);
  assert.equal(status.kernel.length, 2, `exactly two SAs in our kernel: ${JSON.stringify(status.kernel)}`);
  return { theirs, status };
}
