// pluto: the lockfile, the control socket, the IKE sockets, the engine and its connection database, and
// an orderly shutdown (SAs deleted, kernel flushed, socket and lockfile removed).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ConfigLoadError, loadIpsecConf } from '../config';
import type { ConfigError } from '../config/errors';
import type { ConnectionConfig, LoadedConfig } from '../config/model';
import { hostAddress, localEnd } from '../ikev2/connection';
import { SecretsDb, loadSecrets } from '../config/secrets';
import { CTL_NAME, PID_NAME } from '../control/client';
import { ControlServer } from '../control/server';
import type { IkeEngineApi, IkeSaInfo } from '../ikev2/engine-api';
import type { Kernel } from '../kernel/kernel';
import { setHelperThreads } from '../native/helpers';
import { ConnectionDb } from './connections';
import { IkeSockets } from '../net';
import { createEngine } from './engine-factory';
import { acquireLock, releaseLock } from './lockfile';
import type { DaemonLogger } from './logger';
import { selectKernel } from '../kernel/select';
import type { UserspaceKernel } from '../kernel/userspace';
import { chooseDatapathAddress } from './datapath-address';
import { UpdownDriver } from './updown-driver';
import type { PlutoOptions } from './options';
import { OnDemand } from './on-demand';
import { handleRequest } from './requests';
import { orientWithPorts } from './port-orientation';

/** pluto's exit codes (ipsec_pluto(8)). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_LOCKED = 10;

/** How long shutdown waits for the delete notifications to leave the IKE sockets. */
const DELETE_DRAIN_MS = 500;

export class StartError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

