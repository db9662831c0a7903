// The list of sub-commands. One line per command; each file exports `register(program)`.
import type { Command } from 'commander';

import * as algparse from './algparse';
import * as benchmark from './benchmark';

export function registerCommands(program: Command): void {
  algparse.register(program);
  benchmark.register(program);
}
