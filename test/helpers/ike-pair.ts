// Two IkeEngines in one process over a fake network that holds every datagram until the test delivers,
// drops or duplicates it; a recording kernel and a fake clock each; real crypto.
import { IkeId } from '../../src/config/id';
import { parseIpsecConfText } from '../../src/config';
import type { ConnectionConfig, Side } from '../../src/config/model';
import { IkeEngine } from '../../src/ikev2/engine';
import type { Datagram, EngineDeps, Endpoint, EngineEvents, PrivateKeyQuery } from '../../src/ikev2/engine-api';
import { parseIkeHeader } from '../../src/ikev2/codec';
import { exchangeTypeName } from '../../src/ikev2/constants';
import { silentLogger, type Logger } from '../../src/log';
import { secretCopy } from '../../src/native/secret';
import { randomBytes, type KeyObject } from 'node:crypto';
import { FakeClock } from './fake-clock';
import { RecordingKernel } from '../../src/kernel/recording';

export const ADDRESS_A = '192.0.2.1';
export const ADDRESS_B = '192.0.2.2';

export interface InFlight {
  data: Uint8Array;
  from: Endpoint;
  to: Endpoint;
}

export interface Peer {
  name: 'a' | 'b';
  address: string;
  engine: IkeEngine;
  kernel: RecordingKernel;
  events: { type: string; detail: string }[];
  /** Every line the engine logged (info, warn, error), in order. */
  log: string[];
}

export interface PairOptions {
  /** ipsec.conf text holding conn "test" (left = A, right = B); each engine gets its orientation. */
  conf: string;
  /** Overrides for the second engine's conf (e.g. a different esp=); default: the same. */
  confB?: string;
  pskA?: string;
  pskB?: string;
  forceBusyB?: boolean;
  ddosIkeThreshold?: number;
  uniqueIds?: boolean;
  logger?: Logger;
  /** Each engine's private key for signature authentication (its peer's public key goes in the conf). */
  privateKeyA?: KeyObject;
  privateKeyB?: KeyObject;
  /** Instead of privateKeyA/B: the lookup itself (e.g. a real SecretsDb's findSigningKey). */
  keyLookupA?: (q: PrivateKeyQuery) => KeyObject | null;
  keyLookupB?: (q: PrivateKeyQuery) => KeyObject | null;
  /** More conns (ipsec.conf text) for the second engine, oriented right (B is right), added after "test". */
  extraConnsB?: string;
  /** Per-ID PSKs (`local remote` as IkeId.toString() gives them -> secret); default: pskA/pskB for all. */
  psks?: Record<string, string>;
  /** Extra engine dependencies per side (keep-alives, --keep-alive, --virtual-private). */
  depsA?: Partial<EngineDeps>;
  depsB?: Partial<EngineDeps>;
}

function connFor(text: string, local: Side): ConnectionConfig {
  const conf = parseIpsecConfText(text, 'test.conf');
  const conn = conf.conns.find((c) => c.name === 'test');
  if (conn === undefined) throw new Error('the test conf needs a conn named "test"');
  return { ...conn, local };
}

/** A one-line description of a datagram, for failure messages. */
export function describe(m: InFlight): string {
  const h = parseIkeHeader(m.data);
  return `${m.from.address}:${m.from.port} -> ${m.to.address}:${m.to.port} ${exchangeTypeName(h.exchangeType)} ${h.response ? 'response' : 'request'} ${h.messageId}`;
}

export class IkePair {
  readonly clock = new FakeClock();
  readonly queue: InFlight[] = [];
  a: Peer;
  readonly b: Peer;
  /** Everything sent, in order. */
  readonly sent: InFlight[] = [];

  constructor(private readonly opts: PairOptions) {
    this.a = this.peer('a', ADDRESS_A, connFor(opts.conf, 'left'), opts.pskA ?? 'swordfish-secret', false, opts);
    this.b = this.peer('b', ADDRESS_B, connFor(opts.confB ?? opts.conf, 'right'), opts.pskB ?? 'swordfish-secret', opts.forceBusyB ?? false, opts);
  }

