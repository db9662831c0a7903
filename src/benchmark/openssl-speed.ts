// OpenSSL's own figures, measured in the same run with the `openssl speed` command (machine-readable -mr
// output). Absent command or unknown algorithm: null, and the row says so.
import { spawnSync } from 'node:child_process';

let available: boolean | undefined;

export function opensslCommandAvailable(): boolean {
  if (available === undefined) {
    const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
    available = r.status === 0 && /^OpenSSL 3\./.test(r.stdout);
  }
  return available;
}

function speed(args: string[], seconds: number): string | null {
  if (!opensslCommandAvailable()) return null;
  // -elapsed: wall-clock time, as our own figures are measured (the default is CPU time, which flatters
  // OpenSSL whenever another process shares the cores).
  const r = spawnSync('openssl', ['speed', '-elapsed', '-mr', '-seconds', String(Math.max(1, Math.round(seconds))), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return r.status === 0 ? r.stdout : null;
}

/** Bytes per second of an EVP cipher (e.g. "aes-128-gcm") at one block size. */
export function opensslCipherBytesPerSecond(cipher: string, size: number, seconds: number): number | null {
  return parseBytesLine(speed(['-evp', cipher, '-bytes', String(size)], seconds));
}

/** Bytes per second of HMAC with a digest (e.g. "sha256") at one block size. */
export function opensslHmacBytesPerSecond(digest: string, size: number, seconds: number): number | null {
  return parseBytesLine(speed(['-hmac', digest, '-bytes', String(size)], seconds));
}

/** Shared-secret derivations per second: "ecdhx25519", "ecdhp256", "ffdh2048", ... */
export function opensslKeyAgreementOps(algorithm: string, seconds: number): number | null {
  const out = speed([algorithm], seconds);
  if (!out) return null;
  // +F5:<index>:<bits>:<ops/s>:<seconds per op> (ECDH); +F8:... (FFDH)
  const m = /^\+F[58]:\d+:\d+:([0-9.]+):/m.exec(out);
  return m ? Number(m[1]) : null;
}

function parseBytesLine(out: string | null): number | null {
  if (!out) return null;
  // +F:<index>:<name>:<bytes per second>
  const m = /^\+F:\d+:[^:]+:([0-9.]+)\s*$/m.exec(out);
  return m ? Number(m[1]) : null;
}
