import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { acquireLock, isAlive, readLock, releaseLock } from '../../../src/daemon/lockfile';

function tempLock(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-lock-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'pluto.pid');
}

/** A pid that certainly belongs to no process: one that just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('isAlive: ourselves yes, an exited child no, nonsense no', () => {
  assert.equal(isAlive(process.pid), true);
  assert.equal(isAlive(deadPid()), false);
  assert.equal(isAlive(0), false);
  assert.equal(isAlive(-1), false);
});

test('a free lockfile is taken and holds our pid; release removes it', (t) => {
  const file = tempLock(t);
  assert.deepEqual(acquireLock(file), { ok: true });
  assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`);
  assert.equal(readLock(file), process.pid);
  releaseLock(file);
  assert.equal(fs.existsSync(file), false);
  assert.equal(readLock(file), null);
});

test('a lockfile held by a live process refuses, and names it', (t) => {
  const file = tempLock(t);
  fs.writeFileSync(file, `${process.ppid}\n`);
  assert.deepEqual(acquireLock(file, process.pid), { ok: false, pid: process.ppid });
  assert.equal(readLock(file), process.ppid);
});

test('a stale lockfile (dead pid) is removed and taken, and reported', (t) => {
  const file = tempLock(t);
  const dead = deadPid();
  fs.writeFileSync(file, `${dead}\n`);
  const stale: number[] = [];
  assert.deepEqual(acquireLock(file, process.pid, (p) => stale.push(p)), { ok: true });
  assert.deepEqual(stale, [dead]);
  assert.equal(readLock(file), process.pid);
});

test('a lockfile holding garbage is stale', (t) => {
  const file = tempLock(t);
  fs.writeFileSync(file, 'not a pid\n');
  assert.ok(Number.isNaN(readLock(file)));
  assert.deepEqual(acquireLock(file), { ok: true });
});

test('release leaves a lockfile that is not ours', (t) => {
  const file = tempLock(t);
  fs.writeFileSync(file, `${process.ppid}\n`);
  releaseLock(file, process.pid);
  assert.equal(readLock(file), process.ppid);
});
