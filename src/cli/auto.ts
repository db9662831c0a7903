// `ipsec auto` (ipsec_auto(8)): conns by name from ipsec.conf. --add reads the conn here, on the client
// side as Libreswan's addconn does, and sends it to pluto; the other operations are whack requests.
import { Command } from 'commander';

import { loadForCli, DEFAULT_CONFIG } from './config-loading';
import { connToWire } from '../control/conn-wire';
import { controlSocketPath } from '../control/client';
import { runRequest } from '../control/cli-request';
import { RC, Request } from '../control/protocol';

const OPERATIONS = ['add', 'delete', 'replace', 'start', 'up', 'down', 'route', 'unroute', 'status', 'ready', 'rereadsecrets', 'listen'] as const;
type Operation = (typeof OPERATIONS)[number];
const NEEDS_NAME = new Set<Operation>(['add', 'delete', 'replace', 'start', 'up', 'down', 'route', 'unroute']);

interface AutoOpts {
  config: string;
  showonly?: boolean;
  asynchronous?: boolean;
  verbose?: boolean;
  json?: boolean;
  ctlsocket?: string;
  rundir?: string;
  [op: string]: string | boolean | undefined;
}

/** The whack command line an operation amounts to (for --showonly). */
export function showCommand(op: Operation, name: string | undefined, o: AutoOpts): string {
  const where = o.ctlsocket ? ` --ctlsocket ${o.ctlsocket}` : o.rundir ? ` --rundir ${o.rundir}` : '';
  // As Libreswan's auto: --verbose goes to addconn only.
  const addconn = `ipsec addconn --config ${o.config}${where}${o.verbose ? ' --verbose' : ''} ${name}`;
  const whack = (args: string): string => `ipsec whack${where} ${args}`;
  switch (op) {
    case 'add':
      return addconn;
    case 'delete':
      return whack(`--name ${name} --delete`);
    case 'replace':
      return `${whack(`--name ${name} --delete`)}\n${addconn}`;
    case 'start':
      return `${addconn}\n${whack(`--name ${name} --initiate${o.asynchronous ? ' --asynchronous' : ''}`)}`;
    case 'up':
      return whack(`--name ${name} --initiate${o.asynchronous ? ' --asynchronous' : ''}`);
    case 'down':
      return whack(`--name ${name} --terminate`);
    case 'route':
    case 'unroute':
      return whack(`--name ${name} --${op}`);
    case 'status':
      return whack('--status');
    case 'ready':
    case 'listen':
      return whack('--listen');
    case 'rereadsecrets':
      return whack('--rereadsecrets');
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('auto')
    .description('add, start and stop connections of ipsec.conf in pluto (see ipsec_auto(8))')
    .argument('[connection]', 'the conn name in the configuration file')
    .option('--config <configfile>', 'the configuration file', DEFAULT_CONFIG)
    .option('--showonly', 'print the commands instead of running them')
    .option('--asynchronous', 'with --up/--start: do not wait for the negotiation')
    .option('--verbose', 'also report what is read from the configuration file (--add, --start, --replace)')
    .option('--json', 'with --status: JSON')
    .option('--ctlsocket <file>', 'the control socket (default RUNDIR/pluto.ctl)')
    .option('--rundir <dir>', 'pluto\'s run directory (default /run/pluto)');
  for (const op of OPERATIONS) cmd.option(`--${op}`, `the ${op} operation`);
  cmd.action(async (name: string | undefined, o: AutoOpts) => {
    const ops = OPERATIONS.filter((op) => o[op] === true);
    const fail = (msg: string): void => {
      process.stderr.write(`ipsec auto: ${msg}\n`);
      process.exitCode = 1;
    };
    if (ops.length !== 1) return fail(ops.length === 0 ? `no operation given (--${OPERATIONS.join(', --')})` : `only one operation at a time (got --${ops.join(', --')})`);
    const op = ops[0];
    if (NEEDS_NAME.has(op) && !name) return fail(`--${op} needs a connection name`);
    if (!NEEDS_NAME.has(op) && name) return fail(`--${op} takes no connection name`);
    if (o.showonly) {
      process.stdout.write(`${showCommand(op, name, o)}\n`);
      return;
    }
    const socket = controlSocketPath(o);
    // Libreswan 4.10's auto passes whack's output through unfiltered, with or without --verbose; --verbose
    // goes to addconn (the --add, --start and --replace steps), which then reports what it reads. What
    // --verbose adds is that report; pluto's debug lines never reach whack (only its log).
    const send = (request: Request): Promise<number> => runRequest(socket, request, { json: o.json, program: 'ipsec auto' });
    const add = async (): Promise<number> => {
      if (o.verbose) process.stdout.write(`opening file: ${o.config}\nloading named conns: ${String(name)}\n`);
      const loaded = await loadForCli(o.config);
      if (typeof loaded === 'number') return loaded;
      const conn = loaded.conns.find((c) => c.name === name);
      if (!conn) {
        process.stderr.write(`ipsec auto: conn '${String(name)}' not found in ${o.config}\n`);
        return 1;
      }
      if (!conn.local) {
        process.stderr.write(`ipsec auto: conn '${conn.name}': neither left nor right is an address of this host\n`);
        return RC.ORIENT;
      }
      return send({ cmd: 'add', args: { conn: connToWire(conn) } });
    };
    const nameArg = { name: name as string };
    switch (op) {
      case 'add':
        process.exitCode = await add();
        return;
      case 'replace': {
        const del = await runRequest(socket, { cmd: 'delete', args: nameArg }, { show: () => false, program: 'ipsec auto' });
        if (del !== 0 && del !== RC.UNKNOWN_NAME) {
          process.exitCode = del;
          return;
        }
        process.exitCode = await add();
        return;
      }
      case 'start': {
        const added = await add();
        process.exitCode = added !== 0 ? added : await send({ cmd: 'initiate', args: { name: nameArg.name, asynchronous: o.asynchronous ?? false } });
        return;
      }
      case 'up':
        process.exitCode = await send({ cmd: 'initiate', args: { name: nameArg.name, asynchronous: o.asynchronous ?? false } });
        return;
      case 'down':
        process.exitCode = await send({ cmd: 'terminate', args: nameArg });
        return;
      case 'delete':
      case 'route':
      case 'unroute':
        process.exitCode = await send({ cmd: op, args: nameArg });
        return;
      case 'status':
        process.exitCode = await send({ cmd: 'status', args: {} });
        return;
      case 'ready':
      case 'listen':
        process.exitCode = await send({ cmd: 'listen', args: {} });
        return;
      case 'rereadsecrets':
        process.exitCode = await send({ cmd: 'rereadsecrets', args: {} });
        return;
    }
  });
}
