// `ipsec eroute` (ipsec_eroute(8)): list and change pluto's eroute table (its kernel's outbound policies)
// over the control socket. Arguments are parsed and every name resolved here; a bad one is an error on
// stderr with exit 1 and nothing is sent.
import type { Command } from 'commander';

import { ConnectError, controlSocketPath, sendRequest } from '../control/client';
import { ErouteArgError, parseErouteArgv, USAGE, type ErouteCommand } from '../eroute/args';
import { formatEroutes } from '../eroute/format';
import { VERSION_TEXT } from '../version';

const PROGRAM = 'ipsec eroute';

function fail(message: string, code = 1): number {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  return code;
}

export async function runErouteCommand(argv: readonly string[]): Promise<number> {
  let cmd: ErouteCommand;
  try {
    cmd = await parseErouteArgv(argv);
  } catch (err) {
    if (err instanceof ErouteArgError) return fail(`${err.message}\n(run \`ipsec eroute --help\` for the syntax)`);
    throw err;
  }
  if (cmd.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cmd.kind === 'version') {
    process.stdout.write(`${PROGRAM} ${VERSION_TEXT}\n`);
    return 0;
  }
  const socket = controlSocketPath(cmd);
  try {
    const reply = await sendRequest(socket, { cmd: 'eroute', args: cmd.args });
    if (reply.exitCode !== 0) return fail(reply.message ?? `pluto answered with code ${reply.exitCode}`, reply.exitCode);
    if (cmd.args.op === 'list' && reply.data.kind === 'eroute') {
      const d = reply.data;
      process.stdout.write(cmd.json ? `${JSON.stringify({ kernel: d.kernel, countsKept: d.countsKept, eroutes: d.eroutes }, null, 2)}\n` : formatEroutes(d.eroutes).map((l) => `${l}\n`).join(''));
    }
    return 0;
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), err instanceof ConnectError ? 1 : 33);
  }
}

export function register(program: Command): void {
  program
    .command('eroute')
    .description('list or change the eroute table: pluto\'s outbound policies (see ipsec_eroute(8))')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]', 'see `ipsec eroute --help`')
    .action(async (args: string[]) => {
      process.exitCode = await runErouteCommand(args);
    });
}
