// The clients' end of the control socket: send one request, stream the daemon's log lines to a callback,
// resolve with the final reply.
import * as net from 'node:net';
import * as path from 'node:path';

import { encodeFrame, LineDecoder, parseResponse, PROTOCOL_VERSION, Request, ResponseFrame } from './protocol';

export const DEFAULT_RUNDIR = '/run/pluto';
export const CTL_NAME = 'pluto.ctl';
export const PID_NAME = 'pluto.pid';

/** The socket path from --ctlsocket FILE, else --rundir DIR, else the default. */
export function controlSocketPath(opts: { ctlsocket?: string; rundir?: string }): string {
  if (opts.ctlsocket) return opts.ctlsocket;
  return path.join(opts.rundir ?? DEFAULT_RUNDIR, CTL_NAME);
}

/** The daemon could not be reached: no socket, or nobody listening. */
export class ConnectError extends Error {
  constructor(readonly socketPath: string, readonly code: string, detail: string) {
    super(`connect(${CTL_NAME}) failed: "${socketPath}" (${code} ${detail}): is pluto running?`);
    this.name = 'ConnectError';
  }
}

export type FinalReply = Extract<ResponseFrame, { type: 'done' }>;

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ECONNREFUSED: 'Connection refused',
  EACCES: 'Permission denied',
  ENOTSOCK: 'Socket operation on non-socket',
};

let nextId = 1;

export interface SendOptions {
  onLog?: (rc: number, text: string) => void;
  /** Give up after this long (default: none; an --up waits for the negotiation). */
  timeoutMs?: number;
}

export function sendRequest(socketPath: string, request: Request, options: SendOptions = {}): Promise<FinalReply> {
  const id = nextId++;
  return new Promise<FinalReply>((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const decoder = new LineDecoder();
    let settled = false;
    let connected = false;
    const finish = (err: Error | null, reply?: FinalReply): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply as FinalReply);
    };
    const timer = options.timeoutMs ? setTimeout(() => finish(new Error(`no answer from pluto within ${options.timeoutMs} ms`)), options.timeoutMs) : undefined;
    socket.on('connect', () => {
      connected = true;
      socket.write(encodeFrame({ v: PROTOCOL_VERSION, id, ...request }));
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const line of decoder.push(chunk)) {
          if (line.trim() === '') continue;
          const frame = parseResponse(line);
          if (frame.type === 'log') options.onLog?.(frame.rc, frame.text);
          else finish(null, frame);
        }
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) finish(new ConnectError(socketPath, err.code ?? 'EIO', ERRNO_TEXT[err.code ?? ''] ?? err.message));
      else finish(err);
    });
    socket.on('close', () => finish(new Error('pluto closed the control connection before its final reply')));
  });
}

/** True when a daemon answers on the socket (a status round trip). */
export async function pingDaemon(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  try {
    await sendRequest(socketPath, { cmd: 'status', args: {} }, { timeoutMs });
    return true;
  } catch {
    return false;
  }
}
