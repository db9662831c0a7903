// Checks `ipsec algparse` against Libreswan 4.10's own answers, recorded by test/tools/compare-algparse.ts
// in test/corpus/algparse/: stdout line for line, stderr and exit status, for ~27,000 strings.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { CORPUS_DIR, CorpusFile, firstDifference, runOurs, splitCases } from '../../tools/compare-algparse';
import { caseGroups } from '../../tools/algparse-cases';

function load(name: string): CorpusFile {
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(CORPUS_DIR, `${name}.json.gz`))).toString('utf8')) as CorpusFile;
}

test('the corpus has one recorded file per case group, each from Libreswan', () => {
  const files = fs.readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.json.gz')).sort();
  assert.deepEqual(files, caseGroups().map((g) => `${g.name}.json.gz`).sort());
  for (const group of caseGroups()) {
    const file = load(group.name);
    assert.match(file.source, /Libreswan 4\.10/);
    assert.deepEqual(file.options, group.options);
    assert.deepEqual(file.batches.flatMap((b) => b.args), group.args, `${group.name}: cases changed; re-run compare-algparse --write`);
  }
});

for (const group of caseGroups()) {
  test(`algparse ${group.options.join(' ') || '(defaults)'} matches Libreswan on ${group.name} (${group.args.length} strings)`, () => {
    const file = load(group.name);
    let checked = 0;
    for (const batch of file.batches) {
      const ours = runOurs([...file.options, ...batch.args]);
      const a = splitCases(ours.stdout);
      const b = splitCases(batch.stdout);
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        assert.equal(a[i], b[i], `${group.name}: differs from Libreswan`);
        checked++;
      }
      assert.equal(firstDifference(ours.stderr, batch.stderr), null, `${group.name}: stderr differs`);
      assert.equal(ours.status, batch.status, `${group.name}: exit status differs`);
    }
    assert.ok(checked >= group.args.length);
  });
}
