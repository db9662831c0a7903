// `ipsec setup start|stop|restart|status` (ipsec_setup(8)): pluto's life cycle. Start runs pluto (which
// loads the auto= conns of --config); stop shuts it down and cleans up even after a crash; status says
// "IPsec running" / "IPsec stopped" and exits 1 with details when something is strange.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';

import { CTL_NAME, DEFAULT_RUNDIR, PID_NAME, sendRequest } from '../control/client';
import { isAlive, readLock } from '../daemon/lockfile';
import { findPlutos } from '../daemon/processes';
import { DEFAULT_CONFIG } from './config-loading';

interface SetupOpts {
  config: string;
  rundir: string;
}

const STOP_WAIT_MS = 10_000;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/** Stops one pluto: whack --shutdown, then SIGTERM, then SIGKILL. */
async function stopPid(pid: number, ctl: string | null): Promise<void> {
  if (ctl) await sendRequest(ctl, { cmd: 'shutdown', args: {} }, { timeoutMs: 3000 }).catch(() => undefined);
  if (await waitGone(pid, ctl ? STOP_WAIT_MS : 0)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitGone(pid, STOP_WAIT_MS)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
  await waitGone(pid, 2000);
}

function removeIfThere(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

async function start(o: SetupOpts, plutoArgs: readonly string[]): Promise<number> {
  const lock = path.join(o.rundir, PID_NAME);
  const held = readLock(lock);
  if (held !== null && !Number.isNaN(held) && isAlive(held)) {
    say(`IPsec is already running: pluto pid ${held}`);
    return 0;
  }
  say('Starting pluto IKE daemon for IPsec');
  const r = spawnSync(process.execPath, [process.argv[1], 'pluto', '--config', o.config, '--rundir', o.rundir, ...plutoArgs], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) say(`pluto failed to start (exit ${String(r.status)})`);
  return r.status ?? 1;
}

async function stop(o: SetupOpts): Promise<number> {
  const lock = path.join(o.rundir, PID_NAME);
  const ctl = path.join(o.rundir, CTL_NAME);
  const held = readLock(lock);
  let code = 0;
  if (held !== null && !Number.isNaN(held) && isAlive(held)) {
    say(`Stopping pluto IKE daemon (pid ${held})`);
    await stopPid(held, ctl);
  } else {
    say(held === null ? 'IPsec is not running (no pluto lockfile); cleaning up anyway' : `IPsec is not running: stale pluto lockfile ${lock} (pid ${Number.isNaN(held) ? 'unreadable' : held} is gone); cleaning up anyway`);
    code = 1;
  }
  for (const pid of findPlutos(o.rundir)) {
    if (pid === held) continue;
    say(`Stopping a pluto without the lockfile (pid ${pid})`);
    await stopPid(pid, null);
  }
  if (removeIfThere(lock)) say(`removed ${lock}`);
  if (removeIfThere(ctl)) say(`removed ${ctl}`);
  return code;
}

function status(o: SetupOpts): number {
  const lock = path.join(o.rundir, PID_NAME);
  const held = readLock(lock);
  const running = findPlutos(o.rundir);
  const lockAlive = held !== null && !Number.isNaN(held) && isAlive(held);
  const problems: string[] = [];
  const others = running.filter((p) => p !== held);
  if (held !== null && !lockAlive) problems.push(`stale lockfile ${lock}: pid ${Number.isNaN(held) ? '(unreadable)' : held} is not running`);
  if (held === null && others.length > 0) for (const p of others) problems.push(`orphaned pluto: pid ${p} is running but there is no lockfile ${lock}`);
  else for (const p of others) problems.push(`illicit pluto: pid ${p} is not the lockfile's pid ${String(held)}`);
  if (lockAlive) {
    say('IPsec running');
    say(`pluto pid ${held}`);
  } else {
    say('IPsec stopped');
  }
  for (const p of problems) say(p);
  return problems.length > 0 ? 1 : 0;
}

export function register(program: Command): void {
  program
    .command('setup')
    .description('start, stop, restart pluto or report its status (see ipsec_setup(8)); arguments after -- go to pluto')
    .argument('<command>', 'start, stop, restart or status')
    .argument('[pluto-options...]', 'after --: extra pluto options for start/restart (e.g. -- --listen 127.0.0.1)')
    .option('--config <file>', 'the configuration file', DEFAULT_CONFIG)
    .option('--rundir <dir>', 'pluto\'s run directory', DEFAULT_RUNDIR)
    .action(async (command: string, plutoArgs: string[], o: SetupOpts) => {
      const opts = { config: o.config, rundir: path.resolve(o.rundir) };
      switch (command) {
        case 'start':
          process.exitCode = await start(opts, plutoArgs);
          return;
        case 'stop':
          process.exitCode = await stop(opts);
          return;
        case 'restart':
          await stop(opts);
          process.exitCode = await start(opts, plutoArgs);
          return;
        case 'status':
          process.exitCode = status(opts);
          return;
        default:
          process.stderr.write(`ipsec setup: unknown command '${command}' (start, stop, restart, status)\n`);
          process.exitCode = 1;
      }
    });
}
