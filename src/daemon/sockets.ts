// The daemon's IKE sockets: UDP on the IKE port (500) and the NAT-T port (4500) for each --listen address
// (all addresses when none). Datagrams go to the engine; on 4500 the non-ESP marker (four zero bytes,
// RFC 3948) is stripped on the way in and prepended on the way out. A 4500 datagram without the marker is
// ESP, which the kernel handles, so it is dropped here. (src/net/ replaces this at the feat/net merge.)
import * as dgram from 'node:dgram';
import * as net from 'node:net';

import type { Datagram, Endpoint, Transport } from '../ikev2/engine-api';
import type { Logger } from '../log';

export interface SocketOptions {
  /** Addresses to bind; empty = the wildcard of each family. */
  listen: readonly string[];
  ikePort: number;
  nattPort: number;
}

const NON_ESP_MARKER = Buffer.alloc(4);

interface Bound {
  socket: dgram.Socket;
  address: string;
  port: number;
  natt: boolean;
}

export class IkeSockets implements Transport {
  private readonly bound: Bound[] = [];

  constructor(private readonly logger: Logger, private readonly deliver: (d: Datagram) => void) {}

  async open(options: SocketOptions): Promise<void> {
    const addresses = options.listen.length > 0 ? options.listen : ['0.0.0.0'];
    for (const address of addresses) {
      const type = net.isIPv6(address) ? 'udp6' : 'udp4';
      for (const [port, natt] of [[options.ikePort, false], [options.nattPort, true]] as const) {
        const socket = dgram.createSocket({ type, reuseAddr: false });
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind({ address, port, exclusive: true }, () => {
            socket.off('error', reject);
            resolve();
          });
        }).catch((err: Error) => {
          socket.close();
          throw new Error(`cannot listen on ${address}:${port}: ${err.message}`);
        });
        const b: Bound = { socket, address, port: socket.address().port, natt };
        socket.on('message', (msg, rinfo) => this.onMessage(b, msg, rinfo));
        socket.on('error', (err) => this.logger.warn(`socket ${address}:${b.port}: ${err.message}`));
        this.bound.push(b);
        this.logger.info(`adding UDP interface ${address}:${b.port}`);
      }
    }
  }

  private onMessage(b: Bound, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let data: Uint8Array = msg;
    if (b.natt) {
      if (msg.length === 1 && msg[0] === 0xff) return; // NAT-T keepalive
      if (msg.length < 4 || !msg.subarray(0, 4).equals(NON_ESP_MARKER)) return; // ESP: the kernel's
      data = msg.subarray(4);
    }
    this.deliver({ data, local: { address: b.address, port: b.port }, remote: { address: rinfo.address, port: rinfo.port } });
  }

  send(data: Uint8Array, local: Endpoint, remote: Endpoint): void {
    const b = this.bound.find((x) => x.port === local.port && (x.address === local.address || x.address === '0.0.0.0' || x.address === '::'));
    if (!b) {
      this.logger.warn(`no socket for ${local.address}:${local.port}; message to ${remote.address}:${remote.port} dropped`);
      return;
    }
    const payload = b.natt ? Buffer.concat([NON_ESP_MARKER, data]) : data;
    b.socket.send(payload, remote.port, remote.address);
  }

  listening(): { address: string; port: number }[] {
    return this.bound.map((b) => ({ address: b.address, port: b.port }));
  }

  async close(): Promise<void> {
    await Promise.all(this.bound.map((b) => new Promise<void>((resolve) => b.socket.close(() => resolve()))));
    this.bound.length = 0;
  }
}
