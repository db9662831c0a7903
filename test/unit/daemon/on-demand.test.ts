// Routing and negotiation on demand over a RecordingKernel and a scripted engine: traps for a routed conn,
// an acquire turning the covering trap into a %hold and starting one negotiation, the Child SA's policies
// replacing the hold, the trap coming back after a failure (not before the retry delay), after the SA goes
// down, and unroute refusing while the SA is up.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseIpsecConfText } from '../../../src/config';
import type { ConnectionConfig } from '../../../src/config/model';
import { ConnectionDb, covers, RouteBusyError, trapSelectors } from '../../../src/daemon/connections';
import { OnDemand } from '../../../src/daemon/on-demand';
import type { ChildSaInfo, IkeEngineApi, InitiateResult } from '../../../src/ikev2/engine-api';
import type { KernelSelector } from '../../../src/kernel/kernel';
import { RecordingKernel } from '../../../src/kernel/recording';
import { FakeClock } from '../../helpers/fake-clock';

function conn(name: string, body: string): ConnectionConfig {
  const c = parseIpsecConfText(`conn ${name}\n\tleft=192.0.2.1\n\tright=192.0.2.2\n${body}`, 'test.conf').conns[0]!;
  return { ...c, local: 'left' };
}

const sel = (src: string, dst: string, proto = 0, srcPort = 0, dstPort = 0): KernelSelector => ({ src, dst, proto, srcPort, dstPort });
const packet = sel('10.1.0.1/32', '10.2.0.1/32', 1, 8, 0);

