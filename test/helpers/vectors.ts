// Known-answer vectors are JSON files under test/vectors/, each naming its source.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { VECTORS_DIR } from './paths';

export interface VectorFile<T> {
  /** Where the vectors come from: RFC and section, or NIST/CAVP file name. */
  source: string;
  vectors: T[];
}

export function loadVectors<T>(name: string): VectorFile<T> {
  const file = path.join(VECTORS_DIR, name);
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as VectorFile<T>;
  if (typeof parsed.source !== 'string' || !Array.isArray(parsed.vectors) || parsed.vectors.length === 0) {
    throw new Error(`${file}: a vector file needs a "source" string and a non-empty "vectors" array`);
  }
  return parsed;
}

/** Hex to bytes; whitespace is ignored so long vectors can be wrapped. */
export function hex(text: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex: ${text.slice(0, 40)}`);
  return Buffer.from(clean, 'hex');
}
