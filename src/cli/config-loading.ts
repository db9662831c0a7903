// Shared by addconn and readwriteconf: load a configuration file and print a refusal the way an operator
// reads it (one FILE:LINE: line per problem on stderr).
import { ConfigLoadError, LoadedConfig, loadIpsecConf } from '../config';
import { Logger } from '../log';

export const DEFAULT_CONFIG = '/etc/ipsec.conf';

/** Libreswan's addconn exits 3 when the file cannot be loaded (grammar, unknown keyword) and 1 for a bad value. */
export function exitCodeFor(err: ConfigLoadError): number {
  return err.errors.some((e) => e.kind === 'syntax' || e.kind === 'keyword' || e.kind === 'include') ? 3 : 1;
}

const stderrLogger: Logger = {
  error: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`${m}\n`),
  info: () => undefined,
  debug: () => undefined,
};

/** Loads the file, or prints why not and returns the exit code. */
export async function loadForCli(file: string): Promise<LoadedConfig | number> {
  try {
    return await loadIpsecConf(file, { logger: stderrLogger });
  } catch (err) {
    if (!(err instanceof ConfigLoadError)) throw err;
    for (const e of err.errors) process.stderr.write(`${e.message}\n`);
    process.stderr.write(`${file}: configuration refused (${err.errors.length} error${err.errors.length === 1 ? '' : 's'}); nothing was loaded\n`);
    return exitCodeFor(err);
  }
}
