// Our verdict on every corpus file must match the one recorded in the manifest (generated once with
// test/tools/compare-libreswan-conf.ts next to Libreswan 4.10); this test does not need Libreswan.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  CORPUS_DIR,
  KEYWORD_COVERAGE,
  KeywordCoverage,
  MANIFEST,
  ManifestEntry,
  corpusFiles,
  ourKeywordNames,
  ourVerdict,
} from '../../tools/compare-libreswan-conf';

const manifest: ManifestEntry[] = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));

test('the manifest covers every corpus file, and every difference with Libreswan is explained', () => {
  assert.deepEqual(manifest.map((e) => e.file), corpusFiles().map((f) => path.basename(f)));
  for (const e of manifest) {
    if (e.libreswan !== e.ours) assert.ok(e.why.length > 20 && !/UNEXPLAINED/.test(e.why), e.file);
    // Where Libreswan refuses, so do we.
    if (e.libreswan === 'reject') assert.equal(e.ours, 'reject', e.file);
  }
  assert.ok(manifest.filter((e) => e.ours === 'accept').length >= 10);
});

for (const entry of manifest) {
  test(`corpus ${entry.file}: ${entry.ours}`, async () => {
    const r = await ourVerdict(path.join(CORPUS_DIR, entry.file));
    assert.equal(r.verdict, entry.ours, r.error);
    assert.equal(r.error, entry.ourError);
  });
}

test('every keyword name we accept was checked against Libreswan 4.10, and it knows them all', () => {
  const coverage: KeywordCoverage = JSON.parse(fs.readFileSync(KEYWORD_COVERAGE, 'utf8'));
  assert.deepEqual(coverage.checked, ourKeywordNames(), 'the keyword table changed: rerun the comparison tool with --write');
  assert.deepEqual(coverage.unknownToLibreswan, []);
});
