// Catches one real ESP-in-UDP packet on its way into a namespace and sends copies of it from a third socket:
// as it was (a replay) or with one ciphertext octet flipped (tampered). Node has no packet sockets, so the
// capture is a short Python program on an AF_PACKET socket. Not a test itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';

// argv: interface, UDP port, max payload length. Prints "ready", then the first ESP payload (SPI not 0) in hex.
const CAPTURE = `
import socket, struct, sys
iface, port, maxlen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0800))
s.bind((iface, 0))
s.settimeout(20)
print('ready', flush=True)
while True:
    f, addr = s.recvfrom(65535)
    if addr[2] == socket.PACKET_OUTGOING or len(f) < 42: continue
    ip = f[14:]
    ihl = (ip[0] & 15) * 4
    if ip[0] >> 4 != 4 or ip[9] != 17: continue
    udp = ip[ihl:]
    if struct.unpack('!H', udp[2:4])[0] != port: continue
    payload = udp[8:]
    if 40 < len(payload) <= maxlen and payload[:4] != bytes(4):
        print(payload.hex(), flush=True)
        break
`;

// argv: bind address, destination address, port, hex payload.
const SEND = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.sendto(bytes.fromhex(sys.argv[4]), (sys.argv[2], int(sys.argv[3])))
`;

export function pythonMissing(): string | undefined {
  return spawnSync('python3', ['-c', 'import socket; socket.AF_PACKET'], { encoding: 'utf8' }).status === 0 ? undefined : 'no python3 with AF_PACKET (for the ESP capture)';
}

export interface Capture {
  child: ChildProcess;
  /** Resolves with the payload (hex) of the first ESP packet seen. */
  packet: Promise<string>;
}

/** Starts capturing inbound ESP-in-UDP to `port` on `iface` in `ns`; resolves once the socket is ready. */
export async function captureEsp(ns: string, iface: string, port = 4500, maxLength = 300): Promise<Capture> {
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', CAPTURE, iface, String(port), String(maxLength)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const lines: string[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    lines.push(...parts);
  });
  const next = async (n: number, timeoutMs = 25_000): Promise<string> => {
    const until = Date.now() + timeoutMs;
    while (lines.length < n) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > until) throw new Error(`ESP capture: no line ${n}: ${err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return lines[n - 1]!;
  };
  await next(1);
  const packet = next(2);
  packet.catch(() => undefined); // a test that fails earlier never awaits it
  return { child, packet };
}

/** Sends `payloadHex` as one UDP datagram from `bind` (any port) to `to`:`port`, inside `ns`. */
export function sendUdp(ns: string, bind: string, to: string, port: number, payloadHex: string): void {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'python3', '-c', SEND, bind, to, String(port), payloadHex], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`send failed: ${r.stderr}`);
}

/**
 * The packet tampered with: a fresh sequence number (so the anti-replay window, checked first, lets it by)
 * and one ciphertext octet flipped. Both are covered by the ICV, so the integrity check must drop it.
 */
export function tampered(payloadHex: string): string {
  const b = Buffer.from(payloadHex, 'hex');
  b.writeUInt32BE((b.readUInt32BE(4) + 1000) >>> 0, 4);
  b[Math.min(24, b.length - 20)] ^= 0x01;
  return b.toString('hex');
}
