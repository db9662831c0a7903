// The daemon's kernel choice: kernel ESP -> xfrm; none -> the userspace data path (or, with --use-xfrm, a
// start failure naming what is missing); the test-only recording knob. The probe is substituted here; the
// real probe and data path are driven by test/integration/daemon.test.ts and tunnel.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { KernelCapabilities } from '../../../src/kernel/detect';
import { KernelSelectError, selectKernel, TEST_KERNEL_ENV } from '../../../src/kernel/select';

const noEsp = async (): Promise<KernelCapabilities> => ({
  xfrm: true, esp: false, pfkey: false,
  reasons: { xfrm: 'a NETLINK_XFRM socket opened', esp: 'an ESP SA add was refused: no ESP', pfkey: 'socket(AF_KEY): EAFNOSUPPORT' },
});
const withEsp = async (): Promise<KernelCapabilities> => ({ ...(await noEsp()), esp: true, reasons: { ...(await noEsp()).reasons, esp: 'accepted' } });
const datapath = { localAddress: '127.0.0.1', port: 0 };

test('--use-xfrm without kernel ESP fails and names the missing ESP', async () => {
  await assert.rejects(selectKernel({ request: 'xfrm', datapath, env: {}, detect: noEsp }), (e: unknown) => {
    assert.ok(e instanceof KernelSelectError);
    assert.match(e.message, /^--use-xfrm: this kernel cannot carry ESP \(kernel refused an ESP SA: an ESP SA add was refused: no ESP\)/);
    return true;
  });
});

test('kernel ESP available: xfrm, for the default and for --use-xfrm', async () => {
  for (const request of ['auto', 'xfrm'] as const) {
    const s = await selectKernel({ request, datapath, env: {}, detect: withEsp });
    assert.equal(s.kernel.name, 'xfrm');
    assert.equal(s.kernel.requiresUdpEncap, false);
    assert.equal(s.userspace, undefined);
    assert.match(s.description, /^xfrm \(kernel ESP: accepted\)$/);
    await s.kernel.close();
  }
});

test('the test-only knob: a recording kernel, said so; an unknown value is refused', async () => {
  const s = await selectKernel({ request: 'auto', datapath, env: { [TEST_KERNEL_ENV]: 'recording' }, detect: noEsp });
  assert.equal(s.kernel.name, 'recording');
  assert.match(s.description, /test-only knob/);
  await assert.rejects(selectKernel({ request: 'auto', datapath, env: { [TEST_KERNEL_ENV]: 'xfrm' }, detect: noEsp }), /the only test kernel is "recording"/);
});
