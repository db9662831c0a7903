// pluto's side of `ipsec eroute` over a RecordingKernel: what each operation does to the kernel's outbound
// policies, how SAIDs map to installed Child SAs (by reqid), and what is refused with nothing changed.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ErouteArgs } from '../../../src/control/eroute-wire';
import { runEroute, type ErouteDeps } from '../../../src/daemon/eroute';
import type { ChildSaInfo } from '../../../src/ikev2/engine-api';
import { RecordingKernel } from '../../../src/kernel/recording';
import { selectorPriority } from '../../../src/kernel/priority';

const child = (over: Partial<ChildSaInfo> = {}): ChildSaInfo => ({
  connection: 'west-east', serial: 2, ikeSerial: 1, spiIn: 0x1111, spiOut: 0x2222, localTs: ['10.1.0.0/24'], remoteTs: ['10.2.0.0/24'],
  mode: 'tunnel', algorithms: 'AES_GCM_16_256-NONE', localAddress: '192.0.2.1', remoteAddress: '192.0.2.2', encapsulated: false, reqid: 16388, ...over,
});
const sel = (src: string, dst: string, proto = 0, dstPort = 0) => ({ src, dst, proto, srcPort: 0, dstPort });

function setup(children: ChildSaInfo[] = [child()]): { kernel: RecordingKernel; deps: ErouteDeps; run: (a: ErouteArgs) => ReturnType<typeof runEroute> } {
  const kernel = new RecordingKernel();
  const deps = { kernel, childSas: () => children };
  return { kernel, deps, run: (a) => runEroute(deps, a) };
}

test('add %trap and an SA by SAID; list shows them with the SA as tun0xSPI@edst; counts are 0 and said to be unkept', async () => {
  const { kernel, run } = setup();
  assert.deepEqual(await run({ op: 'add', selector: sel('10.1.0.0/24', '10.3.0.0/24'), said: { kind: 'magic', action: 'trap' } }), { ok: true, countsKept: false });
  assert.deepEqual(await run({ op: 'add', selector: sel('10.1.0.0/24', '10.2.0.0/24'), said: { kind: 'sa', proto: 'esp', spi: 0x2222, edst: '192.0.2.2' } }), { ok: true, countsKept: false });
  const pol = [...kernel.policies.values()];
  assert.deepEqual(pol.map((p) => [p.selector.dst, p.direction, p.action, p.priority]), [
    ['10.3.0.0/24', 'out', 'trap', selectorPriority(sel('10.1.0.0/24', '10.3.0.0/24'))],
    ['10.2.0.0/24', 'out', 'ipsec', selectorPriority(sel('10.1.0.0/24', '10.2.0.0/24'))],
  ]);
  assert.deepEqual(pol[1]!.template, { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 16388 });
  assert.deepEqual(pol[0]!.template, { src: '0.0.0.0', dst: '0.0.0.0', proto: 'esp', mode: 'transport', reqid: 0 }, 'a bare %trap: XFRM needs a template to acquire for');
  const r = await run({ op: 'list' });
  assert.ok(r.ok);
  assert.deepEqual(r.entries, [
    { packets: 0, selector: sel('10.1.0.0/24', '10.3.0.0/24'), said: { kind: 'magic', action: 'trap' } },
    { packets: 0, selector: sel('10.1.0.0/24', '10.2.0.0/24'), said: { kind: 'sa', proto: 'tun', spi: 0x2222, edst: '192.0.2.2' } },
  ]);
  assert.equal(r.countsKept, false);
});

test('list shows only outbound policies; an IPsec one names the newest Child SA with its reqid, transport mode as esp', async () => {
  const children = [child(), child({ serial: 5, spiOut: 0x5555 }), child({ connection: 'other', serial: 3, reqid: 16392, spiOut: 0x3333, mode: 'transport', remoteAddress: '2001:db8::2' })];
  const { kernel, run } = setup(children);
  const tmpl = (reqid: number, dst: string, mode: 'tunnel' | 'transport') => ({ src: '192.0.2.1', dst, proto: 'esp' as const, mode, reqid });
  await kernel.addPolicy({ selector: sel('10.1.0.0/24', '10.2.0.0/24'), direction: 'out', action: 'ipsec', priority: 1, template: tmpl(16388, '192.0.2.2', 'tunnel') });
  await kernel.addPolicy({ selector: sel('10.2.0.0/24', '10.1.0.0/24'), direction: 'in', action: 'ipsec', priority: 1, template: tmpl(16388, '192.0.2.1', 'tunnel') });
  await kernel.addPolicy({ selector: sel('fd00::1/128', 'fd00::2/128'), direction: 'out', action: 'ipsec', priority: 1, template: tmpl(16392, '2001:db8::2', 'transport') });
  await kernel.addPolicy({ selector: sel('10.5.0.0/24', '10.6.0.0/24'), direction: 'out', action: 'ipsec', priority: 1, template: tmpl(99, '192.0.2.7', 'tunnel') });
  const r = await run({ op: 'list' });
  assert.ok(r.ok);
  assert.deepEqual(r.entries?.map((e) => e.said), [
    { kind: 'sa', proto: 'tun', spi: 0x5555, edst: '192.0.2.2' },
    { kind: 'sa', proto: 'esp', spi: 0x3333, edst: '2001:db8::2' },
    { kind: 'sa', proto: 'tun', spi: 0, edst: '192.0.2.7' },
  ]);
});

