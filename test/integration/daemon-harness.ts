// Runs real plutos for the integration tests: a unique temp dir each, IKE on 127.0.0.1 with ports the
// kernel picks (--ike-port 0), and a t.after that kills whatever is left, even when the test failed.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { TEST_KERNEL_ENV } from '../../src/kernel/select';
import { IPSEC_BIN } from '../helpers/paths';

export interface Sandbox {
  dir: string;
  rundir: string;
  config: string;
  secrets: string;
  log: string;
}

export interface TestContextLike {
  after(fn: () => void | Promise<void>): void;
}

export const LOOPBACK_ARGS = ['--listen', '127.0.0.1', '--ike-port', '0', '--ike-natt-port', '0'];

export function sandbox(t: TestContextLike, conns = ''): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-daemon-'));
  const s: Sandbox = { dir, rundir: path.join(dir, 'run'), config: path.join(dir, 'ipsec.conf'), secrets: path.join(dir, 'ipsec.secrets'), log: path.join(dir, 'pluto.log') };
  fs.writeFileSync(s.config, `config setup\n\tlogfile=${s.log}\n\tsecretsfile=${s.secrets}\n\tplutodebug=base\n${conns}`);
  fs.writeFileSync(s.secrets, '@west @east : PSK "not-a-real-secret"\n', { mode: 0o600 });
  t.after(() => {
    killPlutosIn(s.rundir);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

/** Kills (SIGKILL) every process whose command line names this run directory: the last-resort cleanup. */
export function killPlutosIn(rundir: string): void {
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const argv = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (argv.includes('pluto') && argv.includes(rundir)) process.kill(Number(e), 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export interface RunningPluto {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * The environment of a pluto that only negotiates: SAs go into the test-only RecordingKernel
 * (src/kernel/select.ts), so several plutos share one namespace and 127.0.0.1 without a data path each.
 */
export const RECORDING_KERNEL_ENV: NodeJS.ProcessEnv = { ...process.env, [TEST_KERNEL_ENV]: 'recording' };

/** Starts `ipsec pluto --nofork ...`; resolves once it printed "Pluto initialized" (or exited). */
export async function startPluto(t: TestContextLike, args: string[], timeoutMs = 20_000, env: NodeJS.ProcessEnv = process.env): Promise<RunningPluto> {
  const child = spawn(process.execPath, [IPSEC_BIN, 'pluto', '--nofork', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('Pluto initialized') && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
