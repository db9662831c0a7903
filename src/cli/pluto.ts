// `ipsec pluto`: the IKE daemon (ipsec_pluto(8)). Without --nofork it starts itself again detached with
// --nofork and returns once the child's control socket answers (or with the child's exit code).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';

import type { LoadedConfig } from '../config/model';
import { CTL_NAME, sendRequest } from '../control/client';
import { EXIT_FAILURE, EXIT_OK, loadDaemonConfig, Pluto, StartError } from '../daemon/daemon';
import { createDaemonLogger, resolveDebugClasses } from '../daemon/logger';
import { debugWords, OptionError, parseDebugLeftovers, PlutoFlags, PlutoOptions, resolveOptions } from '../daemon/options';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const READY_TIMEOUT_MS = 20_000;

/** Runs the daemon in this process until SIGTERM or whack --shutdown; returns the exit code. */
async function runForeground(options: PlutoOptions, config: LoadedConfig | null): Promise<number> {
  const logger = createDaemonLogger({
    logfile: options.logfile,
    stderrlog: options.stderrlog,
    logTime: options.logTime,
    logAppend: options.logAppend,
    logIp: options.logIp,
    debug: resolveDebugClasses(options.debug),
  });
  // A forked daemon's stderr is a pipe its parent closes once the daemon is ready: never die of EPIPE.
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', () => undefined);
  const pluto = new Pluto(options, logger, config);
  try {
    await pluto.start();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    logger.error(msg);
    process.stderr.write(`pluto: ${msg}\n`);
    await logger.close();
    return err instanceof StartError ? err.exitCode : EXIT_FAILURE;
  }
  const onTerm = (): void => void pluto.shutdown('SIGTERM');
  const onInt = (): void => void pluto.shutdown('SIGINT');
  const onHup = (): void => {
    // ipsec_pluto(8): SIGHUP only suggests `ipsec listen`; we also reopen the log file (logrotate).
    logger.reopen();
    logger.info('SIGHUP received: log file reopened; to rescan interfaces use "ipsec whack --listen"');
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', onHup);
  logger.info('Pluto initialized');
  if (options.nofork) process.stdout.write('Pluto initialized\n');
  await pluto.stopped;
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onInt);
  process.off('SIGHUP', onHup);
  await logger.close();
  return EXIT_OK;
}

async function daemonPid(ctl: string): Promise<number | null> {
  try {
    const reply = await sendRequest(ctl, { cmd: 'status', args: {} }, { timeoutMs: 1000 });
    return reply.data.kind === 'status' ? reply.data.status.pid : null;
  } catch {
    return null;
  }
}

