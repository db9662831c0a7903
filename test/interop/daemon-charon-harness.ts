// Our real daemon against strongSwan's charon (issues 5 and 6): `ipsec pluto` in west, driven only through
// the CLI (`ipsec auto` / `ipsec whack`, run inside west's namespace so that they orient conns as a user's
// would), and charon with its userspace ESP in east. One world per test file (one host pair, one charon,
// one pluto); each test loads its own conn on both sides and resets them afterwards, so the tests of a
// file stay independent while sharing the costly starts.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { StatusData, TrafficEntry } from '../../src/control/protocol';
import type { ChildSaInfo, IkeSaInfo } from '../../src/ikev2/engine-api';
import { createHostPair, type ExecResult, type HostPair } from '../helpers/netns';
import { ensurePackages, STRONGSWAN_PACKAGES } from '../helpers/packages';
import { IPSEC_BIN } from '../helpers/paths';
import { startCharon, type Charon, type ChildSaInfo as SwanChild, type IkeSaInfo as SwanIke, type SwanctlConnection } from '../helpers/strongswan';
import { killPlutosIn, waitFor } from '../integration/daemon-harness';
import { westConn } from './engine-setup';
import type { PubkeyAuth } from './pubkey-auth';

export const PSK = 'daemon-vs-charon-psk-0123456789';
const PSK_SECRETS = `@west @east : PSK "${PSK}"\n`;
/** Our conn name and charon's connection and child names, the same in every test. */
export const CONN = 'tun';
export const CHILD = 'net';

/** Why the tests of this family cannot run here, or false. */
export function skipReason(extra: readonly string[] = []): string | false {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return 'needs root (network namespaces)';
  return ensurePackages([...STRONGSWAN_PACKAGES, ...extra]) ?? false;
}

/** One tunnel configured on both sides: our ipsec.conf syntax and charon's swanctl.conf syntax. */
export interface Suite {
  ike: string;
  esp: string;
  swanIke: string;
  swanEsp: string;
  /** More lines of our conn (e.g. "encapsulation=yes", "pfs=no"). */
  ourExtra?: string[];
  /** charon's `encap = yes`. */
  swanEncap?: boolean;
  /** Raw public keys on both sides instead of the PSK. */
  pubkey?: PubkeyAuth;
}

export interface Ours {
  ike: IkeSaInfo;
  child: ChildSaInfo;
  status: StatusData;
  traffic: TrafficEntry[];
}

export const spiHex = (spi: number): string => (spi >>> 0).toString(16).padStart(8, '0');
export const ikeSpiHex = (spi: string): string => spi.replace(/[^0-9a-f]/gi, '').toLowerCase();

export class DaemonCharonWorld {
  private pluto?: ChildProcess;
  private plutoOut = '';

  private constructor(
    readonly pair: HostPair,
    readonly charon: Charon,
    readonly dir: string,
  ) {}

  get rundir(): string {
    return path.join(this.dir, 'run');
  }
  get config(): string {
    return path.join(this.dir, 'ipsec.conf');
  }
  get secrets(): string {
    return path.join(this.dir, 'ipsec.secrets');
  }
  get logFile(): string {
    return path.join(this.dir, 'pluto.log');
  }

