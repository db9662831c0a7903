// Shared by the client commands (whack, auto, setup): send one request and print what comes back the way
// Libreswan's whack does (numbered lines on stdout), returning the exit code to use.
import { formatEroutes } from '../eroute/format';
import { formatStatus, formatTraffic } from './format';
import { ConnectError, FinalReply, sendRequest } from './client';
import { RC, Request } from './protocol';

export interface PrintOptions {
  /** Print the final data as JSON instead of Libreswan's text. */
  json?: boolean;
  /** Which log lines to show (default: all). */
  show?: (rc: number) => boolean;
  /** Prefix of error messages ("ipsec whack"). */
  program: string;
}

function code(rc: number): string {
  return String(rc).padStart(3, '0');
}

/** Prints a final reply's data; returns its exit code. */
export function printFinal(reply: FinalReply, json: boolean): number {
  const data = reply.data;
  if (data.kind === 'status') {
    process.stdout.write(json ? `${JSON.stringify(data.status, null, 2)}\n` : formatStatus(data.status).map((l) => `${l}\n`).join(''));
  } else if (data.kind === 'traffic') {
    process.stdout.write(json ? `${JSON.stringify(data.traffic, null, 2)}\n` : formatTraffic(data.traffic).map((l) => `${l}\n`).join(''));
  } else if (data.kind === 'eroute') {
    process.stdout.write(json ? `${JSON.stringify(data.eroutes, null, 2)}\n` : formatEroutes(data.eroutes).map((l) => `${l}\n`).join(''));
  }
  return reply.exitCode;
}

/** Sends the request, prints progress and result; no daemon (connect failed) is exit 1, as Libreswan's whack; a broken exchange is RC_WHACK_PROBLEM (33). */
export async function runRequest(socketPath: string, request: Request, options: PrintOptions): Promise<number> {
  try {
    const reply = await sendRequest(socketPath, request, {
      onLog: (rc, text) => {
        if (!options.show || options.show(rc)) process.stdout.write(`${code(rc)} ${text}\n`);
      },
    });
    return printFinal(reply, options.json ?? false);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${options.program}: ${msg}\n`);
    return err instanceof ConnectError ? 1 : RC.WHACK_PROBLEM;
  }
}
