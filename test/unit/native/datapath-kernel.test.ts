// UserspaceKernel (src/kernel/userspace.ts): the Kernel interface over an unstarted data path (no TUN needed):
// SPI allocation, SAs and their counters, policies and their listing, what it refuses, time lifetimes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import type { KernelEvent, KernelPolicy, KernelSa } from '../../../src/kernel/kernel';
import { UserspaceKernel } from '../../../src/kernel/userspace';
import { ESP_ENCR } from '../../../src/native/esp';
import { secretFrom } from '../../../src/native/secret';

const kernel = (): UserspaceKernel => new UserspaceKernel({ tunName: 'swtest1', localAddress: '192.0.2.1', port: 4500 });
const selector = { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, srcPort: 0, dstPort: 0 };
const noLimits = { softBytes: 0, hardBytes: 0, softPackets: 0, hardPackets: 0, softSeconds: 0, hardSeconds: 0 };

function sa(over: Partial<KernelSa> = {}): KernelSa {
  return {
    spi: 0xc0ffee, src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 7,
    encr: { id: ESP_ENCR.AES_GCM_16, keyBits: 256, keymat: secretFrom(randomBytes(36)) }, esn: true, replayWindow: 128,
    encap: { srcPort: 4500, dstPort: 4500 }, selector, lifetimes: noLimits, direction: 'out', ...over,
  };
}

test('allocSpi: never 0..255, never one handed out or in use', async () => {
  const k = kernel();
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const spi = await k.allocSpi('192.0.2.2', '192.0.2.1');
    assert.ok(spi >= 256 && spi <= 0xffffffff);
    assert.ok(!seen.has(spi));
    seen.add(spi);
  }
});

test('SAs: add, query counters, replace, delete; transport mode with the outer family; duplicates and marks refused', async () => {
  const k = kernel();
  await k.addSa(sa());
  await k.addSa(sa({ direction: 'in', src: '192.0.2.2', dst: '192.0.2.1', spi: 0xbeef }));
  assert.deepEqual(await k.querySa(0xc0ffee, '192.0.2.2'), { bytes: 0, packets: 0, lastUsed: 0, replayDrops: 0, authFailures: 0 });
  await assert.rejects(k.addSa(sa()), { code: 'ERR_IPSEC_SA_EXISTS' });
  await k.updateSa(sa({ encap: { srcPort: 4500, dstPort: 34567 } }));
  const hosts = { src: '192.0.2.1/32', dst: '192.0.2.2/32', proto: 0, srcPort: 0, dstPort: 0 };
  await k.addSa(sa({ spi: 0x7777, reqid: 8, mode: 'transport', selector: hosts }));
  assert.ok(await k.querySa(0x7777, '192.0.2.2'));
  await assert.rejects(k.addSa(sa({ spi: 1, mode: 'transport', selector: { ...hosts, src: 'fd00::1/128', dst: 'fd00::2/128' } })), { code: 'ERR_IPSEC_BAD_SELECTOR' });
  await assert.rejects(k.addSa(sa({ spi: 2, mark: { value: 1, mask: 0xff } })), { code: 'ERR_IPSEC_UNSUPPORTED' });
  await assert.rejects(k.addSa(sa({ spi: 0x5555, encr: { id: ESP_ENCR.AES_GCM_16, keyBits: 256, keymat: secretFrom(randomBytes(8)) } })), { code: 'ERR_IPSEC_ESP_CONFIG' });
  await k.delSa(0xc0ffee, '192.0.2.2');
  await assert.rejects(k.querySa(0xc0ffee, '192.0.2.2'), { code: 'ERR_IPSEC_NO_SA' });
  await assert.rejects(k.delSa(0xc0ffee, '192.0.2.2'), { code: 'ERR_IPSEC_NO_SA' });
  assert.ok(await k.querySa(0xbeef, '192.0.2.1'));
  await k.flush();
  await assert.rejects(k.querySa(0xbeef, '192.0.2.1'), { code: 'ERR_IPSEC_NO_SA' });
  await k.close();
});

test('policies: listed as installed, replaced, deleted; an ipsec policy needs its template', async () => {
  const k = kernel();
  const out: KernelPolicy = { selector, direction: 'out', action: 'ipsec', priority: 100, template: { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 7 } };
  const trap: KernelPolicy = { selector: { ...selector, dst: '10.3.0.0/16' }, direction: 'out', action: 'trap', priority: 200 };
  await k.addPolicy(out);
  await k.addPolicy(trap);
  await k.addPolicy({ ...out, direction: 'in' });
  assert.equal((await k.listPolicies()).length, 3);
  await assert.rejects(k.addPolicy(out), { code: 'ERR_IPSEC_POLICY_EXISTS' });
  await k.updatePolicy({ ...trap, action: 'hold' });
  assert.deepEqual((await k.listPolicies()).find((p) => p.selector.dst === '10.3.0.0/16')?.action, 'hold');
  await assert.rejects(k.addPolicy({ ...out, selector: { ...selector, src: '10.9.0.0/24' }, template: undefined }), { code: 'ERR_IPSEC_BAD_POLICY' });
  await k.delPolicy(trap.selector, 'out');
  assert.deepEqual((await k.listPolicies()).map((p) => p.direction).sort(), ['in', 'out']);
  await assert.rejects(k.delPolicy(trap.selector, 'out'), { code: 'ERR_IPSEC_NO_POLICY' });
  assert.equal(await k.policyPackets(out.selector, 'out'), 0, 'per-policy counts (no packet went through)');
  assert.equal(await k.policyPackets(out.selector, 'in'), 0);
  await assert.rejects(k.policyPackets(trap.selector, 'out'), { code: 'ERR_IPSEC_NO_POLICY' });
});

test('time lifetimes: a soft then a hard expire event, and the hard one deletes the SA', async () => {
  const k = kernel();
  const events: KernelEvent[] = [];
  k.onEvent((e) => events.push(e));
  await k.addSa(sa({ lifetimes: { ...noLimits, softSeconds: 0.03, hardSeconds: 0.08 } }));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(events, [
    { type: 'expire', spi: 0xc0ffee, dst: '192.0.2.2', hard: false },
    { type: 'expire', spi: 0xc0ffee, dst: '192.0.2.2', hard: true },
  ]);
  await assert.rejects(k.querySa(0xc0ffee, '192.0.2.2'), { code: 'ERR_IPSEC_NO_SA' });
});
