// strongSwan's charon as the reference peer inside a test namespace (../shared/notes/test-hosts.md):
// its own /run (a private mount namespace with a tmpfs: charon's pid file path is fixed), its own
// strongswan.conf with kernel-libipsec (userspace ESP over a TUN device, ESP always in UDP 4500), its own
// vici socket, swanctl.conf written from typed settings, and its log in a file for failure messages.
import { execFile, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Host, HostPair, HostRef } from './netns';
import { renderSwanctlConf, type SwanctlConfig } from './swanctl-conf';
import { parseListSaEvents, type IkeSaInfo, type SaTarget } from './swanctl-sas';
import { ViciClient, type ViciSection } from './vici';

export * from './swanctl-conf';
export * from './swanctl-sas';

export const CHARON_BIN = '/usr/lib/ipsec/charon';
export const SWANCTL_BIN = '/usr/sbin/swanctl';

/** Plugins charon loads (kernel-libipsec before kernel-netlink: it takes over the IPsec part). */
export const CHARON_PLUGINS =
  'random nonce openssl pem pkcs1 pkcs8 x509 pubkey curve25519 hmac kdf gcm aes sha1 sha2 xcbc cmac chapoly kernel-libipsec kernel-netlink socket-default vici updown';

export interface CharonOptions {
  /** Log levels by subsystem for charon's log (default: default=1, ike=2, knl=1). */
  logLevels?: Record<string, number>;
  /** How long to wait for the vici socket (default 10 s). */
  startTimeoutMs?: number;
  /** Keep the working directory (config, keys, log) after stop(). */
  keepDir?: boolean;
  /** Extra lines inside charon { } of strongswan.conf. */
  extraCharonConf?: string;
}

export interface CommandResult {
  code: number | null;
  output: string;
}

function runCommand(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', env, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, output: `${stdout}${stderr}${e && typeof e.code !== 'number' ? e.message : ''}` });
    });
  });
}

