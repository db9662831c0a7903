// What this kernel can carry, probed at daemon start: NETLINK_XFRM (policies), kernel ESP (an SA add),
// PF_KEY (an AF_KEY socket). The ESP probe installs a marked SA no packet can match and deletes it at
// once; a kernel without ESP refuses it with EPROTONOSUPPORT ("Requested type not found").
import { randomBytes, randomInt } from 'node:crypto';

import { probeSocket, strerror } from '../native/netlink';
import { secretFrom } from '../native/secret';
import { EncrId, IntegId } from '../ikev2/constants';
import { KernelError, KernelUnsupportedError } from './errors';
import type { KernelSa } from './kernel';
import { XfrmKernel } from './xfrm/xfrm-kernel';

const AF_KEY = 15;
const SOCK_RAW = 3;
const PF_KEY_V2 = 2;

export interface KernelCapabilities {
  /** A NETLINK_XFRM socket opens (policies can be programmed). */
  xfrm: boolean;
  /** The kernel accepts an ESP SA (it can carry ESP itself). */
  esp: boolean;
  /** An AF_KEY (PF_KEY v2) socket opens. */
  pfkey: boolean;
  /** Why each answer is what it is, for the daemon's log. */
  reasons: { xfrm: string; esp: string; pfkey: string };
}

/** The SA the ESP probe installs: documentation addresses, a mark no packet carries, AES-CBC + SHA-256. */
function probeSa(): KernelSa {
  return {
    spi: randomInt(0x10000000, 0x7fffffff),
    src: '192.0.2.253',
    dst: '192.0.2.254',
    proto: 'esp',
    mode: 'tunnel',
    reqid: 0,
    encr: { id: EncrId.AES_CBC, keyBits: 128, keymat: secretFrom(randomBytes(16)) },
    integ: { id: IntegId.HMAC_SHA2_256_128, key: secretFrom(randomBytes(32)) },
    esn: false,
    replayWindow: 0,
    selector: { src: '192.0.2.253/32', dst: '192.0.2.254/32', proto: 0, srcPort: 0, dstPort: 0 },
    lifetimes: { softBytes: 0, hardBytes: 0, softPackets: 0, hardPackets: 0, softSeconds: 0, hardSeconds: 10 },
    mark: { value: 0x5a5a0e5b, mask: 0xffffffff },
    direction: 'in',
  };
}

async function probeEsp(kernel: XfrmKernel): Promise<{ esp: boolean; reason: string }> {
  const sa = probeSa();
  try {
    await kernel.addSa(sa);
  } catch (err) {
    if (err instanceof KernelUnsupportedError) return { esp: false, reason: `an ESP SA add was refused: ${err.message}` };
    if (err instanceof KernelError) return { esp: false, reason: `an ESP SA add failed: ${err.message}` };
    throw err;
  } finally {
    sa.encr.keymat.wipe();
    sa.integ?.key.wipe();
  }
  // It is in: take it out again (its 10 s hard lifetime removes it anyway if this fails).
  await kernel.delSa(sa.spi, sa.dst).catch(() => undefined);
  return { esp: true, reason: 'an ESP SA (AES-CBC + HMAC-SHA2-256) was accepted and removed' };
}

/** Probes the kernel of the current network namespace. Never throws for a missing feature. */
export async function detectKernel(): Promise<KernelCapabilities> {
  const pfErrno = probeSocket(AF_KEY, SOCK_RAW, PF_KEY_V2);
  const pfkey = pfErrno === 0;
  const pfReason = pfkey ? 'an AF_KEY socket opened' : `socket(AF_KEY): ${strerror(pfErrno)}`;

  let kernel: XfrmKernel;
  try {
    kernel = new XfrmKernel();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { xfrm: false, esp: false, pfkey, reasons: { xfrm: why, esp: 'no NETLINK_XFRM socket to try an SA with', pfkey: pfReason } };
  }
  try {
    const { esp, reason } = await probeEsp(kernel);
    return { xfrm: true, esp, pfkey, reasons: { xfrm: 'a NETLINK_XFRM socket opened', esp: reason, pfkey: pfReason } };
  } finally {
    await kernel.close();
  }
}
