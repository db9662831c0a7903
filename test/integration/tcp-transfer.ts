// A TCP transfer through a tunnel between two namespaces, checked end to end: a receiver in one namespace
// hashes everything one connection brings (SHA-256) and prints digest and length; a sender in the other sends
// SIZE bytes (one random megabyte repeated with a counter), hashed as they go, optionally paced to a rate so
// that the transfer spans a given time (rekeys during it). Not a test itself.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';

export interface NsRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in a namespace and collects its output; SIGKILL after timeoutMs. */
export function inNs(ns: string, args: string[], timeoutMs = 60_000): Promise<NsRun> {
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

// Receiver: argv host port (default 5001); hashes one connection, prints "from ADDRESS" when it arrives and
// "digest length" (the last line) when it ends.
export const TCP_SERVER = `
const net = require('node:net'), crypto = require('node:crypto');
const srv = net.createServer((s) => { const h = crypto.createHash('sha256'); let n = 0;
  process.stdout.write('from ' + s.remoteAddress + '\\n');
  s.on('data', (d) => { h.update(d); n += d.length; });
  s.on('end', () => { process.stdout.write(h.digest('hex') + ' ' + n + '\\n'); s.end(); srv.close(); }); });
srv.listen(Number(process.argv[2] || 5001), process.argv[1] || '10.2.0.1', () => process.stdout.write('listening\\n'));`;

// Sender: argv size host from bytesPerSecond (0 = as fast as it goes) port (default 5001); prints "digest length".
export const TCP_CLIENT = `
const net = require('node:net'), crypto = require('node:crypto');
const size = Number(process.argv[1]), host = process.argv[2] || '10.2.0.1', from = process.argv[3] || '10.1.0.1';
const rate = Number(process.argv[4] || 0), block = crypto.randomBytes(1 << 20), h = crypto.createHash('sha256');
const started = Date.now();
const s = net.connect({ host, port: Number(process.argv[5] || 5001), localAddress: from }, () => {
  let sent = 0;
  const pump = () => { while (sent < size) {
      if (rate > 0 && sent > (Date.now() - started) / 1000 * rate) return setTimeout(pump, 20);
      const b = Buffer.from(block); b.writeUInt32BE(sent >>> 20, 0);
      h.update(b); sent += b.length; if (!s.write(b)) return s.once('drain', pump); }
    s.end(); process.stdout.write(h.digest('hex') + ' ' + sent + '\\n'); };
  pump(); });`;

/** Waits until something listens on TCP port 5001 in the namespace. */
export async function waitListening(ns: string, port = 5001): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'ss', '-ltn', `sport = :${port}`], { encoding: 'utf8' });
    if (r.stdout.includes(String(port))) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`nothing listens on port ${port} in ${ns}`);
}

export interface TransferOptions {
  from: string;
  to: string;
  /** Default 5001. */
  port?: number;
  bytesPerSecond?: number;
  timeoutMs?: number;
}

/** Sends `size` bytes from `from` in fromNs to `to`:port in toNs; returns both ends' "digest length". */
export async function transfer(fromNs: string, toNs: string, size: number, o: TransferOptions): Promise<{ sent: NsRun; received: NsRun; seconds: number }> {
  const timeoutMs = o.timeoutMs ?? 180_000;
  const port = o.port ?? 5001;
  const server = inNs(toNs, [process.execPath, '-e', TCP_SERVER, o.to, String(port)], timeoutMs);
  await waitListening(toNs, port);
  const started = Date.now();
  const sent = await inNs(fromNs, [process.execPath, '-e', TCP_CLIENT, String(size), o.to, o.from, String(o.bytesPerSecond ?? 0), String(port)], timeoutMs);
  const received = await server;
  return { sent, received, seconds: (Date.now() - started) / 1000 };
}

/** Both ends exited cleanly and the far end got all `size` bytes on the one connection, with the sender's SHA-256. */
export function assertIntact(r: { sent: NsRun; received: NsRun }, size: number): void {
  assert.equal(r.sent.code, 0, r.sent.stderr);
  assert.equal(r.received.code, 0, r.received.stderr);
  const [sentHash, sentLen] = r.sent.stdout.trim().split(' ');
  const [gotHash, gotLen] = (r.received.stdout.trim().split('\n').pop() ?? '').split(' ');
  assert.equal(Number(sentLen), size, 'the sender sent every byte');
  assert.equal(Number(gotLen), size, 'the far end received every byte on the one connection');
  assert.equal(gotHash, sentHash, 'SHA-256 at the far end matches');
}

export interface CheckedTransfer {
  /** "digest length" as the sender computed it, and as the receiver did. */
  sent: string;
  received: string;
  /** The peer address the receiver saw. */
  from: string;
  seconds: number;
}

/** transfer() from `from` to `to`:port that throws if either end failed; the two ends' "digest length". */
export async function checkedTransfer(fromNs: string, toNs: string, size: number, to: string, from: string, port = 5001): Promise<CheckedTransfer> {
  const r = await transfer(fromNs, toNs, size, { from, to, port });
  if (r.sent.code !== 0) throw new Error(`TCP sender failed: ${r.sent.stderr}`);
  if (r.received.code !== 0) throw new Error(`TCP receiver failed: ${r.received.stderr}`);
  const lines = r.received.stdout.trim().split('\n');
  return {
    sent: r.sent.stdout.trim(),
    received: lines[lines.length - 1] ?? '',
    from: (lines.find((l) => l.startsWith('from ')) ?? '').slice(5),
    seconds: r.seconds,
  };
}

/** `count` pings from `from` (an address of `ns`) to `to`; IPv6 addresses get `ping -6`. */
export function ping(ns: string, to: string, from: string, count = 3): Promise<NsRun> {
  const family = to.includes(':') ? ['-6'] : [];
  return inNs(ns, ['ping', ...family, '-c', String(count), '-i', '0.2', '-W', '2', '-I', from, to], 20_000);
}

/** A TCP counter of a namespace's /proc/net/snmp (InCsumErrors, RetransSegs, ...); IPv4 and IPv6 share them. */
export function tcpCounter(ns: string, name: string): number {
  const snmp = spawnSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp'], { encoding: 'utf8' }).stdout;
  const tcp = snmp.split('\n').filter((l) => l.startsWith('Tcp:'));
  return Number(tcp[1]?.split(/\s+/)[tcp[0]?.split(/\s+/).indexOf(name) ?? -1]);
}
