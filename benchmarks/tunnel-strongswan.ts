// Project benchmark: TCP throughput through an IPsec tunnel between two strongSwan charons with their
// userspace ESP (kernel-libipsec, ESP in UDP 4500, AES-128-GCM), measured with iperf3 between the inner
// subnets of two network namespaces. This is the reference swanlet's own data path will be compared with
// (issue 6: 10x this figure is the target). The bare veth, measured in the same run, is the ceiling.
import type { HostPair } from '../test/helpers/netns';
import { createHostPair } from '../test/helpers/netns';
import { ensurePackages, IPERF_PACKAGES, STRONGSWAN_PACKAGES } from '../test/helpers/packages';
import { startCharon, type Charon, type SwanctlConfig } from '../test/helpers/strongswan';
import { ratio, type BenchRow, type Trial, type TrialOptions } from '../src/benchmark/types';

const PORT = 5201;

function tunnelConfig(pair: HostPair, me: 'west' | 'east'): SwanctlConfig {
  const [a, b] = me === 'west' ? [pair.west, pair.east] : [pair.east, pair.west];
  return {
    connections: [
      {
        name: 'bench',
        localAddrs: [a.outer],
        remoteAddrs: [b.outer],
        proposals: ['aes128gcm16-prfsha256-x25519'],
        local: { auth: 'psk', id: `@${a.side}` },
        remote: { auth: 'psk', id: `@${b.side}` },
        children: [{ name: 'net', localTs: [a.innerSubnet], remoteTs: [b.innerSubnet], espProposals: ['aes128gcm16'] }],
      },
    ],
    secrets: { psk: [{ ids: ['@west', '@east'], secret: 'benchmark-psk-not-secret' }] },
  };
}

interface IperfResult {
  end?: { sum_received?: { bits_per_second?: number }; sum_sent?: { bits_per_second?: number } };
  error?: string;
}

/** One iperf3 TCP run from west (bound to `from`) to a one-off server in east bound to `to`; Mbit/s received. */
export async function iperf(pair: HostPair, from: string, to: string, seconds: number): Promise<number> {
  const server = pair.spawn('east', 'iperf3', ['-s', '-1', '--forceflush', '-B', to, '-p', String(PORT)]);
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`iperf3 server did not start: ${out}`)), 10_000);
      server.stdout?.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('Server listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`iperf3 server exited (${code}): ${out}`));
      });
    });
    const r = await pair.exec('west', 'iperf3', ['-c', to, '-B', from, '-p', String(PORT), '-t', String(seconds), '-O', '1', '-J'], {
      timeoutMs: (seconds + 20) * 1000,
    });
    let parsed: IperfResult;
    try {
      parsed = JSON.parse(r.stdout) as IperfResult;
    } catch {
      throw new Error(`iperf3 printed no JSON (code ${r.code}): ${r.stdout.slice(0, 300)}${r.stderr}`);
    }
    const bps = parsed.end?.sum_received?.bits_per_second;
    if (parsed.error || r.code !== 0 || typeof bps !== 'number') throw new Error(`iperf3 ${from} -> ${to} failed: ${parsed.error ?? r.stderr}`);
    return bps / 1e6;
  } finally {
    server.kill('SIGKILL');
  }
}

/** strongSwan <-> strongSwan (kernel-libipsec) TCP throughput, and the bare veth's, in Mbit/s, measured now. */
export async function measureStrongswanTunnel(seconds: number): Promise<{ tunnel: number; veth: number }> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new Error('needs root (network namespaces)');
  const missing = ensurePackages([...STRONGSWAN_PACKAGES, ...IPERF_PACKAGES]);
  if (missing) throw new Error(missing);
  const pair = createHostPair({ prefix: 'swlbench' });
  let west: Charon | undefined;
  let east: Charon | undefined;
  try {
    const veth = await iperf(pair, pair.west.outer, pair.east.outer, seconds);
    west = await startCharon(pair, 'west', { logLevels: { default: 0, ike: 1 } });
    east = await startCharon(pair, 'east', { logLevels: { default: 0, ike: 1 } });
    west.writeConfig(tunnelConfig(pair, 'west'));
    east.writeConfig(tunnelConfig(pair, 'east'));
    await west.loadAll();
    await east.loadAll();
    await west.initiate('net');
    const tunnel = await iperf(pair, pair.west.inner, pair.east.inner, seconds);
    const sa = (await west.listSas())[0]?.children[0];
    if (!sa || sa.bytesOut < 1e6) throw new Error(`the iperf3 traffic did not go through the tunnel (CHILD_SA bytes out: ${sa?.bytesOut})`);
    return { tunnel, veth };
  } finally {
    await west?.stop();
    await east?.stop();
    await pair.destroy();
  }
}

export function tunnelSeconds(options: TrialOptions): number {
  return Math.max(3, Math.min(30, Math.round(options.seconds * 3)));
}

async function run(options: TrialOptions): Promise<BenchRow[]> {
  const seconds = tunnelSeconds(options);
  const { tunnel, veth } = await measureStrongswanTunnel(seconds);
  return [
    {
      name: 'TCP through the tunnel, strongSwan <-> strongSwan (kernel-libipsec)',
      unit: 'Mbit/s',
      ours: tunnel,
      reference: veth,
      referenceName: 'iperf3 over the bare veth, same run',
      ratio: ratio(tunnel, veth),
      note: `strongSwan's userspace ESP, AES-128-GCM in UDP 4500, iperf3 TCP ${seconds} s; the figure our data path is compared with`,
    },
  ];
}

export const tunnelStrongswanTrial: Trial = {
  name: 'tunnel-strongswan',
  description: 'TCP through a strongSwan <-> strongSwan tunnel (kernel-libipsec), iperf3',
  run,
};
