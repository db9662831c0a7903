// Two of our plutos on 127.0.0.1 without namespaces: free UDP ports for them and their west-east conn,
// whose ends each pluto orients by its own --ike-port.
// Free ports: daemon-harness.ts freeUdpPorts.

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
