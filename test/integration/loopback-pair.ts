// Two of our plutos on 127.0.0.1 without namespaces: free UDP ports for them and their west-east conn,
// whose ends each pluto orients by its own --ike-port.
import * as dgram from 'node:dgram';

/** Ports the kernel says are free now (bound to port 0, then closed). */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<dgram.Socket>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** The west-east conn with both ends on 127.0.0.1, told apart by their IKE ports (auto=add, then `extra`). */
export function loopbackConn(westPort: number, eastPort: number, extra = ''): string {
  return `conn west-east
	left=127.0.0.1
	leftikeport=${westPort}
	right=127.0.0.1
	rightikeport=${eastPort}
	leftid=@west
	rightid=@east
	leftsubnet=10.1.0.0/24
	rightsubnet=10.2.0.0/24
	authby=secret
	ike=aes_gcm256-sha2_256;dh31
	esp=aes_gcm256
	retransmit-interval=250
	retransmit-timeout=5s
	auto=add
${extra}`;
}
