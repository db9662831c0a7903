// `ipsec addconn --checkconfig [--config F]`: exit 0 only for a file that loads cleanly.
import { Command } from 'commander';

import { DEFAULT_CONFIG, loadForCli } from './config-loading';

export function register(program: Command): void {
  program
    .command('addconn')
    .description('check (and later add) the connections of an ipsec.conf file')
    .option('--config <file>', 'the configuration file', DEFAULT_CONFIG)
    .option('--checkconfig', 'only check that the file loads cleanly')
    .action(async (opts: { config: string; checkconfig?: boolean }) => {
      if (!opts.checkconfig) {
        process.stderr.write('ipsec addconn: only --checkconfig is implemented (adding needs the daemon)\n');
        process.exitCode = 1;
        return;
      }
      const loaded = await loadForCli(opts.config);
      process.exitCode = typeof loaded === 'number' ? loaded : 0;
    });
}
