// Which Kernel the daemon drives. Until the userspace data path lands (issue 6) the daemon keeps its SAs
// and policies in a RecordingKernel: negotiation is real, no packet moves. detect.ts and XfrmKernel are
// ready for the choice (xfrm when the kernel has ESP, else the userspace path).
import type { Kernel } from './kernel';
import { RecordingKernel } from './recording';

export function createKernel(protostack: 'xfrm' | 'bsd'): Kernel {
  void protostack;
  return new RecordingKernel();
}
