// The list of sub-commands. One line per command; each file exports `register(program)`.
import type { Command } from 'commander';

import * as addconn from './addconn';
import * as algparse from './algparse';
import * as auto from './auto';
import * as benchmark from './benchmark';
import * as eroute from './eroute';
import * as pluto from './pluto';
import * as readwriteconf from './readwriteconf';
import * as setup from './setup';
import * as showhostkey from './showhostkey';
import * as updown from './updown';
import * as whack from './whack';

export function registerCommands(program: Command): void {
  addconn.register(program);
  algparse.register(program);
  auto.register(program);
  benchmark.register(program);
  eroute.register(program);
  pluto.register(program);
  readwriteconf.register(program);
  setup.register(program);
  showhostkey.register(program);
  updown.register(program);
  whack.register(program);
}
