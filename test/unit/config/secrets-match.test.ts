// Choosing a secret for a pair of IDs: Libreswan's best-match rule (ipsec.secrets(5), "the entry that
// most specifically matches the host and peer IDs is used"; lsw_find_secret_by_id in its source).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { parseId } from '../../../src/config/id';
import { loadSecrets, SecretsDb } from '../../../src/config/secrets';
import type { Logger } from '../../../src/log';

async function db(text: string, logger?: Logger): Promise<SecretsDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-match-'));
  const file = path.join(dir, 'ipsec.secrets');
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return loadSecrets(file, { logger });
}

async function pick(d: SecretsDb, local: string, remote: string): Promise<string | null> {
  const m = d.findPsk(parseId(local), parseId(remote));
  return m === null ? null : `${m.line}:${m.secret.reveal().toString()}`;
}

test('both IDs listed beats one side with %any, beats the local ID alone, beats %any or no index', async () => {
  const d = await db([
    ': PSK "no-index"', //                    line 1: matches any pair (weakest)
    '%any : PSK "any-alone"', //              line 2: as weak as no index, and later
    '@a : PSK "local-only"', //               line 3: local ID as the only index
    '@a %any : PSK "local-and-any"', //       line 4
    '%any @b : PSK "any-and-remote"', //      line 5 (matches @b as local or remote)
    '@a @b : PSK "exact-pair"', //            line 6
    '',
  ].join('\n'));
  assert.equal(await pick(d, '@a', '@b'), '6:exact-pair');
  assert.equal(await pick(d, '@b', '@a'), '6:exact-pair'); // the same entry serves both ends
  assert.equal(await pick(d, '@a', '@c'), '4:local-and-any'); // local|any (10) > local|default (9)
  assert.equal(await pick(d, '@c', '@b'), '5:any-and-remote'); // remote|any (6) > any (2)
  assert.equal(await pick(d, '@x', '@y'), '1:no-index'); // tie between lines 1 and 2: the first wins
});

test('the local ID alone as the only index matches any peer; a lone remote ID does not match', async () => {
  const d = await db(['@a : PSK "mine"', '@b : PSK "theirs"', ''].join('\n'));
  assert.equal(await pick(d, '@a', '@zzz'), '1:mine');
  assert.equal(await pick(d, '@c', '@b'), null); // "the peer isn't considered"
});

test('with several indices both ends must be listed; listing only the local ID among others fails for a PSK', async () => {
  const d = await db(['@a @c : PSK "a-and-c"', ''].join('\n'));
  assert.equal(await pick(d, '@a', '@c'), '1:a-and-c');
  assert.equal(await pick(d, '@a', '@b'), null);
});

test('equally good entries: the first in the file is used; a different secret is warned about, without values', async () => {
  const lines: string[] = [];
  const logger: Logger = { error: (m) => void lines.push(m), warn: (m) => void lines.push(m), info: () => undefined, debug: () => undefined };
  const d = await db(['@a @b : PSK "first-one"', '@b @a : PSK "second-one"', ''].join('\n'), logger);
  assert.equal(await pick(d, '@a', '@b'), '1:first-one');
  assert.ok(lines.some((l) => l.includes(':2: matches as well as') && l.includes(':1 but holds a different secret')), lines.join('\n'));
  for (const l of lines) assert.ok(!l.includes('first-one') && !l.includes('second-one'));
});

test('IDs compare as Libreswan compares them: FQDN case and trailing dot, addresses, DNs; %any6 and 0.0.0.0 are wildcards', async () => {
  const d = await db([
    '@GW.Example.ORG. 192.0.2.1 : PSK "fqdn-addr"',
    '"C=CA, O=Libreswan, CN=road" 2001:db8::1 : PSK "dn-v6"',
    '0.0.0.0 @solo : PSK "zero-any"',
    '%any6 @six : PSK "any6"',
    '',
  ].join('\n'));
  assert.equal(await pick(d, '192.0.2.1', '@gw.example.org'), '1:fqdn-addr');
  assert.equal(await pick(d, '2001:0db8:0::1', 'c=ca, o=libreswan, cn=ROAD'), '2:dn-v6');
  assert.equal(await pick(d, '@solo', '10.9.9.9'), '3:zero-any');
  assert.equal(await pick(d, '2001:db8::7', '@six'), '4:any6');
});

test('XAUTH and PSK entries do not answer for each other', async () => {
  const d = await db(['@alice : XAUTH "xauth-pw"', ''].join('\n'));
  assert.equal(d.findPsk(parseId('@alice'), parseId('@bob')), null);
  assert.equal(d.findXauth('alice')?.secret.reveal().toString(), 'xauth-pw');
  assert.equal(d.findXauth('bob'), null);
  assert.equal(d.findXauth('ALICE')?.line, 1); // FQDN-type IDs compare without case
  assert.equal(d.findXauth('cn=x, o=y'), null); // an odd user name is just a name
});