const realClock = {
  now: (): number => performance.now(),
  setTimer: (ms: number, fire: () => void) => {
    const t = setTimeout(fire, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

export class Pluto {
  readonly lockPath: string;
  readonly ctlPath: string;
  kernel!: Kernel;
  /** The userspace data path, when the kernel has no ESP (see src/kernel/select.ts). */
  userspace: UserspaceKernel | undefined;
  /** Where the userspace data path listens: its address and NAT-T port, and its TUN. */
  datapathInfo: { address: string; port: number; tun: string } | undefined;
  updown!: UpdownDriver;
  engine!: IkeEngineApi;
  conns!: ConnectionDb;
  onDemand!: OnDemand;
  sockets!: IkeSockets;
  secrets: SecretsDb | null = null;
  /** When each Child SA came up (seconds since the epoch), for --trafficstatus add_time. */
  readonly childAddTimes = new Map<number, number>();
  private control: ControlServer | null = null;
  private locked = false;
  private stopping: Promise<void> | null = null;
  private resolveStopped!: () => void;
  /** Resolves once the daemon has shut down. */
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(readonly options: PlutoOptions, readonly logger: DaemonLogger, readonly config: LoadedConfig | null) {
    this.lockPath = path.join(options.rundir, PID_NAME);
    this.ctlPath = path.join(options.rundir, CTL_NAME);
  }

  /** Everything up to "Pluto initialized"; on failure, undoes what it did and throws StartError. */
  async start(): Promise<void> {
    const o = this.options;
    fs.mkdirSync(o.rundir, { recursive: true, mode: 0o755 });
    const lock = acquireLock(this.lockPath, process.pid, (old) => this.logger.warn(`removing stale lockfile ${this.lockPath} (pid ${Number.isNaN(old) ? 'unreadable' : old} is not running)`));
    if (!lock.ok) throw new StartError(`FATAL: lock file "${this.lockPath}" already exists: pluto pid ${lock.pid} is running`, EXIT_LOCKED);
    this.locked = true;
    try {
      await this.startLocked();
    } catch (err) {
      await this.cleanup();
      if (err instanceof StartError) throw err;
      throw new StartError(`FATAL: ${err instanceof Error ? err.message : String(err)}`, EXIT_FAILURE);
    }
  }

  private async startLocked(): Promise<void> {
    const o = this.options;
    this.logger.info(`Starting Pluto (swanlet) pid:${process.pid}`);
    this.logger.info(`core dump dir: ${o.coredir}; secrets file: ${o.secretsfile}; ipsecdir: ${o.ipsecdir}; nssdir: ${o.nssdir}`);
    if (o.seedbits > 0) {
      // Libreswan reads these bits from /dev/random into NSS; OpenSSL's RNG is already seeded, so we
      // only draw (and discard) them to keep the option's cost and its log line.
      crypto.randomBytes(Math.ceil(o.seedbits / 8));
      this.logger.info(`seeded ${o.seedbits} bits of random`);
    }
    const helpers = setHelperThreads(o.nhelpers);
    this.logger.info(`${helpers} crypto helper thread${helpers === 1 ? '' : 's'} started`);
    // Libreswan 4.10 reads virtual-private only for rightsubnet=vhost:/vnet:, which its addconn refuses on
    // IKEv2 conns ("only valid for IKEv1"), as our config loader does: with IKEv2 only, it limits nothing.
    if (o.virtualPrivate.length > 0) this.logger.info(`virtual-private (NAT-T): ${o.virtualPrivate.join(',')} (used by IKEv1 vhost:/vnet: conns only; none are loaded)`);
    if (o.forceBusy) this.logger.info('forced busy: every IKE_SA_INIT must return a COOKIE');
    this.logger.debug('base', `uniqueids=${o.uniqueids ? 'yes' : 'no'} keep-alive=${o.keepAlive}s`);
    await this.loadSecrets();
    const dpAddress = chooseDatapathAddress(o.listen, this.config);
    const selection = await selectKernel({ request: o.protostack, datapath: { localAddress: dpAddress.address, port: o.nattPort } });
    this.kernel = selection.kernel;
    this.userspace = selection.userspace;
    this.logger.info(`using kernel interface: ${selection.description}`);
    const us = this.userspace;
    if (us !== undefined) {
      const info = us.native.info();
      this.datapathInfo = { address: dpAddress.address, port: info.port, tun: info.tunName };
      this.logger.info(`userspace data path: TUN ${info.tunName}, ESP-in-UDP on ${dpAddress.address.includes(':') ? `[${dpAddress.address}]` : dpAddress.address}:${info.port} (address from ${dpAddress.source})`);
    }
    const dp = this.datapathInfo;
    this.updown = new UpdownDriver({
      logger: this.logger,
      stack: this.kernel.name === 'userspace' ? 'userspace' : this.kernel.name === 'recording' ? null : 'xfrm',
      // --ike-port 0 (tests: any free port) is not known here; the data path's port is.
      ...(dp !== undefined ? { tunDevice: dp.tun, ikePorts: [...(o.ikePort !== 0 ? [o.ikePort] : []), dp.port] } : {}),
      debug: () => this.logger.debugClasses().includes('updown'),
    });
    this.sockets = new IkeSockets({
      onDatagram: (d) => this.engine.receive(d),
      ikePort: o.ikePort,
      nattPort: o.nattPort,
      listen: o.listen.length > 0 ? [...o.listen] : undefined,
      logger: this.logger,
      ...(us !== undefined && dp !== undefined
        ? { externalNatt: { address: dp.address, port: dp.port, send: (m, r) => us.sendIke(m, r.address, r.port), sendKeepalive: (r) => us.sendKeepalive(r.address, r.port) } }
        : {}),
    });
    us?.onIke((d) => this.sockets.receiveExternal(d.message, { address: d.address, port: d.port }));
    this.engine = createEngine({
      transport: this.sockets,
      kernel: this.kernel,
      clock: realClock,
      random: (n) => crypto.randomBytes(n),
      secrets: {
        findPsk: (local, remote) => this.secrets?.findPsk(local, remote)?.secret ?? null,
        findPrivateKey: (query) => this.secrets?.findSigningKey(query) ?? null,
      },
      logger: this.logger,
      events: {
        ikeUp: (sa) => this.logger.info(`"${sa.connection}" #${sa.serial}: IKE SA established ${sa.algorithms}`),
        ikeDown: (sa, why) => this.logger.info(`"${sa.connection}" #${sa.serial}: IKE SA deleted (${why})`),
        childUp: (c) => {
          this.childAddTimes.set(c.serial, Math.floor(Date.now() / 1000));
          this.logger.info(`"${c.connection}" #${c.serial}: IPsec SA established ${c.mode} mode ${c.algorithms}`);
          const conn = this.conns.get(c.connection);
          if (conn) this.updown.childUp(conn, c, this.ikeInfo(c.ikeSerial));
        },
        childDown: (c, why) => {
          this.childAddTimes.delete(c.serial);
          this.logger.info(`"${c.connection}" #${c.serial}: IPsec SA deleted (${why})`);
          const conn = this.conns.get(c.connection);
          if (conn) this.updown.childDown(conn, c, this.ikeInfo(c.ikeSerial));
          // A routed conn whose SA went away is trapped (and routed) again: the next packet negotiates anew.
          if (conn && this.conns.isRouted(c.connection)) {
            if (!this.conns.hasLiveChild(c.connection)) this.updown.stillRouted(conn);
            this.conns.restoreTraps(c.connection).then(
              (n) => n > 0 && this.logger.info(`"${c.connection}": trap policies back (${n})`),
              (err: Error) => this.logger.error(`"${c.connection}": cannot restore its trap: ${err.message}`),
            );
          }
        },
      },
      uniqueIds: o.uniqueids,
      ddosIkeThreshold: o.ddosIkeThreshold,
      forceBusy: o.forceBusy,
      keepalives: {
        start: (local, remote, seconds) => {
          try {
            this.sockets.startKeepalive(local, remote, seconds);
          } catch (err) {
            this.logger.warn(`NAT-T keep-alives to ${remote.address}:${remote.port} not started: ${err instanceof Error ? err.message : String(err)}`);
          }
        },
        stop: (local, remote) => {
          if (this.sockets.stopKeepalive(local, remote)) this.logger.debug('base', `NAT-T keep-alives to ${remote.address}:${remote.port} stopped`);
        },
      },
      keepAliveSeconds: o.keepAlive,
      ...(dp !== undefined ? { nattPort: dp.port } : o.nattPort !== 0 ? { nattPort: o.nattPort } : {}),
    });
    this.conns = new ConnectionDb(this.engine, this.kernel, {
      added: (c) => this.checkDatapathAddress(c),
      routed: (c) => this.updown.routed(c),
      unrouted: (c) => this.updown.unrouted(c),
    });
    this.onDemand = new OnDemand({ conns: this.conns, engine: this.engine, clock: realClock, logger: this.logger });
    this.kernel.onEvent((e) => {
      if (e.type === 'acquire') this.onDemand.acquire(e.selector);
    });
    const bound = await this.sockets.start();
    for (const f of bound.failed) this.logger.warn(`cannot listen for IKE on ${f.address}: ${f.error}`);
    if (this.sockets.listening().length === 0) {
      const why = bound.failed.map((f) => `${f.address}: ${f.error}`).join('; ') || 'no local address';
      throw new Error(`cannot listen for IKE messages (${why})`);
    }
    this.control = new ControlServer(this.ctlPath, (req, reply) => handleRequest(this, req, reply));
    await this.control.listen();
    this.loadConns();
  }

  /** The data path carries one address: say so when a conn's local address is another one. */
  private checkDatapathAddress(conn: ConnectionConfig): void {
    const dp = this.datapathInfo;
    const local = hostAddress(localEnd(conn));
    if (dp === undefined || local === undefined || local === dp.address) return;
    this.logger.warn(`"${conn.name}": local address ${local} is not the userspace data path's ${dp.address}: its ESP would leave from ${dp.address} (give --listen ${local})`);
  }

  private ikeInfo(serial: number): IkeSaInfo | undefined {
    return this.engine.status().ikeSas.find((sa) => sa.serial === serial);
  }

  /** (Re)reads the secrets; a refused file leaves none loaded and says why. */
  async loadSecrets(): Promise<boolean> {
    const pattern = path.resolve(this.options.secretsfile);
    // --secretsfile is a glob (ipsec_pluto(8)): the secrets loader already expands `include PATTERN`,
    // so a pattern is loaded through a one-line owner-only file that includes it.
    const globbed = /[*?[]/.test(pattern);
    const file = globbed ? path.join(this.options.rundir, 'secrets.glob') : pattern;
    try {
      if (globbed) fs.writeFileSync(file, `include ${pattern}\n`, { mode: 0o600 });
      const db = await loadSecrets(file, { logger: this.logger, nssdir: this.options.nssdir });
      this.secrets?.wipe();
      this.secrets = db;
      this.logger.info(`loaded ${db.entries.length} secret${db.entries.length === 1 ? '' : 's'} from "${this.options.secretsfile}"`);
      return true;
    } catch (err) {
      this.logger.error(`secrets file "${this.options.secretsfile}" not loaded: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    } finally {
      if (globbed) fs.rmSync(file, { force: true });
    }
  }

  /** auto=add|route|start from ipsec.conf; auto=ignore (and conns not on this host) are skipped. */
  private loadConns(): void {
    if (!this.config) return;
    for (const conn of this.config.conns) {
      if (conn.auto === 'ignore') continue;
      if (!conn.local) {
        this.logger.warn(`"${conn.name}": skipped: neither left nor right is an address of this host`);
        continue;
      }
      this.conns.add(conn, `${conn.origin.file}:${conn.origin.line}`);
      this.logger.info(`added IKEv2 connection "${conn.name}"`);
      if (conn.auto === 'ondemand') {
        this.conns.route(conn.name).catch((err: Error) => this.logger.error(`"${conn.name}": cannot route: ${err.message}`));
      } else if (conn.auto === 'start') {
        this.engine.initiate(conn.name).then(
          (r) => this.logger.info(`"${conn.name}" #${r.child.serial}: up`),
          (err: Error) => this.logger.error(`"${conn.name}": initiate failed: ${err.message}`),
        );
      }
    }
  }

  /** The SIGTERM / whack --shutdown path: delete every SA, flush the kernel, remove socket and lockfile. */
  shutdown(reason: string): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        this.logger.info(`shutting down (${reason})`);
        await this.cleanup();
        this.logger.info('pluto is stopped');
        this.resolveStopped();
      })();
    }
    return this.stopping;
  }

  /**
   * Deletes every SA, then lets the INFORMATIONAL deletes leave: a UDP send completes asynchronously and
   * closing the socket right after it drops the datagram, so the peer never heard of the delete. Waits
   * (at most DELETE_DRAIN_MS) until the sockets report one more send per established IKE SA.
   */
  private async shutdownEngine(): Promise<void> {
    const sends = (): number => (this.sockets ? this.sockets.counters().sent + this.sockets.counters().sendErrors : 0);
    const before = sends();
    const deletes = this.engine.status().ikeSas.filter((sa) => sa.establishedAt > 0).length;
    await this.engine.shutdown();
    const deadline = Date.now() + DELETE_DRAIN_MS;
    while (sends() < before + deletes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  private async cleanup(): Promise<void> {
    const step = async (what: string, fn: () => Promise<void> | void): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        this.logger.warn(`shutdown: ${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    await step('control socket', () => this.control?.close());
    this.onDemand?.stop();
    if (this.engine) await step('engine', () => this.shutdownEngine());
    if (this.updown) await step('updown', () => this.updown.idle());
    if (this.kernel) await step('kernel', async () => {
      await this.kernel.flush();
      await this.kernel.close();
    });
    if (this.sockets) await step('IKE sockets', () => this.sockets.close());
    await step('secrets', () => this.secrets?.wipe());
    if (this.locked) await step('lockfile', () => releaseLock(this.lockPath));
    this.locked = false;
  }
}

/**
 * Loads --config for pluto: the setup section and the conns; a refused file is fatal (exit 1). A conn
 * whose two ends are both this host is oriented by `ikePort` (this pluto's --ike-port), as Libreswan
 * does for several plutos on one machine; without that, the file was refused ("both left and right are
 * this host") and two of our daemons could not share 127.0.0.1.
 */
export async function loadDaemonConfig(file: string, ikePort = 500): Promise<LoadedConfig> {
  const refused = (errors: readonly ConfigError[]): StartError =>
    new StartError(`FATAL: ${file}: configuration refused:\n${errors.map((e) => e.message).join('\n')}`, EXIT_FAILURE);
  let config: LoadedConfig;
  try {
    config = await loadIpsecConf(file, { localAddresses: [] });
  } catch (err) {
    if (err instanceof ConfigLoadError) throw refused(err.errors);
    throw err;
  }
  const errors = orientWithPorts(config, ikePort);
  if (errors.length > 0) throw refused(errors);
  return config;
}
