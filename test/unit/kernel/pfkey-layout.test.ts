// The struct sizes and field offsets the PF_KEY codec writes, checked against the C compiler's view of
// /usr/include/linux/pfkeyv2.h (skipped where there is no cc or no header).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SIZE } from '../../../src/kernel/pfkey/constants';

const HEADER = '/usr/include/linux/pfkeyv2.h';

// [struct, our SIZE key, [field, the offset codec.ts writes it at]...]
const LAYOUT: [string, keyof typeof SIZE, [string, number][]][] = [
  ['sadb_msg', 'msg', [['sadb_msg_len', 4], ['sadb_msg_seq', 8], ['sadb_msg_pid', 12]]],
  ['sadb_sa', 'sa', [['sadb_sa_spi', 4], ['sadb_sa_replay', 8], ['sadb_sa_encrypt', 11], ['sadb_sa_flags', 12]]],
  ['sadb_lifetime', 'lifetime', [['sadb_lifetime_allocations', 4], ['sadb_lifetime_bytes', 8], ['sadb_lifetime_addtime', 16], ['sadb_lifetime_usetime', 24]]],
  ['sadb_address', 'address', [['sadb_address_proto', 4], ['sadb_address_prefixlen', 5]]],
  ['sadb_key', 'key', [['sadb_key_bits', 4]]],
  ['sadb_ident', 'ident', [['sadb_ident_type', 4], ['sadb_ident_id', 8]]],
  ['sadb_prop', 'prop', [['sadb_prop_replay', 4]]],
  ['sadb_comb', 'comb', [['sadb_comb_flags', 2], ['sadb_comb_encrypt_maxbits', 10], ['sadb_comb_soft_allocations', 16], ['sadb_comb_hard_allocations', 20], ['sadb_comb_soft_bytes', 24], ['sadb_comb_hard_bytes', 32], ['sadb_comb_soft_addtime', 40], ['sadb_comb_hard_addtime', 48], ['sadb_comb_soft_usetime', 56], ['sadb_comb_hard_usetime', 64]]],
  ['sadb_supported', 'supported', []],
  ['sadb_alg', 'alg', [['sadb_alg_ivlen', 1], ['sadb_alg_minbits', 2], ['sadb_alg_maxbits', 4]]],
  ['sadb_spirange', 'spirange', [['sadb_spirange_min', 4], ['sadb_spirange_max', 8]]],
  ['sadb_x_sa2', 'xSa2', [['sadb_x_sa2_mode', 4], ['sadb_x_sa2_sequence', 8], ['sadb_x_sa2_reqid', 12]]],
  ['sadb_x_policy', 'xPolicy', [['sadb_x_policy_type', 4], ['sadb_x_policy_dir', 6], ['sadb_x_policy_id', 8], ['sadb_x_policy_priority', 12]]],
  ['sadb_x_ipsecrequest', 'xIpsecrequest', [['sadb_x_ipsecrequest_proto', 2], ['sadb_x_ipsecrequest_mode', 4], ['sadb_x_ipsecrequest_level', 5], ['sadb_x_ipsecrequest_reqid', 8]]],
  ['sadb_x_nat_t_type', 'natTType', [['sadb_x_nat_t_type_type', 4]]],
  ['sadb_x_nat_t_port', 'natTPort', [['sadb_x_nat_t_port_port', 4]]],
];

test('struct sizes and offsets match linux/pfkeyv2.h as cc sees it', (t) => {
  if (!existsSync(HEADER) || spawnSync('cc', ['--version']).status !== 0) {
    t.skip('no cc or no linux/pfkeyv2.h');
    return;
  }
  const lines = LAYOUT.flatMap(([s, , fields]) => [
    `printf("${s} %zu\\n", sizeof(struct ${s}));`,
    ...fields.map(([f]) => `printf("${s}.${f} %zu\\n", offsetof(struct ${s}, ${f}));`),
  ]);
  const src = `#include <stddef.h>\n#include <stdio.h>\n#include <linux/pfkeyv2.h>\n#include <netinet/in.h>\nint main(void) {\n${lines.join('\n')}\nprintf("sockaddr_in %zu\\nsockaddr_in6 %zu\\n", sizeof(struct sockaddr_in), sizeof(struct sockaddr_in6));\nreturn 0; }\n`;
  const dir = mkdtempSync(join(tmpdir(), 'pfkey-layout-'));
  try {
    writeFileSync(join(dir, 'l.c'), src);
    const cc = spawnSync('cc', ['-o', join(dir, 'l'), join(dir, 'l.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const out = spawnSync(join(dir, 'l'), { encoding: 'utf8' }).stdout;
    const got = new Map(out.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    for (const [s, key, fields] of LAYOUT) {
      assert.equal(Number(got.get(s)), SIZE[key], `sizeof(struct ${s})`);
      for (const [f, off] of fields) assert.equal(Number(got.get(`${s}.${f}`)), off, `offsetof(${s}, ${f})`);
    }
    assert.equal(Number(got.get('sockaddr_in')), SIZE.sockaddrIn);
    assert.equal(Number(got.get('sockaddr_in6')), SIZE.sockaddrIn6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
