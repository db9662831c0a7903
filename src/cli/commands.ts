// The list of sub-commands. One line per command; each file exports `register(program)`.
import type { Command } from 'commander';

import { register as registerAddconn } from './addconn';
import { register as registerReadwriteconf } from './readwriteconf';

export function registerCommands(program: Command): void {
  registerAddconn(program);
  registerReadwriteconf(program);
}
