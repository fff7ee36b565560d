// Seed stdio framing: request serialisation and the incremental response parser (Content-Length,
// chunked, split reads, interim 1xx, size caps, bad framing).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { ResponseParser, serializeRequest } from '../../src/runner/stdio-framing.ts';
import { StdioTransport } from '../../src/runner/stdio-transport.ts';
import { TransportError } from '../../src/runner/transport.ts';

test('request: request line, headers, Content-Length always, body; no header injection', () => {
  const raw = serializeRequest(
    {
      method: 'POST',
      target: '/a?b=1',
      headers: [
        ['X-A', '1'],
        ['Fn-Param-x', 'evil\r\nInjected: yes'],
      ],
      body: Buffer.from([0, 1]),
    },
    [['Task-Id', 't1']],
  );
  const text = raw.toString('latin1');
  assert.ok(text.startsWith('POST /a?b=1 HTTP/1.1\r\nX-A: 1\r\n'));
  assert.ok(text.includes('Fn-Param-x: evil%0D%0AInjected: yes\r\n'));
  assert.ok(text.includes('Task-Id: t1\r\nContent-Length: 2\r\n\r\n'));
  assert.equal([...raw.subarray(raw.length - 2)], [0, 1]);
});

test('response: Content-Length, byte by byte', () => {
  const p = new ResponseParser(1000);
  const raw = Buffer.from('HTTP/1.1 201 Created\r\nX-A: 1\r\nContent-Length: 5\r\n\r\nhello');
  const got = [];
  for (const b of raw) got.push(...p.push(Buffer.from([b])));
  assert.is(got.length, 1);
  assert.is(got[0]!.status, 201);
  assert.equal(got[0]!.headers, [
    ['X-A', '1'],
    ['Content-Length', '5'],
  ]);
  assert.is(got[0]!.body.toString(), 'hello');
  assert.ok(p.idle);
});

test('response: chunked with extensions and trailers; 100 Continue skipped; two in one read', () => {
  const p = new ResponseParser(1000);
  const raw = Buffer.from(
    'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n' +
      'HTTP/1.0 204 No Content\r\nContent-Length: 0\r\n\r\n',
  );
  const got = p.push(raw);
  assert.is(got.length, 2);
  assert.is(got[0]!.body.toString(), 'abcde');
  assert.is(got[1]!.status, 204);
});

test('response: no body for HEAD, 204 and 304 whatever Content-Length says', () => {
  const p = new ResponseParser(1000);
  p.head = true;
  const [head] = p.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n'));
  assert.is(head?.body.length, 0);
  p.head = false;
  assert.is(p.push(Buffer.from('HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n')).length, 1);
  assert.is(p.push(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')).length, 1);
  assert.ok(p.idle);
});

const fails = (raw: string, re: RegExp, kind = 'broken', cap = 100) => {
  try {
    new ResponseParser(cap).push(Buffer.from(raw));
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, TransportError);
    assert.is((err as TransportError).kind, kind);
    assert.match((err as Error).message, re);
  }
};

test('response: framing errors and caps', () => {
  fails('HTTP/1.1 200 OK\r\nX: 1\r\n\r\nbody', /Content-Length or chunked/);
  fails('garbage\r\n\r\n', /bad status line/);
  fails('HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n', /Content-Length/);
  fails('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /chunk size/);
  fails('HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n', /exceeds 100 bytes/, 'too_large');
  fails('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n' + 'x'.repeat(64) + '\r\n40\r\n', /exceeds 100 bytes/, 'too_large');
  fails('HTTP/1.1 200 OK\r\nX: ' + 'y'.repeat(70_000), /head too large/);
});

const req = (body: string) => ({ method: 'POST', target: '/x', headers: [] as Array<[string, string]>, body: Buffer.from(body) });
const reply = (body: string) => Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);

function pipes() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const written: Buffer[] = [];
  stdin.on('data', (c: Buffer) => written.push(c));
  return { stdin, stdout, written };
}

test('transport: sequential calls on one stream, split replies', async () => {
  const { stdin, stdout, written } = pipes();
  const t = new StdioTransport(stdin, stdout, 1000);
  const p1 = t.roundTrip(req('a'), Date.now() + 1000);
  await new Promise((r) => setImmediate(r));
  assert.match(Buffer.concat(written).toString(), /^POST \/x HTTP\/1.1\r\nContent-Length: 1\r\n\r\na$/);
  const raw = reply('first');
  stdout.write(raw.subarray(0, 10));
  stdout.write(raw.subarray(10));
  assert.is((await p1).body.toString(), 'first');
  const p2 = t.roundTrip(req('b'), Date.now() + 1000);
  stdout.write(reply('second'));
  assert.is((await p2).body.toString(), 'second');
});

test('transport: output between calls breaks the stream for good', async () => {
  const { stdin, stdout } = pipes();
  const t = new StdioTransport(stdin, stdout, 1000);
  let failed: string | undefined;
  t.onFailure((e) => (failed = e.message));
  stdout.write('stray');
  await new Promise((r) => setImmediate(r));
  assert.match(failed ?? '', /outside a call/);
  try {
    await t.roundTrip(req('a'), Date.now() + 1000);
    assert.unreachable();
  } catch (err) {
    assert.is((err as TransportError).kind, 'broken');
  }
});

test('transport: two replies to one call -> the call gets the first, the stream is retired', async () => {
  const { stdin, stdout } = pipes();
  const t = new StdioTransport(stdin, stdout, 1000);
  let failed = false;
  t.onFailure(() => (failed = true));
  const p = t.roundTrip(req('a'), Date.now() + 1000);
  stdout.write(Buffer.concat([reply('one'), reply('two')]));
  assert.is((await p).body.toString(), 'one');
  assert.ok(failed);
});

test('transport: deadline -> timeout, later reply is not taken by the next call; stdout end -> broken', async () => {
  const { stdin, stdout } = pipes();
  const t = new StdioTransport(stdin, stdout, 1000);
  try {
    await t.roundTrip(req('a'), Date.now() + 20);
    assert.unreachable();
  } catch (err) {
    assert.is((err as TransportError).kind, 'timeout');
  }
  try {
    await t.roundTrip(req('b'), Date.now() + 1000);
    assert.unreachable();
  } catch (err) {
    assert.is((err as TransportError).kind, 'broken');
  }
  const other = pipes();
  const t2 = new StdioTransport(other.stdin, other.stdout, 1000);
  const p = t2.roundTrip(req('a'), Date.now() + 1000);
  other.stdout.end();
  try {
    await p;
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /closed its stdout/);
  }
});

test.run();
