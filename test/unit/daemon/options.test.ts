import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseIpsecConfText } from '../../../src/config';
import { debugEnabled, redactIps, resolveDebugClasses, timestamp } from '../../../src/daemon/logger';
import { OptionError, parseDebugLeftovers, resolveOptions } from '../../../src/daemon/options';
import { plutoRundir } from '../../../src/daemon/processes';

test('defaults are Libreswan\'s', () => {
  const o = resolveOptions({});
  assert.equal(o.rundir, '/run/pluto');
  assert.equal(o.secretsfile, '/etc/ipsec.secrets');
  assert.equal(o.ipsecdir, '/etc/ipsec.d');
  assert.equal(o.nssdir, '/var/lib/ipsec/nss');
  assert.equal(o.nofork, false);
  assert.equal(o.logTime, true);
  assert.equal(o.logAppend, true);
  assert.equal(o.logIp, true);
  assert.equal(o.nhelpers, -1);
  assert.equal(o.ikePort, 500);
  assert.equal(o.nattPort, 4500);
  assert.equal(o.protostack, 'auto');
  assert.deepEqual(o.listen, []);
});

test('config setup applies, and the command line beats it', () => {
  const setup = parseIpsecConfText('config setup\n\tlogfile=/var/log/a\n\tlogtime=no\n\tnhelpers=3\n\tplutodebug=crypt\n\tlisten=192.0.2.1\n\tsecretsfile=/x/secrets\n', 'f').setup;
  const fromConf = resolveOptions({}, setup);
  assert.equal(fromConf.logfile, '/var/log/a');
  assert.equal(fromConf.logTime, false);
  assert.equal(fromConf.nhelpers, 3);
  assert.deepEqual(fromConf.listen, ['192.0.2.1']);
  assert.equal(fromConf.secretsfile, '/x/secrets');
  assert.deepEqual(fromConf.debug, ['crypt']);
  const flags = resolveOptions({ logfile: '/tmp/b', nhelpers: '0', listen: ['127.0.0.1'], secretsfile: '/y/*.secrets', debug: ['no-crypt', 'base'] }, setup);
  assert.equal(flags.logfile, '/tmp/b');
  assert.equal(flags.nhelpers, 0);
  assert.deepEqual(flags.listen, ['127.0.0.1']);
  assert.equal(flags.secretsfile, '/y/*.secrets');
  assert.deepEqual([...resolveDebugClasses(flags.debug)], ['base']);
});

test('numbers are checked', () => {
  assert.throws(() => resolveOptions({ nhelpers: 'many' }), OptionError);
  assert.throws(() => resolveOptions({ nhelpers: '-2' }), /between -1 and 256/);
  assert.throws(() => resolveOptions({ ikePort: '70000' }), /--ike-port/);
  assert.throws(() => resolveOptions({ keepAlive: '1.5' }), /keep-alive/);
  assert.equal(resolveOptions({ seedbits: '440' }).seedbits, 440);
});

test('the stacks and the NAT-T list', () => {
  assert.equal(resolveOptions({ useBsdkame: true }).protostack, 'bsd');
  assert.equal(resolveOptions({ useXfrm: true }).protostack, 'xfrm');
  assert.throws(() => resolveOptions({ useXfrm: true, useBsdkame: true }), /exclude/);
  assert.deepEqual(resolveOptions({ virtualPrivate: '%v4:10.0.0.0/8, %v4:!10.1.0.0/16' }).virtualPrivate, ['%v4:10.0.0.0/8', '%v4:!10.1.0.0/16']);
  assert.throws(() => resolveOptions({ virtualPrivate: '10.0.0.0/8' }), /--virtual-private/);
});

test('debug spellings: --debug-CLASS, --no-debug CLASS, --no-debug=CLASS', () => {
  assert.deepEqual(parseDebugLeftovers(['--debug-crypt', '--no-debug', 'base', '--no-debug=tmi', '--debug-none']), ['crypt', 'no-base', 'no-tmi', 'none']);
  assert.throws(() => parseDebugLeftovers(['--frob']), /unknown option/);
  assert.throws(() => parseDebugLeftovers(['--no-debug']), /needs a debug class/);
});

test('debug classes resolve in order and gate categories', () => {
  const s = resolveDebugClasses(['all', 'none', 'crypt']);
  assert.deepEqual([...s], ['crypt']);
  assert.equal(debugEnabled(s, 'crypt'), true);
  assert.equal(debugEnabled(s, 'control'), false);
  assert.equal(debugEnabled(resolveDebugClasses(['base']), 'control'), true);
  assert.equal(debugEnabled(new Set(), 'crypt'), false);
});

test('logip=no hides addresses; timestamps look like Libreswan\'s', () => {
  assert.equal(redactIps('from 192.0.2.1:500 and 2001:db8::1'), 'from <ip address>:500 and <ip address>');
  assert.equal(timestamp(new Date(2026, 10, 5, 9, 8, 7, 6)), 'Nov  5 09:08:07.006000');
});

test('pluto command lines are recognised with their run directory', () => {
  assert.equal(plutoRundir(['node', '/usr/bin/ipsec', 'pluto', '--nofork', '--rundir', '/tmp/r']), '/tmp/r');
  assert.equal(plutoRundir(['node', 'bin/ipsec', 'pluto', '--rundir=/x', '--nofork']), '/x');
  assert.equal(plutoRundir(['/usr/bin/node', '/usr/bin/ipsec', 'pluto', '--nofork']), '/run/pluto');
  assert.equal(plutoRundir(['node', '/usr/bin/ipsec', 'pluto', '--rundir', '/tmp/r']), null, 'the forking parent is not the daemon');
  assert.equal(plutoRundir(['timeout', '30', 'node', 'bin/ipsec', 'pluto', '--nofork']), null);
  assert.equal(plutoRundir(['node', '/usr/bin/ipsec', 'whack', '--nofork']), null);
});

test('syslog lines carry facility authpriv (10) and the severity', async () => {
  const { syslogLine } = await import('../../../src/daemon/logger');
  assert.equal(syslogLine('error', 'x'), '<83>x');
  assert.equal(syslogLine('warn', 'x'), '<84>x');
  assert.equal(syslogLine('info', 'x'), '<86>x');
  assert.equal(syslogLine('debug', '| x'), '<87>| x');
});
