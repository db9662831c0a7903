// Request/reply over a NETLINK_XFRM socket: sequence numbers, ACKs, single replies, multi-part dumps
// ending in NLMSG_DONE, and NLMSG_ERROR turned into a typed KernelError.
import { NETLINK_XFRM, NetlinkSocket, strerror, type NetlinkSocketError } from '../../native/netlink';
import { KernelError, KernelUnsupportedError } from '../errors';
import { NLMSG, NLM_F } from './constants';
import { parseErrorReply, splitMessages, type EncodedRequest, type NetlinkMessage } from './nlmsg';

const EPERM = 1;
const ENOENT = 2;
const ESRCH = 3;
const EEXIST = 17;
const ENOSYS = 38;
const EPROTONOSUPPORT = 93;

interface Pending {
  operation: string;
  installsSa: boolean;
  dump: boolean;
  ack: boolean;
  replies: NetlinkMessage[];
  timer: NodeJS.Timeout;
  resolve: (replies: NetlinkMessage[]) => void;
  reject: (err: Error) => void;
}

/** The typed error for a kernel's errno answer to `operation`. */
export function kernelErrorFor(operation: string, errno: number, kernelMessage: string | undefined, installsSa: boolean): KernelError {
  const text = `${operation}: ${strerror(errno)}${kernelMessage ? ` (${kernelMessage})` : ''}`;
  if (installsSa && errno === EPROTONOSUPPORT) return new KernelUnsupportedError(operation, 'esp', `${text}: this kernel has no ESP`, errno, kernelMessage);
  if (installsSa && errno === ENOSYS) return new KernelUnsupportedError(operation, 'algorithm', `${text}: this kernel lacks the SA's algorithm`, errno, kernelMessage);
  const code = errno === ENOENT || errno === ESRCH ? 'ERR_KERNEL_NOT_FOUND' : errno === EEXIST ? 'ERR_KERNEL_EXISTS' : errno === EPERM ? 'ERR_KERNEL_PERMISSION' : 'ERR_KERNEL_REQUEST';
  return new KernelError(code, operation, text, errno, kernelMessage);
}

export interface XfrmChannelOptions {
  /** How long a request may wait for the kernel (ms); the kernel answers at once, so this is a safety net. */
  timeoutMs?: number;
}

export class XfrmChannel {
  private readonly socket: NetlinkSocket;
  private readonly pending = new Map<number, Pending>();
  private seq: number;
  private readonly timeoutMs: number;

  /** Throws a KernelError (ERR_KERNEL_NO_XFRM) when NETLINK_XFRM cannot be opened. */
  constructor(options: XfrmChannelOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.seq = Math.floor(Date.now() / 1000) >>> 0;
    try {
      this.socket = new NetlinkSocket(NETLINK_XFRM, (err, datagram) => this.onDatagram(err, datagram));
    } catch (err) {
      const e = err as Partial<NetlinkSocketError>;
      throw new KernelError('ERR_KERNEL_NO_XFRM', 'open NETLINK_XFRM', `cannot open a NETLINK_XFRM socket: ${e.message ?? String(err)}`, e.errno ?? 0);
    }
    this.socket.unref();
  }

  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  /**
   * Sends `req` and resolves with the kernel's reply messages: none for an ACKed request, one for a
   * GET/ALLOCSPI, every part for a dump. A NLMSG_ERROR rejects with a KernelError.
   */
  request(req: EncodedRequest, operation: string, installsSa = false): Promise<NetlinkMessage[]> {
    return new Promise<NetlinkMessage[]>((resolve, reject) => {
      if (this.socket.closed) {
        reject(new KernelError('ERR_KERNEL_CLOSED', operation, `${operation}: the XFRM socket is closed`));
        return;
      }
      const timer = setTimeout(() => this.settle(req.seq, new KernelError('ERR_KERNEL_TIMEOUT', operation, `${operation}: no answer from the kernel in ${this.timeoutMs} ms`)), this.timeoutMs);
      const entry: Pending = {
        operation,
        installsSa,
        dump: (req.flags & NLM_F.DUMP) === NLM_F.DUMP,
        ack: (req.flags & NLM_F.ACK) !== 0,
        replies: [],
        timer,
        resolve,
        reject,
      };
      this.pending.set(req.seq, entry);
      this.socket.ref();
      try {
        this.socket.send(req.bytes, req.patches);
      } catch (err) {
        const e = err as Partial<NetlinkSocketError>;
        this.settle(req.seq, new KernelError('ERR_KERNEL_REQUEST', operation, `${operation}: ${e.message ?? String(err)}`, e.errno ?? 0));
      }
    });
  }

  close(): void {
    for (const seq of [...this.pending.keys()]) this.settle(seq, new KernelError('ERR_KERNEL_CLOSED', 'close', 'the XFRM socket was closed'));
    this.socket.close();
  }

  private settle(seq: number, outcome: Error | NetlinkMessage[]): void {
    const entry = this.pending.get(seq);
    if (!entry) return;
    this.pending.delete(seq);
    clearTimeout(entry.timer);
    if (this.pending.size === 0 && !this.socket.closed) this.socket.unref();
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  private onDatagram(err: NetlinkSocketError | null, datagram: Buffer | null): void {
    if (err || !datagram) {
      const e = new KernelError('ERR_KERNEL_REQUEST', 'receive', `receiving from NETLINK_XFRM: ${err?.message ?? 'no data'}`, err?.errno ?? 0);
      for (const seq of [...this.pending.keys()]) this.settle(seq, e);
      return;
    }
    let messages: NetlinkMessage[];
    try {
      messages = splitMessages(datagram);
    } catch {
      return; // a malformed datagram cannot be matched to a request; the request times out
    }
    for (const msg of messages) {
      const entry = this.pending.get(msg.seq);
      if (!entry || msg.pid !== this.socket.portId) continue;
      if (msg.type === NLMSG.ERROR) {
        let reply;
        try {
          reply = parseErrorReply(msg);
        } catch (e) {
          this.settle(msg.seq, e as Error);
          continue;
        }
        if (reply.errno === 0) this.settle(msg.seq, entry.replies);
        else this.settle(msg.seq, kernelErrorFor(entry.operation, reply.errno, reply.message, entry.installsSa));
      } else if (msg.type === NLMSG.DONE) {
        this.settle(msg.seq, entry.replies);
      } else if (msg.type !== NLMSG.NOOP && msg.type !== NLMSG.OVERRUN) {
        entry.replies.push({ ...msg, payload: Buffer.from(msg.payload) });
        if (!entry.dump && !entry.ack) this.settle(msg.seq, entry.replies);
      }
    }
  }
}
