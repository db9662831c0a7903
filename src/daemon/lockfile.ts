// RUNDIR/pluto.pid: one pluto per run directory. Created exclusively; a lockfile whose pid is dead is
// stale and removed; one whose pid is alive means another pluto holds the directory (exit 10).
import * as fs from 'node:fs';

export type LockResult = { ok: true } | { ok: false; pid: number };

/** A zombie has exited and waits for its parent (or init, slow in a container) to reap it. */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Whether a process with this pid is running (EPERM: it exists, owned by someone else; a zombie is not). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** The pid in a lockfile, null when there is no file, NaN when it holds no number. */
export function readLock(file: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const m = /^\s*(\d+)\s*$/.exec(text);
  return m ? Number(m[1]) : NaN;
}

/**
 * Takes the lock for `pid`: writes the file with O_EXCL. A file naming a live process other than us
 * refuses; a stale one (dead pid, or garbage) is removed and the lock taken. `onStale` hears of it.
 */
export function acquireLock(file: string, pid: number = process.pid, onStale?: (oldPid: number) => void): LockResult {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
      try {
        fs.writeSync(fd, `${pid}\n`);
      } finally {
        fs.closeSync(fd);
      }
      return { ok: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readLock(file);
    if (held === null) continue; // removed meanwhile: try again
    if (!Number.isNaN(held) && held !== pid && isAlive(held)) return { ok: false, pid: held };
    onStale?.(held);
    try {
      fs.unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new Error(`cannot create the lockfile ${file}: it keeps reappearing`);
}

/** Removes the lockfile if it is still ours. */
export function releaseLock(file: string, pid: number = process.pid): void {
  if (readLock(file) !== pid) return;
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}
