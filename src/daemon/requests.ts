// What the daemon does for each control request (whack, auto, setup). Progress goes back as Libreswan's
// numbered lines; the final exit code is Libreswan's rc for the failure (20 duplicate name, 21 unknown
// name, 22 cannot orient, ...), 0 for success.
import { connFromWire } from '../control/conn-wire';
import { RC, Request, StatusData, TrafficEntry } from '../control/protocol';
import type { Reply } from '../control/server';
import type { IkeSaInfo } from '../ikev2/engine-api';
import type { Pluto } from './daemon';
import { resolveDebugClasses } from './logger';
import { RouteBusyError } from './connections';
import { runEroute } from './eroute';
import { formatSaid } from '../eroute/said';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function listeningPorts(pluto: Pluto): { address: string; port: number }[] {
  return pluto.sockets.listening().flatMap((l) => [
    { address: l.address, port: l.ikePort },
    { address: l.address, port: l.nattPort },
  ]);
}

/** Libreswan's name of an ID's type, as its "authenticated peer ... ID_FQDN '@east'" line prints it. */
/** Libreswan 4.10's words: "authenticated peer using authby=secret and ID_FQDN '@east'", or for a signature
 * "authenticated peer '3072-bit RSASSA-PSS with SHA2_512' digital signature using preloaded certificate '@east'". */
function authenticatedPeer(ike: IkeSaInfo): string {
  if (ike.peerAuthDetail !== '') return `authenticated peer ${ike.peerAuthDetail} using preloaded certificate '${ike.remoteId}'`;
  return `authenticated peer using ${ike.peerAuth} and ${idTypeName(ike.remoteId)} '${ike.remoteId}'`;
}

export function idTypeName(id: string): string {
  if (id.startsWith('@')) return 'ID_FQDN';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(id)) return 'ID_IPV4_ADDR';
  if (id.includes(':') && /^[0-9a-f:.]+$/i.test(id)) return 'ID_IPV6_ADDR';
  if (id.includes('=')) return 'ID_DER_ASN1_DN';
  if (id.includes('@')) return 'ID_USER_FQDN';
  return 'ID_FQDN';
}

const spiHex = (spi: number): string => (spi >>> 0).toString(16).padStart(8, '0');

export function statusData(pluto: Pluto): StatusData {
  return {
    pid: process.pid,
    kernel: pluto.kernel.name,
    ...(pluto.datapathInfo !== undefined && pluto.userspace !== undefined
      ? { datapath: { ...pluto.datapathInfo, counters: { ...pluto.userspace.native.counters() } } }
      : {}),
    listening: listeningPorts(pluto),
    connections: pluto.conns.summaries(),
    engine: pluto.engine.status(),
    debug: pluto.logger.debugClasses(),
    natKeepalives: pluto.sockets.keepalives(),
    // Keep-alives to the userspace data path's port arrive there, and are counted there.
    keepaliveCounters: {
      sent: pluto.sockets.counters().keepalivesSent,
      received: pluto.sockets.counters().keepalivesReceived + (pluto.userspace?.native.counters().keepalives ?? 0),
    },
  };
}

export async function trafficData(pluto: Pluto): Promise<TrafficEntry[]> {
  const { ikeSas, childSas } = pluto.engine.status();
  const out: TrafficEntry[] = [];
  for (const c of childSas) {
    const ike = ikeSas.find((sa) => sa.serial === c.ikeSerial);
    const count = async (spi: number, dst: string): Promise<number> => (await pluto.kernel.querySa(spi, dst).catch(() => ({ bytes: 0 }))).bytes;
    out.push({
      serial: c.serial,
      connection: c.connection,
      type: 'ESP',
      addTime: pluto.childAddTimes.get(c.serial) ?? ike?.establishedAt ?? 0,
      inBytes: await count(c.spiIn, c.localAddress),
      outBytes: await count(c.spiOut, c.remoteAddress),
      remoteId: ike?.remoteId ?? '',
    });
  }
  return out;
}

