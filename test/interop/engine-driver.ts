// A small host for the IKEv2 engine, run inside a test namespace (`ip netns exec WEST node
// engine-driver.js --conf FILE --secrets FILE --listen ADDR`): real IKE sockets (500/4500), a real clock,
// the recording kernel, secrets from an ipsec.secrets file. It takes one JSON command a line on stdin
// ({"id":1,"cmd":"initiate","name":"tun"}; cmds: initiate, terminate, rekey, status, cross, shutdown) and prints
// JSON lines on stdout: {"id":1,"ok":true,"result":...} answers and {"event":"ikeUp",...} events. The log
// goes to stderr. It stands in for the daemon until pluto lands, so the interop tests drive the engine.
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as readline from 'node:readline';

import { parseIpsecConfText } from '../../src/config';
import type { ConnectionConfig } from '../../src/config/model';
import { orient } from '../../src/config/orientation';
import { loadSecrets } from '../../src/config/secrets';
import { IkeEngine } from '../../src/ikev2/engine';
import type { Clock, EngineDeps, Transport } from '../../src/ikev2/engine-api';
import type { KernelSa } from '../../src/kernel/kernel';
import { RecordingKernel } from '../../src/kernel/recording';
import type { Logger } from '../../src/log';
import { IkeSockets } from '../../src/net';
import { parseIkeHeader, type IkeHeader } from '../../src/ikev2/codec';
import { ExchangeType } from '../../src/ikev2/constants';

export interface DriverKernelSa {
  spi: number;
  src: string;
  dst: string;
  direction: 'in' | 'out';
  reqid: number;
  encrId: number;
  encrKeyBits: number;
  integId: number | null;
  encap: { srcPort: number; dstPort: number } | null;
  selector: { src: string; dst: string };
}

export interface DriverCommand {
  id: number;
  /**
   * cross: our next CREATE_CHILD_SA request is held until the peer's own CREATE_CHILD_SA request has come
   * in, and our answer to that until the peer's answer to ours has: both ends see the other's request while
   * their own is out (a rekey collision, RFC 7296 §2.8), whatever the load. Answered once ours is held.
   */
  cmd: 'initiate' | 'terminate' | 'rekey' | 'status' | 'shutdown' | 'cross';
  name?: string;
  what?: 'ike' | 'child';
}

/** The state of one `cross` command: what is held, what of the peer's has come in. */
interface Crossing {
  held: { request?: () => void; response?: () => void };
  seen: { request: boolean; response: boolean };
  /** Resolves the command once our request is held. */
  onHeld: () => void;
}

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`engine-driver: --${name} is required`);
  return v;
}

