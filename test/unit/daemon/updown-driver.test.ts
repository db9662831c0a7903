// When the daemon runs updown: up on a conn's first Child SA, down on its last (a rekey runs nothing),
// prepare+route / unroute on routing, in order per conn; nothing with the recording kernel (stack null).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { UpdownDriver } from '../../../src/daemon/updown-driver';
import { silentLogger } from '../../../src/log';
import type { UpdownRequest } from '../../../src/updown/environment';
import type { UpdownResult, UpdownRunOptions } from '../../../src/updown/runner';
import { child, conn, ike } from '../updown/fixtures';

const C = conn('conn x\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.2.0.0/24\n', 'x');

function recorder(delayMs = 0): { runs: UpdownRequest[]; run: (req: UpdownRequest, o: UpdownRunOptions) => Promise<UpdownResult> } {
  const runs: UpdownRequest[] = [];
  return {
    runs,
    run: async (req) => {
      await new Promise((r) => setTimeout(r, delayMs));
      runs.push(req);
      return { verb: req.operation, command: '', skipped: false, ok: true, exitCode: 0, signal: null, timedOut: false, stdout: '', stderr: '', durationMs: 0 };
    },
  };
}

test('up on the first Child SA, nothing for the rekey, down when the last one goes; in order', async () => {
  const r = recorder(5);
  const d = new UpdownDriver({ logger: silentLogger, stack: 'userspace', tunDevice: 'ipsec3', run: r.run });
  d.routed(C);
  d.childUp(C, child({ serial: 2 }), ike({}));
  d.childUp(C, child({ serial: 3 }), ike({})); // the rekey's new SA, installed before the old one goes
  d.childDown(C, child({ serial: 2 }), ike({}));
  d.childDown(C, child({ serial: 2 }), ike({})); // twice: ignored
  await d.settled('x');
  assert.deepEqual(r.runs.map((x) => x.operation), ['prepare', 'route', 'up']);
  d.childDown(C, child({ serial: 3 }), ike({}));
  d.unrouted(C);
  await d.idle();
  assert.deepEqual(r.runs.map((x) => x.operation), ['prepare', 'route', 'up', 'down', 'unroute']);
  const upRun = r.runs[2]!;
  assert.equal(upRun.stack, 'userspace');
  assert.equal(upRun.tunDevice, 'ipsec3');
  assert.equal(upRun.child?.serial, 2);
  assert.equal(r.runs[3]!.child?.serial, 3, 'down names the last Child SA');
});

test('the recording kernel (stack null) runs nothing; xfrm passes no TUN', async () => {
  const none = recorder();
  const d = new UpdownDriver({ logger: silentLogger, stack: null, run: none.run });
  d.routed(C);
  d.childUp(C, child({}), ike({}));
  await d.idle();
  assert.equal(none.runs.length, 0);
  const x = recorder();
  const k = new UpdownDriver({ logger: silentLogger, stack: 'xfrm', tunDevice: 'ipsec0', run: x.run });
  k.childUp(C, child({}), ike({}));
  await k.idle();
  assert.equal(x.runs[0]!.stack, 'xfrm');
  assert.equal(x.runs[0]!.tunDevice, undefined);
});
