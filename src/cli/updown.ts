// `ipsec _updown [--route yes|no] [--iproute ARGS]`: the default updown script (bin/_updown), run with the
// caller's PLUTO_* environment, as Libreswan's `ipsec _updown` runs _updown.xfrm. Its exit status is ours.
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';

import { DEFAULT_UPDOWN_SCRIPT } from '../updown/runner';

export function register(program: Command): void {
  program
    .command('_updown', { hidden: true })
    .description('the default updown script: routes for a connection going up or down (run by pluto)')
    .helpOption(false)
    .allowUnknownOption()
    .argument('[args...]', 'options for the script: --route yes|no, --iproute "ARGS"')
    .action((args: string[]) => {
      const r = spawnSync(DEFAULT_UPDOWN_SCRIPT, args, { stdio: 'inherit', env: process.env });
      if (r.error !== undefined) {
        process.stderr.write(`ipsec _updown: cannot run ${DEFAULT_UPDOWN_SCRIPT}: ${r.error.message}\n`);
        process.exitCode = 1;
        return;
      }
      process.exitCode = r.status ?? 1;
    });
}
