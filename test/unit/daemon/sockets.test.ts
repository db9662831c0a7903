import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { test } from 'node:test';

import type { Datagram } from '../../../src/ikev2/engine-api';
import { silentLogger } from '../../../src/log';
import { createEngine, ENGINE_MISSING } from '../../../src/daemon/engine-factory';
import { MemoryKernel } from '../../../src/daemon/memory-kernel';
import { IkeSockets } from '../../../src/daemon/sockets';
import { parseIpsecConfText } from '../../../src/config';

async function peer(t: { after(fn: () => void): void }): Promise<{ socket: dgram.Socket; port: number; received: Buffer[] }> {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (m) => received.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  t.after(() => socket.close());
  return { socket, port: socket.address().port, received };
}

async function until(p: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !p(); i++) await new Promise((r) => setTimeout(r, 5));
}

test('IKE sockets: 500 as is, 4500 with the non-ESP marker stripped and added, ESP and keepalives dropped', async (t) => {
  const got: Datagram[] = [];
  const sockets = new IkeSockets(silentLogger, (d) => got.push(d));
  await sockets.open({ listen: ['127.0.0.1'], ikePort: 0, nattPort: 0 });
  t.after(() => sockets.close());
  const [ike, natt] = sockets.listening();
  assert.equal(ike.address, '127.0.0.1');
  assert.notEqual(ike.port, natt.port);
  const p = await peer(t);
  const msg = Buffer.from('0102030405', 'hex');

  p.socket.send(msg, ike.port, '127.0.0.1');
  p.socket.send(Buffer.concat([Buffer.alloc(4), msg]), natt.port, '127.0.0.1');
  p.socket.send(Buffer.from('11223344aabb', 'hex'), natt.port, '127.0.0.1'); // ESP (SPI != 0)
  p.socket.send(Buffer.from([0xff]), natt.port, '127.0.0.1'); // NAT-T keepalive
  p.socket.send(Buffer.from('ffee', 'hex'), ike.port, '127.0.0.1');
  await until(() => got.length >= 3);
  assert.equal(got.length, 3);
  // Two sockets: the order between them is not fixed, the order on one socket is.
  const on500 = got.filter((d) => d.local.port === ike.port);
  const on4500 = got.filter((d) => d.local.port === natt.port);
  assert.deepEqual(on500.map((d) => Buffer.from(d.data).toString('hex')), ['0102030405', 'ffee']);
  assert.deepEqual(on500[0].local, { address: '127.0.0.1', port: ike.port });
  assert.deepEqual(on500[0].remote, { address: '127.0.0.1', port: p.port });
  assert.deepEqual(on4500.map((d) => Buffer.from(d.data).toString('hex')), ['0102030405']);

  sockets.send(msg, natt, { address: '127.0.0.1', port: p.port });
  sockets.send(msg, ike, { address: '127.0.0.1', port: p.port });
  await until(() => p.received.length >= 2);
  const sorted = p.received.map((b) => b.toString('hex')).sort();
  assert.deepEqual(sorted, ['000000000102030405', '0102030405']);
});

test('a port in use is a clear error', async (t) => {
  const a = new IkeSockets(silentLogger, () => undefined);
  await a.open({ listen: ['127.0.0.1'], ikePort: 0, nattPort: 0 });
  t.after(() => a.close());
  const b = new IkeSockets(silentLogger, () => undefined);
  await assert.rejects(b.open({ listen: ['127.0.0.1'], ikePort: a.listening()[0].port, nattPort: 0 }), /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  await b.close();
});

test('the placeholder engine keeps conns and refuses to negotiate', async () => {
  const engine = createEngine({
    transport: { send: () => undefined },
    kernel: new MemoryKernel(),
    clock: { now: () => 0, setTimer: () => ({ cancel: () => undefined }) },
    random: (n) => Buffer.alloc(n),
    secrets: { findPsk: () => null },
    logger: silentLogger,
    uniqueIds: true,
    ddosIkeThreshold: 25000,
    forceBusy: false,
  });
  const conn = parseIpsecConfText('conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n', 'f').conns[0];
  engine.addConnection(conn);
  assert.deepEqual(engine.connectionNames(), ['a']);
  await assert.rejects(engine.initiate('a'), new RegExp(ENGINE_MISSING));
  await assert.rejects(engine.initiate('b'), /no connection named "b"/);
  await engine.deleteConnection('a');
  assert.deepEqual(engine.connectionNames(), []);
});

test('the memory kernel keeps SAs and policies until deleted or flushed', async () => {
  const k = new MemoryKernel();
  const selector = { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, srcPort: 0, dstPort: 0 };
  await k.addPolicy({ selector, direction: 'out', action: 'trap', priority: 0 });
  await assert.rejects(k.addPolicy({ selector, direction: 'out', action: 'trap', priority: 0 }), /exists/);
  assert.equal((await k.listPolicies()).length, 1);
  await k.delPolicy(selector, 'out');
  await assert.rejects(k.delPolicy(selector, 'out'), /no policy/);
  const spi = await k.allocSpi('192.0.2.2', '192.0.2.1');
  assert.ok(spi > 255);
  await assert.rejects(k.querySa(spi, '192.0.2.1'), /no SA/);
  await k.addPolicy({ selector, direction: 'in', action: 'pass', priority: 1 });
  await k.flush();
  assert.deepEqual(await k.listPolicies(), []);
});
