// Which Kernel the daemon drives, chosen at start from what the kernel can do (detect.ts):
//   - kernel ESP available (an ESP SA add is accepted): XfrmKernel;
//   - otherwise: the userspace ESP data path (UserspaceKernel: TUN + ESP-in-UDP on one address's NAT-T port);
//   - --use-xfrm forces the kernel: without kernel ESP the start fails and names what is missing;
//   - --use-bsdkame: PfkeyKernel (refuses to start without AF_KEY, as before).
// Test-only knob: SWANLET_TEST_KERNEL=recording (environment) keeps SAs and policies in a RecordingKernel, so
// tests that only negotiate can run several daemons in one namespace without a TUN or routes each; no packet
// moves then, and the daemon logs that it is a test knob.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

import { detectKernel, type KernelCapabilities } from './detect';
import type { Kernel } from './kernel';
import { PfkeyKernel } from './pfkey';
import { RecordingKernel } from './recording';
import { UserspaceKernel } from './userspace';
import { XfrmKernel } from './xfrm/xfrm-kernel';

/** What the command line / config asked for: 'auto' is the default probe-and-choose. */
export type KernelRequest = 'auto' | 'xfrm' | 'bsd';

/** The environment variable of the test-only recording kernel. */
export const TEST_KERNEL_ENV = 'SWANLET_TEST_KERNEL';

/** TUN names tried in order for the data path: the first free ipsecN. */
export const TUN_PREFIX = 'ipsec';
const MAX_TUN_INDEX = 64;

export interface KernelSelection {
  kernel: Kernel;
  /** Set when the kernel is the userspace data path (the daemon wires its NAT-T port and IKE to it). */
  userspace?: UserspaceKernel;
  /** For the log line "using kernel interface: ...". */
  description: string;
}

export interface SelectOptions {
  request: KernelRequest;
  /** Where the userspace data path binds its ESP-in-UDP socket (port 0: the kernel picks). */
  datapath: { localAddress: string; port: number };
  env?: NodeJS.ProcessEnv;
  /** The probe (tests may substitute one). */
  detect?: () => Promise<KernelCapabilities>;
}

export class KernelSelectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelSelectError';
  }
}

/**
 * A random first SPI, as the kernel's allocspi picks them: with a fixed start, two daemons on one address
 * (each with its own RecordingKernel) hand out the same SPI, so the outbound SA one installs collides with
 * its own inbound SA (same SPI, same destination: "add SA: File exists").
 */
function randomFirstSpi(): number {
  return 0x100 + (crypto.randomBytes(4).readUInt32BE(0) % (0xffffffff - 0x100 - 0x100000));
}

function tunExists(name: string): boolean {
  return fs.existsSync(`/sys/class/net/${name}`);
}

/**
 * Starts the userspace data path on the first ipsecN that is free. A name taken meanwhile by another
 * daemon (TUNSETIFF: busy) moves on to the next one; any other failure is the answer.
 */
export function startUserspaceKernel(localAddress: string, port: number): UserspaceKernel {
  let lastError = '';
  for (let i = 0; i < MAX_TUN_INDEX; i++) {
    const tunName = `${TUN_PREFIX}${i}`;
    if (tunExists(tunName)) continue;
    const kernel = new UserspaceKernel({ tunName, localAddress, port });
    try {
      kernel.start();
      return kernel;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      void kernel.close().catch(() => undefined);
      if (/TUNSETIFF/.test(lastError) && /busy|exists/i.test(lastError)) continue;
      throw new KernelSelectError(`the userspace data path (TUN ${tunName}, ESP-in-UDP on ${localAddress}:${port}) did not start: ${lastError}`);
    }
  }
  throw new KernelSelectError(`the userspace data path found no free TUN name ${TUN_PREFIX}0..${TUN_PREFIX}${MAX_TUN_INDEX - 1}${lastError ? ` (${lastError})` : ''}`);
}

export async function selectKernel(o: SelectOptions): Promise<KernelSelection> {
  const env = o.env ?? process.env;
  const test = env[TEST_KERNEL_ENV];
  if (test !== undefined && test !== '') {
    if (test !== 'recording') throw new KernelSelectError(`${TEST_KERNEL_ENV}=${test}: the only test kernel is "recording"`);
    return {
      kernel: new RecordingKernel({ firstSpi: randomFirstSpi() }),
      description: `recording (${TEST_KERNEL_ENV}=recording: a test-only knob; SAs are recorded, no packet moves)`,
    };
  }
  if (o.request === 'bsd') return { kernel: new PfkeyKernel(), description: 'bsdkame (PF_KEY v2)' };
  const caps = await (o.detect ?? detectKernel)();
  if (caps.esp) return { kernel: new XfrmKernel(), description: `xfrm (kernel ESP: ${caps.reasons.esp})` };
  const missing = caps.xfrm ? `kernel refused an ESP SA: ${caps.reasons.esp}` : `no NETLINK_XFRM: ${caps.reasons.xfrm}`;
  if (o.request === 'xfrm') {
    throw new KernelSelectError(`--use-xfrm: this kernel cannot carry ESP (${missing}); without --use-xfrm pluto uses its userspace ESP data path`);
  }
  const userspace = startUserspaceKernel(o.datapath.localAddress, o.datapath.port);
  return { kernel: userspace, userspace, description: `userspace ESP (${missing})` };
}
