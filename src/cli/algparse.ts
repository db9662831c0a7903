// `ipsec algparse [-v1|-v2] [-p1|-p2] [-pfs] [-fips] [PROTOCOL=]PROPOSALS ...`: expands ike=/esp=/ah=
// values the way Libreswan 4.10's algparse does, with the same output and exit status, so a string
// can be checked before it is deployed.
import type { Command } from 'commander';

import {
  AlgorithmError, formatProposal, IkeVersion, parseProposals, ProposalOptions, ProposalProtocolName,
} from '../config/algorithms';
import { algorithmListing } from '../config/algorithms/listing';

const USAGE = `Usage:

    algparse [ <option> ... ] [<protocol>=][<proposal>{,<proposal>}] ...

Expand IKE, ESP and AH proposals with the algorithm parser, as ipsec.conf's ike=, esp= and ah= are read.
Exit status 1 when a proposal is not valid.

    [<protocol>=][<proposals>]
        <protocol>: 'ike', 'esp' or 'ah'; when omitted all three parsers are tried
        <proposals>: a comma separated list of proposals; when omitted the defaults are expanded

Options:

    -v2 | -ikev2: configure for IKEv2 (default)
    -v1 | -ikev1: configure for IKEv1
    -pfs | -pfs=yes | -pfs=no: PFS (perfect forward secrecy), default: no
    -fips | -fips=yes | -fips=no: only FIPS-approved algorithms, default: no
    -p1 | -p2: the simple (IKEv1) or the IKEv2 parser, default: the IKE version's
    -v | --verbose: list the algorithm table on stderr
    --debug, --ignore: accepted for compatibility; no effect

Examples:

    algparse -v1 ike
        expand the default IKEv1 'ike' algorithm table
    algparse -v2 ike=aes-sha1-dh19
        expand 'aes-sha1-dh19' using the IKEv2 'ike' parser
`;

/** Exit status Libreswan's algparse uses for an unknown option. */
const EXIT_BAD_OPTION = 124;

interface Settings {
  version: IkeVersion;
  parser: 0 | 1 | 2;
  pfs: boolean;
  fips: boolean;
  verbose: boolean;
}

const PROTOCOLS: readonly { name: string; protocol: ProposalProtocolName }[] = [
  { name: 'ike', protocol: 'IKE' },
  { name: 'ah', protocol: 'AH' },
  { name: 'esp', protocol: 'ESP' },
];

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The echoed command line: the options that change parsing, in Libreswan's order. */
function echo(s: Settings, arg: string): string {
  const parts = ['algparse'];
  if (s.parser !== 0) parts.push(`-p${s.parser}`);
  if (s.fips) parts.push('-fips');
  parts.push(`-v${s.version}`);
  if (s.pfs) parts.push('-pfs');
  return `${parts.join(' ')} '${arg}'`;
}

/** Parses one value with one protocol's parser and prints it; returns false on error. */
function runOne(s: Settings, io: Io, protocol: ProposalProtocolName, name: string, value: string | undefined): boolean {
  io.out(`${echo(s, value === undefined ? name : `${name}=${value}`)}\n`);
  const options: ProposalOptions = {
    ikeVersion: s.version,
    parser: s.parser === 0 ? undefined : s.parser,
    pfs: s.pfs,
    fips: s.fips,
    onWarning: (message) => io.err(`algparse: ${message}\n`),
  };
  try {
    for (const p of parseProposals(protocol, value, options)) io.out(`\t${formatProposal(p)}\n`);
    return true;
  } catch (err) {
    if (!(err instanceof AlgorithmError)) throw err;
    io.out(`\tERROR: ${err.message}\n`);
    return false;
  }
}

/** Runs algparse over raw arguments; returns the exit status. Exported for tests. */
export function algparse(argv: readonly string[], io: Io): number {
  if (argv.length === 0) {
    io.err(USAGE);
    return 1;
  }
  const s: Settings = { version: 2, parser: 0, pfs: false, fips: false, verbose: false };
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    const opt = argv[i].replace(/^-+/, '');
    if (opt === '?' || opt === 'h' || opt === 'help') {
      io.err(USAGE);
      return 0;
    } else if (opt === 'v1' || opt === 'ikev1') s.version = 1;
    else if (opt === 'v2' || opt === 'ikev2') s.version = 2;
    else if (opt === 'p1') s.parser = 1;
    else if (opt === 'p2') s.parser = 2;
    else if (opt === 'pfs' || opt === 'pfs=yes' || opt === 'pfs=on') s.pfs = true;
    else if (opt === 'pfs=no' || opt === 'pfs=off') s.pfs = false;
    else if (opt === 'fips' || opt === 'fips=yes' || opt === 'fips=on') s.fips = true;
    else if (opt === 'fips=no' || opt === 'fips=off') s.fips = false;
    else if (opt === 'v' || opt === 'verbose') s.verbose = true;
    else if (opt === 'debug' || opt === 'ignore') continue;
    else if (opt === 'tp' || opt === 'ta' || opt === 't') {
      io.err(`algparse: ${argv[i]}: Libreswan's built-in self-test is not provided; test/tools/compare-algparse.ts compares against Libreswan instead\n`);
      return 1;
    }
    else {
      io.err(`unknown option: ${argv[i]}\n`);
      return EXIT_BAD_OPTION;
    }
  }
  // -v: the algorithm table first, and Libreswan's closing leak-check line last.
  if (s.verbose) io.err(algorithmListing(s.fips).map((line) => `algparse: ${line}\n`).join(''));
  let ok = true;
  for (const arg of argv.slice(i)) {
    const eq = arg.indexOf('=');
    const named = PROTOCOLS.find((p) => arg === p.name || (eq === p.name.length && arg.startsWith(p.name)));
    if (named !== undefined) {
      ok = runOne(s, io, named.protocol, named.name, arg === named.name ? undefined : arg.slice(eq + 1)) && ok;
    } else if (eq >= 0) {
      io.err(`unrecognized PROTOCOL in '${arg}'`);
      return 1;
    } else {
      for (const p of PROTOCOLS) ok = runOne(s, io, p.protocol, p.name, arg) && ok;
    }
  }
  if (s.verbose) io.err('algparse: leak detective found no leaks\n');
  return ok ? 0 : 1;
}

export function register(program: Command): void {
  program
    .command('algparse')
    .description("expand ike=/esp=/ah= algorithm strings as Libreswan's algparse does (check before deploying)")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'options (-v1, -v2, -p1, -p2, -pfs, -fips, -v) then [ike=|esp=|ah=]PROPOSALS')
    .action((args: string[]) => {
      const status = algparse(args, {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
      });
      process.exitCode = status;
    });
}
