// `ipsec whack`: the raw control client (ipsec_whack(8)): one action per call, the daemon's numbered
// lines on stdout, and its failure code as our exit status.
import { Command } from 'commander';

import { controlSocketPath } from '../control/client';
import { runRequest } from '../control/cli-request';
import type { Request } from '../control/protocol';
import { debugWords } from '../daemon/options';

interface WhackOpts {
  name?: string;
  initiate?: boolean;
  terminate?: boolean;
  rekeyIke?: boolean;
  rekeyIpsec?: boolean;
  delete?: boolean;
  route?: boolean;
  unroute?: boolean;
  status?: boolean;
  trafficstatus?: boolean;
  shutdown?: boolean;
  rereadsecrets?: boolean;
  listen?: boolean;
  asynchronous?: boolean;
  debug?: string[];
  json?: boolean;
  ctlsocket?: string;
  rundir?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The one request a whack command line asks for, or an error message. */
export function whackRequest(o: WhackOpts): Request | string {
  const named: [keyof WhackOpts, Request['cmd']][] = [
    ['initiate', 'initiate'], ['terminate', 'terminate'], ['rekeyIke', 'rekey'], ['rekeyIpsec', 'rekey'], ['delete', 'delete'], ['route', 'route'], ['unroute', 'unroute'],
  ];
  const flag = (k: keyof WhackOpts): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const plain: [keyof WhackOpts, Request['cmd']][] = [['status', 'status'], ['trafficstatus', 'trafficstatus'], ['shutdown', 'shutdown'], ['rereadsecrets', 'rereadsecrets'], ['listen', 'listen']];
  const chosen = [...named, ...plain].filter(([k]) => o[k] === true);
  const actions = chosen.length + (o.debug ? 1 : 0);
  if (actions === 0) return 'no action given (--initiate, --terminate, --delete, --status, --trafficstatus, --shutdown, ...)';
  if (actions > 1) return `only one action at a time (got ${[...chosen.map(([k]) => flag(k)), ...(o.debug ? ['--debug'] : [])].join(', ')})`;
  if (o.debug) return { cmd: 'debug', args: { set: o.debug.flatMap(debugWords) } };
  const [key, cmd] = chosen[0];
  if (named.some(([k]) => k === key)) {
    if (!o.name) return `${flag(key)} needs --name CONNECTION`;
    if (cmd === 'initiate') return { cmd, args: { name: o.name, asynchronous: o.asynchronous ?? false } };
    if (cmd === 'rekey') return { cmd, args: { name: o.name, what: key === 'rekeyIke' ? 'ike' : 'child' } };
    return { cmd: cmd as 'delete', args: { name: o.name } };
  }
  return { cmd: cmd as 'status', args: {} };
}

export function register(program: Command): void {
  program
    .command('whack')
    .description('send one command to pluto over its control socket (see ipsec_whack(8))')
    .option('--name <connection>', 'the connection the action applies to')
    .option('--initiate', 'negotiate the connection (waits for the result unless --asynchronous)')
    .option('--terminate', 'delete the connection\'s SAs')
    .option('--rekey-ike', 'rekey the IKE SA (parent SA) of the connection now')
    .option('--rekey-ipsec', 'rekey the IPsec SA (Child SA) of the connection now')
    .option('--delete', 'delete the connection')
    .option('--route', 'install the connection\'s trap policies')
    .option('--unroute', 'remove them')
    .option('--status', 'connections and SAs')
    .option('--trafficstatus', 'traffic of each IPsec SA')
    .option('--shutdown', 'stop pluto')
    .option('--rereadsecrets', 'reload the secrets file')
    .option('--listen', 'make pluto (re)listen for IKE')
    .option('--asynchronous', 'with --initiate: do not wait for the negotiation')
    .option('--debug <class>', 'set debug classes (none, all, base, CLASS, no-CLASS)', collect)
    .option('--json', 'machine-readable --status/--trafficstatus')
    .option('--ctlsocket <file>', 'the control socket (default RUNDIR/pluto.ctl)')
    .option('--rundir <dir>', 'pluto\'s run directory (default /run/pluto)')
    .action(async (opts: WhackOpts) => {
      const request = whackRequest(opts);
      if (typeof request === 'string') {
        process.stderr.write(`ipsec whack: ${request}\n`);
        process.exitCode = 1;
        return;
      }
      process.exitCode = await runRequest(controlSocketPath(opts), request, { json: opts.json, program: 'ipsec whack' });
    });
}
