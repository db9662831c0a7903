// The list of sub-commands. One line per command; each file exports `register(program)`.
import type { Command } from 'commander';

import { register as registerAlgparse } from './algparse';

export function registerCommands(program: Command): void {
  registerAlgparse(program);
}
