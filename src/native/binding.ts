// The only file that loads the compiled addon. Everything else in src/ goes through the typed
// facades beside this file (secret.ts, dh.ts, prf.ts, ...), never through the raw binding.
import * as path from 'node:path';

/** The raw export object of build/Release/ipsec_native.node, before any typing. */
export type RawBinding = Readonly<Record<string, unknown>>;

export const ADDON_PATH = path.resolve(__dirname, '..', '..', '..', 'build', 'Release', 'ipsec_native.node');

export class NativeAddonError extends Error {
  readonly code = 'ERR_IPSEC_NATIVE_ADDON';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NativeAddonError';
  }
}

let loaded: RawBinding | undefined;

/** Loads the addon once; a failure says why and how to rebuild. */
export function rawBinding(): RawBinding {
  if (loaded) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(ADDON_PATH) as RawBinding;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new NativeAddonError(
      `the native addon could not be loaded from ${ADDON_PATH}: ${reason}\n` +
        'Rebuild it from the project directory with `npm install` (or `npm run build:native` after a change to native/).',
      { cause: err },
    );
  }
  return loaded;
}

/** A named export of the addon, checked to be a function (or class) of the expected shape. */
export function nativeFunction<T extends (...args: never[]) => unknown>(name: string): T {
  const value = rawBinding()[name];
  if (typeof value !== 'function') {
    throw new NativeAddonError(`the native addon has no function '${name}': it is older than the code; rebuild it with \`npm install\``);
  }
  return value as T;
}

/** A named constant exported by the addon (lengths, algorithm numbers), checked for its type. */
export function nativeConstant<T extends number | string | Readonly<Record<string, number>>>(name: string, kind: 'number' | 'string' | 'object'): T {
  const value = rawBinding()[name];
  if (typeof value !== kind) {
    throw new NativeAddonError(`the native addon has no ${kind} constant '${name}': rebuild it with \`npm install\``);
  }
  return value as T;
}

/** The version string of the OpenSSL the addon runs with (Node's own). */
export function opensslVersion(): string {
  return nativeConstant<string>('opensslVersion', 'string');
}
