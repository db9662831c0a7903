// Two network namespaces joined by a veth pair, each running a datapath-peer.js with matching static SAs
// (AES-GCM-128, same keys both ends, directions swapped) and a route for the remote inner subnet via its TUN.
// Options: outer IPv6 addresses instead of IPv4; transport-mode SAs between the outer addresses (traffic to the
// peer's outer address routed into the TUN, the data path's own UDP port 4500 kept out of it by a rule), with
// west's datagrams source-NATed (nft) to a second address on the way if asked.
// Used by the datapath integration tests and the tunnel benchmark. Children are killed and namespaces
// deleted on every path, including process exit. Not a test itself.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import type { DatapathCounters, DatapathSaCounters } from '../../src/native/datapath';
import type { PeerConfig } from './datapath-peer';
import { JsonLinePeer } from '../helpers/json-line-peer';
import { createHostPair } from '../helpers/netns';

export function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

export function canUseNetns(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return 'no `ip netns`';
  if (spawnSync('test', ['-c', '/dev/net/tun']).status !== 0) return 'no /dev/net/tun';
  return undefined;
}

export interface PeerCounters {
  global: DatapathCounters;
  out: DatapathSaCounters;
  in: DatapathSaCounters;
  /** With transport-mode SAs. */
  transportOut?: DatapathSaCounters;
  transportIn?: DatapathSaCounters;
}

export interface PeerEvent {
  event: string;
  [key: string]: unknown;
}

/** One datapath-peer.js process inside a namespace. */
export class DatapathPeer extends JsonLinePeer<PeerEvent> {
  constructor(child: ChildProcessWithoutNullStreams) {
    super(child, { name: 'datapath peer', stderr: 'collect' });
  }

  counters(): Promise<PeerCounters> {
    return this.request<PeerCounters>('counters');
  }

