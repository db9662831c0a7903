// Libreswan's text for `ipsec whack --status` / `ipsec auto --status` and `ipsec whack --trafficstatus`:
// each line starts with its three-digit code (000 status, 006 traffic), as scripts read them.
import type { StatusData, TrafficEntry } from './protocol';

export function formatStatus(s: StatusData): string[] {
  const out: string[] = [];
  const add = (line: string): number => out.push(`000 ${line}`);
  add(`using kernel interface: ${s.kernel}`);
  const dp = s.datapath;
  if (dp !== undefined) {
    const c = (name: string): number => dp.counters[name] ?? 0;
    add(`userspace data path: TUN ${dp.tun}, ESP-in-UDP on ${dp.address}:${dp.port}`);
    add(`userspace data path: packets: from TUN ${c('tunPackets')}, sent ${c('sent')}, received ${c('received')}, delivered ${c('delivered')}`);
    add(`userspace data path: dropped: auth ${c('auth')}, replay ${c('replay')}, malformed ${c('malformed')}, bad SPI ${c('badSpi')}, selector ${c('selector')}, no policy ${c('noPolicy')}, no SA ${c('noSa')}`);
  }
  add(' ');
  for (const l of s.listening) add(`interface ${l.address}:${l.port}`);
  add(' ');
  add(`debug: ${s.debug.length > 0 ? s.debug.join('+') : 'none'}`);
  add(' ');
  for (const c of s.connections) {
    add(`"${c.name}": ${c.spd}; ${c.routing}; eroute owner: #0`);
    add(`"${c.name}":   oriented: ${c.local ?? 'no'}; auto: ${c.auto}; loaded from: ${c.origin}`);
    add(`"${c.name}":   IKE algorithms: ${c.ike}`);
    add(`"${c.name}":   ESP algorithms: ${c.esp}`);
  }
  const activeConns = new Set(s.engine.childSas.map((c) => c.connection));
  add(`Total IPsec connections: loaded ${s.connections.length}, active ${activeConns.size}`);
  add(' ');
  add('State Information: DDoS cookies not required, Accepting new IKE connections');
  const ike = s.engine.ikeSas;
  const established = ike.filter((sa) => sa.establishedAt > 0).length;
  add(`IKE SAs: total(${ike.length}), half-open(${ike.length - established}), open(0), authenticated(${established}), anonymous(0)`);
  add(`IPsec SAs: total(${s.engine.childSas.length}), authenticated(${s.engine.childSas.length}), anonymous(0)`);
  add(' ');
  for (const sa of ike) {
    add(`#${sa.serial}: "${sa.connection}" ${sa.remoteAddress} ${sa.state} (${sa.initiator ? 'initiator' : 'responder'}); ${sa.algorithms}; IKE SPIs: ${sa.spiI}:${sa.spiR}`);
  }
  for (const c of s.engine.childSas) {
    add(`#${c.serial}: "${c.connection}" ${c.remoteAddress} STATE_V2_ESTABLISHED_CHILD_SA (IPsec SA established); isakmp#${c.ikeSerial}; ${c.algorithms}`);
    const encap = c.encapsulated ? 'udp' : 'esp';
    add(`#${c.serial}: "${c.connection}" ${encap}.${c.spiOut.toString(16).padStart(8, '0')}@${c.remoteAddress} ${encap}.${c.spiIn.toString(16).padStart(8, '0')}@${c.localAddress} ${c.mode === 'tunnel' ? 'tun' : 'transport'}.${c.reqid.toString(16)}@${c.remoteAddress} ${c.localTs.join(',')}===${c.remoteTs.join(',')}`);
  }
  return out;
}

export function formatTraffic(entries: readonly TrafficEntry[]): string[] {
  return entries.map(
    (t) => `006 #${t.serial}: "${t.connection}", type=${t.type}, add_time=${t.addTime}, inBytes=${t.inBytes}, outBytes=${t.outBytes}, id='${t.remoteId}'`,
  );
}
