// Which Kernel the daemon drives. Until the userspace data path lands (issue 6) the daemon keeps its SAs
// and policies in a RecordingKernel: negotiation is real, no packet moves. detect.ts and XfrmKernel are
// ready for the choice (xfrm when the kernel has ESP, else the userspace path).
import * as crypto from 'node:crypto';

import type { Kernel } from './kernel';
import { PfkeyKernel } from './pfkey';
import { RecordingKernel } from './recording';

/**
 * A random first SPI, as the kernel's allocspi picks them: with a fixed start, two daemons on one address
 * (each with its own RecordingKernel) hand out the same SPI, so the outbound SA one installs collides with
 * its own inbound SA (same SPI, same destination: "add SA: File exists").
 */
function randomFirstSpi(): number {
  return 0x100 + (crypto.randomBytes(4).readUInt32BE(0) % (0xffffffff - 0x100 - 0x100000));
}

/**
 * --use-bsdkame asks for PF_KEY: on a kernel without AF_KEY (Linux here) PfkeyKernel throws a KernelError
 * that says so, and pluto refuses to start rather than pretend.
 */
export function createKernel(protostack: 'xfrm' | 'bsd'): Kernel {
  if (protostack === 'bsd') return new PfkeyKernel();
  return new RecordingKernel({ firstSpi: randomFirstSpi() });
}
