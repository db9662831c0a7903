// Finding running plutos by their command line (/proc/PID/cmdline), for `ipsec setup status|stop`:
// a pluto that is not the lockfile's pid is "illicit", one with no lockfile "orphaned" (ipsec_setup(8)).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DEFAULT_RUNDIR } from '../control/client';

/** The run directory a pluto command line uses, or null when `argv` is not a foreground pluto. */
export function plutoRundir(argv: readonly string[]): string | null {
  // node /path/to/ipsec pluto --nofork ...: the interpreter first (not a wrapper such as timeout(1)).
  const i = 2;
  if (argv.length < 3 || !/^node/.test(path.basename(argv[0])) || !/(^|\/)ipsec$/.test(argv[1]) || argv[2] !== 'pluto' || !argv.includes('--nofork')) return null;
  let rundir = DEFAULT_RUNDIR;
  for (let k = i + 1; k < argv.length; k++) {
    if (argv[k] === '--rundir' && k + 1 < argv.length) rundir = argv[k + 1];
    else if (argv[k].startsWith('--rundir=')) rundir = argv[k].slice('--rundir='.length);
  }
  return rundir;
}

/** Pids of the foreground plutos whose run directory is `rundir` (their cwd resolves a relative one). */
export function findPlutos(rundir: string): number[] {
  const want = path.resolve(rundir);
  const out: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const argv = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      const dir = plutoRundir(argv);
      if (dir === null) continue;
      const cwd = path.isAbsolute(dir) ? '/' : fs.readlinkSync(`/proc/${e}/cwd`);
      if (path.resolve(cwd, dir) === want) out.push(Number(e));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out.sort((a, b) => a - b);
}
