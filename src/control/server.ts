// The daemon's end of the control socket: a unix stream socket, owner-only (0600), one request per
// connection line; each request runs its handler, which streams log lines and ends with one final reply.
import * as fs from 'node:fs';
import * as net from 'node:net';

import {
  encodeFrame, LineDecoder, parseRequest, PROTOCOL_VERSION, ProtocolError, RC, Request, ResponseFrame, ResultData,
} from './protocol';

/** How a handler answers: progress lines, then exactly one `done`. */
export interface Reply {
  log(rc: number, text: string): void;
  done(exitCode: number, data?: ResultData, message?: string): void;
}

export type RequestHandler = (request: Request, reply: Reply) => Promise<void>;

export class ControlServer {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(readonly path: string, private readonly handler: RequestHandler) {}

  /** Binds the socket (replacing a leftover file; the caller holds the lockfile) with mode 0600. */
  async listen(): Promise<void> {
    try {
      fs.unlinkSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const server = net.createServer((socket) => this.accept(socket));
    // The umask makes the socket owner-only from its creation; chmod below makes sure of it.
    const old = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(old);
    }
    fs.chmodSync(this.path, 0o600);
    this.server = server;
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new LineDecoder();
    socket.on('data', (chunk: Buffer) => {
      let lines: string[];
      try {
        lines = decoder.push(chunk);
      } catch (err) {
        this.refuse(socket, 0, err);
        return;
      }
      for (const line of lines) if (line.trim() !== '') void this.serve(socket, line);
    });
  }

  private refuse(socket: net.Socket, id: number, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const rc = err instanceof ProtocolError ? err.rc : RC.INTERNAL_ERROR;
    this.write(socket, { v: PROTOCOL_VERSION, id, type: 'log', rc, text: message });
    this.write(socket, { v: PROTOCOL_VERSION, id, type: 'done', exitCode: rc, message, data: { kind: 'none' } });
    socket.end();
  }

  private write(socket: net.Socket, frame: ResponseFrame): void {
    if (!socket.destroyed && socket.writable) socket.write(encodeFrame(frame));
  }

  private async serve(socket: net.Socket, line: string): Promise<void> {
    let id = 0;
    try {
      const request = parseRequest(line);
      id = request.id;
      let finished = false;
      const reply: Reply = {
        log: (rc, text) => {
          if (!finished) this.write(socket, { v: PROTOCOL_VERSION, id, type: 'log', rc, text });
        },
        done: (exitCode, data = { kind: 'none' }, message) => {
          if (finished) return;
          finished = true;
          this.write(socket, { v: PROTOCOL_VERSION, id, type: 'done', exitCode, message, data });
        },
      };
      await this.handler(request, reply);
      if (!finished) reply.done(0);
    } catch (err) {
      this.refuse(socket, id, err);
    }
  }

  /** Stops listening, drops clients, removes the socket file. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      fs.unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