  async waitEvent(pred: (e: PeerEvent) => boolean, ms = 3000): Promise<PeerEvent> {
    const until = Date.now() + ms;
    for (;;) {
      const e = this.events.find(pred);
      if (e) return e;
      if (Date.now() > until) throw new Error(`no such event within ${ms} ms: ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export interface Tunnel {
  west: DatapathPeer;
  east: DatapathPeer;
  westNs: string;
  eastNs: string;
  /** The west → east ESP: SPI and keymat (east's inbound SA). */
  westToEast: { spi: number; key: string };
  /** The outer addresses (west's as west has it). */
  westOuter: string;
  eastOuter: string;
}

/** West's outer address after the source NAT of `transport: 'nat'`. */
export const WEST_NATTED = '192.0.2.11';

export interface TunnelOptions {
  offload: boolean;
  eastOffload?: boolean;
  outLifetimes?: PeerConfig['outLifetimes'];
  /** TUN queues on both sides (absent: the data path's default, one per CPU). */
  queues?: number;
  /** The inbound SAs' replay window (default 1024). */
  replayWindow?: number;
  /** IPv6 outer addresses (2001:db8::1 and ::2): both inner families then travel over IPv6. */
  outer6?: boolean;
  /** Transport-mode SAs between the outer addresses; 'nat' (IPv4 only): west's datagrams leave as WEST_NATTED. */
  transport?: 'direct' | 'nat';
}

/** Runs `run` with a tunnel up between two fresh namespaces; tears everything down afterwards. */
export async function withTunnel<T>(options: TunnelOptions, run: (t: Tunnel) => Promise<T>): Promise<T> {
  // The namespaces (west's w0 and east's e0 on one veth, 10.1.0.1 and 10.2.0.1 on lo, fd00:1::1 and fd00:2::1
  // too) come from the shared harness, which deletes them on every path, process exit included.
  const pair = createHostPair({ prefix: 'swdp', ipv6: true });
  const [westNs, eastNs] = [pair.west.ns, pair.east.ns];
  const westIf = pair.west.iface;
  const children: ChildProcessWithoutNullStreams[] = [];
  try {
    const [westOuter, eastOuter] = options.outer6 ? [pair.west.outer6!, pair.east.outer6!] : [pair.west.outer, pair.east.outer];
    const keyWE = randomBytes(20).toString('hex');
    const keyEW = randomBytes(20).toString('hex');
    const spiWE = 0x1000 + randomBytes(2).readUInt16BE(0);
    const spiEW = 0x20000 + randomBytes(2).readUInt16BE(0);
    const k6WE = randomBytes(20).toString('hex');
    const k6EW = randomBytes(20).toString('hex');
    const s6WE = 0x30000 + randomBytes(2).readUInt16BE(0);
    const s6EW = 0x40000 + randomBytes(2).readUInt16BE(0);
    const script = path.join(__dirname, 'datapath-peer.js');
    const start = (ns: string, c: PeerConfig): DatapathPeer => {
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, script, JSON.stringify(c)], { stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(child);
      return new DatapathPeer(child);
    };
    const base = { port: 4500, remotePort: 4500, offload: options.offload, queues: options.queues, replayWindow: options.replayWindow };
    // Transport mode: each side's view of the two host addresses (with the NAT, east sees west as WEST_NATTED).
    const westSeen = options.transport === 'nat' ? WEST_NATTED : westOuter;
    const tKeyWE = randomBytes(20).toString('hex');
    const tKeyEW = randomBytes(20).toString('hex');
    const tSpiWE = 0x50000 + randomBytes(2).readUInt16BE(0);
    const tSpiEW = 0x60000 + randomBytes(2).readUInt16BE(0);
    const host = (a: string): string => `${a}/${a.includes(':') ? 128 : 32}`;
    const westTransport = options.transport && {
      out: { src: host(westOuter), dst: host(eastOuter) }, in: { src: host(eastOuter), dst: host(westSeen) },
      remoteAddress: eastOuter, outSpi: tSpiWE, inSpi: tSpiEW, outKey: tKeyWE, inKey: tKeyEW,
    };
    const eastTransport = options.transport && {
      out: { src: host(eastOuter), dst: host(westSeen) }, in: { src: host(westOuter), dst: host(eastOuter) },
      remoteAddress: westSeen, outSpi: tSpiEW, inSpi: tSpiWE, outKey: tKeyEW, inKey: tKeyWE,
    };
    if (options.transport === 'nat') {
      ip('-n', westNs, 'addr', 'add', `${WEST_NATTED}/24`, 'dev', westIf);
      const nft = (...args: string[]): void => {
        const r = spawnSync('ip', ['netns', 'exec', westNs, 'nft', ...args], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`nft ${args.join(' ')}: ${r.stderr.trim()}`);
      };
      nft('add', 'table', 'ip', 'nat');
      nft('add', 'chain', 'ip', 'nat', 'post', '{ type nat hook postrouting priority 100 ; }');
      nft('add', 'rule', 'ip', 'nat', 'post', 'udp', 'sport', '4500', 'snat', 'to', WEST_NATTED);
    }
    const west = start(westNs, {
      ...base, tunName: 'tunw', localAddress: westOuter, remoteAddress: eastOuter, localSubnet: '10.1.0.0/24', transport: westTransport,
      remoteSubnet: '10.2.0.0/24', outSpi: spiWE, inSpi: spiEW, outKey: keyWE, inKey: keyEW, outLifetimes: options.outLifetimes,
      v6: { localSubnet: 'fd00:1::/64', remoteSubnet: 'fd00:2::/64', outSpi: s6WE, inSpi: s6EW, outKey: k6WE, inKey: k6EW },
    });
    const east = start(eastNs, {
      ...base, offload: options.eastOffload ?? options.offload, tunName: 'tune', localAddress: eastOuter, remoteAddress: westOuter, localSubnet: '10.2.0.0/24', transport: eastTransport,
      remoteSubnet: '10.1.0.0/24', outSpi: spiEW, inSpi: spiWE, outKey: keyEW, inKey: keyWE,
      v6: { localSubnet: 'fd00:2::/64', remoteSubnet: 'fd00:1::/64', outSpi: s6EW, inSpi: s6WE, outKey: k6EW, inKey: k6WE },
    });
    await Promise.all([west.ready, east.ready]);
    ip('-n', westNs, 'route', 'add', '10.2.0.0/24', 'dev', 'tunw', 'src', '10.1.0.1');
    ip('-n', eastNs, 'route', 'add', '10.1.0.0/24', 'dev', 'tune', 'src', '10.2.0.1');
    ip('-n', westNs, '-6', 'route', 'add', 'fd00:2::/64', 'dev', 'tunw', 'src', 'fd00:1::1');
    ip('-n', eastNs, '-6', 'route', 'add', 'fd00:1::/64', 'dev', 'tune', 'src', 'fd00:2::1');
    if (options.transport) {
      // The peer's host address into the TUN (table 100), except the data path's own ESP-in-UDP (sport 4500).
      for (const [ns, tun, me, peer] of [[westNs, 'tunw', westOuter, eastOuter], [eastNs, 'tune', eastOuter, westSeen]] as const) {
        const family = peer.includes(':') ? '-6' : '-4';
        ip('-n', ns, family, 'rule', 'add', 'ipproto', 'udp', 'sport', '4500', 'lookup', 'main', 'pref', '100');
        ip('-n', ns, family, 'route', 'add', host(peer), 'dev', tun, 'src', me, 'table', '100');
        ip('-n', ns, family, 'rule', 'add', 'to', host(peer), 'lookup', '100', 'pref', '200');
      }
    }
    return await run({ west, east, westNs, eastNs, westToEast: { spi: spiWE, key: keyWE }, westOuter, eastOuter });
  } finally {
    for (const c of children) {
      c.stdin.end();
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        const timer = setTimeout(() => c.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
    }
    await pair.destroy();
  }
}
