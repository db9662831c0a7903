import { spawnSync, SpawnSyncReturns } from 'node:child_process';

import { IPSEC_BIN } from './paths';

/** Runs the real `ipsec` command as a user would, and returns its exit status and output. */
export function runIpsec(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): {
  status: number | null;
  stdout: string;
  stderr: string;
} {
  const result: SpawnSyncReturns<string> = spawnSync(process.execPath, [IPSEC_BIN, ...args], {
    encoding: 'utf8',
    input: options.input,
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
