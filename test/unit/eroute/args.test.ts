// `ipsec eroute` arguments (ipsec_eroute(8)): every option, numbers in three bases and by name, masks as
// bits or dotted/coloned, SAIDs in each form, and a clear error for each kind of mistake.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { ErouteArgError, parseErouteArgv, type ErouteParseEnv } from '../../../src/eroute/args';
import { parseCNumber } from '../../../src/eroute/names';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-eroute-args-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const protocolsFile = path.join(dir, 'protocols');
const servicesFile = path.join(dir, 'services');
fs.writeFileSync(protocolsFile, '# comment\nip\t0\tIP\ntcp\t6\tTCP\t# transmission control\nudp 17 UDP\nicmp 1 ICMP\n');
fs.writeFileSync(servicesFile, 'pop3\t110/tcp\tpop-3\nhttp 80/tcp www\ndomain 53/tcp\ndomain 53/udp\nntp 123/udp\n');
const hosts: Record<string, Record<number, string>> = { 'gw.example': { 4: '192.0.2.2', 6: '2001:db8::2' }, 'net.example': { 4: '10.9.8.7' } };
const env: ErouteParseEnv = {
  protocolsFile,
  servicesFile,
  resolve: async (host, family) => {
    const a = hosts[host]?.[family];
    if (a === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return a;
  },
};

const parse = (line: string): ReturnType<typeof parseErouteArgv> => parseErouteArgv(line.split(/\s+/).filter((w) => w !== ''), env);

async function refused(line: string, pattern: RegExp): Promise<void> {
  await assert.rejects(parse(line), (err: unknown) => {
    assert.ok(err instanceof ErouteArgError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

const SEL = '--eraf inet --src 192.168.0.1/32 --dst 192.168.2.0/24';

test('C-style numbers: decimal, 0x hexadecimal, leading-0 octal; anything else is not a number', () => {
  assert.equal(parseCNumber('110'), 110);
  assert.equal(parseCNumber('0x6e'), 110);
  assert.equal(parseCNumber('0X6E'), 110);
  assert.equal(parseCNumber('0156'), 110);
  assert.equal(parseCNumber('0'), 0);
  for (const bad of ['', '08', '0x', '1e3', '-1', '12a', ' 1']) assert.equal(parseCNumber(bad), undefined, bad);
});

test('no arguments lists; --clear clears; --help and --version; --rundir/--ctlsocket/--json pass through', async () => {
  assert.deepEqual(await parse(''), { kind: 'request', args: { op: 'list' }, json: false });
  assert.deepEqual(await parse('--json --rundir /tmp/r'), { kind: 'request', args: { op: 'list' }, json: true, rundir: '/tmp/r' });
  assert.deepEqual(await parse('--clear --ctlsocket=/tmp/x.ctl'), { kind: 'request', args: { op: 'clear' }, json: false, ctlsocket: '/tmp/x.ctl' });
  assert.deepEqual(await parse('--help'), { kind: 'help' });
  assert.deepEqual(await parse('--add --help'), { kind: 'help' });
  assert.deepEqual(await parse('--version'), { kind: 'version' });
});

test("the man page's first example: --af/--edst/--spi/--proto", async () => {
  const r = await parse('--add --eraf inet --src 192.168.0.1/32 --dst 192.168.2.0/24 --af inet --edst 192.168.0.2 --spi 0x135 --proto tun');
  assert.deepEqual(r, {
    kind: 'request',
    json: false,
    args: { op: 'add', selector: { src: '192.168.0.1/32', dst: '192.168.2.0/24', proto: 0, srcPort: 0, dstPort: 0 }, said: { kind: 'sa', proto: 'tun', spi: 0x135, edst: '192.168.0.2' } },
  });
});

test('IPv6: the second example, a coloned mask, and the SPI in decimal and octal', async () => {
  const r = await parse('--add --eraf inet6 --src 3049:1::1/128 --dst 3049:2::/64 --af inet6 --edst 3049:1::2 --spi 0x145 --proto tun');
  assert.equal(r.kind, 'request');
  assert.deepEqual(r.kind === 'request' && r.args, { op: 'add', selector: { src: '3049:1::1/128', dst: '3049:2::/64', proto: 0, srcPort: 0, dstPort: 0 }, said: { kind: 'sa', proto: 'tun', spi: 0x145, edst: '3049:1::2' } });
  const m = await parse('--replace --eraf inet6 --src 3049:1::1/128 --dst 3049:2::/ffff:ffff:ffff:ffff:: --af inet6 --edst 3049:1::2 --spi 325 --proto esp');
  assert.equal(m.kind === 'request' && m.args.op === 'replace' && m.args.selector.dst, '3049:2::/64');
  const o = await parse('--add --eraf inet6 --src ::1/128 --dst ::/0 --af inet6 --edst ::2 --spi 0505 --proto esp');
  assert.equal(o.kind === 'request' && o.args.op === 'add' && o.args.said.kind === 'sa' && o.args.said.spi, 0x145);
});

test('host names resolve in the family asked for; dotted masks; host bits are cleared as ttosubnet did', async () => {
  const r = await parse('--replace --eraf inet --src net.example/24 --dst gw.example/255.255.255.255 --said tun.135@gw.example');
  assert.deepEqual(r.kind === 'request' && r.args, {
    op: 'replace',
    selector: { src: '10.9.8.0/24', dst: '192.0.2.2/32', proto: 0, srcPort: 0, dstPort: 0 },
    said: { kind: 'sa', proto: 'tun', spi: 0x135, edst: '192.0.2.2' },
  });
  const six = await parse('--add --eraf inet6 --src gw.example/64 --dst ::/0 --said esp:135@gw.example');
  assert.deepEqual(six.kind === 'request' && six.args.op === 'add' && [six.args.selector.src, six.args.said], ['2001:db8::/64', { kind: 'sa', proto: 'esp', spi: 0x135, edst: '2001:db8::2' }]);
  await refused('--add --eraf inet6 --src net.example/64 --dst ::/0 --said %drop', /--src 'net\.example': no inet6 \(IPv6\) address for this name \(ENOTFOUND\)/);
});

test('SAIDs: esp.SPI@v4, esp:SPI@v6, tun0xSPI@v4 (as KLIPS printed them), and every magic SAID', async () => {
  const said = async (s: string, eraf = 'inet'): Promise<unknown> => {
    const r = await parse(`--add --eraf ${eraf} --src 10.0.0.0/8 --dst 0.0.0.0/0 --said ${s}`.replace('0.0.0.0/0', eraf === 'inet' ? '0.0.0.0/0' : '::/0').replace('10.0.0.0/8', eraf === 'inet' ? '10.0.0.0/8' : 'fd00::/8'));
    return r.kind === 'request' && r.args.op === 'add' ? r.args.said : undefined;
  };
  assert.deepEqual(await said('esp.1a2b@192.0.2.9'), { kind: 'sa', proto: 'esp', spi: 0x1a2b, edst: '192.0.2.9' });
  assert.deepEqual(await said('tun0x135@192.0.2.9'), { kind: 'sa', proto: 'tun', spi: 0x135, edst: '192.0.2.9' });
  assert.deepEqual(await said('ah:ffffffff@2001:db8::9'), { kind: 'sa', proto: 'ah', spi: 0xffffffff, edst: '2001:db8::9' });
  assert.deepEqual(await said('comp.100@192.0.2.9'), { kind: 'sa', proto: 'comp', spi: 0x100, edst: '192.0.2.9' });
  for (const [s, action] of [['%pass', 'pass'], ['%passthrough', 'pass'], ['%passthrough4', 'pass'], ['%drop', 'drop'], ['%reject', 'reject'], ['%trap', 'trap'], ['%hold', 'hold']]) {
    assert.deepEqual(await said(s!), { kind: 'magic', action }, s);
  }
  assert.deepEqual(await said('%passthrough6', 'inet6'), { kind: 'magic', action: 'pass' });
});

test('bad SAIDs are refused with the reason', async () => {
  const add = (s: string): string => `--add ${SEL} --said ${s}`;
  await refused(add('%bogus'), /unknown magic SAID '%bogus'/);
  await refused(add('%passthrough6'), /'%passthrough6' is for inet6 \(IPv6\), but --eraf is inet \(IPv4\)/);
  await refused(add('esp.135'), /has no '@'/);
  await refused(add('gre.135@192.0.2.2'), /the protocol must be one of ah, esp, comp, tun/);
  await refused(add('esp135@192.0.2.2'), /must be followed by '\.' \(IPv4\), ':' \(IPv6\) or 0x/);
  await refused(add('esp.ff@192.0.2.2'), /SPI 0xff is below 0x100/);
  await refused(add('esp.xyz@192.0.2.2'), /'xyz' is not an SPI/);
  await refused(add('esp.123456789@192.0.2.2'), /is not an SPI/);
  await refused(add('esp.135@2001:db8::1'), /--said '2001:db8::1' is not an inet \(IPv4\) address/);
  await refused(add('esp.135@'), /no address after '@'/);
});

test('transport protocol and ports: numbers in three bases, names from the protocols and services files', async () => {
  const sel = async (extra: string): Promise<unknown> => {
    const r = await parse(`--add ${SEL} ${extra} --said %pass`);
    return r.kind === 'request' && r.args.op === 'add' ? r.args.selector : undefined;
  };
  const base = { src: '192.168.0.1/32', dst: '192.168.2.0/24' };
  assert.deepEqual(await sel('--transport-proto 6 --dst-port 110'), { ...base, proto: 6, srcPort: 0, dstPort: 110 });
  assert.deepEqual(await sel('--transport-proto tcp --dst-port pop3 --src-port 0x400'), { ...base, proto: 6, srcPort: 1024, dstPort: 110 });
  assert.deepEqual(await sel('--transport-proto 021 --src-port domain'), { ...base, proto: 17, srcPort: 53, dstPort: 0 });
  assert.deepEqual(await sel('--transport-proto 0x11 --dst-port ntp'), { ...base, proto: 17, srcPort: 0, dstPort: 123 });
  assert.deepEqual(await sel('--transport-proto icmp'), { ...base, proto: 1, srcPort: 0, dstPort: 0 });
});

test('protocol and port mistakes: unknown names, out of range, ports without tcp or udp', async () => {
  await refused(`--add ${SEL} --transport-proto bogus --said %pass`, /--transport-proto 'bogus': not a number nor a protocol named in .*protocols/);
  await refused(`--add ${SEL} --transport-proto 256 --said %pass`, /--transport-proto '256': must be 0\.\.255/);
  await refused(`--add ${SEL} --transport-proto 09 --said %pass`, /--transport-proto '09': not a number/);
  await refused(`--add ${SEL} --dst-port 80 --said %pass`, /--dst-port is only legal with --transport-proto tcp \(6\) or udp \(17\)/);
  await refused(`--add ${SEL} --transport-proto icmp --src-port 8 --said %pass`, /--src-port is only legal with --transport-proto tcp/);
  await refused(`--add ${SEL} --transport-proto udp --dst-port pop3 --said %pass`, /--dst-port 'pop3': not a number nor a udp service named in .*services/);
  await refused(`--add ${SEL} --transport-proto tcp --dst-port 65536 --said %pass`, /--dst-port '65536': must be 0\.\.65535/);
});

test('address and mask mistakes name the option and the value', async () => {
  await refused('--add --eraf inet --src 192.168.0.1 --dst 10.0.0.0/8 --said %pass', /--src '192\.168\.0\.1': needs \/maskbits or \/mask/);
  await refused('--add --eraf inet --src 192.168.0.1/33 --dst 10.0.0.0/8 --said %pass', /--src '192\.168\.0\.1\/33': '33' is not a mask \(0\.\.32 bits/);
  await refused('--add --eraf inet --src 192.168.0.0/255.0.255.0 --dst 10.0.0.0/8 --said %pass', /'255\.0\.255\.0' is not a mask/);
  await refused('--add --eraf inet --src 2001:db8::/32 --dst 10.0.0.0/8 --said %pass', /--src '2001:db8::' is not an inet \(IPv4\) address/);
  await refused('--add --eraf inet --src 300.1.1.1/32 --dst 10.0.0.0/8 --said %pass', /--src '300\.1\.1\.1' is neither an address nor a host name/);
  await refused('--add --eraf inet4 --src 10.0.0.0/8 --dst 10.0.0.0/8 --said %pass', /--eraf 'inet4': must be inet or inet6/);
});

test('structure mistakes: missing parts, SA named twice, one action, unknown or repeated options, stray words', async () => {
  await refused('--add --src 10.0.0.0/8 --dst 10.0.0.0/8 --said %pass', /--add needs --eraf/);
  await refused('--del --eraf inet --dst 10.0.0.0/8', /--del needs --src/);
  await refused(`--add ${SEL}`, /--add needs the SA: --said SAID, or --af, --edst, --spi and --proto/);
  await refused(`--add ${SEL} --af inet --edst 192.0.2.2 --spi 0x200`, /--af, --edst, --spi without --proto/);
  await refused(`--add ${SEL} --said %pass --spi 0x200`, /--said and --spi name the SA twice/);
  await refused(`--add ${SEL} --af inet --edst 192.0.2.2 --spi 0x200 --proto gre`, /--proto 'gre': must be one of ah, esp, comp, tun/);
  await refused(`--add ${SEL} --af inet --edst 192.0.2.2 --spi 0xff --proto esp`, /--spi '0xff': must be 0x100 or more/);
  await refused(`--add ${SEL} --af inet --edst 192.0.2.2 --spi 0x100000000 --proto esp`, /--spi '0x100000000': not a 32-bit number/);
  await refused(`--add ${SEL} --af inet6 --edst 192.0.2.2 --spi 0x200 --proto esp`, /--edst '192\.0\.2\.2' is not an inet6/);
  await refused(`--add --del ${SEL} --said %pass`, /only one of --add, --del at a time/);
  await refused('--clear --src 10.0.0.0/8', /--src needs --add, --replace or --del/);
  await refused('--said %trap', /--said needs --add, --replace or --del/);
  await refused('--add --add', /--add given more than once/);
  await refused('--frobnicate', /unknown option --frobnicate/);
  await refused('--src', /--src needs a value/);
  await refused('--clear=yes', /--clear takes no value/);
  await refused('list', /unexpected argument 'list'/);
});

test('--del: the SAID is optional', async () => {
  const r = await parse(`--del ${SEL}`);
  assert.deepEqual(r.kind === 'request' && r.args, { op: 'del', selector: { src: '192.168.0.1/32', dst: '192.168.2.0/24', proto: 0, srcPort: 0, dstPort: 0 }, said: null });
  const s = await parse(`--del ${SEL} --said %passthrough4`);
  assert.deepEqual(s.kind === 'request' && s.args.op === 'del' && s.args.said, { kind: 'magic', action: 'pass' });
});

test('the system files: tcp and pop3 from /etc/protocols and /etc/services when present', async (t) => {
  if (!fs.existsSync('/etc/protocols') || !fs.existsSync('/etc/services')) return t.skip('no /etc/protocols or /etc/services on this machine');
  const r = await parseErouteArgv(['--add', '--eraf', 'inet', '--src', '10.0.0.0/8', '--dst', '10.1.0.0/16', '--transport-proto', 'tcp', '--dst-port', 'pop3', '--said', '%drop']);
  assert.deepEqual(r.kind === 'request' && r.args.op === 'add' && r.args.selector, { src: '10.0.0.0/8', dst: '10.1.0.0/16', proto: 6, srcPort: 0, dstPort: 110 });
});
