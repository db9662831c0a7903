// IkeSockets with real UDP sockets on loopback addresses (kernel-chosen high ports): IKE both ways on
// the IKE and NAT-T sockets, the non-ESP marker on the wire, keep-alives, ESP kept from IKE, malformed
// datagrams, local addresses, send failures, rescans. Every test closes what it opens.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

import type { Datagram } from '../../src/ikev2/engine-api';
import { IkeSockets, type IkeSocketsOptions } from '../../src/net/ike-sockets';
import type { Logger } from '../../src/log';

/** An IKE message as far as the socket layer cares: a 28-octet header plus a tag so we know which. */
function ikeMessage(tag: number, extra = 0): Buffer {
  const b = Buffer.alloc(28 + extra, tag);
  b.writeUInt32BE(28 + extra, 24);
  return b;
}

async function waitFor(what: string, check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    error: (m) => lines.push(`error ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    info: (m) => lines.push(`info ${m}`),
    debug: (c, m) => lines.push(`debug ${c} ${m}`),
  };
}

interface Host {
  sockets: IkeSockets;
  got: Datagram[];
  esp: Datagram[];
  ike: number;
  natt: number;
}

/** An IkeSockets on `address` with the given ports (0: the kernel chooses), recording what it delivers. */
async function host(address: string | string[], ports: { ike?: number; natt?: number } = {}, extra: Partial<IkeSocketsOptions> = {}): Promise<Host> {
  const got: Datagram[] = [];
  const esp: Datagram[] = [];
  const sockets = new IkeSockets({
    listen: Array.isArray(address) ? address : [address],
    ikePort: ports.ike ?? 0,
    nattPort: ports.natt ?? 0,
    onDatagram: (d) => got.push({ ...d, data: Buffer.from(d.data) }),
    onEsp: (d) => esp.push({ ...d, data: Buffer.from(d.data) }),
    ...extra,
  });
  const r = await sockets.start();
  assert.deepEqual(r.failed, [], `binding ${String(address)}`);
  const first = sockets.listening()[0];
  assert.ok(first);
  return { sockets, got, esp, ike: first.ikePort, natt: first.nattPort };
}

/** A plain UDP socket standing in for a peer that writes raw bytes. */
async function rawSocket(address = '127.0.0.1'): Promise<{ socket: dgram.Socket; port: number; got: Buffer[] }> {
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return { socket, port: (socket.address() as AddressInfo).port, got };
}

function closeRaw(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

test('two instances exchange IKE on the IKE port and on the NAT-T port; the marker is added then stripped', async () => {
  const west = await host('127.0.0.1');
  // east on another loopback address with the same port numbers, as two gateways on 500/4500 would be.
  const east = await host('127.0.0.2', { ike: west.ike, natt: west.natt });
  try {
    const w500 = { address: '127.0.0.1', port: west.ike };
    const e500 = { address: '127.0.0.2', port: east.ike };
    const w4500 = { address: '127.0.0.1', port: west.natt };
    const e4500 = { address: '127.0.0.2', port: east.natt };

    west.sockets.send(ikeMessage(1), w500, e500);
    await waitFor('IKE on the IKE port', () => east.got.length === 1);
    assert.deepEqual(east.got[0], { data: ikeMessage(1), local: e500, remote: w500 });

    east.sockets.send(ikeMessage(2, 100), e4500, w4500);
    await waitFor('IKE on the NAT-T port', () => west.got.length === 1);
    assert.deepEqual(west.got[0], { data: ikeMessage(2, 100), local: w4500, remote: e4500 }, 'marker stripped');

    // Floated to the NAT-T port the other way too, with a reply to the port the request came from.
    west.sockets.send(ikeMessage(3), w4500, e4500);
    await waitFor('reply', () => east.got.length === 2);
    assert.deepEqual(east.got[1], { data: ikeMessage(3), local: e4500, remote: w4500 });

    assert.deepEqual(west.esp, []);
    assert.deepEqual(east.esp, []);
    const ec = east.sockets.counters();
    assert.equal(ec.ikeReceived, 2);
    assert.equal(ec.ikeReceivedNatt, 1);
    assert.equal(ec.sent, 1);
    assert.equal(west.sockets.counters().sent, 2);
  } finally {
    await west.sockets.close();
    await east.sockets.close();
  }
});

test('on the wire: IKE from the NAT-T socket carries four zero octets first; from the IKE socket nothing', async () => {
  const west = await host('127.0.0.1');
  const raw = await rawSocket();
  try {
    const to = { address: '127.0.0.1', port: raw.port };
    west.sockets.send(ikeMessage(7), { address: '127.0.0.1', port: west.natt }, to);
    west.sockets.send(ikeMessage(8), { address: '127.0.0.1', port: west.ike }, to);
    await waitFor('two datagrams', () => raw.got.length === 2);
    const natt = raw.got.find((b) => b.length === 32);
    const ike = raw.got.find((b) => b.length === 28);
    assert.ok(natt && ike);
    assert.deepEqual(natt, Buffer.concat([Buffer.alloc(4), ikeMessage(7)]));
    assert.deepEqual(ike, ikeMessage(8));
  } finally {
    await west.sockets.close();
    await closeRaw(raw.socket);
  }
});

test('keep-alives: sent as one 0xFF octet every interval, received, dropped and counted, never given to IKE', async () => {
  const west = await host('127.0.0.1');
  const east = await host('127.0.0.2', { ike: west.ike, natt: west.natt });
  const raw = await rawSocket();
  try {
    const w4500 = { address: '127.0.0.1', port: west.natt };
    const e4500 = { address: '127.0.0.2', port: east.natt };
    west.sockets.startKeepalive(w4500, e4500, 0.02);
    west.sockets.startKeepalive(w4500, { address: '127.0.0.1', port: raw.port }, 0.02);
    assert.equal(west.sockets.keepalives().length, 2);
    await waitFor('3 keep-alives at east', () => east.sockets.counters().keepalivesReceived >= 3);
    await waitFor('keep-alives at the raw peer', () => raw.got.length >= 2);
    for (const b of raw.got) assert.deepEqual([...b], [0xff]);
    assert.equal(east.got.length, 0, 'no keep-alive reaches IKE');
    assert.equal(east.esp.length, 0, 'nor the ESP hook');
    assert.equal(west.sockets.stopKeepalive(w4500, e4500), true);
    assert.equal(west.sockets.stopKeepalive(w4500, { address: '127.0.0.1', port: raw.port }), true);
    await new Promise((r) => setTimeout(r, 30));
    const before = east.sockets.counters().keepalivesReceived;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(east.sockets.counters().keepalivesReceived, before, 'stopped');
    assert.ok(west.sockets.counters().keepalivesSent >= 5);
    assert.equal(west.sockets.counters().sent, 0, 'keep-alives are not counted as IKE messages');
    // Keep-alives only from the NAT-T port.
    assert.throws(() => west.sockets.startKeepalive({ address: '127.0.0.1', port: west.ike }, e4500, 20), RangeError);
  } finally {
    await west.sockets.close();
    await east.sockets.close();
    await closeRaw(raw.socket);
  }
});

test('ESP-looking, malformed and keep-alive datagrams never reach the IKE callback; ESP goes to onEsp', async () => {
  const west = await host('127.0.0.1');
  const raw = await rawSocket();
  const sendRaw = (bytes: Buffer, port: number): Promise<void> =>
    new Promise((resolve, reject) => raw.socket.send(bytes, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  try {
    const esp = Buffer.from('0000abcd00000001' + '11'.repeat(40), 'hex');
    await sendRaw(esp, west.natt);
    await sendRaw(Buffer.from([0xff]), west.natt); // keep-alive
    await sendRaw(Buffer.from([0x00]), west.natt); // malformed: one octet, not 0xFF
    await sendRaw(Buffer.alloc(4 + 10), west.natt); // malformed: marker and a stub
    await sendRaw(Buffer.alloc(0), west.natt); // malformed: empty
    await sendRaw(Buffer.alloc(10, 1), west.ike); // malformed: shorter than an IKE header on 500
    await sendRaw(Buffer.concat([Buffer.alloc(4), ikeMessage(9)]), west.natt); // the one IKE message
    await waitFor('all seven accounted for', () => {
      const c = west.sockets.counters();
      return c.espReceived + c.keepalivesReceived + c.malformed + c.ikeReceived === 7;
    });
    const c = west.sockets.counters();
    assert.equal(c.espReceived, 1);
    assert.equal(c.keepalivesReceived, 1);
    assert.equal(c.malformed, 4);
    assert.equal(c.ikeReceived, 1);
    assert.equal(west.got.length, 1);
    assert.deepEqual(west.got[0]?.data, ikeMessage(9));
    assert.deepEqual(west.got[0]?.remote, { address: '127.0.0.1', port: raw.port });
    assert.equal(west.esp.length, 1);
    assert.deepEqual(west.esp[0], {
      data: esp,
      local: { address: '127.0.0.1', port: west.natt },
      remote: { address: '127.0.0.1', port: raw.port },
    });
  } finally {
    await west.sockets.close();
    await closeRaw(raw.socket);
  }
});

test('without an onEsp hook ESP is counted and dropped; a throwing IKE handler is caught and counted', async () => {
  const sockets = new IkeSockets({
    listen: ['127.0.0.1'],
    ikePort: 0,
    nattPort: 0,
    onDatagram: () => {
      throw new Error('engine bug');
    },
  });
  await sockets.start();
  const raw = await rawSocket();
  try {
    const l = sockets.listening()[0];
    assert.ok(l);
    raw.socket.send(Buffer.from('0102030400000001', 'hex'), l.nattPort, '127.0.0.1');
    raw.socket.send(ikeMessage(1), l.ikePort, '127.0.0.1');
    await waitFor('both', () => sockets.counters().espReceived === 1 && sockets.counters().callbackErrors === 1);
    assert.equal(sockets.counters().ikeReceived, 1);
  } finally {
    await sockets.close();
    await closeRaw(raw.socket);
  }
});

test('each datagram reports the local address it arrived on (one pair of sockets per address)', async () => {
  const west = await host(['127.0.0.1', '127.0.0.3']);
  const listening = west.sockets.listening();
  assert.deepEqual(listening.map((l) => l.address), ['127.0.0.1', '127.0.0.3']);
  const l1 = listening[0];
  const l3 = listening[1];
  assert.ok(l1 && l3);
  const raw = await rawSocket('127.0.0.2');
  try {
    raw.socket.send(ikeMessage(1), l1.ikePort, '127.0.0.1');
    raw.socket.send(Buffer.concat([Buffer.alloc(4), ikeMessage(3)]), l3.nattPort, '127.0.0.3');
    await waitFor('two', () => west.got.length === 2);
    const by = new Map(west.got.map((d) => [d.data[0], d]));
    assert.deepEqual(by.get(1)?.local, { address: '127.0.0.1', port: l1.ikePort });
    assert.deepEqual(by.get(3)?.local, { address: '127.0.0.3', port: l3.nattPort });
    assert.equal(by.get(3)?.remote.address, '127.0.0.2');
    // A reply sent from 127.0.0.3 leaves from that address.
    west.sockets.send(ikeMessage(4), { address: '127.0.0.3', port: l3.ikePort }, { address: '127.0.0.2', port: raw.port });
    const seen = new Promise<dgram.RemoteInfo>((resolve) => raw.socket.once('message', (_m, r) => resolve(r)));
    const rinfo = await seen;
    assert.equal(rinfo.address, '127.0.0.3');
    assert.equal(rinfo.port, l3.ikePort);
  } finally {
    await west.sockets.close();
    await closeRaw(raw.socket);
  }
});

test('IPv6: a pair on ::1, IKE with the marker on the NAT-T port', async () => {
  const a = await host('::1');
  const b = await host('0:0:0:0:0:0:0:1');
  try {
    assert.equal(b.sockets.listening()[0]?.address, '::1', 'canonical form');
    a.sockets.send(ikeMessage(6), { address: '::1', port: a.natt }, { address: '::1', port: b.natt });
    await waitFor('v6', () => b.got.length === 1);
    assert.deepEqual(b.got[0], { data: ikeMessage(6), local: { address: '::1', port: b.natt }, remote: { address: '::1', port: a.natt } });
    // The local endpoint may be given in any IPv6 spelling.
    b.sockets.send(ikeMessage(7), { address: '0::1', port: b.ike }, { address: '::1', port: a.ike });
    await waitFor('v6 back', () => a.got.length === 1);
    assert.deepEqual(a.got[0]?.data, ikeMessage(7));
  } finally {
    await a.sockets.close();
    await b.sockets.close();
  }
});

test('sends that cannot go are logged and counted, never thrown', async () => {
  const log = recordingLogger();
  const west = await host('127.0.0.1', {}, { logger: log, maxPendingSends: 2 });
  try {
    const w = { address: '127.0.0.1', port: west.ike };
    assert.doesNotThrow(() => {
      west.sockets.send(ikeMessage(1), { address: '127.0.0.9', port: 500 }, { address: '127.0.0.2', port: 500 }); // no socket
      west.sockets.send(ikeMessage(1), { address: '127.0.0.1', port: 1 }, { address: '127.0.0.2', port: 500 }); // wrong port
      west.sockets.send(ikeMessage(1), w, { address: '::1', port: 500 }); // other family
      west.sockets.send(ikeMessage(1), w, { address: 'east.example', port: 500 }); // not an address
      west.sockets.send(ikeMessage(1), w, { address: '127.0.0.2', port: 0 }); // bad port
    });
    assert.equal(west.sockets.counters().sendDropped, 5);
    assert.equal(log.lines.filter((l) => l.startsWith('warn cannot send')).length, 5);
    // The kernel refuses a datagram larger than UDP can carry: EMSGSIZE, counted as a send error.
    west.sockets.send(Buffer.alloc(70000), w, { address: '127.0.0.2', port: 9 });
    await waitFor('send error', () => west.sockets.counters().sendErrors === 1);
    assert.ok(log.lines.some((l) => /send to 127\.0\.0\.2:9 from port \d+ failed/.test(l)), log.lines.join('\n'));
  } finally {
    await west.sockets.close();
  }
  // After close: dropped and counted, still no throw.
  west.sockets.send(ikeMessage(1), { address: '127.0.0.1', port: west.ike }, { address: '127.0.0.2', port: 500 });
  assert.equal(west.sockets.counters().sendDropped, 6);
});

test('the send queue is bounded: beyond maxPendingSends in flight, sends are dropped and counted', async () => {
  const west = await host('127.0.0.1', {}, { maxPendingSends: 4 });
  const raw = await rawSocket();
  try {
    const w = { address: '127.0.0.1', port: west.ike };
    // Callbacks of dgram sends come back asynchronously, so 10 sends in one tick have 10 in flight.
    for (let i = 0; i < 10; i++) west.sockets.send(ikeMessage(i), w, { address: '127.0.0.1', port: raw.port });
    assert.equal(west.sockets.counters().sendDropped, 6);
    await waitFor('4 arrive', () => raw.got.length === 4);
    await waitFor('4 sent', () => west.sockets.counters().sent === 4);
    // The queue drains: the next send goes.
    west.sockets.send(ikeMessage(11), w, { address: '127.0.0.1', port: raw.port });
    await waitFor('5th', () => raw.got.length === 5);
  } finally {
    await west.sockets.close();
    await closeRaw(raw.socket);
  }
});

test('rescan: sockets open for new addresses and close for addresses gone (interface list and --listen list)', async () => {
  let ifaces: Record<string, { address: string; family: 'IPv4' }[]> = { lo: [{ address: '127.0.0.1', family: 'IPv4' }] };
  const sockets = new IkeSockets({
    ikePort: 0,
    nattPort: 0,
    scan: { ipv6: false },
    interfaces: () =>
      Object.fromEntries(
        Object.entries(ifaces).map(([k, v]) => [
          k,
          v.map((x) => ({ ...x, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', internal: true, cidr: null })),
        ]),
      ),
    onDatagram: () => undefined,
  });
  try {
    const first = await sockets.start();
    assert.deepEqual(first.opened.map((o) => o.address), ['127.0.0.1']);
    const old = first.opened[0];
    assert.ok(old);

    ifaces = { lo: [{ address: '127.0.0.4', family: 'IPv4' }, { address: '127.0.0.5', family: 'IPv4' }] };
    const second = await sockets.rescan();
    assert.deepEqual(second.closed, ['127.0.0.1']);
    assert.deepEqual(second.opened.map((o) => o.address), ['127.0.0.4', '127.0.0.5']);
    assert.deepEqual(sockets.listening().map((l) => l.address), ['127.0.0.4', '127.0.0.5']);
    // The old address's ports are really closed: a plain socket can bind them now.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(old.ikePort, '127.0.0.1', resolve);
    });
    await closeRaw(probe);

    const same = await sockets.rescan();
    assert.deepEqual(same, { opened: [], closed: [], failed: [] }, 'nothing changed, nothing reopened');

    // An explicit --listen list replaces the scan; an empty one returns to it.
    const listen = await sockets.rescan(['127.0.0.5', '127.0.0.6']);
    assert.deepEqual(listen.closed, ['127.0.0.4']);
    assert.deepEqual(listen.opened.map((o) => o.address), ['127.0.0.6']);
    // A bad address in the list is refused and changes nothing.
    await assert.rejects(sockets.rescan(['127.0.0.7', 'not-an-ip']), /not an IP address/);
    assert.deepEqual(sockets.listening().map((l) => l.address), ['127.0.0.5', '127.0.0.6']);
    const back = await sockets.rescan([]);
    assert.deepEqual(back.closed, ['127.0.0.6']);
    assert.deepEqual(back.opened.map((o) => o.address), ['127.0.0.4']);
  } finally {
    await sockets.close();
  }
  assert.deepEqual(sockets.listening(), []);
});

test('an address that cannot be bound is reported as failed and the others still open', async () => {
  const blocker = await host('127.0.0.1');
  const log = recordingLogger();
  const sockets = new IkeSockets({
    listen: ['127.0.0.1', '127.0.0.2', '192.0.2.123'],
    ikePort: blocker.ike, // in use on 127.0.0.1
    nattPort: blocker.natt,
    onDatagram: () => undefined,
    logger: log,
  });
  try {
    const r = await sockets.start();
    assert.deepEqual(r.opened.map((o) => o.address), ['127.0.0.2']);
    assert.deepEqual(r.failed.map((f) => [f.address, f.code]), [
      ['127.0.0.1', 'EADDRINUSE'],
      ['192.0.2.123', 'EADDRNOTAVAIL'],
    ]);
    assert.equal(log.lines.filter((l) => l.startsWith('warn cannot open IKE sockets')).length, 2);
  } finally {
    await sockets.close();
    await blocker.sockets.close();
  }
});

test('bad options are refused at construction', () => {
  const onDatagram = (): void => undefined;
  assert.throws(() => new IkeSockets({ onDatagram, ikePort: 4500, nattPort: 4500 }), RangeError);
  assert.throws(() => new IkeSockets({ onDatagram, ikePort: 70000 }), RangeError);
  assert.throws(() => new IkeSockets({ onDatagram, listen: ['fe80::1'] }), /needs a scope/);
});
