import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { ConnectError, controlSocketPath, sendRequest } from '../../../src/control/client';
import { RC, Request } from '../../../src/control/protocol';
import { ControlServer } from '../../../src/control/server';

function tempSocket(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-ctl-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'pluto.ctl');
}

test('socket path: --ctlsocket beats --rundir beats /run/pluto', () => {
  assert.equal(controlSocketPath({}), '/run/pluto/pluto.ctl');
  assert.equal(controlSocketPath({ rundir: '/tmp/r' }), '/tmp/r/pluto.ctl');
  assert.equal(controlSocketPath({ rundir: '/tmp/r', ctlsocket: '/x.ctl' }), '/x.ctl');
});

test('a request streams its log lines, then its final reply; the socket is owner-only', async (t) => {
  const file = tempSocket(t);
  const seen: Request[] = [];
  const server = new ControlServer(file, async (req, reply) => {
    seen.push(req);
    if (req.cmd === 'delete') {
      reply.log(RC.UNKNOWN_NAME, `no connection named "${req.args.name}"`);
      return reply.done(RC.UNKNOWN_NAME);
    }
    if (req.cmd === 'shutdown') throw new Error('boom');
    reply.log(RC.LOG, 'one');
    reply.log(RC.SUCCESS, 'two');
    reply.done(0, { kind: 'traffic', traffic: [] });
    reply.log(RC.LOG, 'after done: dropped');
  });
  await server.listen();
  t.after(() => server.close());
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);

  const lines: string[] = [];
  const ok = await sendRequest(file, { cmd: 'trafficstatus', args: {} }, { onLog: (rc, text) => lines.push(`${rc} ${text}`) });
  assert.deepEqual(lines, ['2 one', '4 two']);
  assert.equal(ok.exitCode, 0);
  assert.deepEqual(ok.data, { kind: 'traffic', traffic: [] });

  const unknown = await sendRequest(file, { cmd: 'delete', args: { name: 'x' } });
  assert.equal(unknown.exitCode, 21);
  assert.deepEqual(seen.map((r) => r.cmd), ['trafficstatus', 'delete']);

  const failed = await sendRequest(file, { cmd: 'shutdown', args: {} });
  assert.equal(failed.exitCode, RC.INTERNAL_ERROR);
  assert.equal(failed.message, 'boom');

  await server.close();
  assert.equal(fs.existsSync(file), false);
});

test('no daemon: a ConnectError naming the socket', async (t) => {
  const file = tempSocket(t);
  await assert.rejects(sendRequest(file, { cmd: 'status', args: {} }), (e: unknown) => e instanceof ConnectError && e.code === 'ENOENT' && e.message.includes(file));
});
