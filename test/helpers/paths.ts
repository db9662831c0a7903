import * as path from 'node:path';

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const VECTORS_DIR = path.join(REPO_ROOT, 'test', 'vectors');
export const IPSEC_BIN = path.join(REPO_ROOT, 'bin', 'ipsec');
