// Unit: the hot socket transport's HTTP/1.1 response parser (src/runner/http1-parser.ts), fed every
// split of the bytes: Content-Length, chunked (extensions, trailers), close-delimited and bodiless
// answers, interim 1xx skipped, 101 refused, and the malformed heads a hostile function could send.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidStatus, ParseError, ResponseParser, type ResponseHead } from '../../src/runner/http1-parser.ts';

interface Seen {
  head?: ResponseHead;
  body: string;
  ended: boolean;
}

/** Feeds `raw` in pieces of `step` bytes (0: whole), then eof when asked. */
function parse(raw: string, step = 0, opts: { head?: boolean; eof?: boolean; max?: number } = {}): Seen & { keepAlive: boolean } {
  const p = new ResponseParser(opts.max);
  const seen: Seen = { body: '', ended: false };
  p.begin({ head: (h) => (seen.head = h), body: (c) => (seen.body += c.toString('latin1')), end: () => (seen.ended = true) }, opts.head);
  const buf = Buffer.from(raw, 'latin1');
  if (step <= 0) p.push(buf);
  else for (let i = 0; i < buf.length; i += step) p.push(buf.subarray(i, i + step));
  if (opts.eof) p.eof();
  return { ...seen, keepAlive: p.keepAlive };
}

function everySplit(raw: string, check: (s: Seen & { keepAlive: boolean }) => void, opts: { head?: boolean; eof?: boolean } = {}): void {
  for (const step of [0, 1, 2, 3, 7, 64]) check(parse(raw, step, opts));
}

function throws(raw: string, re: RegExp, opts: { eof?: boolean; max?: number } = {}): void {
  try {
    parse(raw, 0, opts);
    assert.unreachable(`parsed: ${JSON.stringify(raw.slice(0, 80))}`);
  } catch (err) {
    assert.instance(err, ParseError);
    assert.match((err as Error).message, re);
  }
}

test('Content-Length answer, every split; headers kept as sent; keep-alive', () => {
  everySplit('HTTP/1.1 201 Created\r\nX-A: 1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello', (s) => {
    assert.is(s.head?.status, 201);
    assert.equal(s.head?.headers, [
      ['X-A', '1'],
      ['Content-Type', 'text/plain'],
      ['Content-Length', '5'],
    ]);
    assert.is(s.head?.length, 5);
    assert.is(s.body, 'hello');
    assert.ok(s.ended);
    assert.ok(s.keepAlive);
  });
});

test('chunked answer with extensions and trailers, every split', () => {
  everySplit('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n', (s) => {
    assert.is(s.head?.length, undefined);
    assert.is(s.body, 'hello world');
    assert.ok(s.ended);
    assert.ok(s.keepAlive);
  });
});

test('no length: the body ends with the connection, which is not kept', () => {
  everySplit(
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it',
    (s) => {
      assert.is(s.body, 'all of it');
      assert.ok(s.ended);
      assert.not.ok(s.keepAlive);
    },
    { eof: true },
  );
});

test('HEAD, 204 and 304 have no body whatever the headers say; 0-length ends at once', () => {
  const h = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', 0, { head: true });
  assert.ok(h.ended);
  assert.is(h.head?.length, 10);
  assert.ok(parse('HTTP/1.1 204 No Content\r\n\r\n').ended);
  assert.ok(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n').ended);
  assert.ok(parse('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').ended);
});

test('interim 100/103 answers are skipped; 101 is refused naming the status', () => {
  everySplit('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', (s) => {
    assert.is(s.head?.status, 200);
    assert.is(s.body, 'ok');
  });
  try {
    parse('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, InvalidStatus);
    assert.match((err as Error).message, 'function answered with invalid status 101');
  }
});

test('Connection: close and HTTP/1.0 answers are not kept', () => {
  assert.not.ok(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').keepAlive);
  assert.not.ok(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive);
});

test('malformed answers are parse errors', () => {
  throws('HTTP/2 200 OK\r\n\r\n', /status line/);
  throws('HTTP/1.1 2000 OK\r\n\r\n', /status line/);
  throws('HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', /header name/);
  throws('HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n', /folded/);
  throws('HTTP/1.1 200 OK\r\nX-A: a\x00b\r\n\r\n', /bad characters/);
  throws('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', /both/);
  throws('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', /several/);
  throws('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /Content-Length/);
  throws('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /chunk size/);
  throws('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY', /CRLF/);
  throws(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`, /head over 1024 bytes/, { max: 1024 });
  throws(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(2000)}`, /head over 1024 bytes/, { max: 1024 });
  throws('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA', /after the end/);
  throws('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort', /closed mid-answer/, { eof: true });
});

test.run();
