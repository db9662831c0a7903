// A child process holding one IkeSockets, driven by JSON lines on stdin, reporting on stdout: the netns
// tests run one inside each namespace (`ip netns exec NAME node net-peer.js`). Not a test itself.
import { createInterface } from 'node:readline';

import type { Endpoint } from '../../src/ikev2/engine-api';
import { IkeSockets } from '../../src/net/ike-sockets';

interface Request {
  id: number;
  op: 'start' | 'send' | 'keepalive' | 'stopKeepalive' | 'counters' | 'listening' | 'rescan' | 'close';
  listen?: string[];
  ikePort?: number;
  nattPort?: number;
  data?: string;
  local?: Endpoint;
  remote?: Endpoint;
  interval?: number;
}

function out(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

let sockets: IkeSockets | undefined;

function need(): IkeSockets {
  if (!sockets) throw new Error('not started');
  return sockets;
}

async function handle(r: Request): Promise<unknown> {
  switch (r.op) {
    case 'start':
      sockets = new IkeSockets({
        ...(r.listen ? { listen: r.listen } : {}),
        ...(r.ikePort !== undefined ? { ikePort: r.ikePort } : {}),
        ...(r.nattPort !== undefined ? { nattPort: r.nattPort } : {}),
        onDatagram: (d) => out({ event: 'ike', data: Buffer.from(d.data).toString('hex'), local: d.local, remote: d.remote }),
        onEsp: (d) => out({ event: 'esp', data: Buffer.from(d.data).toString('hex'), local: d.local, remote: d.remote }),
      });
      return sockets.start();
    case 'send':
      need().send(Buffer.from(r.data ?? '', 'hex'), r.local as Endpoint, r.remote as Endpoint);
      return null;
    case 'keepalive':
      need().startKeepalive(r.local as Endpoint, r.remote as Endpoint, r.interval ?? 20);
      return null;
    case 'stopKeepalive':
      return need().stopKeepalive(r.local as Endpoint, r.remote as Endpoint);
    case 'counters':
      return need().counters();
    case 'listening':
      return need().listening();
    case 'rescan':
      return need().rescan(r.listen);
    case 'close':
      await sockets?.close();
      return null;
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const r = JSON.parse(line) as Request;
  handle(r).then(
    (result) => {
      out({ id: r.id, result });
      if (r.op === 'close') process.exit(0);
    },
    (err: Error) => out({ id: r.id, error: err.message }),
  );
});
// The parent went away: close and leave, so no process outlives its namespace.
lines.on('close', () => {
  void (sockets?.close() ?? Promise.resolve()).then(() => process.exit(0));
});
out({ event: 'ready' });
