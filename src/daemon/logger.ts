// pluto's logger (winston): to a file (--logfile), to stderr (--stderrlog), else to syslog with facility
// authpriv. Debug lines are "| "-prefixed and only written for the enabled plutodebug classes.
//
// Syslog: node has no unix datagram sockets and winston-syslog needs a native module (unix-dgram), so we
// keep one `logger --prio-prefix` child (util-linux) and write "<PRI>message" lines to its stdin.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import * as winston from 'winston';

import type { Logger } from '../log';

export interface LogOptions {
  logfile?: string;
  stderrlog: boolean;
  logTime: boolean;
  logAppend: boolean;
  logIp: boolean;
  /** Enabled plutodebug classes (after none/all/no-X resolution). */
  debug: ReadonlySet<string>;
}

/** A daemon logger: the Logger interface, plus listeners (whack clients) and log reopening. */
export interface DaemonLogger extends Logger {
  setDebug(classes: ReadonlySet<string>): void;
  debugClasses(): string[];
  /** Every line written (after filtering), for the whack clients that watch. */
  addListener(fn: (level: 'error' | 'warn' | 'info' | 'debug', line: string) => void): () => void;
  /** Reopens the log file (after logrotate); SIGHUP. */
  reopen(): void;
  close(): Promise<void>;
}

const AUTHPRIV = 10;
const SEVERITY = { error: 3, warn: 4, info: 6, debug: 7 } as const;

/** The debug classes that apply to every category once enabled. */
const EVERYTHING = new Set(['all', 'base', 'tmi']);

/** Resolves plutodebug words (none, all, base, X, no-X) in order into the enabled set. */
export function resolveDebugClasses(words: readonly string[], start: ReadonlySet<string> = new Set()): Set<string> {
  const set = new Set(start);
  for (const w of words) {
    if (w === 'none') set.clear();
    else if (w.startsWith('no-')) set.delete(w.slice(3));
    else set.add(w);
  }
  return set;
}

export function debugEnabled(classes: ReadonlySet<string>, category: string): boolean {
  if (classes.has(category)) return true;
  for (const c of classes) if (EVERYTHING.has(c)) return true;
  return false;
}

const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
const IPV6 = /\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f:]*\b/gi;

/** logip=no: addresses replaced. */
export function redactIps(line: string): string {
  return line.replace(IPV4, '<ip address>').replace(IPV6, '<ip address>');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Libreswan's log file timestamp: "Nov 25 19:39:14.123456". */
export function timestamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

/** One line for `logger --prio-prefix`: "<PRI>message" with facility authpriv (RFC 3164 PRI = facility * 8 + severity). */
export function syslogLine(level: keyof typeof SEVERITY, message: string): string {
  return `<${AUTHPRIV * 8 + SEVERITY[level]}>${message}`;
}

function syslogStream(): { stream: Writable; child: ChildProcess } {
  const child = spawn('logger', ['--prio-prefix', '-t', 'pluto', `--id=${process.pid}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => undefined); // no logger(1): syslog lines are dropped
  child.stdin?.on('error', () => undefined);
  child.unref();
  return { stream: child.stdin as Writable, child };
}

export function createDaemonLogger(options: LogOptions): DaemonLogger {
  let debug = new Set(options.debug);
  const listeners = new Set<(level: 'error' | 'warn' | 'info' | 'debug', line: string) => void>();
  const text = (message: string): string => (options.logIp ? message : redactIps(message));
  const fileFormat = winston.format.printf((info) => {
    const msg = String(info.message);
    return options.logTime ? `${timestamp(new Date())}: ${msg}` : msg;
  });
  let fileStream: fs.WriteStream | null = null;
  let syslog: { stream: Writable; child: ChildProcess } | null = null;
  const transports: winston.transport[] = [];
  if (options.logfile) {
    fileStream = fs.createWriteStream(options.logfile, { flags: options.logAppend ? 'a' : 'w', mode: 0o600 });
    fileStream.on('error', () => undefined);
    transports.push(new winston.transports.Stream({ stream: fileStream, format: fileFormat }));
  }
  if (options.stderrlog) {
    transports.push(new winston.transports.Stream({ stream: process.stderr, format: fileFormat }));
  }
  if (!options.logfile && !options.stderrlog) {
    syslog = syslogStream();
    const format = winston.format.printf((info) => syslogLine(info.level as keyof typeof SEVERITY, String(info.message)));
    transports.push(new winston.transports.Stream({ stream: syslog.stream, format }));
  }
  const w = winston.createLogger({ level: 'debug', levels: { error: 0, warn: 1, info: 2, debug: 3 }, transports });
  const emit = (level: 'error' | 'warn' | 'info' | 'debug', line: string): void => {
    const t = text(line);
    w.log(level, t);
    for (const fn of listeners) fn(level, t);
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (category, m) => {
      if (debugEnabled(debug, category)) emit('debug', `| ${m}`);
    },
    setDebug: (classes) => {
      debug = new Set(classes);
    },
    debugClasses: () => [...debug].sort(),
    addListener: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    reopen: () => {
      if (!options.logfile || !fileStream) return;
      const old = fileStream;
      const oldTransport = transports[0];
      fileStream = fs.createWriteStream(options.logfile, { flags: 'a', mode: 0o600 });
      fileStream.on('error', () => undefined);
      const next = new winston.transports.Stream({ stream: fileStream, format: fileFormat });
      w.remove(oldTransport);
      w.add(next);
      transports[0] = next;
      old.end();
    },
    close: async () => {
      // Let winston's pipeline deliver what is queued before the file closes.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => {
        if (fileStream) fileStream.end(() => resolve());
        else resolve();
      });
      syslog?.stream.end();
    },
  };
}
