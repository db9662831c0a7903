// Installs the Debian packages integration tests need (strongSwan, ping, iperf3) from the test setup.
// Several test files may run at once, so apt runs under one machine-wide lock; `apt-get update` runs once
// per machine run (a stamp under /tmp). When installing is impossible the caller gets a reason to skip
// with, never a silent pass.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Files that prove a package is really usable (a binary alone is not enough: plugins are separate). */
const PROOF_FILES: Readonly<Record<string, readonly string[]>> = {
  'strongswan-charon': ['/usr/lib/ipsec/charon'],
  'strongswan-swanctl': ['/usr/sbin/swanctl'],
  'libcharon-extra-plugins': ['/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so'],
  'libstrongswan-standard-plugins': ['/usr/lib/ipsec/plugins/libstrongswan-openssl.so'],
  'libstrongswan-extra-plugins': ['/usr/lib/ipsec/plugins/libstrongswan-curve25519.so'],
  'iputils-ping': ['/usr/bin/ping'],
  iperf3: ['/usr/bin/iperf3'],
  nftables: ['/usr/sbin/nft'],
};

/** strongSwan with its userspace ESP (kernel-libipsec) and the crypto plugins the tests load. */
export const STRONGSWAN_PACKAGES: readonly string[] = [
  'strongswan-charon',
  'strongswan-swanctl',
  'libcharon-extra-plugins',
  'libstrongswan-extra-plugins',
  'libstrongswan-standard-plugins',
];
export const PING_PACKAGES: readonly string[] = ['iputils-ping'];
export const IPERF_PACKAGES: readonly string[] = ['iperf3'];
/** nft, for source NAT inside a test namespace. */
export const NAT_PACKAGES: readonly string[] = ['nftables'];

const LOCK_FILE = '/tmp/swanlet-apt.lock';
const UPDATE_STAMP = `/tmp/swanlet-apt-updated.${bootId()}`;
const APT_TIMEOUT_MS = 10 * 60_000;
const LOCK_WAIT_MS = 15 * 60_000;

function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
  } catch {
    return 'noboot';
  }
}

function dpkgInstalled(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return r.status === 0 && r.stdout.trim() === 'install ok installed';
}

/** A package is present when dpkg says so and every file that proves it usable exists. */
export function isPackagePresent(pkg: string): boolean {
  const files = PROOF_FILES[pkg] ?? [];
  if (!files.every((f) => fs.existsSync(f))) return false;
  return dpkgInstalled(pkg);
}

export function missingPackages(pkgs: readonly string[]): string[] {
  return pkgs.filter((p) => !isPackagePresent(p));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An O_EXCL lock file holding our pid; a lock left by a dead process is taken over. */
function withLock<T>(fn: () => T): T {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = fs.openSync(LOCK_FILE, 'wx', 0o644);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number.parseInt(fs.readFileSync(LOCK_FILE, 'utf8'), 10);
      } catch {
        continue; // removed meanwhile: try again
      }
      if (Number.isInteger(holder) && !pidAlive(holder)) {
        try {
          fs.unlinkSync(LOCK_FILE);
        } catch {
          /* another waiter took it over first */
        }
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK_FILE} (held by pid ${holder})`);
      sleepSync(500);
    }
  }
  try {
    return fn();
  } finally {
    try {
      if (fs.readFileSync(LOCK_FILE, 'utf8') === String(process.pid)) fs.unlinkSync(LOCK_FILE);
    } catch {
      /* already gone */
    }
  }
}

interface AptResult {
  ok: boolean;
  output: string;
}

function apt(args: string[]): AptResult {
  const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    encoding: 'utf8',
    // No stdin (CI has none, and apt must never wait for an answer).
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: APT_TIMEOUT_MS,
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
  return { ok: r.status === 0, output };
}

function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Makes sure the Debian packages are installed, installing what is missing. Returns null when they are all
 * there, or the reason they cannot be (for `t.skip(reason)` / `{ skip: reason }`).
 */
export function ensurePackages(pkgs: readonly string[]): string | null {
  if (missingPackages(pkgs).length === 0) return null;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return `needs root to install ${missingPackages(pkgs).join(' ')}`;
  }
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return `apt-get is not available to install ${missingPackages(pkgs).join(' ')}`;
  }
  return withLock(() => {
    const missing = missingPackages(pkgs); // another process may have installed them while we waited
    if (missing.length === 0) return null;
    const install = (): AptResult => apt(['install', '-y', '--no-install-recommends', ...missing]);
    if (!fs.existsSync(UPDATE_STAMP)) {
      const up = apt(['update']);
      if (!up.ok) return `apt-get update failed:\n${tail(up.output)}`;
      fs.writeFileSync(UPDATE_STAMP, new Date().toISOString());
    }
    let res = install();
    if (!res.ok) {
      // Package lists may be stale even though the stamp says they were fetched this boot.
      const up = apt(['update']);
      if (up.ok) res = install();
    }
    if (!res.ok) return `apt-get install ${missing.join(' ')} failed:\n${tail(res.output)}`;
    const still = missingPackages(missing);
    return still.length === 0 ? null : `installed but still incomplete: ${still.join(' ')}`;
  });
}
