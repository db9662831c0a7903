// The benchmark's synthetic configuration must be one we accept, with every conn resolved.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { parseIpsecConfText } from '../../../src/config';
import { generateIpsecConf } from '../../../benchmarks/generate-conf';

test('the generated N-conn configuration parses into N site conns with %default and also= applied', () => {
  const c = parseIpsecConfText(generateIpsecConf(300), 'gen.conf');
  const sites = c.conns.filter((x) => x.name.startsWith('site-'));
  assert.equal(sites.length, 300);
  const last = sites[299]!;
  assert.equal(last.salifetime, 3600);
  assert.equal(last.rekeymargin, 180);
  assert.equal((last.left.subnet as { text: string }).text, '10.0.0.0/16');
  assert.equal(last.mark!.value, 300);
  assert.equal(new Set(sites.map((s) => (s.right.host as { address: { text: string } }).address.text)).size, 300);
});
