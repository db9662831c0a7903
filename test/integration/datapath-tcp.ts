// Traffic for the data path tests in network namespaces: commands run inside a namespace, ping, and a TCP
// transfer whose SHA-256 is computed at both ends. Not a test itself.
import { spawn, spawnSync } from 'node:child_process';

export interface NsResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function inNs(ns: string, args: string[], timeoutMs = 60_000): Promise<NsResult> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `count` pings from `from` (an address of `ns`) to `to`; `ping -6` for IPv6 addresses. */
export function ping(ns: string, to: string, from: string, count = 3): Promise<NsResult> {
  const family = to.includes(':') ? ['-6'] : [];
  return inNs(ns, ['ping', ...family, '-c', String(count), '-i', '0.2', '-W', '2', '-I', from, to], 20_000);
}

// Receiver: one TCP connection on port `port`; prints "from ADDRESS" when it arrives, then the SHA-256 and the
// length of everything it brought.
const SERVER = `
const net = require('node:net'), crypto = require('node:crypto');
const srv = net.createServer((s) => { const h = crypto.createHash('sha256'); let n = 0;
  process.stdout.write('from ' + s.remoteAddress + '\\n');
  s.on('data', (d) => { h.update(d); n += d.length; });
  s.on('end', () => { process.stdout.write(h.digest('hex') + ' ' + n + '\\n'); s.end(); srv.close(); }); });
srv.listen(Number(process.argv[2]), process.argv[1], () => process.stdout.write('listening\\n'));`;
// Sender: SIZE bytes made of one random megabyte repeated with a counter, hashed as they go.
const CLIENT = `
const net = require('node:net'), crypto = require('node:crypto');
const size = Number(process.argv[1]), host = process.argv[2], from = process.argv[3], port = Number(process.argv[4]);
const block = crypto.randomBytes(1 << 20), h = crypto.createHash('sha256');
const s = net.connect({ host, port, localAddress: from }, () => {
  let sent = 0;
  const pump = () => { while (sent < size) { const b = Buffer.from(block); b.writeUInt32BE(sent >>> 20, 0);
      h.update(b); sent += b.length; if (!s.write(b)) return s.once('drain', pump); }
    s.end(); process.stdout.write(h.digest('hex') + ' ' + sent + '\\n'); };
  pump(); });`;

export interface Transfer {
  /** "SHA-256 length" as the sender computed it, and as the receiver did. */
  sent: string;
  received: string;
  /** The peer address the receiver saw. */
  from: string;
  seconds: number;
}

/** Sends `size` bytes over one TCP connection from `from` in `clientNs` to `to`:`port` in `serverNs`. */
export async function transfer(clientNs: string, serverNs: string, size: number, to: string, from: string, port = 5001): Promise<Transfer> {
  const server = inNs(serverNs, [process.execPath, '-e', SERVER, to, String(port)], 180_000);
  for (let i = 0; i < 50; i++) {
    const r = spawnSync('ip', ['netns', 'exec', serverNs, 'ss', '-ltn', `sport = :${port}`], { encoding: 'utf8' });
    if (r.stdout.includes(String(port))) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const started = Date.now();
  const client = await inNs(clientNs, [process.execPath, '-e', CLIENT, String(size), to, from, String(port)], 180_000);
  const received = await server;
  const seconds = (Date.now() - started) / 1000;
  if (client.code !== 0) throw new Error(`TCP client failed: ${client.stderr}`);
  if (received.code !== 0) throw new Error(`TCP server failed: ${received.stderr}`);
  const lines = received.stdout.trim().split('\n');
  return {
    sent: client.stdout.trim(),
    received: lines[lines.length - 1] ?? '',
    from: (lines.find((l) => l.startsWith('from ')) ?? '').slice(5),
    seconds,
  };
}

/** A TCP counter of a namespace's /proc/net/snmp (InCsumErrors, RetransSegs, ...). */
export function tcpCounter(ns: string, name: string): number {
  const snmp = spawnSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp'], { encoding: 'utf8' }).stdout;
  const tcp = snmp.split('\n').filter((l) => l.startsWith('Tcp:'));
  return Number(tcp[1]?.split(/\s+/)[tcp[0]?.split(/\s+/).indexOf(name) ?? -1]);
}
