// The logging interface the library code takes. Only the daemon and the CLI build a winston logger
// (src/daemon/logger.ts, src/cli/*); library code receives a Logger and never imports winston.
export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  /** Debug lines; `category` is a plutodebug class name (e.g. "crypt", "control"). */
  debug(category: string, message: string): void;
}

/** A logger that drops everything: the default for library code under test. */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};
