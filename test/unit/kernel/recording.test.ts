// RecordingKernel: records calls in order, answers like a kernel, and fails SA installs like a kernel
// without ESP when asked to.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { KernelUnsupportedError, needsUserspaceDataPath } from '../../../src/kernel/errors';
import type { KernelEvent, KernelPolicy, KernelSa } from '../../../src/kernel/kernel';
import { RecordingKernel } from '../../../src/kernel/recording';
import { secretCopy } from '../../../src/native/secret';

const selector = { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, srcPort: 0, dstPort: 0 };
const policy: KernelPolicy = { selector, direction: 'out', action: 'ipsec', priority: 5, template: { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 1 } };
const sa = (spi: number): KernelSa => ({
  spi,
  src: '192.0.2.2',
  dst: '192.0.2.1',
  proto: 'esp',
  mode: 'tunnel',
  reqid: 1,
  encr: { id: 20, keyBits: 128, keymat: secretCopy(Buffer.alloc(20, 7)) },
  esn: false,
  replayWindow: 32,
  selector,
  lifetimes: { softBytes: 0, hardBytes: 0, softPackets: 0, hardPackets: 0, softSeconds: 0, hardSeconds: 0 },
  direction: 'in',
});

test('records calls in order and keeps state like a kernel', async () => {
  const k = new RecordingKernel();
  const a = await k.allocSpi('192.0.2.2', '192.0.2.1');
  const b = await k.allocSpi('192.0.2.2', '192.0.2.1');
  assert.ok(a >= 0x100 && b >= 0x100 && a !== b);
  await k.addSa(sa(a));
  await assert.rejects(k.addSa(sa(a)), { code: 'ERR_KERNEL_EXISTS' });
  await k.addPolicy(policy);
  assert.deepEqual(await k.listPolicies(), [policy]);
  await k.updatePolicy({ ...policy, priority: 9 });
  assert.equal((await k.listPolicies())[0]?.priority, 9);
  assert.deepEqual(await k.querySa(a, '192.0.2.1'), { bytes: 0, packets: 0, lastUsed: 0, replayDrops: 0, authFailures: 0 });
  await k.delSa(a, '192.0.2.1');
  await assert.rejects(k.delSa(a, '192.0.2.1'), { code: 'ERR_KERNEL_NOT_FOUND' });
  await k.delPolicy(selector, 'out');
  await assert.rejects(k.delPolicy(selector, 'out'), { code: 'ERR_KERNEL_NOT_FOUND' });
  await k.flush();
  assert.deepEqual(k.methods(), ['allocSpi', 'allocSpi', 'addSa', 'addSa', 'addPolicy', 'listPolicies', 'updatePolicy', 'listPolicies', 'querySa', 'delSa', 'delSa', 'delPolicy', 'delPolicy', 'flush']);
  await k.close();
  await assert.rejects(k.listPolicies(), { code: 'ERR_KERNEL_CLOSED' });
});

test('noEsp: SA installs fail with the typed error the daemon falls back on', async () => {
  const k = new RecordingKernel({ noEsp: true });
  const spi = await k.allocSpi('192.0.2.2', '192.0.2.1');
  const err = await k.addSa(sa(spi)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof KernelUnsupportedError);
  assert.equal(err.code, 'ERR_KERNEL_NO_ESP');
  assert.equal(err.errno, 93);
  assert.ok(needsUserspaceDataPath(err));
  assert.ok(!needsUserspaceDataPath(new Error('other')));
  await k.addPolicy(policy); // policies still work, as on this project's kernels
});

test('emit delivers events to every listener', () => {
  const k = new RecordingKernel();
  const seen: KernelEvent[] = [];
  k.onEvent((e) => seen.push(e));
  k.onEvent((e) => seen.push(e));
  k.emit({ type: 'expire', spi: 0x1234, dst: '192.0.2.1', hard: false });
  assert.equal(seen.length, 2);
});
