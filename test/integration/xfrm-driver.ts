// Runs an XfrmKernel inside a network namespace for xfrm.test.ts (`ip netns exec NS node xfrm-driver.js`):
// one JSON request per stdin line, one JSON answer per stdout line, kernel events pushed as they come.
// Not a test itself (the runner only runs *.test.js).
import * as dgram from 'node:dgram';
import * as readline from 'node:readline';

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

async function main(): Promise<void> {
  const kernel = new XfrmKernel();
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
