// One local address's pair of UDP sockets: the IKE port (500) and the NAT-T port (4500), each bound to
// that address alone so that every datagram received on it has a known local address.
import * as dgram from 'node:dgram';

import type { LocalAddress } from './local-addresses';

export type PortRole = 'ike' | 'natt';

export interface BoundSocket {
  role: PortRole;
  socket: dgram.Socket;
  /** The bound port (the configured one, or the kernel's choice when 0 was asked). */
  port: number;
  /** Sends handed to the kernel whose callback has not come back yet (the bounded send queue). */
  pending: number;
}

export interface SocketPair {
  local: LocalAddress;
  ike: BoundSocket;
  /** Absent where another owner (the userspace data path) holds the NAT-T port of this address. */
  natt?: BoundSocket;
}

export interface BindError extends Error {
  code?: string;
}

function bindOne(local: LocalAddress, port: number, role: PortRole): Promise<BoundSocket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: local.family === 6 ? 'udp6' : 'udp4', ipv6Only: local.family === 6 });
    const onError = (err: Error): void => {
      socket.removeListener('listening', onListening);
      socket.close();
      reject(err);
    };
    const onListening = (): void => {
      socket.removeListener('error', onError);
      resolve({ role, socket, port: socket.address().port, pending: 0 });
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    // exclusive: never share the port with a node cluster worker; each address gets its own socket.
    socket.bind({ address: local.address, port, exclusive: true });
  });
}

/**
 * Binds both sockets of an address, or neither (the first one is closed again if the second fails).
 * `nattPort` null: only the IKE port (the NAT-T port of this address belongs to someone else).
 */
export async function bindPair(local: LocalAddress, ikePort: number, nattPort: number | null): Promise<SocketPair> {
  const ike = await bindOne(local, ikePort, 'ike');
  if (nattPort === null) return { local, ike };
  try {
    const natt = await bindOne(local, nattPort, 'natt');
    return { local, ike, natt };
  } catch (err) {
    await closeSocket(ike.socket);
    throw err;
  }
}

export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

export async function closePair(pair: SocketPair): Promise<void> {
  await Promise.all([closeSocket(pair.ike.socket), ...(pair.natt ? [closeSocket(pair.natt.socket)] : [])]);
}