test('replace changes the SAID of an existing eroute; del removes it, checking the SAID when one is given; clear empties the table', async () => {
  const { kernel, run } = setup();
  const s = sel('10.1.0.0/24', '10.2.0.0/24', 6, 110);
  await run({ op: 'add', selector: s, said: { kind: 'magic', action: 'drop' } });
  assert.deepEqual(await run({ op: 'replace', selector: s, said: { kind: 'sa', proto: 'tun', spi: 0x2222, edst: '192.0.2.2' } }), { ok: true, countsKept: false });
  assert.equal([...kernel.policies.values()][0]!.action, 'ipsec');
  const wrong = await run({ op: 'del', selector: s, said: { kind: 'magic', action: 'pass' } });
  assert.deepEqual(wrong, { ok: false, error: 'eroute 10.1.0.0/24:0 -> 10.2.0.0/24:110 proto 6 goes to tun0x2222@192.0.2.2, not %pass: not deleted' });
  assert.equal(kernel.policies.size, 1);
  assert.deepEqual(await run({ op: 'del', selector: s, said: { kind: 'sa', proto: 'esp', spi: 0x2222, edst: '192.0.2.2' } }), { ok: true, countsKept: false });
  assert.equal(kernel.policies.size, 0);
  await run({ op: 'add', selector: sel('10.1.0.0/24', '10.2.0.0/24'), said: { kind: 'magic', action: 'pass' } });
  await run({ op: 'add', selector: sel('10.1.0.0/24', '10.4.0.0/24'), said: { kind: 'magic', action: 'reject' } });
  await kernel.addPolicy({ selector: sel('10.2.0.0/24', '10.1.0.0/24'), direction: 'in', action: 'pass', priority: 1 });
  assert.deepEqual(await run({ op: 'clear' }), { ok: true, countsKept: false, note: '2 eroutes deleted' });
  assert.deepEqual([...kernel.policies.values()].map((p) => p.direction), ['in'], 'clear empties the eroute (outbound) table only');
});

test('refused with the reason and nothing changed: duplicates, missing eroutes, unknown, inbound or non-ESP SAs, tun on a transport SA', async () => {
  const { kernel, run } = setup([child(), child({ serial: 4, spiOut: 0x4444, mode: 'transport', reqid: 16392 })]);
  const s = sel('10.1.0.0/24', '10.2.0.0/24');
  await run({ op: 'add', selector: s, said: { kind: 'magic', action: 'hold' } });
  const before = [...kernel.policies.values()];
  const cases: [ErouteArgs, string][] = [
    [{ op: 'add', selector: s, said: { kind: 'magic', action: 'pass' } }, 'eroute 10.1.0.0/24 -> 10.2.0.0/24 exists (=> %hold); use --replace to change it'],
    [{ op: 'replace', selector: sel('10.9.0.0/24', '10.2.0.0/24'), said: { kind: 'magic', action: 'pass' } }, 'no eroute 10.9.0.0/24 -> 10.2.0.0/24 to replace; use --add'],
    [{ op: 'del', selector: sel('10.9.0.0/24', '10.2.0.0/24'), said: null }, 'no eroute 10.9.0.0/24 -> 10.2.0.0/24'],
    [{ op: 'replace', selector: s, said: { kind: 'sa', proto: 'esp', spi: 0x9999, edst: '192.0.2.2' } }, 'no SA esp0x9999@192.0.2.2 is installed'],
    [{ op: 'replace', selector: s, said: { kind: 'sa', proto: 'esp', spi: 0x2222, edst: '192.0.2.3' } }, 'no SA esp0x2222@192.0.2.3 is installed'],
    [{ op: 'replace', selector: s, said: { kind: 'sa', proto: 'esp', spi: 0x1111, edst: '192.0.2.1' } }, 'SA esp0x1111@192.0.2.1 is an inbound SA: an eroute sends packets through an outbound SA'],
    [{ op: 'replace', selector: s, said: { kind: 'sa', proto: 'ah', spi: 0x2222, edst: '192.0.2.2' } }, 'no SA ah0x2222@192.0.2.2: this pluto negotiates ESP SAs only'],
    [{ op: 'replace', selector: s, said: { kind: 'sa', proto: 'tun', spi: 0x4444, edst: '192.0.2.2' } }, 'SA tun0x4444@192.0.2.2 is a transport-mode SA: name it esp, not tun'],
  ];
  for (const [args, error] of cases) assert.deepEqual(await run(args), { ok: false, error }, JSON.stringify(args));
  assert.deepEqual([...kernel.policies.values()], before);
});

test('a kernel that refuses the change is reported, not thrown', async () => {
  const { kernel, run } = setup();
  await kernel.close();
  const r = await run({ op: 'add', selector: sel('10.1.0.0/24', '10.2.0.0/24'), said: { kind: 'magic', action: 'pass' } });
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error : '', /^the kernel refused: list policies: the kernel interface is closed$/);
});

test('a kernel that counts packets per policy: list shows the counts', async () => {
  const { kernel, deps } = setup();
  await kernel.addPolicy({ selector: sel('10.1.0.0/24', '10.2.0.0/24'), direction: 'out', action: 'drop', priority: 1 });
  const counting = Object.assign(Object.create(kernel) as RecordingKernel, { policyPackets: async () => 42 });
  const r = await runEroute({ ...deps, kernel: counting }, { op: 'list' });
  assert.ok(r.ok);
  assert.deepEqual([r.entries?.[0]?.packets, r.countsKept], [42, true]);
});
