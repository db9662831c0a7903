import assert from 'node:assert/strict';
import { test } from 'node:test';

import { encodeFrame, LineDecoder, parseRequest, parseResponse, PROTOCOL_VERSION, ProtocolError, RC } from '../../../src/control/protocol';

test('a request survives encode and parse', () => {
  const line = encodeFrame({ v: PROTOCOL_VERSION, id: 7, cmd: 'initiate', args: { name: 'west', asynchronous: true } });
  assert.ok(line.endsWith('\n'));
  assert.deepEqual(parseRequest(line.trim()), { v: 1, id: 7, cmd: 'initiate', args: { name: 'west', asynchronous: true } });
});

test('a rekey request names the connection and what to rekey', () => {
  assert.deepEqual(parseRequest(encodeFrame({ v: 1, id: 3, cmd: 'rekey', args: { name: 'c', what: 'ike' } })), { v: 1, id: 3, cmd: 'rekey', args: { name: 'c', what: 'ike' } });
});

test('an add request carries the conn text and orientation', () => {
  const conn = { name: 'c', text: 'conn c\n\tleft=1.2.3.4\n', local: 'left' as const, origin: 'f:3' };
  const r = parseRequest(encodeFrame({ v: 1, id: 1, cmd: 'add', args: { conn } }));
  assert.equal(r.cmd, 'add');
  if (r.cmd === 'add') assert.deepEqual(r.args.conn, conn);
});

test('argument-less commands drop stray arguments', () => {
  assert.deepEqual(parseRequest('{"v":1,"id":2,"cmd":"status","args":{"x":1}}'), { v: 1, id: 2, cmd: 'status', args: {} });
});

test('a version mismatch is a clear error', () => {
  assert.throws(() => parseRequest('{"v":2,"id":1,"cmd":"status","args":{}}'), (e: unknown) => e instanceof ProtocolError && /version mismatch: got 2, this side speaks 1/.test(e.message));
  assert.throws(() => parseResponse('{"id":1,"type":"done","exitCode":0,"data":{"kind":"none"}}'), /version mismatch: got null/);
});

test('malformed requests are refused with BADWHACKMESSAGE', () => {
  const bad = [
    'not json',
    '[1,2]',
    '{"v":1,"id":"x","cmd":"status"}',
    '{"v":1,"id":1,"cmd":"frobnicate","args":{}}',
    '{"v":1,"id":1,"cmd":"delete","args":{}}',
    '{"v":1,"id":1,"cmd":"delete","args":{"name":""}}',
    '{"v":1,"id":1,"cmd":"initiate","args":{"name":"a"}}',
    '{"v":1,"id":1,"cmd":"add","args":{"conn":{"name":"a","text":"t","local":"up","origin":"o"}}}',
    '{"v":1,"id":1,"cmd":"debug","args":{"set":[1]}}',
    '{"v":1,"id":1,"cmd":"rekey","args":{"name":"a"}}',
    '{"v":1,"id":1,"cmd":"rekey","args":{"name":"a","what":"esp"}}',
  ];
  for (const line of bad) {
    assert.throws(() => parseRequest(line), (e: unknown) => e instanceof ProtocolError && e.rc === RC.BADWHACKMESSAGE, line);
  }
});

test('responses: log lines and a final reply with data', () => {
  assert.deepEqual(parseResponse('{"v":1,"id":3,"type":"log","rc":2,"text":"hi"}'), { v: 1, id: 3, type: 'log', rc: 2, text: 'hi' });
  const done = parseResponse(encodeFrame({ v: 1, id: 3, type: 'done', exitCode: 21, message: 'no', data: { kind: 'traffic', traffic: [] } }));
  assert.equal(done.type, 'done');
  if (done.type === 'done') {
    assert.equal(done.exitCode, 21);
    assert.deepEqual(done.data, { kind: 'traffic', traffic: [] });
  }
  assert.throws(() => parseResponse('{"v":1,"id":3,"type":"done","exitCode":300,"data":{"kind":"none"}}'), /exit code/);
  assert.throws(() => parseResponse('{"v":1,"id":3,"type":"done","exitCode":0,"data":{"kind":"weird"}}'), /known kind/);
  assert.throws(() => parseResponse('{"v":1,"id":3,"type":"other"}'), /unknown reply type/);
});

test('the line decoder joins split chunks and splits joined ones', () => {
  const d = new LineDecoder();
  assert.deepEqual(d.push(Buffer.from('{"a"')), []);
  assert.deepEqual(d.push(Buffer.from(':1}\n{"b":2}\n{"c"')), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(d.push(Buffer.from(':3}\n')), ['{"c":3}']);
  // A multi-byte character split across chunks stays whole.
  const bytes = Buffer.from('"é"\n');
  assert.deepEqual([...d.push(bytes.subarray(0, 2)), ...d.push(bytes.subarray(2))], ['"é"']);
});

test('the line decoder refuses an endless line', () => {
  const d = new LineDecoder(10);
  assert.deepEqual(d.push(Buffer.from('12345')), []);
  assert.throws(() => d.push(Buffer.from('678901')), /longer than 10 bytes/);
});
