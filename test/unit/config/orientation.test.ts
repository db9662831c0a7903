import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ConfigLoadError, loadIpsecConf } from '../../../src/config';

function tmpConf(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swanlet-conf-'));
  const file = path.join(dir, 'ipsec.conf');
  fs.writeFileSync(file, text);
  return file;
}

const resolveHost = async (name: string): Promise<string[]> => {
  if (name === 'gw.example.net') return ['2001:db8::7', '198.51.100.7'];
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};

test('the end whose address is local is us, on either side; %defaultroute is us; neither is undefined', async () => {
  const file = tmpConf('conn l\n\tleft=192.0.2.1\n\tright=198.51.100.1\nconn r\n\tleft=198.51.100.1\n\tright=192.0.2.1\nconn d\n\tleft=%defaultroute\n\tright=%any\nconn n\n\tleft=203.0.113.1\n\tright=203.0.113.2\nconn v6\n\tleft=2001:db8::1\n\tright=2001:DB8:0::2\n');
  const c = await loadIpsecConf(file, { localAddresses: ['192.0.2.1', '2001:db8::2'], resolveHost });
  assert.deepEqual(c.conns.map((x) => x.local), ['left', 'right', 'left', undefined, 'right']);
});

test('host names are resolved at load (family from hostaddrfamily) and used for orientation', async () => {
  const file = tmpConf('conn a\n\tleft=gw.example.net\n\tright=192.0.2.9\nconn b\n\tleft=gw.example.net\n\thostaddrfamily=ipv6\n');
  const c = await loadIpsecConf(file, { localAddresses: ['198.51.100.7'], resolveHost });
  const host = c.conns[0]!.left.host;
  assert.equal(host?.kind === 'hostname' && host.address?.text, '198.51.100.7');
  assert.equal(c.conns[0]!.local, 'left');
  const h6 = c.conns[1]!.left.host;
  assert.equal(h6?.kind === 'hostname' && h6.address?.text, '2001:db8::7');
});

test('a host name shared through %default is resolved per conn, each with its own family', async () => {
  const file = tmpConf('conn %default\n\tleft=gw.example.net\nconn v4\n\tright=192.0.2.9\nconn v6\n\tright=2001:db8::9\n');
  const c = await loadIpsecConf(file, { localAddresses: [], resolveHost });
  const [a, b] = c.conns.map((x) => x.left.host);
  assert.equal(a?.kind === 'hostname' && a.address?.text, '198.51.100.7');
  assert.equal(b?.kind === 'hostname' && b.address?.text, '2001:db8::7');
  assert.equal((c.conns[1]!.options.get('left')!.value as { address: { text: string } }).address.text, '2001:db8::7');
});

test('an unresolvable host name refuses the whole file with file:line', async () => {
  const file = tmpConf('conn ok\n\tleft=192.0.2.1\n\tright=192.0.2.2\nconn bad\n\tleft=192.0.2.1\n\tright=nowhere.invalid\n');
  await assert.rejects(loadIpsecConf(file, { localAddresses: [], resolveHost }), (err: unknown) => {
    assert.ok(err instanceof ConfigLoadError);
    assert.equal(err.errors.length, 1);
    assert.match(err.errors[0]!.message, new RegExp(`^${file.replace(/[.]/g, '\\.')}:6: keyword 'right': conn 'bad': host name 'nowhere.invalid' does not resolve \\(ENOTFOUND\\)`));
    return true;
  });
});

test('both ends local is refused', async () => {
  const file = tmpConf('conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n');
  await assert.rejects(loadIpsecConf(file, { localAddresses: ['192.0.2.1', '192.0.2.2'], resolveHost }), /both left and right are this host/);
});

test('a missing configuration file is refused', async () => {
  await assert.rejects(loadIpsecConf('/nonexistent/ipsec.conf'), /\/nonexistent\/ipsec\.conf:0: cannot read the configuration file/);
});