export async function handleRequest(pluto: Pluto, req: Request, reply: Reply): Promise<void> {
  const log = pluto.logger;
  log.debug('control', `whack: ${req.cmd}`);
  const known = (name: string): boolean => {
    if (pluto.conns.has(name)) return true;
    reply.log(RC.UNKNOWN_NAME, `no connection named "${name}"`);
    reply.done(RC.UNKNOWN_NAME, undefined, `no connection named "${name}"`);
    return false;
  };
  switch (req.cmd) {
    case 'add': {
      const wire = req.args.conn;
      if (pluto.conns.has(wire.name)) {
        reply.log(RC.DUPNAME, `attempt to redefine connection "${wire.name}"`);
        return reply.done(RC.DUPNAME);
      }
      let conn;
      try {
        conn = connFromWire(wire);
      } catch (err) {
        reply.log(RC.BADWHACKMESSAGE, message(err));
        return reply.done(RC.BADWHACKMESSAGE);
      }
      if (!conn.local) {
        reply.log(RC.ORIENT, `"${conn.name}": cannot add: neither left nor right is an address of this host`);
        return reply.done(RC.ORIENT);
      }
      try {
        pluto.conns.add(conn, wire.origin);
      } catch (err) {
        reply.log(RC.INTERNAL_ERROR, `"${conn.name}": ${message(err)}`);
        return reply.done(RC.INTERNAL_ERROR);
      }
      log.info(`added IKEv2 connection "${conn.name}"`);
      reply.log(RC.COMMENT, `added IKEv2 connection "${conn.name}"`);
      return reply.done(0);
    }
    case 'delete':
      if (!known(req.args.name)) return;
      await pluto.conns.delete(req.args.name);
      log.info(`"${req.args.name}": deleting connection`);
      reply.log(RC.COMMENT, `"${req.args.name}": deleting connection`);
      return reply.done(0);
    case 'initiate': {
      const name = req.args.name;
      if (!known(name)) return;
      reply.log(RC.COMMENT, `"${name}": initiating IKEv2 connection`);
      const pending = pluto.engine.initiate(name);
      if (req.args.asynchronous) {
        pending.catch((err: unknown) => log.error(`"${name}": initiate failed: ${message(err)}`));
        return reply.done(0);
      }
      // Libreswan's whack shows the state's progress as it happens: relay the daemon's lines about this
      // conn as 002 (RC_LOG) lines until the outcome is known.
      // Debug lines stay in the log, as Libreswan's DEBUG_STREAM never goes to whack.
      const unsubscribe = log.addListener((level, line) => {
        if (level !== 'debug' && line.includes(`"${name}"`)) reply.log(RC.LOG, line);
      });
      try {
        const r = await pending.finally(unsubscribe);
        // Libreswan replies once the updown script has run: the routes are in when auto --up returns.
        await pluto.updown.settled(name);
        const conn = pluto.conns.get(name);
        reply.log(RC.LOG_SERIOUS, `"${name}" #${r.ike.serial}: initiator established IKE SA; ${authenticatedPeer(r.ike)}`);
        const esp = `${r.child.encapsulated ? 'ESPinUDP' : 'ESP'}=>0x${spiHex(r.child.spiOut)} <0x${spiHex(r.child.spiIn)}`;
        const dpd = (conn?.dpddelay ?? 0) > 0 ? 'active' : 'passive';
        reply.log(RC.SUCCESS, `"${name}" #${r.child.serial}: initiator established Child SA using #${r.ike.serial}; IPsec ${r.child.mode} [${r.child.localTs.join(',')}===${r.child.remoteTs.join(',')}] {${esp} xfrm=${r.child.algorithms} DPD=${dpd}}`);
        return reply.done(0);
      } catch (err) {
        reply.log(RC.NORETRANSMISSION, `"${name}": initiate failed: ${message(err)}`);
        log.error(`"${name}": initiate failed: ${message(err)}`);
        return reply.done(RC.NORETRANSMISSION);
      }
    }
    case 'terminate':
      if (!known(req.args.name)) return;
      await pluto.engine.terminate(req.args.name);
      await pluto.updown.settled(req.args.name); // down-client has run: the routes are gone
      reply.log(RC.COMMENT, `"${req.args.name}": terminating SAs using this connection`);
      return reply.done(0);
    case 'rekey': {
      const { name, what } = req.args;
      if (!known(name)) return;
      const sa = what === 'ike' ? 'IKE SA' : 'IPsec SA';
      try {
        await pluto.engine.rekey(name, what);
        reply.log(RC.COMMENT, `"${name}": rekeyed the ${sa}`);
        return reply.done(0);
      } catch (err) {
        reply.log(RC.WHACK_PROBLEM, `"${name}": cannot rekey the ${sa}: ${message(err)}`);
        log.error(`"${name}": rekey of the ${sa} failed: ${message(err)}`);
        return reply.done(RC.WHACK_PROBLEM);
      }
    }
    case 'route':
      if (!known(req.args.name)) return;
      try {
        const n = await pluto.conns.route(req.args.name);
        // As Libreswan, the answer comes once the updown script routed the conn: traffic may follow at once.
        await pluto.updown.settled(req.args.name);
        log.info(`"${req.args.name}": routed (${n} trap polic${n === 1 ? 'y' : 'ies'})`);
        reply.log(RC.COMMENT, `"${req.args.name}": routed (${n} trap polic${n === 1 ? 'y' : 'ies'})`);
        return reply.done(0);
      } catch (err) {
        reply.log(RC.ROUTE, `"${req.args.name}": cannot route: ${message(err)}`);
        return reply.done(RC.ROUTE);
      }
    case 'unroute':
      if (!known(req.args.name)) return;
      try {
        await pluto.conns.unroute(req.args.name);
        await pluto.updown.settled(req.args.name);
        log.info(`"${req.args.name}": unrouted`);
        return reply.done(0);
      } catch (err) {
        const rc = err instanceof RouteBusyError ? RC.RTBUSY : RC.INTERNAL_ERROR;
        reply.log(rc, message(err));
        return reply.done(rc, undefined, message(err));
      }
    case 'status':
      return reply.done(0, { kind: 'status', status: statusData(pluto) });
    case 'trafficstatus':
      return reply.done(0, { kind: 'traffic', traffic: await trafficData(pluto) });
    case 'rereadsecrets': {
      const ok = await pluto.loadSecrets();
      reply.log(ok ? RC.COMMENT : RC.LOG_SERIOUS, ok ? `loaded secrets from "${pluto.options.secretsfile}"` : `secrets file "${pluto.options.secretsfile}" not loaded (see the log)`);
      return reply.done(ok ? 0 : RC.INTERNAL_ERROR);
    }
    case 'listen': {
      // whack --listen / auto --ready: look at the interfaces again (new addresses get IKE sockets).
      const r = await pluto.sockets.rescan();
      for (const f of r.failed) reply.log(RC.LOG_SERIOUS, `cannot listen on ${f.address}: ${f.error}`);
      reply.log(RC.COMMENT, `listening for IKE messages on ${listeningPorts(pluto).map((l) => `${l.address}:${l.port}`).join(' ')}`);
      return reply.done(0);
    }
    case 'debug': {
      const classes = resolveDebugClasses(req.args.set, new Set(pluto.logger.debugClasses()));
      pluto.logger.setDebug(classes);
      reply.log(RC.COMMENT, `debug: ${[...classes].join('+') || 'none'}`);
      return reply.done(0);
    }
    case 'eroute': {
      const args = req.args;
      const r = await runEroute({ kernel: pluto.kernel, childSas: () => pluto.engine.status().childSas }, args);
      if (!r.ok) return reply.done(1, undefined, r.error);
      if (args.op !== 'list') {
        const s = args.op === 'clear' ? '' : ` ${args.selector.src} -> ${args.selector.dst}${args.op !== 'del' ? ` => ${formatSaid(args.said)}` : ''}`;
        log.info(`eroute --${args.op}${s}${r.note ? `: ${r.note}` : ''}`);
      }
      return reply.done(0, { kind: 'eroute', eroutes: r.entries ?? [], kernel: pluto.kernel.name, countsKept: r.countsKept });
    }
    case 'shutdown':
      reply.log(RC.COMMENT, 'shutting down');
      reply.done(0);
      // After the reply is on its way: the shutdown closes the control socket.
      setImmediate(() => void pluto.shutdown('whack --shutdown'));
      return;
  }
}
