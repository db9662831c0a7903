// Runs an XfrmKernel inside a network namespace for xfrm.test.ts (`ip netns exec NS node xfrm-driver.js`):
// one JSON request per stdin line, one JSON answer per stdout line, kernel events pushed as they come.
// Not a test itself (the runner only runs *.test.js).
import * as dgram from 'node:dgram';
import * as readline from 'node:readline';

import { parseIpsecConfText } from '../../src/config';
import type { ErouteArgs } from '../../src/control/eroute-wire';
import { ConnectionDb } from '../../src/daemon/connections';
import { runEroute } from '../../src/daemon/eroute';
import { OnDemand } from '../../src/daemon/on-demand';
import type { IkeEngineApi, InitiateResult } from '../../src/ikev2/engine-api';
import { detectKernel } from '../../src/kernel/detect';
import type { KernelSa } from '../../src/kernel/kernel';
import { XfrmKernel } from '../../src/kernel/xfrm/xfrm-kernel';
import { secretCopy } from '../../src/native/secret';

/** A KernelSa with its keys as hex (the test's own throwaway keys). */
export type WireSa = Omit<KernelSa, 'encr' | 'integ'> & { encr: { id: number; keyBits: number; keymat: string }; integ?: { id: number; key: string } };

export interface DriverRequest {
  id: number;
  method: string;
  args: unknown[];
}

function toSa(w: WireSa): KernelSa {
  const { integ, ...rest } = w;
  const sa: KernelSa = { ...rest, encr: { ...w.encr, keymat: secretCopy(Buffer.from(w.encr.keymat, 'hex')) } };
  if (integ) sa.integ = { id: integ.id, key: secretCopy(Buffer.from(integ.key, 'hex')) };
  return sa;
}

function send(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function sendUdp(src: string, dst: string, port: number): Promise<string | null> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, src, resolve));
  const result = await new Promise<string | null>((resolve) => sock.send('acquire me', port, dst, (err) => resolve(err ? ((err as NodeJS.ErrnoException).code ?? err.message) : null)));
  sock.close();
  return result;
}

/**
 * A routed conn over this kernel with pluto's on-demand logic; the engine only records what it was asked to
 * initiate (its negotiation never ends): what the kernel's ACQUIRE sets off up to the IKE exchange.
 */
function routedConn(kernel: XfrmKernel, text: string): { route: () => Promise<number>; initiated: string[]; log: string[] } {
  const conn = { ...parseIpsecConfText(text, 'driver.conf').conns[0]!, local: 'left' as const };
  const initiated: string[] = [];
  const log: string[] = [];
  const engine = {
    addConnection: () => undefined,
    deleteConnection: async () => undefined,
    status: () => ({ ikeSas: [], childSas: [] }),
    initiate: (name: string) => {
      initiated.push(name);
      return new Promise<InitiateResult>(() => undefined);
    },
  } as unknown as IkeEngineApi;
  const conns = new ConnectionDb(engine, kernel);
  conns.add(conn, 'driver.conf');
  const onDemand = new OnDemand({ conns, engine, clock: { setTimer: (ms, fire) => { const t = setTimeout(fire, ms); return { cancel: () => clearTimeout(t) }; } }, logger: { error: (m) => log.push(m), warn: (m) => log.push(m), info: (m) => log.push(m), debug: () => undefined } });
  kernel.onEvent((e) => {
    if (e.type === 'acquire') onDemand.acquire(e.selector);
  });
  return { route: () => conns.route(conn.name), initiated, log };
}

async function main(): Promise<void> {
  const kernel = new XfrmKernel();
  let routed: ReturnType<typeof routedConn> | undefined;
  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    switch (method) {
      case 'allocSpi':
        return kernel.allocSpi(args[0] as string, args[1] as string);
      case 'addSa':
        return kernel.addSa(toSa(args[0] as WireSa));
      case 'updateSa':
        return kernel.updateSa(toSa(args[0] as WireSa));
      case 'delSa':
        return kernel.delSa(args[0] as number, args[1] as string);
      case 'querySa':
        return kernel.querySa(args[0] as number, args[1] as string);
      case 'addPolicy':
        return kernel.addPolicy(args[0] as never);
      case 'updatePolicy':
        return kernel.updatePolicy(args[0] as never);
      case 'delPolicy':
        return kernel.delPolicy(args[0] as never, args[1] as never);
      case 'listPolicies':
        return kernel.listPolicies();
      case 'listSas':
        return kernel.listSas();
      case 'flush':
        return kernel.flush();
      case 'flushAll':
        return kernel.flushAll();
      case 'subscribe':
        kernel.onEvent((event) => send({ event }));
        return null;
      case 'sendUdp':
        return sendUdp(args[0] as string, args[1] as string, args[2] as number);
      case 'detect':
        return detectKernel();
      case 'routeConn':
        routed = routedConn(kernel, args[0] as string);
        return routed.route();
      case 'onDemandState':
        return { initiated: routed?.initiated ?? [], log: routed?.log ?? [] };
      case 'eroute':
        // pluto's eroute operations on this kernel's policies (no Child SA: magic SAIDs only).
        return runEroute({ kernel, childSas: () => [] }, args[0] as ErouteArgs);
      default:
        throw new Error(`unknown method ${method}`);
    }
  };
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const req = JSON.parse(line) as DriverRequest;
    try {
      send({ id: req.id, ok: true, value: (await call(req.method, req.args)) ?? null });
    } catch (err) {
      const e = err as Error & { code?: string; errno?: number; kernelMessage?: string };
      send({ id: req.id, ok: false, error: { name: e.name, code: e.code, errno: e.errno, message: e.message, kernelMessage: e.kernelMessage } });
    }
  }
  await kernel.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`xfrm-driver: ${String(err)}\n`);
  process.exit(1);
});
