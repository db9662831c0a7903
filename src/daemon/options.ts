// pluto's options: the command line (ipsec_pluto(8)) over the `config setup` section of --config, over
// Libreswan's defaults. Pure: the CLI parses argv into PlutoFlags, this decides the effective values.
import * as path from 'node:path';

import type { ConfigSetup } from '../config/model';
import { DEFAULT_RUNDIR } from '../control/client';

/** What the command line said; undefined = not given. */
export interface PlutoFlags {
  nofork?: boolean;
  rundir?: string;
  config?: string;
  secretsfile?: string;
  ipsecdir?: string;
  nssdir?: string;
  coredir?: string;
  logfile?: string;
  stderrlog?: boolean;
  logNoTime?: boolean;
  logNoAppend?: boolean;
  logNoIp?: boolean;
  uniqueids?: boolean;
  virtualPrivate?: string;
  keepAlive?: string;
  forceBusy?: boolean;
  listen?: string[];
  ikePort?: string;
  ikeNattPort?: string;
  nhelpers?: string;
  seedbits?: string;
  useXfrm?: boolean;
  useBsdkame?: boolean;
  /** --debug CLASS / --debug-CLASS / --no-debug CLASS in order, as plutodebug words (none, all, X, no-X). */
  debug?: string[];
}

export interface PlutoOptions {
  nofork: boolean;
  rundir: string;
  config?: string;
  secretsfile: string;
  ipsecdir: string;
  nssdir: string;
  coredir: string;
  logfile?: string;
  stderrlog: boolean;
  logTime: boolean;
  logAppend: boolean;
  logIp: boolean;
  uniqueids: boolean;
  virtualPrivate: string[];
  keepAlive: number;
  forceBusy: boolean;
  listen: string[];
  ikePort: number;
  nattPort: number;
  /** -1: Libreswan's per-CPU default. */
  nhelpers: number;
  seedbits: number;
  /** 'auto' (default): kernel ESP if the kernel has it, else the userspace data path; 'xfrm': --use-xfrm. */
  protostack: 'auto' | 'xfrm' | 'bsd';
  debug: string[];
  ddosIkeThreshold: number;
}

export class OptionError extends Error {}

function int(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw new OptionError(`--${name}: "${text}" is not a number`);
  const n = Number(text);
  if (n < min || n > max) throw new OptionError(`--${name}: ${n} is not between ${min} and ${max}`);
  return n;
}

function virtualPrivateWords(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Splits the debug tokens that pluto accepts after --debug (a list separated by ',' '+' or spaces). */
export function debugWords(text: string): string[] {
  return text.split(/[\s,+]+/).filter((w) => w !== '');
}

/** Effective options: flags beat `config setup`, which beats the defaults. */
export function resolveOptions(flags: PlutoFlags, setup?: ConfigSetup): PlutoOptions {
  if (flags.useXfrm && flags.useBsdkame) throw new OptionError('--use-xfrm and --use-bsdkame exclude each other');
  const ipsecdir = flags.ipsecdir ?? setup?.ipsecdir ?? '/etc/ipsec.d';
  const vp = flags.virtualPrivate !== undefined ? virtualPrivateWords(flags.virtualPrivate) : (setup?.virtualPrivate ?? []).map((e) => `${e.exclude ? '%v4:!' : '%v4:'}${e.subnet.text}`.replace('%v4', e.subnet.family === 6 ? '%v6' : '%v4'));
  for (const w of vp) {
    if (!/^%v[46]:!?[0-9a-fA-F.:]+\/\d+$/.test(w)) throw new OptionError(`--virtual-private: "${w}" is not %v4:NET/LEN, %v6:NET/LEN or %v4:!NET/LEN`);
  }
  const setupListen = setup?.listen ? [setup.listen.text] : [];
  return {
    nofork: flags.nofork ?? false,
    rundir: path.resolve(flags.rundir ?? DEFAULT_RUNDIR),
    config: flags.config,
    secretsfile: flags.secretsfile ?? setup?.secretsfile ?? '/etc/ipsec.secrets',
    ipsecdir,
    nssdir: flags.nssdir ?? setup?.nssdir ?? '/var/lib/ipsec/nss',
    coredir: flags.coredir ?? flags.rundir ?? setup?.dumpdir ?? DEFAULT_RUNDIR,
    logfile: flags.logfile ?? setup?.logfile,
    stderrlog: flags.stderrlog ?? false,
    logTime: flags.logNoTime ? false : (setup?.logtime ?? true),
    logAppend: flags.logNoAppend ? false : (setup?.logappend ?? true),
    logIp: flags.logNoIp ? false : (setup?.logip ?? true),
    uniqueids: flags.uniqueids ?? setup?.uniqueids ?? true,
    virtualPrivate: vp,
    keepAlive: int('keep-alive', flags.keepAlive, 0, 86400) ?? setup?.keepAlive ?? 20,
    forceBusy: flags.forceBusy ?? false,
    listen: flags.listen && flags.listen.length > 0 ? flags.listen : setupListen,
    ikePort: int('ike-port', flags.ikePort, 0, 65535) ?? 500,
    nattPort: int('ike-natt-port', flags.ikeNattPort, 0, 65535) ?? 4500,
    nhelpers: int('nhelpers', flags.nhelpers, -1, 256) ?? setup?.nhelpers ?? -1,
    seedbits: int('seedbits', flags.seedbits, 0, 8192) ?? setup?.seedbits ?? 0,
    protostack: flags.useBsdkame ? 'bsd' : flags.useXfrm ? 'xfrm' : setup?.protostack === 'bsd' ? 'bsd' : 'auto',
    debug: [...(setup?.plutodebug ?? []), ...(flags.debug ?? [])],
    ddosIkeThreshold: setup?.ddosIkeThreshold ?? 25000,
  };
}

/**
 * Pulls pluto's debug spellings out of argv leftovers (commander leaves options it does not know):
 * --debug-CLASS, --debug-CLASS=..., --no-debug CLASS, --no-debug=CLASS. Anything else is an error.
 */
export function parseDebugLeftovers(args: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let m: RegExpExecArray | null;
    if ((m = /^--debug-([a-z][a-z-]*)$/.exec(a))) {
      words.push(m[1]);
    } else if ((m = /^--no-debug(?:=(.+))?$/.exec(a))) {
      const value = m[1] ?? args[++i];
      if (value === undefined) throw new OptionError('--no-debug needs a debug class');
      for (const w of debugWords(value)) words.push(w === 'none' ? 'none' : `no-${w}`);
    } else {
      throw new OptionError(`unknown option or argument '${a}'`);
    }
  }
  return words;
}
