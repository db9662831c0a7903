// Runs a connection's updown command with its PLUTO_* environment, as pluto does: `/bin/sh -c COMMAND`
// (leftupdown= is a shell command line, e.g. "ipsec _updown --route yes"). A script that fails or hangs
// is logged with its status and output; nothing here throws, because the daemon must stay up.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

import type { Logger } from '../log';
import { PACKAGE_ROOT } from '../version';
import { buildUpdownEnvironment, UpdownRequest } from './environment';

/** What a run did, for logs and tests. */
export interface UpdownResult {
  verb: string;
  command: string;
  /** leftupdown= was empty: nothing ran (Libreswan's way to turn the script off). */
  skipped: boolean;
  ok: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Why it could not start or its environment could not be built. */
  error?: string;
  durationMs: number;
}

export interface UpdownRunOptions {
  logger: Logger;
  /** Default 30 s; then the script's process group gets SIGTERM, and SIGKILL 2 s later. */
  timeoutMs?: number;
  /** Output kept per stream (the rest is dropped, and the drop is said in the log). Default 64 KiB. */
  maxOutputBytes?: number;
  /** The command instead of the conn's leftupdown= (tests). */
  command?: string;
}

/** Our bin/ (holding `ipsec` and `_updown`), put first on the script's PATH so "ipsec _updown" is ours. */
export const UPDOWN_BIN_DIR = path.join(PACKAGE_ROOT, 'bin');
export const DEFAULT_UPDOWN_SCRIPT = path.join(UPDOWN_BIN_DIR, '_updown');

const DEFAULT_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 2_000;
const DEFAULT_MAX_OUTPUT = 64 * 1024;

function localUpdown(req: UpdownRequest): string {
  const side = req.conn.local ?? 'left';
  return req.conn[side].updown;
}

class Capture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  add(chunk: Buffer): void {
    const room = this.max - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    this.chunks.push(part);
    this.size += part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function describe(r: UpdownResult): string {
  if (r.error !== undefined) return r.error;
  if (r.timedOut) return `timed out${r.signal !== null ? ` (killed by ${r.signal})` : ''}`;
  if (r.signal !== null) return `killed by ${r.signal}`;
  return `exit status ${r.exitCode ?? '?'}`;
}

function logResult(logger: Logger, conn: string, r: UpdownResult, truncated: boolean): void {
  const out = [r.stdout.trim() && `output: ${r.stdout.trim()}`, r.stderr.trim() && `errors: ${r.stderr.trim()}`]
    .filter(Boolean)
    .join('; ');
  const more = truncated ? ' (output truncated)' : '';
  if (r.ok) {
    logger.debug('updown', `"${conn}": ${r.verb} ran "${r.command}" in ${r.durationMs} ms${out ? `; ${out}` : ''}${more}`);
  } else {
    logger.error(`"${conn}": ${r.verb} command "${r.command}" failed: ${describe(r)}${out ? `; ${out}` : ''}${more}`);
  }
}

/** Runs the updown command for one verb. Resolves, never rejects. */
export async function runUpdown(req: UpdownRequest, opts: UpdownRunOptions): Promise<UpdownResult> {
  const started = Date.now();
  const command = opts.command ?? localUpdown(req);
  const conn = req.conn.name;
  const base: UpdownResult = {
    verb: req.operation,
    command,
    skipped: false,
    ok: false,
    exitCode: null,
    signal: null,
    timedOut: false,
    stdout: '',
    stderr: '',
    durationMs: 0,
  };
  if (command.trim() === '') {
    opts.logger.debug('updown', `"${conn}": skipped updown command - disabled per policy`);
    return { ...base, skipped: true, ok: true };
  }
  let env: Record<string, string>;
  try {
    env = buildUpdownEnvironment({ ...req, path: `${UPDOWN_BIN_DIR}:${req.path ?? process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` });
  } catch (err) {
    const r = { ...base, error: err instanceof Error ? err.message : String(err), durationMs: Date.now() - started };
    logResult(opts.logger, conn, r, false);
    return r;
  }
  base.verb = env.PLUTO_VERB ?? req.operation;
  const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  opts.logger.debug('updown', `"${conn}": running updown command "${command}" for verb ${base.verb}`);

  return new Promise<UpdownResult>((resolve) => {
    const out = new Capture(max);
    const err = new Capture(max);
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    // Its own process group, so a timeout also ends what the script started (sleep, ip monitor...).
    const proc = spawn('/bin/sh', ['-c', command], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (proc.pid !== undefined) process.kill(-proc.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);
    const finish = (r: Partial<UpdownResult>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer !== undefined) clearTimeout(killTimer);
      const result: UpdownResult = {
        ...base,
        ...r,
        timedOut,
        stdout: out.text(),
        stderr: err.text(),
        durationMs: Date.now() - started,
      };
      result.ok = result.error === undefined && !timedOut && result.exitCode === 0;
      logResult(opts.logger, conn, result, out.truncated || err.truncated);
      resolve(result);
    };
    proc.stdout.on('data', (c: Buffer) => out.add(c));
    proc.stderr.on('data', (c: Buffer) => err.add(c));
    proc.on('error', (e) => finish({ error: `cannot run /bin/sh: ${e.message}` }));
    // 'close' (not 'exit'): the output pipes are drained by then.
    proc.on('close', (code, signal) => {
      // A timed-out script's children may keep the pipes open: the group is killed, so close comes.
      finish({ exitCode: code, signal });
    });
  });
}
