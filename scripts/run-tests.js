#!/usr/bin/env node
'use strict';
// `npm test`: node's own test runner over every compiled *.test.js under dist/test (tools and helpers
// under dist/test are not tests). Extra arguments are passed to `node --test` (e.g. --test-name-pattern),
// and path fragments filter the files: `npm test -- unit/config`.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', 'dist', 'test');
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.isFile() && e.name.endsWith('.test.js') ? [p] : [];
  });
}

if (!fs.existsSync(root)) {
  console.error('npm test: dist/test is missing: run `npm install` first (it builds the TypeScript).');
  process.exit(1);
}
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const filters = args.filter((a) => !a.startsWith('--'));
const files = walk(root).sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`npm test: no test file matches ${filters.join(' ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', ...flags, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
