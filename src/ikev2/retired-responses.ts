// The last answers of IKE SAs that are gone. RFC 7296 §2.1: a retransmitted request is answered with the
// response already sent; that holds for the request that ended the SA too (the peer's IKE SA DELETE, our
// answer lost on the way or dropped by the peer). Without it the peer retransmits into the void and keeps
// its SA in a deleting state until its own retransmit timeout (strongSwan: minutes). Only a byte-identical
// copy of the request answered last is answered (a retransmission is one): the keys are wiped with the SA,
// so a forged request cannot be told apart otherwise, and a replay only gets the reply already on the wire.
import type { Clock, Datagram } from './engine-api';
import { hex } from './messages';

/** How many retired SAs are remembered at most (the oldest go first). */
const MAX_RETIRED = 256;

export interface RetiredResponse {
  /** Our own SPI (the one a request from the peer carries as ours). */
  localSpi: Uint8Array;
  messageId: number;
  /** The request answered, as it arrived. */
  request: Uint8Array;
  /** The response sent, every fragment. */
  datagrams: readonly Uint8Array[];
  /** How long to keep answering (the conn's retransmit-timeout: the peer gives up by then). */
  keepMs: number;
}

interface Entry extends RetiredResponse {
  expiresAt: number;
}

export class RetiredResponses {
  private readonly byLocalSpi = new Map<string, Entry>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  add(r: RetiredResponse): void {
    this.prune();
    const key = hex(r.localSpi);
    this.byLocalSpi.delete(key);
    this.byLocalSpi.set(key, { ...r, expiresAt: this.clock.now() + r.keepMs });
    while (this.byLocalSpi.size > MAX_RETIRED) {
      const oldest = this.byLocalSpi.keys().next().value as string;
      this.byLocalSpi.delete(oldest);
    }
  }

  /** The cached response when `dg` repeats the request a retired SA (ours: `localSpi`) answered last. */
  answerFor(localSpi: Uint8Array, dg: Datagram): readonly Uint8Array[] | undefined {
    this.prune();
    const e = this.byLocalSpi.get(hex(localSpi));
    if (e === undefined || !Buffer.from(e.request).equals(Buffer.from(dg.data.buffer, dg.data.byteOffset, dg.data.byteLength))) return undefined;
    return e.datagrams;
  }

  get size(): number {
    return this.byLocalSpi.size;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [k, e] of this.byLocalSpi) if (e.expiresAt <= now) this.byLocalSpi.delete(k);
  }
}
