// The client side of a test peer process that speaks JSON lines on stdin/stdout: requests
// `{id, op, ...fields}` answered by `{id, result}` or `{id, error}`, events `{event, ...}` (the first,
// `ready`, says the peer is up). Used for the peers the integration tests run inside network namespaces.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface JsonLinePeerOptions {
  /** What to call the peer in errors, e.g. "datapath peer". */
  name: string;
  /** 'collect' keeps the peer's stderr for the error when it exits early; 'pass' copies it to ours. */
  stderr: 'collect' | 'pass';
}

export class JsonLinePeer<E extends { event: string }> {
  readonly events: E[] = [];
  /** Resolves on the peer's `ready` event; rejects if the peer exits before it. */
  readonly ready: Promise<void>;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(readonly child: ChildProcessWithoutNullStreams, options: JsonLinePeerOptions) {
    let markReady: () => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      fail = reject;
    });
    this.ready.catch(() => undefined); // surfaced through request(); never an unhandled rejection
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (options.stderr === 'collect' ? (stderr += d.toString()) : process.stderr.write(d)));
    child.once('exit', (code) => fail(new Error(`${options.name} exited (${code}): ${stderr.trim()}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as { id?: number; result?: unknown; error?: string; event?: string };
      if (m.event === 'ready') markReady();
      else if (m.event) this.events.push(m as unknown as E);
      else if (m.id !== undefined) {
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (m.error !== undefined) w?.reject(new Error(m.error));
        else w?.resolve(m.result);
      }
    });
    child.stdin.on('error', () => undefined); // EPIPE after the peer exited
  }

  async request<T>(op: string, fields: object = {}): Promise<T> {
    await this.ready;
    const id = this.nextId++;
    const p = new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.child.stdin.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    return p;
  }
}
