// A third socket for the datapath netns tests (run inside a namespace): sends a replayed or a tampered ESP
// packet, a NAT-T keep-alive or an IKE datagram with the non-ESP marker to a data path; or receives one
// datagram and prints it. Not a test itself. Usage: node datapath-inject.js JSON
import * as dgram from 'node:dgram';

import { createEspSa, ESP_ENCR, ESP_INTEG } from '../../src/native/esp';
import { secretFrom } from '../../src/native/secret';

interface InjectArgs {
  mode: 'replay' | 'tamper' | 'keepalive' | 'ike' | 'receive';
  to?: string;
  port?: number;
  bind?: string;
  bindPort?: number;
  spi?: number;
  key?: string;
  message?: string;
}

/** An ICMP echo request 10.1.0.1 → 10.2.0.1 (a packet the SA's selector allows). */
function innerPacket(): Buffer {
  const p = Buffer.alloc(28);
  p[0] = 0x45;
  p.writeUInt16BE(28, 2);
  p[8] = 64;
  p[9] = 1;
  Buffer.from([10, 1, 0, 1]).copy(p, 12);
  Buffer.from([10, 2, 0, 1]).copy(p, 16);
  p[20] = 8;
  return p;
}

function espPacket(a: InjectArgs, initialSeq: bigint): Buffer {
  const sa = createEspSa({
    spi: a.spi ?? 0, direction: 'out', encr: ESP_ENCR.AES_GCM_16, keyBits: 128, integ: ESP_INTEG.NONE,
    encrKeymat: secretFrom(Buffer.from(a.key ?? '', 'hex')), esn: true, replayWindow: 0, initialSeq,
  });
  const inner = innerPacket();
  const buf = Buffer.alloc(sa.headerLength + inner.length + sa.trailerMax);
  inner.copy(buf, sa.headerLength);
  const { offset, length } = sa.seal(buf, sa.headerLength, inner.length, 4);
  sa.wipe();
  return buf.subarray(offset, offset + length);
}

const a = JSON.parse(process.argv[2] ?? '{}') as InjectArgs;
const sock = dgram.createSocket('udp4');
sock.bind(a.bindPort ?? 0, a.bind, () => {
  if (a.mode === 'receive') {
    process.stdout.write('listening\n');
    sock.once('message', (m) => {
      process.stdout.write(`${m.toString('hex')}\n`);
      sock.close();
    });
    return;
  }
  let data: Buffer;
  if (a.mode === 'keepalive') data = Buffer.from([0xff]);
  else if (a.mode === 'ike') data = Buffer.concat([Buffer.alloc(4), Buffer.from(a.message ?? '', 'hex')]);
  else if (a.mode === 'replay') data = espPacket(a, 0n); // sequence number 1: already received
  else {
    data = espPacket(a, 1_000_000n); // fresh sequence number, but one ciphertext octet flipped
    data[data.length - 20] ^= 0x01;
  }
  sock.send(data, a.port ?? 4500, a.to ?? '', (err) => {
    if (err) process.stderr.write(`${err.message}\n`);
    sock.close();
  });
});
