import * as assert from 'node:assert/strict';

import { ConfigLoadError, LoadedConfig, parseIpsecConfText } from '../../../src/config';
import { FileSource } from '../../../src/config/include';

/** In-memory files for include tests. */
export function memoryFiles(files: Record<string, string>): FileSource {
  return {
    read: (f) => files[f],
    list: (dir) => {
      const prefix = dir.endsWith('/') ? dir : dir + '/';
      const names = Object.keys(files).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0]!);
      return names.length > 0 ? [...new Set(names)] : undefined;
    },
    canonical: (f) => f,
  };
}

export function parse(text: string, files?: FileSource): LoadedConfig {
  return parseIpsecConfText(text, 'test.conf', { files });
}

/** Parses a conn body (indented lines) inside `conn c` with both ends set. */
export function conn(body: string): LoadedConfig['conns'][number] {
  return parse(`conn c\n\tleft=192.0.2.1\n\tright=198.51.100.1\n${body}\n`).conns[0]!;
}

/** Asserts the text is refused and returns the error messages. */
export function refused(text: string, files?: FileSource): string[] {
  try {
    parse(text, files);
  } catch (err) {
    assert.ok(err instanceof ConfigLoadError, String(err));
    return err.errors.map((e) => e.message);
  }
  assert.fail('the configuration was accepted');
}