  /** The host pair, charon in east and our pluto in west. Call stop() in every exit path. */
  static async start(options: { prefix?: string } = {}): Promise<DaemonCharonWorld> {
    const pair = createHostPair({ prefix: options.prefix ?? 'swldc' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-dvc-'));
    let charon: Charon | undefined;
    try {
      charon = await startCharon(pair, 'east');
      const world = new DaemonCharonWorld(pair, charon, dir);
      await world.startPluto();
      return world;
    } catch (e) {
      await charon?.stop();
      await pair.destroy();
      killPlutosIn(path.join(dir, 'run'));
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  private async startPluto(): Promise<void> {
    fs.writeFileSync(this.config, 'config setup\n\tplutodebug=base\n');
    fs.writeFileSync(this.secrets, PSK_SECRETS, { mode: 0o600 });
    // pluto listens only on interfaces that are up.
    const up = async (): Promise<boolean> => /state UP/.test((await this.pair.exec('west', 'ip', ['link', 'show', this.pair.west.iface])).stdout);
    const deadline = Date.now() + 5000;
    while (!(await up())) {
      if (Date.now() > deadline) throw new Error('the veth pair did not come up');
      await new Promise((r) => setTimeout(r, 25));
    }
    const child = this.pair.spawn('west', process.execPath, [
      IPSEC_BIN, 'pluto', '--nofork', '--rundir', this.rundir, '--config', this.config, '--secretsfile', this.secrets, '--logfile', this.logFile,
    ]);
    this.pluto = child;
    child.stdout?.on('data', (c: Buffer) => (this.plutoOut += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.plutoOut += c.toString()));
    await waitFor(() => this.plutoOut.includes('Pluto initialized') || child.exitCode !== null, 20_000);
    if (!this.plutoOut.includes('Pluto initialized')) throw new Error(`pluto did not start:\n${this.plutoOut}\n${this.plutoLog()}`);
  }

  plutoLog(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return this.plutoOut;
    }
  }

  /** `ipsec ARGS... --rundir RUNDIR` inside west's namespace (exit code and output; never rejects). */
  ipsec(cmd: 'auto' | 'whack', ...args: string[]): Promise<ExecResult> {
    return this.pair.exec('west', process.execPath, [IPSEC_BIN, cmd, '--rundir', this.rundir, ...args], { timeoutMs: 40_000 });
  }

  /** Same, and rejects with the output unless it exits 0. */
  async ipsecOk(cmd: 'auto' | 'whack', ...args: string[]): Promise<string> {
    const r = await this.ipsec(cmd, ...args);
    if (r.code !== 0) throw new Error(`ipsec ${cmd} ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** `ipsec auto --status --json`. */
  async status(): Promise<StatusData> {
    return JSON.parse(await this.ipsecOk('auto', '--status', '--json')) as StatusData;
  }

  /** `ipsec whack --trafficstatus --json`. */
  async traffic(): Promise<TrafficEntry[]> {
    return JSON.parse(await this.ipsecOk('whack', '--trafficstatus', '--json')) as TrafficEntry[];
  }

  /** Polls our status until the predicate holds; the error shows the last status and our log. */
  async waitOurs(predicate: (s: StatusData) => boolean, timeoutMs: number, what: string): Promise<StatusData> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.status();
      if (predicate(s)) return s;
      if (Date.now() > deadline) {
        throw new Error(`pluto: timed out waiting for ${what}; status: ${JSON.stringify(s.engine)}\n--- pluto log ---\n${this.plutoLog().trimEnd().split('\n').slice(-40).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Writes and loads our conn and charon's connection for this suite (replacing the previous ones). */
  async load(suite: Suite): Promise<void> {
    const { west, east } = this.pair;
    const conn = westConn({ outer: west.outer, subnet: west.innerSubnet }, { outer: east.outer, subnet: east.innerSubnet }, {
      ike: suite.ike, esp: suite.esp, pubkey: suite.pubkey,
      extra: ['retransmit-interval=250', 'retransmit-timeout=8s', ...(suite.ourExtra ?? [])],
    });
    fs.writeFileSync(this.config, `config setup\n\tplutodebug=base\n\n${conn}`);
    const swan: SwanctlConnection = {
      name: CONN,
      localAddrs: [east.outer],
      remoteAddrs: [west.outer],
      proposals: [suite.swanIke],
      ...(suite.swanEncap ? { encap: true } : {}),
      local: suite.pubkey?.charonLocal ?? { auth: 'psk', id: '@east' },
      remote: suite.pubkey?.charonRemote ?? { auth: 'psk', id: '@west' },
      children: [{ name: CHILD, localTs: [east.innerSubnet], remoteTs: [west.innerSubnet], espProposals: [suite.swanEsp] }],
    };
    this.charon.writeConfig({ connections: [swan], secrets: { psk: [{ ids: ['@west', '@east'], secret: PSK }], ...suite.pubkey?.charonSecrets } });
    await this.charon.loadAll();
    // Our private key goes into ipsec.secrets, which the daemon rereads (as an administrator would) when it changed.
    const secrets = PSK_SECRETS + (suite.pubkey?.ourSecrets ?? '');
    if (fs.readFileSync(this.secrets, 'utf8') !== secrets) {
      fs.writeFileSync(this.secrets, secrets, { mode: 0o600 });
      await this.ipsecOk('auto', '--rereadsecrets');
    }
    await this.ipsecOk('auto', '--config', this.config, '--replace', CONN);
  }

  /** Brings both sides back to no SA and no conn (after each test, passed or failed). */
  async reset(): Promise<void> {
    await this.ipsec('auto', '--delete', CONN);
    for (const sa of await this.charon.listSas()) await this.charon.terminate({ ike: sa.name }).catch(() => undefined);
    await this.charon.waitForSas((s) => s.length === 0, 10_000, 'charon: no SA after the reset');
    await this.waitOurs((s) => s.engine.ikeSas.length === 0 && s.engine.childSas.length === 0, 10_000, 'pluto: no SA after the reset');
  }

  /** Runs one test body with this suite loaded; attaches both logs on failure; resets afterwards. */
  async run(t: { name: string; diagnostic(msg: string): void }, suite: Suite, fn: () => Promise<void>): Promise<void> {
    const charonMark = this.charon.log().length;
    const plutoMark = this.plutoLog().length;
    try {
      await this.load(suite);
      await fn();
    } catch (e) {
      t.diagnostic(`pluto log:\n${this.plutoLog().slice(plutoMark).trimEnd().split('\n').slice(-80).join('\n')}`);
      t.diagnostic(`charon log:\n${this.charon.log().slice(charonMark).trimEnd().split('\n').slice(-60).join('\n')}`);
      throw e;
    } finally {
      const keep = process.env.SWANLET_INTEROP_LOGS;
      if (keep) {
        fs.mkdirSync(keep, { recursive: true });
        const tag = t.name.replace(/[^A-Za-z0-9]+/g, '_').slice(0, 80);
        fs.writeFileSync(path.join(keep, `${tag}.pluto.log`), this.plutoLog().slice(plutoMark));
        fs.writeFileSync(path.join(keep, `${tag}.charon.log`), this.charon.log().slice(charonMark));
      }
      await this.reset();
    }
  }

  async stop(): Promise<void> {
    if (this.pluto && this.pluto.exitCode === null && this.pluto.signalCode === null) {
      const exited = new Promise((r) => this.pluto?.once('exit', r));
      this.pluto.kill('SIGTERM');
      const timer = setTimeout(() => this.pluto?.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await this.charon.stop();
    await this.pair.destroy();
    killPlutosIn(this.rundir);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** charon's one IKE SA with one installed CHILD_SA, waited for. */
export async function charonUp(charon: Charon): Promise<SwanIke> {
  const sas = await charon.waitForSas(
    (s) => s.length === 1 && s[0]!.state === 'ESTABLISHED' && s[0]!.children.length === 1 && s[0]!.children[0]!.state === 'INSTALLED',
    10_000,
    'charon: one IKE SA with one CHILD_SA',
  );
  return sas[0]!;
}

/** Our one established IKE SA with one Child SA, as `ipsec auto --status --json` and `ipsec whack --trafficstatus --json` report them. */
export async function oursUp(w: DaemonCharonWorld): Promise<Ours> {
  const status = await w.waitOurs(
    (s) => s.engine.ikeSas.length === 1 && s.engine.ikeSas[0]!.state.includes('ESTABLISHED') && s.engine.childSas.length === 1,
    10_000,
    'pluto: one IKE SA with one Child SA',
  );
  return { ike: status.engine.ikeSas[0]!, child: status.engine.childSas[0]!, status, traffic: await w.traffic() };
}

/** Our Child SA and charon's are the same pair of SAs: SPIs crossed, selectors mirrored, both UDP-encapsulated, same algorithms. */
export function assertChildAgrees(ours: ChildSaInfo, theirs: SwanChild, traffic: TrafficEntry[]): void {
  assert.equal(theirs.state, 'INSTALLED');
  assert.equal(theirs.protocol, 'ESP');
  assert.equal(theirs.mode, 'TUNNEL');
  assert.equal(ours.mode, 'tunnel');
  assert.equal(spiHex(ours.spiOut), theirs.spiIn, 'our outbound SPI is charon inbound');
  assert.equal(spiHex(ours.spiIn), theirs.spiOut, 'charon outbound SPI is our inbound');
  assert.deepEqual(ours.localTs, theirs.remoteTs, 'our local selectors are charon remote ones');
  assert.deepEqual(ours.remoteTs, theirs.localTs, 'our remote selectors are charon local ones');
  assert.equal(theirs.encap, true, 'charon: ESP in UDP');
  assert.equal(ours.encapsulated, true, 'ours: ESP in UDP, following charon');
  assert.equal(ours.algorithms, childAlgorithms(theirs), 'the same ESP algorithms');
  const entry = traffic.find((e) => e.serial === ours.serial);
  assert.ok(entry, `trafficstatus lists our Child SA #${ours.serial}: ${JSON.stringify(traffic)}`);
  assert.equal(entry.connection, CONN);
  assert.equal(entry.type, 'ESP');
  assert.equal(entry.remoteId, '@east');
}

const DH_NAMES: Record<string, string> = { CURVE_25519: 'DH31', CURVE_448: 'DH32', ECP_256: 'DH19', ECP_384: 'DH20', ECP_521: 'DH21', MODP_2048: 'MODP2048', MODP_3072: 'MODP3072', MODP_4096: 'MODP4096' };

/** Libreswan's printed form of charon's ESP algorithms ("AES_GCM_16_256-NONE", "AES_CBC_128-HMAC_SHA1_96"), without a DH group. */
export function childAlgorithms(c: SwanChild): string {
  const encr = c.encrAlg === 'CHACHA20_POLY1305' ? 'CHACHA20_POLY1305' : `${c.encrAlg}_${c.encrKeysize}`;
  const integ = c.integAlg === undefined ? 'NONE' : c.integAlg;
  return [encr, integ, ...(c.dhGroup ? [DH_NAMES[c.dhGroup] ?? c.dhGroup] : [])].join('-');
}


/** Our printed form of charon's IKE algorithms: encryption[-integrity]-PRF-group ("AES_CBC_256-HMAC_SHA2_256_128-HMAC_SHA2_256-DH19"). */
export function ikeAlgorithms(sa: SwanIke): string {
  const encr = sa.encrAlg === 'CHACHA20_POLY1305' ? 'CHACHA20_POLY1305' : `${sa.encrAlg}_${sa.encrKeysize}`;
  const prf = (sa.prfAlg ?? '').replace(/^PRF_/, '');
  return [encr, ...(sa.integAlg ? [sa.integAlg] : []), prf, DH_NAMES[sa.dhGroup ?? ''] ?? sa.dhGroup].join('-');
}

/** Both sides agree on their one IKE SA and its one Child SA; returns what each reported. */
export async function assertAgreement(w: DaemonCharonWorld, weInitiated: boolean): Promise<{ theirs: SwanIke; ours: Ours }> {
  const [theirs, ours] = await Promise.all([charonUp(w.charon), oursUp(w)]);
  assert.equal(theirs.version, 2);
  assert.equal(theirs.initiator, !weInitiated, 'charon initiator flag');
  assert.equal(ours.ike.initiator, weInitiated, 'our initiator flag');
  assert.equal(ikeSpiHex(ours.ike.spiI), theirs.initiatorSpi, 'IKE SPIi');
  assert.equal(ikeSpiHex(ours.ike.spiR), theirs.responderSpi, 'IKE SPIr');
  assert.deepEqual([theirs.localId, theirs.remoteId], ['east', 'west']);
  assert.deepEqual([ours.ike.localId, ours.ike.remoteId], ['@west', '@east']);
  assert.deepEqual([theirs.localHost, theirs.remoteHost], [w.pair.east.outer, w.pair.west.outer]);
  assert.deepEqual([ours.ike.localAddress, ours.ike.remoteAddress], [w.pair.west.outer, w.pair.east.outer]);
  // charon's userspace ESP can only do ESP in UDP: it fakes a NAT, and IKE moves to 4500 on both sides.
  assert.deepEqual([theirs.localPort, theirs.remotePort], [4500, 4500], 'charon: IKE on 4500');
  assert.deepEqual([ours.ike.localPort, ours.ike.remotePort], [4500, 4500], 'ours: IKE on 4500');
  // charon's userspace ESP forces UDP encapsulation: it always sends a bogus NAT_DETECTION_SOURCE_IP, so
  // to us it is behind a NAT. It records that as a fake NAT unless it sees one on our side (our
  // encapsulation=yes fakes our hash), which it reports as the peer being behind a NAT.
  const nat = JSON.stringify({ ours: { local: ours.ike.natLocal, remote: ours.ike.natRemote }, theirs: { local: theirs.natLocal, remote: theirs.natRemote, fake: theirs.natFake } });
  assert.equal(ours.ike.natRemote, true, `we see charon behind a NAT: ${nat}`);
  assert.equal(theirs.natLocal, false, `charon is not behind a NAT: ${nat}`);
  assert.equal(theirs.natRemote, ours.ike.natLocal, `charon sees us behind a NAT exactly when we say we are: ${nat}`);
  assert.equal(theirs.natFake, !theirs.natRemote, `charon fakes a NAT exactly when it sees none: ${nat}`);
  assert.equal(ours.ike.algorithms, ikeAlgorithms(theirs), 'the same IKE algorithms');
  assert.equal(theirs.children.length, 1);
  assertChildAgrees(ours.child, theirs.children[0]!, ours.traffic);
  assert.equal(ours.child.ikeSerial, ours.ike.serial);
  return { theirs, ours };
}
