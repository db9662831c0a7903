// The list of sub-commands. One line per command; each file exports `register(program)`.
import type { Command } from 'commander';

import * as addconn from './addconn';
import * as algparse from './algparse';
import * as benchmark from './benchmark';
import * as readwriteconf from './readwriteconf';

export function registerCommands(program: Command): void {
  addconn.register(program);
  algparse.register(program);
  benchmark.register(program);
  readwriteconf.register(program);
}
