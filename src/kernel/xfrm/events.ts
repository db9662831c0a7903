// The kernel's XFRM notifications (multicast groups ACQUIRE and EXPIRE) as KernelEvents.
import type { KernelEvent, PolicyDirection } from '../kernel';
import { SIZE, XFRM_MSG } from './constants';
import type { NetlinkMessage } from './nlmsg';
import { XfrmCodecError, familyOfAf, readAddress, readSelector } from './structs';

const DIRS: readonly PolicyDirection[] = ['in', 'out', 'fwd'];

function direction(dir: number): PolicyDirection {
  const d = DIRS[dir];
  if (d === undefined) throw new XfrmCodecError(`policy direction ${dir} is not in/out/fwd`);
  return d;
}

/**
 * XFRM_MSG_ACQUIRE (struct xfrm_user_acquire: the packet's selector, and the policy that wants an SA),
 * XFRM_MSG_EXPIRE (struct xfrm_user_expire: the SA and `hard`), XFRM_MSG_POLEXPIRE (struct
 * xfrm_user_polexpire). Other XFRM messages (SA/policy change notices) give undefined.
 */
export function decodeEvent(msg: NetlinkMessage): KernelEvent | undefined {
  const p = msg.payload;
  switch (msg.type) {
    case XFRM_MSG.ACQUIRE:
      if (p.length < SIZE.userAcquire) throw new XfrmCodecError(`ACQUIRE of ${p.length} bytes is shorter than xfrm_user_acquire`);
      return { type: 'acquire', selector: readSelector(p, 40), policyDirection: direction(p.readUInt8(96 + 160)) };
    case XFRM_MSG.EXPIRE: {
      if (p.length < SIZE.userExpire) throw new XfrmCodecError(`EXPIRE of ${p.length} bytes is shorter than xfrm_user_expire`);
      const family = familyOfAf(p.readUInt16LE(212));
      return { type: 'expire', spi: p.readUInt32BE(56 + 16), dst: readAddress(p, 56, family), hard: p.readUInt8(224) !== 0 };
    }
    case XFRM_MSG.POLEXPIRE:
      if (p.length < SIZE.userPolexpire) throw new XfrmCodecError(`POLEXPIRE of ${p.length} bytes is shorter than xfrm_user_polexpire`);
      return { type: 'polexpire', selector: readSelector(p, 0), direction: direction(p.readUInt8(160)), hard: p.readUInt8(168) !== 0 };
    default:
      return undefined;
  }
}
