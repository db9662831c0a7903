// `ipsec`: the one command. Each sub-command lives in its own file and registers itself here.
import { Command, CommanderError } from 'commander';

import { VERSION_TEXT } from '../version';
import { registerCommands } from './commands';
import { runErouteCommand } from './eroute';

export function buildProgram(): Command {
  const program = new Command('ipsec');
  program
    .description('IPsec VPN suite compatible with Libreswan: IKEv2 daemon, configuration and data path')
    .version(VERSION_TEXT, '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run `ipsec --help` for the list of commands)')
    .exitOverride();
  registerCommands(program);
  return program;
}

/** `ipsec ... | head`: a closed pipe ends the command quietly, as it does for any Unix tool. */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  // `ipsec eroute --version` is eroute's own (ipsec_eroute(8)); commander would answer it with the program's
  // --version, which it recognises after a sub-command too. eroute parses its whole command line itself.
  if (argv[0] === 'eroute') return runErouteCommand(argv.slice(1));
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`ipsec: ${message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`ipsec: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