function out(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function kernelSa(sa: KernelSa): DriverKernelSa {
  return {
    spi: sa.spi,
    src: sa.src,
    dst: sa.dst,
    direction: sa.direction,
    reqid: sa.reqid,
    encrId: sa.encr.id,
    encrKeyBits: sa.encr.keyBits,
    integId: sa.integ?.id ?? null,
    encap: sa.encap ? { ...sa.encap } : null,
    selector: { src: sa.selector.src, dst: sa.selector.dst },
  };
}

const stamp = (): string => new Date().toISOString().slice(11, 23);
const logger: Logger = {
  error: (m) => process.stderr.write(`${stamp()} ERROR ${m}\n`),
  warn: (m) => process.stderr.write(`${stamp()} WARN ${m}\n`),
  info: (m) => process.stderr.write(`${stamp()} ${m}\n`),
  debug: (c, m) => process.stderr.write(`${stamp()} | ${c}: ${m}\n`),
};

const realClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fire) {
    const t = setTimeout(fire, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

async function main(): Promise<void> {
  const listen = arg('listen');
  const conf = parseIpsecConfText(fs.readFileSync(arg('conf'), 'utf8'), arg('conf'));
  const nssdirAt = process.argv.indexOf('--nssdir');
  const secrets = await loadSecrets(arg('secrets'), { logger, ...(nssdirAt >= 0 ? { nssdir: arg('nssdir') } : {}) });
  const kernel = new RecordingKernel({ firstSpi: 0xc0de0100 });
  let engine: IkeEngine | undefined;
  let crossing: Crossing | undefined;
  const createChild = (data: Uint8Array): IkeHeader | undefined => {
    try {
      const h = parseIkeHeader(data);
      return h.exchangeType === ExchangeType.CREATE_CHILD_SA ? h : undefined;
    } catch {
      return undefined;
    }
  };
  const sockets = new IkeSockets({
    listen: [listen],
    logger,
    onDatagram: (dg) => {
      const x = crossing;
      const h = x === undefined ? undefined : createChild(dg.data);
      if (x !== undefined && h !== undefined) {
        // Ours goes out before the engine sees theirs (and answers it).
        const kind = h.response ? 'response' : 'request';
        x.seen[kind] = true;
        const release = kind === 'request' ? x.held.request : x.held.response;
        if (release !== undefined) release();
        if (x.seen.request && x.seen.response) crossing = undefined;
      }
      engine?.receive(dg);
    },
  });
  const transport: Transport = {
    send(data, local, remote) {
      const x = crossing;
      const h = x === undefined ? undefined : createChild(data);
      if (x !== undefined && h !== undefined) {
        const kind = h.response ? 'response' : 'request';
        // Until the peer's counterpart came in (our retransmissions replace what is held).
        if (!x.seen[kind === 'request' ? 'request' : 'response']) {
          x.held[kind] = () => {
            delete x.held[kind];
            sockets.send(data, local, remote);
          };
          logger.info(`engine-driver: holding our CREATE_CHILD_SA ${kind} ${h.messageId} (cross)`);
          if (kind === 'request') x.onHeld();
          return;
        }
      }
      sockets.send(data, local, remote);
    },
  };
  const deps: EngineDeps = {
    transport,
    kernel,
    clock: realClock,
    random: (n) => randomBytes(n),
    secrets: { findPsk: (l, r) => secrets.findPsk(l, r)?.secret ?? null, findPrivateKey: (q) => secrets.findSigningKey(q) },
    logger,
    events: {
      ikeUp: (sa) => out({ event: 'ikeUp', sa }),
      ikeDown: (sa, reason) => out({ event: 'ikeDown', sa, reason }),
      childUp: (child) => out({ event: 'childUp', child }),
      childDown: (child, reason) => out({ event: 'childDown', child, reason }),
    },
    uniqueIds: true,
    ddosIkeThreshold: 25000,
    forceBusy: false,
  };
  engine = new IkeEngine(deps);
  const eng = engine;
  for (const c of conf.conns) {
    const side = orient(c, new Set([listen]));
    if (side === undefined || typeof side !== 'string') continue;
    const conn: ConnectionConfig = { ...c, local: side };
    eng.addConnection(conn);
  }
  const opened = await sockets.start();
  if (opened.failed.length > 0) throw new Error(`cannot open IKE sockets: ${JSON.stringify(opened.failed)}`);
  out({ event: 'ready', connections: eng.connectionNames(), listening: sockets.listening() });

  const run = async (c: DriverCommand): Promise<unknown> => {
    switch (c.cmd) {
      case 'initiate':
        return eng.initiate(c.name ?? '');
      case 'terminate':
        return eng.terminate(c.name ?? '');
      case 'rekey':
        return eng.rekey(c.name ?? '', c.what ?? 'child');
      case 'status':
        return { ...eng.status(), kernel: [...kernel.sas.values()].map(kernelSa), calls: kernel.calls.map((x) => x.method), sockets: sockets.counters() };
      case 'cross':
        if (crossing !== undefined) throw new Error('a crossing is already set up');
        return new Promise<null>((resolve) => {
          crossing = { held: {}, seen: { request: false, response: false }, onHeld: () => resolve(null) };
        });
      case 'shutdown':
        await eng.shutdown();
        await sockets.close();
        return null;
      default:
        throw new Error(`unknown command ${JSON.stringify(c)}`);
    }
  };
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    let c: DriverCommand;
    try {
      c = JSON.parse(line) as DriverCommand;
    } catch (e) {
      out({ id: -1, ok: false, error: `bad command line: ${(e as Error).message}` });
      return;
    }
    run(c).then(
      (result) => {
        out({ id: c.id, ok: true, result: result ?? null });
        if (c.cmd === 'shutdown') process.exit(0);
      },
      (e: unknown) => out({ id: c.id, ok: false, error: (e as Error).message ?? String(e) }),
    );
  });
  // The test closing our stdin (or dying) ends us.
  rl.on('close', () => {
    void eng.shutdown().finally(() => sockets.close().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`engine-driver: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(2);
});
