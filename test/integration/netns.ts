// Scratch network namespaces for integration tests: unique names, and always deleted (with whatever
// runs inside them) by remove(), which the tests call in every exit path.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function run(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

/** Why these tests cannot run here (not root, no `ip`, no netns), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  if (run('ip', ['-V']).status !== 0) return 'no iproute2 `ip`';
  return undefined;
}

export class Netns {
  readonly name: string;

  constructor(prefix: string) {
    this.name = `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.must('ip', ['netns', 'add', this.name]);
    this.ip('link', 'set', 'lo', 'up');
  }

  /** `ip -n NAME ...`; throws with stderr on failure. */
  ip(...args: string[]): string {
    return this.must('ip', ['-n', this.name, ...args]);
  }

  /** A command inside the namespace; throws with stderr on failure. */
  exec(...args: string[]): string {
    return this.must('ip', ['netns', 'exec', this.name, ...args]);
  }

  /** Kills what still runs inside and deletes the namespace; safe to call twice. */
  remove(): void {
    const pids = run('ip', ['netns', 'pids', this.name]).stdout.split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    run('ip', ['netns', 'del', this.name]);
  }

  private must(cmd: string, args: string[]): string {
    const r = run(cmd, args);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
    return r.stdout;
  }
}