  private peer(name: 'a' | 'b', address: string, conn: ConnectionConfig, psk: string, forceBusy: boolean, opts: PairOptions): Peer {
    const kernel = new RecordingKernel({ firstSpi: name === 'a' ? 0xa0000100 : 0xb0000100 });
    const events: { type: string; detail: string }[] = [];
    const log: string[] = [];
    const inner = opts.logger ?? silentLogger;
    const logger: Logger = {
      error: (m) => { log.push(m); inner.error(m); },
      warn: (m) => { log.push(m); inner.warn(m); },
      info: (m) => { log.push(m); inner.info(m); },
      debug: (c, m) => inner.debug(c, m),
    };
    const psks = opts.psks;
    const findPsk = (l: IkeId, r: IkeId): ReturnType<EngineDeps['secrets']['findPsk']> => {
      if (psks === undefined) return secretCopy(Buffer.from(psk));
      const k = psks[`${l.toString()} ${r.toString()}`] ?? psks[`${r.toString()} ${l.toString()}`];
      return k === undefined ? null : secretCopy(Buffer.from(k));
    };
    const ev: EngineEvents = {
      ikeUp: (s) => events.push({ type: 'ikeUp', detail: `#${s.serial}` }),
      ikeDown: (s, r) => events.push({ type: 'ikeDown', detail: `#${s.serial} ${r}` }),
      childUp: (c) => events.push({ type: 'childUp', detail: `#${c.serial}` }),
      childDown: (c, r) => events.push({ type: 'childDown', detail: `#${c.serial} ${r}` }),
    };
    const deps: EngineDeps = {
      transport: { send: (data, local, remote) => this.push({ data: new Uint8Array(data), from: { ...local }, to: { ...remote } }) },
      kernel,
      clock: this.clock,
      random: (n) => randomBytes(n),
      secrets: {
        findPsk,
        findPrivateKey: (q) => {
          const lookup = name === 'a' ? opts.keyLookupA : opts.keyLookupB;
          return lookup !== undefined ? lookup(q) : ((name === 'a' ? opts.privateKeyA : opts.privateKeyB) ?? null);
        },
      },
      logger,
      events: ev,
      uniqueIds: opts.uniqueIds ?? true,
      ddosIkeThreshold: opts.ddosIkeThreshold ?? 25000,
      forceBusy,
      ...(name === 'a' ? opts.depsA : opts.depsB),
    };
    const engine = new IkeEngine(deps);
    engine.addConnection(conn);
    if (name === 'b' && opts.extraConnsB !== undefined) {
      for (const c of parseIpsecConfText(opts.extraConnsB, 'extra.conf').conns) engine.addConnection({ ...c, local: 'right' });
    }
    return { name, address, engine, kernel, events, log };
  }

  /**
   * A crashes and comes back: a fresh engine and kernel with conn "test" only, nothing in flight. The old
   * engine's timers die with it (it stays unreachable).
   */
  async restartA(): Promise<Peer> {
    await this.settle();
    this.queue.length = 0;
    this.a = this.peer('a', ADDRESS_A, connFor(this.opts.conf, 'left'), this.opts.pskA ?? 'swordfish-secret', false, this.opts);
    return this.a;
  }

  private push(m: InFlight): void {
    this.queue.push(m);
    this.sent.push(m);
  }

  /** Waits until neither engine has asynchronous work (DH on the helper threads, kernel calls) pending. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await this.a.engine.whenIdle();
      await this.b.engine.whenIdle();
      await new Promise((r) => setImmediate(r));
    }
  }

  private target(m: InFlight): Peer {
    if (m.to.address === this.a.address) return this.a;
    if (m.to.address === this.b.address) return this.b;
    throw new Error(`no peer at ${m.to.address}`);
  }

  /** Delivers the oldest datagram in flight (optionally rewritten) and lets both engines settle. */
  async deliver(rewrite?: (m: InFlight) => InFlight): Promise<InFlight> {
    if (this.queue.length === 0) await this.settle();
    const m0 = this.queue.shift();
    if (m0 === undefined) throw new Error('nothing in flight');
    const m = rewrite ? rewrite(m0) : m0;
    const dg: Datagram = { data: new Uint8Array(m.data), local: { ...m.to }, remote: { ...m.from } };
    this.target(m).engine.receive(dg);
    await this.settle();
    return m;
  }

  /**
   * Delivers the `n` oldest datagrams back to back, without letting the engines finish their asynchronous
   * work in between (a burst: the second arrives while the first is still being worked on), then settles.
   */
  async deliverBurst(n: number): Promise<InFlight[]> {
    if (this.queue.length < n) throw new Error(`${n} datagrams wanted, ${this.queue.length} in flight`);
    const burst = this.queue.splice(0, n);
    for (const m of burst) this.target(m).engine.receive({ data: new Uint8Array(m.data), local: { ...m.to }, remote: { ...m.from } });
    await this.settle();
    return burst;
  }

  /** Drops the oldest datagram in flight (a lost packet). */
  drop(): InFlight {
    const m = this.queue.shift();
    if (m === undefined) throw new Error('nothing in flight');
    return m;
  }

  /** Delivers until nothing is in flight (at most `limit` datagrams). */
  async run(limit = 50): Promise<InFlight[]> {
    const out: InFlight[] = [];
    await this.settle();
    while (this.queue.length > 0) {
      if (out.length >= limit) throw new Error(`still talking after ${limit} datagrams`);
      out.push(await this.deliver());
    }
    return out;
  }

  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }
}

export function conf(extra: string, left = ADDRESS_A, right = ADDRESS_B): string {
  return `conn test\n\tleft=${left}\n\tright=${right}\n\tauthby=secret\n${extra.split('\n').filter((l) => l.trim() !== '').map((l) => `\t${l.trim()}`).join('\n')}\n`;
}