/** An ECDSA P-256 key pair made with the openssl command: the private key (PEM) and its public key. */
export async function generateEcdsaKey(dir: string, name: string, curve = 'prime256v1'): Promise<{ privateKey: string; publicKey: string }> {
  const privateKey = path.join(dir, `${name}.key`);
  const publicKey = path.join(dir, `${name}.pub`);
  for (const args of [
    ['ecparam', '-genkey', '-name', curve, '-noout', '-out', privateKey],
    ['ec', '-in', privateKey, '-pubout', '-out', publicKey],
  ]) {
    const r = await runCommand('openssl', args, process.env, 15_000);
    if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${r.output}`);
  }
  return { privateKey, publicKey };
}

/** Working directories of charons not stopped yet: removed at process exit (their processes die with
 *  the namespaces, see netns.ts). */
const liveDirs = new Map<string, boolean>();
let exitHookInstalled = false;
const DIR_RE = /^swanlet-charon-[a-z][a-z0-9]*-(\d+)-\d+-(?:west|east)-/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes charon directories left in the temporary directory by test processes that died. */
export function sweepStaleCharonDirs(): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(os.tmpdir())) {
    const m = DIR_RE.exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function trackDir(dir: string, keep: boolean): void {
  liveDirs.set(dir, keep);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  sweepStaleCharonDirs();
  process.on('exit', () => {
    for (const [d, k] of liveDirs) if (!k) fs.rmSync(d, { recursive: true, force: true });
  });
}

/** A running charon in one test host. */
export class Charon {
  private exited: Promise<void>;
  private exitInfo: string | null = null;
  private stopped = false;

  private constructor(
    readonly host: Host,
    readonly dir: string,
    readonly viciSocket: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
    private readonly keepDir: boolean,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = `charon exited (code ${code}, signal ${signal})`;
        resolve();
      });
    });
  }

  /** Starts charon in the host's namespace and waits until its vici socket answers. */
  static async start(pair: HostPair, ref: HostRef, options: CharonOptions = {}): Promise<Charon> {
    const host = pair.host(ref);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `swanlet-charon-${host.ns}-`));
    const viciSocket = path.join(dir, 'charon.vici');
    const logFile = path.join(dir, 'charon.log');
    trackDir(dir, options.keepDir === true);
    const levels = { default: 1, ike: 2, knl: 1, ...(options.logLevels ?? {}) };
    const conf = [
      'charon {',
      `  load = ${CHARON_PLUGINS}`,
      '  install_virtual_ip = no',
      '  filelog {',
      '    stderr {',
      '      time_format = %T',
      ...Object.entries(levels).map(([k, v]) => `      ${k} = ${v}`),
      '    }',
      '  }',
      '  plugins {',
      '    vici {',
      `      socket = unix://${viciSocket}`,
      '    }',
      '  }',
      ...(options.extraCharonConf ? [options.extraCharonConf] : []),
      '}',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'strongswan.conf'), conf);
    // swanctl (SWANCTL_DIR=dir) scans these for credentials and complains when they are missing.
    for (const sub of ['x509', 'x509ca', 'x509ocsp', 'x509aa', 'x509ac', 'x509crl', 'pubkey', 'private', 'rsa', 'ecdsa', 'bliss', 'pkcs8', 'pkcs12']) {
      fs.mkdirSync(path.join(dir, sub));
    }
    const logFd = fs.openSync(logFile, 'a');
    const child = pair.spawn(host, 'unshare', ['-m', 'sh', '-c', `mount -t tmpfs none /run && exec ${CHARON_BIN}`], {
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, STRONGSWAN_CONF: path.join(dir, 'strongswan.conf') },
    });
    fs.closeSync(logFd);
    const charon = new Charon(host, dir, viciSocket, logFile, child, options.keepDir === true);
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
    for (;;) {
      if (charon.exitInfo) throw new Error(`${host.side}: ${charon.exitInfo} before its vici socket came up:\n${charon.logTail(30)}`);
      if (fs.existsSync(viciSocket)) {
        try {
          const vici = await ViciClient.connect(viciSocket, 2000);
          try {
            await vici.request('version');
            return charon;
          } finally {
            vici.close();
          }
        } catch {
          /* not ready yet */
        }
      }
      if (Date.now() > deadline) {
        await charon.stop();
        throw new Error(`${host.side}: charon's vici socket did not come up in time:\n${charon.logTail(30)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get swanctlConfPath(): string {
    return path.join(this.dir, 'swanctl.conf');
  }

  /** Writes swanctl.conf (load it with loadAll()). */
  writeConfig(conf: SwanctlConfig): string {
    fs.writeFileSync(this.swanctlConfPath, renderSwanctlConf(conf), { mode: 0o600 });
    for (const [sub, keys] of [['ecdsa', conf.secrets?.ecdsaKeys], ['rsa', conf.secrets?.rsaKeys]] as const) {
      for (const key of keys ?? []) {
        fs.copyFileSync(key, path.join(this.dir, sub, path.basename(key)));
        fs.chmodSync(path.join(this.dir, sub, path.basename(key)), 0o600);
      }
    }
    return this.swanctlConfPath;
  }

  /** Runs swanctl against this charon; its output is returned and put into the error on failure. */
  async swanctl(args: readonly string[], timeoutMs = 30_000): Promise<string> {
    const env = { ...process.env, SWANCTL_DIR: this.dir };
    // --uri is an option of each swanctl command, so it follows the command.
    const full = [...args.slice(0, 1), '--uri', `unix://${this.viciSocket}`, ...args.slice(1)];
    const r = await runCommand(SWANCTL_BIN, full, env, timeoutMs);
    if (r.code !== 0) {
      throw new Error(`${this.host.side}: swanctl ${args.join(' ')} failed (code ${r.code}):\n${r.output}\n--- charon log ---\n${this.logTail(40)}`);
    }
    return r.output;
  }

  loadAll(): Promise<string> {
    return this.swanctl(['--load-all', '--file', this.swanctlConfPath]);
  }

  /** Makes charon the initiator of a CHILD_SA (and its IKE SA); resolves when it is up. */
  initiate(child: string, options: { ike?: string; timeoutMs?: number } = {}): Promise<string> {
    const seconds = Math.ceil((options.timeoutMs ?? 20_000) / 1000);
    const args = ['--initiate', '--child', child, '--timeout', String(seconds)];
    if (options.ike) args.push('--ike', options.ike);
    return this.swanctl(args, (seconds + 5) * 1000);
  }

  terminate(target: SaTarget, options: { timeoutMs?: number } = {}): Promise<string> {
    const seconds = Math.ceil((options.timeoutMs ?? 15_000) / 1000);
    const args = 'ike' in target ? ['--terminate', '--ike', target.ike] : ['--terminate', '--child', target.child];
    return this.swanctl([...args, '--timeout', String(seconds)], (seconds + 5) * 1000);
  }

  /**
   * Rekeys an IKE or CHILD_SA. charon only queues the rekey; with `wait` (the default) this resolves once
   * listSas() shows SPIs different from those before and the SA is up again.
   */
  async rekey(target: SaTarget, options: { wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const spis = (sas: IkeSaInfo[]): Set<string> =>
      new Set(
        'ike' in target
          ? sas.filter((s) => s.name === target.ike && s.state === 'ESTABLISHED').map((s) => s.initiatorSpi + s.responderSpi)
          : sas.flatMap((s) => s.children.filter((c) => c.name === target.child && c.state === 'INSTALLED').map((c) => c.spiIn + c.spiOut)),
      );
    const before = spis(await this.listSas());
    const args = 'ike' in target ? ['--rekey', '--ike', target.ike] : ['--rekey', '--child', target.child];
    await this.swanctl(args);
    if (options.wait === false) return;
    await this.waitForSas((sas) => [...spis(sas)].some((s) => !before.has(s)), options.timeoutMs ?? 15_000, `rekey of ${JSON.stringify(target)}`);
  }

  /** Every SA charon has, as typed data (read over vici). */
  async listSas(filter: { ike?: string } = {}): Promise<IkeSaInfo[]> {
    const vici = await ViciClient.connect(this.viciSocket);
    try {
      const msg: ViciSection = { noblock: 'yes' };
      if (filter.ike) msg.ike = filter.ike;
      const { events } = await vici.request('list-sas', msg, 'list-sa');
      return parseListSaEvents(events);
    } finally {
      vici.close();
    }
  }

  /** Polls listSas() until the predicate holds; the error says what was last seen and charon's log. */
  async waitForSas(predicate: (sas: IkeSaInfo[]) => boolean, timeoutMs: number, what: string): Promise<IkeSaInfo[]> {
    const deadline = Date.now() + timeoutMs;
    let last: IkeSaInfo[] = [];
    for (;;) {
      last = await this.listSas();
      if (predicate(last)) return last;
      if (Date.now() > deadline) {
        const seen = last.map((s) => `${s.name} ${s.state} [${s.children.map((c) => `${c.name} ${c.state} ${c.spiIn}/${c.spiOut}`).join(', ')}]`);
        throw new Error(`${this.host.side}: timed out waiting for ${what}; SAs: ${seen.join('; ') || 'none'}\n--- charon log ---\n${this.logTail(40)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  log(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  logTail(lines = 40): string {
    return this.log().trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** SIGTERM, then SIGKILL after a grace period; waits for the exit. Removes the directory unless keepDir. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      if (!this.exitInfo) {
        this.child.kill('SIGTERM');
        const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
        await this.exited;
        clearTimeout(timer);
      }
      if (!this.keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
      liveDirs.delete(this.dir);
    }
    await this.exited;
  }
}

export function startCharon(pair: HostPair, ref: HostRef, options?: CharonOptions): Promise<Charon> {
  return Charon.start(pair, ref, options);
}