/** An engine whose initiate() waits for the test to succeed or fail it; success installs the out policy as a Child SA does. */
class ScriptedEngine implements IkeEngineApi {
  readonly initiated: string[] = [];
  children: ChildSaInfo[] = [];
  private waiting: { name: string; resolve: (r: InitiateResult) => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly kernel: RecordingKernel, private readonly conns: Map<string, ConnectionConfig>) {}
  addConnection(c: ConnectionConfig): void {
    this.conns.set(c.name, c);
  }
  async deleteConnection(name: string): Promise<void> {
    this.conns.delete(name);
  }
  connectionNames(): string[] {
    return [...this.conns.keys()];
  }
  initiate(name: string): Promise<InitiateResult> {
    this.initiated.push(name);
    return new Promise((resolve, reject) => this.waiting.push({ name, resolve, reject }));
  }
  async succeed(selectors: KernelSelector[]): Promise<void> {
    const w = this.waiting.shift()!;
    for (const selector of selectors) {
      const policy = { selector, direction: 'out' as const, action: 'ipsec' as const, priority: 1, template: { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp' as const, mode: 'tunnel' as const, reqid: 16388 } };
      if ([...this.kernel.policies.values()].some((p) => p.direction === 'out' && JSON.stringify(p.selector) === JSON.stringify(selector))) await this.kernel.updatePolicy(policy);
      else await this.kernel.addPolicy(policy);
    }
    const child: ChildSaInfo = { connection: w.name, serial: 2, ikeSerial: 1, spiIn: 0x1111, spiOut: 0x2222, localTs: [], remoteTs: [], mode: 'tunnel', algorithms: '', localAddress: '192.0.2.1', remoteAddress: '192.0.2.2', encapsulated: false, reqid: 16388 };
    this.children.push(child);
    w.resolve({ ike: {} as InitiateResult['ike'], child });
  }
  fail(reason: string): void {
    this.waiting.shift()!.reject(new Error(reason));
  }
  /** The Child SA goes away with its policies, as ChildSa.remove does. */
  async down(selectors: KernelSelector[]): Promise<void> {
    for (const s of selectors) await this.kernel.delPolicy(s, 'out');
    this.children = [];
  }
  async terminate(): Promise<void> {}
  async rekey(): Promise<void> {}
  receive(): void {}
  status(): { ikeSas: []; childSas: ChildSaInfo[] } {
    return { ikeSas: [], childSas: this.children };
  }
  async shutdown(): Promise<void> {}
}

function setup(retryAfterMs = 5000) {
  const kernel = new RecordingKernel();
  const engine = new ScriptedEngine(kernel, new Map());
  const conns = new ConnectionDb(engine, kernel);
  const clock = new FakeClock();
  const lines: string[] = [];
  const logger = { error: (m: string) => lines.push(`E ${m}`), warn: (m: string) => lines.push(`W ${m}`), info: (m: string) => lines.push(`I ${m}`), debug: (_c: string, m: string) => lines.push(`D ${m}`) };
  const onDemand = new OnDemand({ conns, engine, clock, logger, retryAfterMs });
  const outs = (): string[] => [...kernel.policies.values()].filter((p) => p.direction === 'out').map((p) => `${p.selector.src}>${p.selector.dst} ${p.action}`).sort();
  return { kernel, engine, conns, clock, lines, onDemand, outs };
}

test('trap selectors: subnets (each pair), else host addresses, with leftprotoport=; covers() for packets', () => {
  assert.deepEqual(trapSelectors(conn('a', '\tleftsubnet=10.1.0.0/24\n\trightsubnets=10.2.0.0/24,10.3.0.0/16\n')), [sel('10.1.0.0/24', '10.2.0.0/24'), sel('10.1.0.0/24', '10.3.0.0/16')]);
  assert.deepEqual(trapSelectors(conn('b', '')), [sel('192.0.2.1/32', '192.0.2.2/32')]);
  assert.deepEqual(trapSelectors(conn('c', '\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.2.0.0/24\n\tleftprotoport=tcp\n\trightprotoport=tcp/80\n')), [sel('10.1.0.0/24', '10.2.0.0/24', 6, 0, 80)]);
  assert.ok(covers(sel('10.1.0.0/24', '10.2.0.0/24'), packet));
  assert.ok(!covers(sel('10.1.0.0/24', '10.3.0.0/24'), packet));
  assert.ok(!covers(sel('10.1.0.0/24', '10.2.0.0/24', 6), packet), 'protocol');
  assert.ok(covers(sel('10.1.0.0/24', '10.2.0.0/24', 6, 0, 80), sel('10.1.0.9/32', '10.2.0.9/32', 6, 40000, 80)));
  assert.ok(!covers(sel('10.1.0.0/24', '10.2.0.0/24', 6, 0, 80), sel('10.1.0.9/32', '10.2.0.9/32', 6, 40000, 443)), 'port');
  assert.ok(!covers(sel('10.1.0.0/24', '10.2.0.0/24'), sel('fd00::1/128', 'fd00::2/128')), 'family');
});

test('acquire: hold in place, one negotiation however many acquires, the Child SA policy replaces the hold', async () => {
  const { kernel, engine, conns, lines, onDemand, outs } = setup();
  conns.add(conn('west-east', '\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.2.0.0/24\n'), 'test');
  assert.equal(await conns.route('west-east'), 1);
  assert.deepEqual(outs(), ['10.1.0.0/24>10.2.0.0/24 trap']);
  assert.deepEqual([...kernel.policies.values()][0]!.template, { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 0 }, "the trap names the conn's gateways");
  onDemand.acquire(packet);
  onDemand.acquire(packet);
  onDemand.acquire(sel('10.1.0.7/32', '10.2.0.9/32', 6, 1234, 80));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(engine.initiated, ['west-east']);
  assert.deepEqual(outs(), ['10.1.0.0/24>10.2.0.0/24 hold']);
  assert.ok(lines.includes('I "west-east": initiate on demand from 10.1.0.1:8 to 10.2.0.1:0 proto=1 because: acquire'), lines.join('\n'));
  assert.ok(lines.some((l) => /^D "west-east": acquire .* ignored: already negotiating on demand$/.test(l)));
  await engine.succeed([sel('10.1.0.0/24', '10.2.0.0/24')]);
  await onDemand.idle();
  assert.deepEqual(outs(), ['10.1.0.0/24>10.2.0.0/24 ipsec']);
  onDemand.acquire(packet);
  assert.ok(lines.some((l) => /acquire .* ignored: its IPsec SA is up$/.test(l)));
  assert.equal(conns.summaries()[0]!.routing, 'erouted');

  // unroute while up: route busy, nothing removed; the SA goes down: the trap is back.
  await assert.rejects(conns.unroute('west-east'), RouteBusyError);
  assert.deepEqual(outs(), ['10.1.0.0/24>10.2.0.0/24 ipsec']);
  await engine.down([sel('10.1.0.0/24', '10.2.0.0/24')]);
  assert.equal(await conns.restoreTraps('west-east'), 1);
  assert.deepEqual(outs(), ['10.1.0.0/24>10.2.0.0/24 trap']);
  await conns.unroute('west-east');
  assert.deepEqual(outs(), []);
  assert.equal(conns.summaries()[0]!.routing, 'unrouted');
});

test('narrowed Child SA: its policy wins by priority and the rest of the trap is armed again', async () => {
  const { kernel, engine, conns, onDemand, outs } = setup();
  conns.add(conn('west-east', '\tleftsubnet=10.1.0.0/16\n\trightsubnet=10.2.0.0/16\n'), 'test');
  await conns.route('west-east');
  onDemand.acquire(packet);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(outs(), ['10.1.0.0/16>10.2.0.0/16 hold']);
  await engine.succeed([sel('10.1.0.0/24', '10.2.0.0/24')]);
  await onDemand.idle();
  assert.deepEqual(outs(), ['10.1.0.0/16>10.2.0.0/16 trap', '10.1.0.0/24>10.2.0.0/24 ipsec']);
  const trap = [...kernel.policies.values()].find((p) => p.action === 'trap')!;
  assert.ok(trap.priority > 1, 'the broader trap loses to the narrower IPsec policy');
});

test('failure: the hold stays, acquires are ignored until the retry delay, then the trap is back and may fire again', async () => {
  const { engine, conns, clock, lines, onDemand, outs } = setup(5000);
  conns.add(conn('west-east', '\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.2.0.0/24\n'), 'test');
  await conns.route('west-east');
  onDemand.acquire(packet);
  await new Promise((r) => setImmediate(r));
  engine.fail('no answer from 192.0.2.2');
  await onDemand.idle();
  assert.ok(lines.includes('W "west-east": on-demand negotiation failed: no answer from 192.0.2.2; %hold for 5s, then the trap is back'), lines.join('\n'));
  assert.deepEqual(outs(), ['10.1.0.0/24>10.2.0.0/24 hold']);
  onDemand.acquire(packet);
  clock.advance(4999);
  onDemand.acquire(packet);
  assert.deepEqual(engine.initiated, ['west-east'], 'no second negotiation within the retry delay');
  assert.ok(lines.some((l) => /ignored: the last on-demand negotiation failed less than 5s ago$/.test(l)));
  clock.advance(1);
  await onDemand.idle();
  assert.deepEqual(outs(), ['10.1.0.0/24>10.2.0.0/24 trap']);
  onDemand.acquire(packet);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(engine.initiated, ['west-east', 'west-east']);
  engine.fail('again');
  await onDemand.idle();
  onDemand.stop();
});

test('an acquire no routed conn covers starts nothing; unrouted conns are not negotiated', async () => {
  const { engine, conns, lines, onDemand, outs } = setup();
  conns.add(conn('west-east', '\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.2.0.0/24\n'), 'test');
  onDemand.acquire(packet);
  await conns.route('west-east');
  onDemand.acquire(sel('10.1.0.1/32', '10.9.0.1/32'));
  await onDemand.idle();
  assert.deepEqual(engine.initiated, []);
  assert.equal(lines.filter((l) => l.endsWith('no routed connection covers it')).length, 2);
  assert.deepEqual(outs(), ['10.1.0.0/24>10.2.0.0/24 trap']);
  await conns.delete('west-east');
  assert.deepEqual(outs(), [], 'deleting a routed conn removes its trap');
});

test('type=passthrough|drop|reject conns route as their shunt (%pass, %drop, %reject), never negotiate, and unroute removes it', async () => {
  const { engine, conns, onDemand, outs } = setup();
  conns.add(conn('clear', '\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.2.0.0/24\n\ttype=passthrough\n'), 'test');
  conns.add(conn('block', '\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.4.0.0/24\n\ttype=drop\n'), 'test');
  conns.add(conn('refuse', '\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.5.0.0/24\n\ttype=reject\n'), 'test');
  for (const name of ['clear', 'block', 'refuse']) assert.equal(await conns.route(name), 1, name);
  assert.deepEqual(outs(), ['10.1.0.0/24>10.2.0.0/24 pass', '10.1.0.0/24>10.4.0.0/24 drop', '10.1.0.0/24>10.5.0.0/24 reject']);
  onDemand.acquire(packet);
  await onDemand.idle();
  assert.deepEqual(engine.initiated, []);
  assert.equal(await conns.restoreTraps('block'), 1);
  assert.deepEqual(outs(), ['10.1.0.0/24>10.2.0.0/24 pass', '10.1.0.0/24>10.4.0.0/24 drop', '10.1.0.0/24>10.5.0.0/24 reject']);
  for (const name of ['clear', 'block', 'refuse']) await conns.unroute(name);
  assert.deepEqual(outs(), []);
});
