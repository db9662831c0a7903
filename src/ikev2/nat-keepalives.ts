// Which NAT-T keep-alives run (RFC 3948 §2.3, ipsec_pluto(8) --keep-alive): one per pair of endpoints used
// by an established IKE SA whose own end is behind a NAT (it moved to port 4500) and whose conn has
// nat-keepalive=yes. A real NAT only, as detected: encapsulation=yes (and the userspace data path, which
// forces it) pretends NAT to float to 4500, but with no NAT in front of us there is no mapping to keep. Recomputed from the live SAs after every change, so a rekey (a new SA on the same
// endpoints), a NAT rebinding (new endpoints) and an SA's death each start or stop exactly what they must.
import { DEFAULT_KEEPALIVE_SECONDS } from '../net/keepalives';
import type { Endpoint, KeepaliveControl } from './engine-api';
import { IkeState, type IkeSa } from './ike-sa';

const key = (local: Endpoint, remote: Endpoint): string => `${local.address}|${local.port}|${remote.address}|${remote.port}`;

export class NatKeepalives {
  private readonly running = new Map<string, { local: Endpoint; remote: Endpoint }>();

  constructor(private readonly control: KeepaliveControl | undefined, private readonly intervalSeconds = DEFAULT_KEEPALIVE_SECONDS) {}

  /** True when this SA needs keep-alives. */
  static wanted(sa: IkeSa): boolean {
    return (sa.state === IkeState.ESTABLISHED || sa.state === IkeState.DELETING) && sa.localNatDetected && sa.conn.natKeepalive;
  }

  sync(sas: Iterable<IkeSa>): void {
    if (this.control === undefined || this.intervalSeconds <= 0) return;
    const wanted = new Map<string, { local: Endpoint; remote: Endpoint }>();
    for (const sa of sas) if (NatKeepalives.wanted(sa)) wanted.set(key(sa.local, sa.remote), { local: { ...sa.local }, remote: { ...sa.remote } });
    for (const [k, e] of this.running) {
      if (wanted.has(k)) continue;
      this.running.delete(k);
      this.control.stop(e.local, e.remote);
    }
    for (const [k, e] of wanted) {
      if (this.running.has(k)) continue;
      this.running.set(k, e);
      this.control.start(e.local, e.remote, this.intervalSeconds);
    }
  }
}