/** The daemon fork: a detached `ipsec pluto --nofork ...`; waits until it answers or exits. */
async function runForked(argv: readonly string[], options: PlutoOptions): Promise<number> {
  const bin = process.argv[1];
  const child = spawn(process.execPath, [bin, 'pluto', '--nofork', ...argv], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  let exitCode: number | null = null;
  child.on('exit', (code, signal) => (exitCode = code ?? (signal ? 128 : 1)));
  const ctl = path.join(options.rundir, CTL_NAME);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== null) {
      process.stderr.write(stderr);
      return exitCode;
    }
    // Ready when the socket answers with the child's pid (another pluto may still own the socket).
    if (fs.existsSync(ctl) && (await daemonPid(ctl)) === child.pid) break;
    if (Date.now() > deadline) {
      process.stderr.write(`pluto: the daemon (pid ${child.pid}) did not answer on ${ctl} within ${READY_TIMEOUT_MS / 1000}s\n${stderr}`);
      return EXIT_FAILURE;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.stderr?.destroy();
  child.unref();
  return EXIT_OK;
}

export function register(program: Command): void {
  program
    .command('pluto')
    .description('the IKE daemon (see ipsec_pluto(8))')
    .option('--nofork', 'stay in the foreground; print "Pluto initialized" when ready')
    .option('--rundir <path>', 'run directory for pluto.ctl and pluto.pid (default /run/pluto)')
    .option('--config <filename>', 'ipsec.conf whose config setup applies and whose auto= conns are loaded')
    .option('--secretsfile <secrets-file>', 'secrets file, a glob (default /etc/ipsec.secrets)')
    .option('--ipsecdir <dirname>', 'directory of additional configuration files (default /etc/ipsec.d)')
    .option('--nssdir <dirname>', 'directory of the key store (default /var/lib/ipsec/nss)')
    .option('--coredir <dirname>', 'directory for core dumps (default: the run directory)')
    .option('--stderrlog', 'log to standard error instead of syslog')
    .option('--logfile <filename>', 'log to this file instead of syslog')
    .option('--log-no-time', 'no timestamp prefix when logging to a file')
    .option('--log-no-append', 'truncate the log file instead of appending')
    .option('--log-no-ip', 'do not log IP addresses')
    .option('--log-no-audit', 'no audit logs (accepted; we write none)')
    .option('--uniqueids', 'a new IKE SA for a peer ID replaces older ones')
    .option('--virtual-private <network_list>', 'allowed networks behind NAT (%v4:10.0.0.0/8,%v4:!10.1.0.0/16)')
    .option('--keep-alive <delay_sec>', 'NAT-T keep-alive interval in seconds')
    .option('--force-busy', 'always demand IKEv2 cookies')
    .option('--listen <ipaddr>', 'listen for IKE on this address only (repeatable)', collect)
    .option('--ike-port <port>', 'swanlet: the IKE UDP port instead of 500 (0: any free port; for tests)')
    .option('--ike-natt-port <port>', 'swanlet: the NAT-T UDP port instead of 4500 (0: any free port; for tests)')
    .option('--nhelpers <number>', 'crypto helper threads (-1: per CPU, 0: none)')
    .option('--seedbits <numbits>', 'random bits to draw before starting')
    .option('--use-xfrm', 'use the Linux XFRM kernel interface')
    .option('--use-bsdkame', 'use the BSD KAME kernel interface')
    .addOption(new Option('--debug <class>', 'enable a debug class (none, all, base, crypt, ...); also --debug-CLASS, --no-debug CLASS').argParser(collect))
    .addOption(new Option('--vendorid <vid>').hideHelp())
    .addOption(new Option('--leak-detective').hideHelp())
    .addOption(new Option('--efence-protect').hideHelp())
    .addOption(new Option('--crl-strict').hideHelp())
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (opts: Record<string, string | string[] | boolean | undefined>, cmd: Command) => {
      let options: PlutoOptions;
      let config: LoadedConfig | null = null;
      try {
        const debug = [...((opts.debug as string[] | undefined) ?? []).flatMap(debugWords), ...parseDebugLeftovers(cmd.args)];
        const flags: PlutoFlags = {
          nofork: opts.nofork as boolean | undefined,
          rundir: opts.rundir as string | undefined,
          config: opts.config as string | undefined,
          secretsfile: opts.secretsfile as string | undefined,
          ipsecdir: opts.ipsecdir as string | undefined,
          nssdir: opts.nssdir as string | undefined,
          coredir: opts.coredir as string | undefined,
          logfile: opts.logfile as string | undefined,
          stderrlog: opts.stderrlog as boolean | undefined,
          logNoTime: opts.logNoTime as boolean | undefined,
          logNoAppend: opts.logNoAppend as boolean | undefined,
          logNoIp: opts.logNoIp as boolean | undefined,
          uniqueids: opts.uniqueids as boolean | undefined,
          virtualPrivate: opts.virtualPrivate as string | undefined,
          keepAlive: opts.keepAlive as string | undefined,
          forceBusy: opts.forceBusy as boolean | undefined,
          listen: opts.listen as string[] | undefined,
          ikePort: opts.ikePort as string | undefined,
          ikeNattPort: opts.ikeNattPort as string | undefined,
          nhelpers: opts.nhelpers as string | undefined,
          seedbits: opts.seedbits as string | undefined,
          useXfrm: opts.useXfrm as boolean | undefined,
          useBsdkame: opts.useBsdkame as boolean | undefined,
          debug,
        };
        if (debug.includes('help')) {
          process.stdout.write('debug classes: none all base cpu-usage crypt tmi private refcnt whackwatch add-prefix control (no-CLASS disables)\n');
          process.exitCode = 0;
          return;
        }
        // --ike-port does not depend on the setup section; it orients conns with both ends on this host.
        if (flags.config) config = await loadDaemonConfig(flags.config, resolveOptions(flags, undefined).ikePort);
        options = resolveOptions(flags, config?.setup);
      } catch (err) {
        process.stderr.write(`pluto: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = err instanceof StartError ? err.exitCode : err instanceof OptionError ? 1 : 1;
        return;
      }
      if (!options.nofork) {
        // The child re-reads the same argv; only --nofork is added.
        const argv = process.argv.slice(process.argv.indexOf('pluto') + 1);
        process.exitCode = await runForked(argv, options);
        return;
      }
      process.exitCode = await runForeground(options, config);
    });
}
