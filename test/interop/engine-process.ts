// The test's side of engine-driver.js: starts it in a host's namespace with an ipsec.conf and
// ipsec.secrets, sends it JSON commands and waits for the answers, keeps its events and its log.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

import type { ChildSaInfo, EngineStatus, IkeSaInfo, InitiateResult } from '../../src/ikev2/engine-api';
import type { HostPair, HostRef } from '../helpers/netns';
import type { DriverKernelSa } from './engine-driver';

export const DRIVER_JS = path.join(__dirname, 'engine-driver.js');

export interface DriverStatus extends EngineStatus {
  kernel: DriverKernelSa[];
  calls: string[];
}

export interface DriverEvent {
  event: string;
  sa?: IkeSaInfo;
  child?: ChildSaInfo;
  reason?: string;
}

interface Answer {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class EngineProcess {
  readonly events: DriverEvent[] = [];
  private logText = '';
  private nextId = 1;
  private readonly waiting = new Map<number, (a: Answer) => void>();
  private exitInfo: string | undefined;
  private readonly exited: Promise<void>;
  private readyResolve!: () => void;
  readonly ready: Promise<void>;

  private constructor(private readonly child: ChildProcess, readonly dir: string) {
    this.ready = new Promise((r) => (this.readyResolve = r));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = `engine-driver exited (code ${code}, signal ${signal})`;
        for (const w of this.waiting.values()) w({ id: -1, ok: false, error: this.exitInfo });
        this.waiting.clear();
        resolve();
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (this.logText += d));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      let msg: Answer & DriverEvent;
      try {
        msg = JSON.parse(line) as Answer & DriverEvent;
      } catch {
        this.logText += `(stdout) ${line}\n`;
        return;
      }
      if (typeof msg.event === 'string') {
        this.events.push(msg);
        if (msg.event === 'ready') this.readyResolve();
        return;
      }
      const w = this.waiting.get(msg.id);
      if (w) {
        this.waiting.delete(msg.id);
        w(msg);
      }
    });
  }

  /** Starts the driver in `ref`'s namespace, listening on `listen`, and waits until its sockets are open. */
  static async start(pair: HostPair, ref: HostRef, listen: string, ipsecConf: string, ipsecSecrets: string): Promise<EngineProcess> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-engine-'));
    fs.writeFileSync(path.join(dir, 'ipsec.conf'), ipsecConf);
    fs.writeFileSync(path.join(dir, 'ipsec.secrets'), ipsecSecrets, { mode: 0o600 });
    const child = pair.spawn(ref, process.execPath, [DRIVER_JS, '--conf', path.join(dir, 'ipsec.conf'), '--secrets', path.join(dir, 'ipsec.secrets'), '--listen', listen], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const p = new EngineProcess(child, dir);
    const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`engine-driver did not come up:\n${p.logTail()}`)), 10_000).unref());
    const died = p.exited.then(() => {
      throw new Error(`${p.exitInfo}:\n${p.logTail()}`);
    });
    await Promise.race([p.ready, timer, died]);
    return p;
  }

  /** Sends a command; resolves with its result, rejects with the engine's error (or on timeout). */
  command(cmd: string, extra: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<unknown> {
    if (this.exitInfo) return Promise.reject(new Error(this.exitInfo));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`engine-driver: no answer to ${cmd} in ${timeoutMs} ms\n${this.logTail()}`));
      }, timeoutMs);
      this.waiting.set(id, (a) => {
        clearTimeout(timer);
        if (a.ok) resolve(a.result);
        else reject(Object.assign(new Error(a.error ?? 'failed'), { engineError: true }));
      });
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...extra })}\n`);
    });
  }

  initiate(name: string, timeoutMs = 20_000): Promise<InitiateResult> {
    return this.command('initiate', { name }, timeoutMs) as Promise<InitiateResult>;
  }

  terminate(name: string): Promise<void> {
    return this.command('terminate', { name }) as Promise<void>;
  }

  rekey(name: string, what: 'ike' | 'child'): Promise<void> {
    return this.command('rekey', { name, what }) as Promise<void>;
  }

  /**
   * Sets up a crossing (engine-driver's `cross`): our next CREATE_CHILD_SA request waits for the peer's,
   * our answer to the peer's for its answer to ours. Resolves once our request is held.
   */
  cross(): Promise<void> {
    return this.command('cross') as Promise<void>;
  }

  status(): Promise<DriverStatus> {
    return this.command('status') as Promise<DriverStatus>;
  }

  /** Polls status() until the predicate holds. */
  async waitForStatus(predicate: (s: DriverStatus) => boolean, timeoutMs: number, what: string): Promise<DriverStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.status();
      if (predicate(s)) return s;
      if (Date.now() > deadline) {
        throw new Error(`engine: timed out waiting for ${what}; status: ${JSON.stringify({ ike: s.ikeSas, child: s.childSas, kernel: s.kernel })}\n${this.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  log(): string {
    return this.logText;
  }

  logTail(lines = 40): string {
    return this.logText.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Asks for a clean shutdown, then kills; removes the directory. */
  async stop(): Promise<void> {
    if (!this.exitInfo) {
      await this.command('shutdown', {}, 5000).catch(() => undefined);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
