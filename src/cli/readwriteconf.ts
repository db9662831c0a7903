// `ipsec readwriteconf [--config F] [--json]`: prints the configuration as it was understood.
import { Command } from 'commander';

import { writeConfigJson, writeConfigText } from '../config';
import { DEFAULT_CONFIG, loadForCli } from './config-loading';

export function register(program: Command): void {
  program
    .command('readwriteconf')
    .description('print the configuration as understood: %default and also= resolved, defaults filled in')
    .option('--config <file>', 'the configuration file', DEFAULT_CONFIG)
    .option('--json', 'print JSON for machines')
    .action(async (opts: { config: string; json?: boolean }) => {
      const loaded = await loadForCli(opts.config);
      if (typeof loaded === 'number') {
        process.exitCode = loaded;
        return;
      }
      process.stdout.write(opts.json ? `${writeConfigJson(loaded)}\n` : writeConfigText(loaded));
      process.exitCode = 0;
    });
}
