// A child process holding one Datapath with static SAs and an 'ipsec' policy, driven by JSON lines on stdin and
// reporting on stdout: the datapath netns tests run one in each namespace
// (`ip netns exec NAME node datapath-peer.js CONFIG-JSON`). Not a test itself.
import { createInterface } from 'node:readline';

import { createDatapath, type DatapathEvent } from '../../src/native/datapath';
import { ESP_ENCR, ESP_INTEG } from '../../src/native/esp';
import { secretFrom } from '../../src/native/secret';

export interface PeerConfig {
  tunName: string;
  localAddress: string;
  remoteAddress: string;
  port: number;
  remotePort: number;
  offload: boolean;
  /** TUN queues (worker pairs); absent = the data path's default. */
  queues?: number;
  /** The inbound SAs' replay window; default 1024. */
  replayWindow?: number;
  /** Inner subnets. */
  localSubnet: string;
  remoteSubnet: string;
  outSpi: number;
  inSpi: number;
  /** AES-GCM-16-128 keymat (key ‖ salt), hex, per direction. */
  outKey: string;
  inKey: string;
  /** Optional lifetimes on the outbound SA. */
  outLifetimes?: { softPackets?: number; hardPackets?: number; softBytes?: number; hardBytes?: number };
  /**
   * Transport-mode SAs (reqid 3) between host addresses: `out` is the outbound policy's selector, `in` the inbound
   * SA's (the addresses as the peer puts them in its packets), `remoteAddress` where the outbound SA sends.
   */
  transport?: { out: HostPair; in: HostPair; remoteAddress: string; outSpi: number; inSpi: number; outKey: string; inKey: string };
  /** A second pair of SAs (reqid 2) for IPv6 inner subnets over the same outer addresses. */
  v6?: { localSubnet: string; remoteSubnet: string; outSpi: number; inSpi: number; outKey: string; inKey: string };
}

interface HostPair {
  src: string;
  dst: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as PeerConfig;
const events: DatapathEvent[] = [];
const print = (m: object): void => {
  process.stdout.write(`${JSON.stringify(m)}\n`);
};

const dp = createDatapath(
  { tunName: config.tunName, localAddress: config.localAddress, port: config.port, offload: config.offload, queues: config.queues },
  (batch) => {
    for (const e of batch) {
      events.push(e);
      print({ event: e.type, ...(e.type === 'ike' ? { message: e.message.toString('hex'), address: e.address, port: e.port } : e) });
    }
  },
);
dp.start();
const common = { encr: ESP_ENCR.AES_GCM_16, keyBits: 128, integ: ESP_INTEG.NONE, esn: true, replayWindow: config.replayWindow ?? 1024, reqid: 1 };
dp.addSa({
  ...common, spi: config.outSpi, direction: 'out', encrKeymat: secretFrom(Buffer.from(config.outKey, 'hex')),
  remoteAddress: config.remoteAddress, remotePort: config.remotePort, dst: config.remoteAddress,
  selector: { src: config.localSubnet, dst: config.remoteSubnet, proto: 0, srcPort: 0, dstPort: 0 },
  lifetimes: config.outLifetimes,
});
dp.addSa({
  ...common, spi: config.inSpi, direction: 'in', encrKeymat: secretFrom(Buffer.from(config.inKey, 'hex')),
  remoteAddress: config.remoteAddress, remotePort: config.remotePort, dst: config.localAddress,
  selector: { src: config.remoteSubnet, dst: config.localSubnet, proto: 0, srcPort: 0, dstPort: 0 },
});
dp.addPolicy({ selector: { src: config.localSubnet, dst: config.remoteSubnet, proto: 0, srcPort: 0, dstPort: 0 }, direction: 'out', action: 'ipsec', priority: 100, reqid: 1 });
const v6 = config.v6;
if (v6) {
  const outSel = { src: v6.localSubnet, dst: v6.remoteSubnet, proto: 0, srcPort: 0, dstPort: 0 };
  dp.addSa({
    ...common, reqid: 2, spi: v6.outSpi, direction: 'out', encrKeymat: secretFrom(Buffer.from(v6.outKey, 'hex')),
    remoteAddress: config.remoteAddress, remotePort: config.remotePort, dst: config.remoteAddress, selector: outSel,
  });
  dp.addSa({
    ...common, reqid: 2, spi: v6.inSpi, direction: 'in', encrKeymat: secretFrom(Buffer.from(v6.inKey, 'hex')),
    remoteAddress: config.remoteAddress, remotePort: config.remotePort, dst: config.localAddress,
    selector: { src: v6.remoteSubnet, dst: v6.localSubnet, proto: 0, srcPort: 0, dstPort: 0 },
  });
  dp.addPolicy({ selector: outSel, direction: 'out', action: 'ipsec', priority: 100, reqid: 2 });
}
const tr = config.transport;
if (tr) {
  const sel = (h: HostPair): { src: string; dst: string; proto: number; srcPort: number; dstPort: number } => ({ ...h, proto: 0, srcPort: 0, dstPort: 0 });
  const t = { ...common, reqid: 3, mode: 'transport' as const, remoteAddress: tr.remoteAddress, remotePort: config.remotePort };
  dp.addSa({ ...t, spi: tr.outSpi, direction: 'out', encrKeymat: secretFrom(Buffer.from(tr.outKey, 'hex')), dst: tr.remoteAddress, selector: sel(tr.out) });
  dp.addSa({ ...t, spi: tr.inSpi, direction: 'in', encrKeymat: secretFrom(Buffer.from(tr.inKey, 'hex')), dst: config.localAddress, selector: sel(tr.in) });
  dp.addPolicy({ selector: sel(tr.out), direction: 'out', action: 'ipsec', priority: 100, reqid: 3 });
}
print({ event: 'ready', info: dp.info() });

interface Request { id: number; op: string; message?: string; address?: string; port?: number; policy?: Parameters<typeof dp.addPolicy>[0] }
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const r = JSON.parse(line) as Request;
    try {
      let result: unknown;
      if (r.op === 'counters') {
        result = {
          global: dp.counters(), out: dp.saCounters(config.outSpi, 'out'), in: dp.saCounters(config.inSpi, 'in'),
          ...(tr ? { transportOut: dp.saCounters(tr.outSpi, 'out'), transportIn: dp.saCounters(tr.inSpi, 'in') } : {}),
        };
      } else if (r.op === 'info') result = dp.info();
      else if (r.op === 'sendIke') dp.sendIke(Buffer.from(r.message ?? '', 'hex'), r.address ?? '', r.port ?? 0);
      else if (r.op === 'addPolicy' && r.policy) dp.addPolicy(r.policy);
      else if (r.op === 'policyPackets' && r.policy) result = dp.policyPackets(r.policy.selector, r.policy.direction) ?? null;
      else if (r.op === 'delSa') dp.delSa(config.outSpi, 'out');
      else throw new Error(`unknown op ${r.op}`);
      print({ id: r.id, result: result ?? null });
    } catch (e) {
      print({ id: r.id, error: (e as Error).message });
    }
  })
  .on('close', () => {
    dp.stop();
    process.exit(0);
  });
