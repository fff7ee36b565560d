// The hot format codecs (pure): http request building and response pass-through, json envelope both
// ways with base64 for non-UTF-8 bodies, hop-by-hop filtering, protocol errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeHttpResponse, encodeHttpRequest } from '../../src/runner/formats/http.ts';
import { buildEnvelope, decodeJsonResponse, encodeJsonRequest } from '../../src/runner/formats/json.ts';
import { FunctionProtocolError } from '../../src/runner/formats/message.ts';
import type { CallRequest } from '../../src/runner/types.ts';

const deadline = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

function call(over: Partial<CallRequest> = {}): CallRequest {
  return {
    id: 'call-1',
    fn: { appName: 'myapp', path: '/users/:id', image: 'img', memory: 128, format: 'http', timeout: 30, idleTimeout: 30, maxConcurrency: 1, config: {} },
    method: 'put',
    url: 'http://gw:8080/r/myapp/users/42?x=1&y=2',
    headers: {
      'content-type': ['text/plain'],
      'x-multi': ['a', 'b'],
      connection: ['keep-alive, x-drop-me'],
      'x-drop-me': ['1'],
      'keep-alive': ['timeout=5'],
      'transfer-encoding': ['chunked'],
      te: ['trailers'],
      upgrade: ['h2c'],
      host: ['gw:8080'],
      'proxy-authorization': ['secret'],
      'content-length': ['999'],
      'fn-call-id': ['spoofed'],
    },
    body: Buffer.from('héllo'),
    params: { id: '42' },
    deadline,
    ...over,
  };
}

const get = (pairs: Array<[string, string]>, name: string) => pairs.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

test('http: method, route-relative URL, filtered headers plus Fn-* metadata, body as is', () => {
  const req = encodeHttpRequest(call());
  assert.is(req.method, 'PUT');
  assert.is(req.target, '/users/42?x=1&y=2');
  assert.equal(get(req.headers, 'x-multi'), ['a', 'b']);
  assert.equal(get(req.headers, 'content-type'), ['text/plain']);
  for (const h of ['connection', 'x-drop-me', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'host', 'proxy-authorization', 'content-length']) {
    assert.equal(get(req.headers, h), [], h);
  }
  assert.equal(get(req.headers, 'Fn-Call-Id'), ['call-1'], 'client cannot spoof Fn-*');
  assert.equal(get(req.headers, 'Fn-Deadline'), ['2024-01-02T03:04:05.678Z']);
  assert.equal(get(req.headers, 'Fn-Method'), ['put']);
  assert.equal(get(req.headers, 'Fn-Request-Url'), ['http://gw:8080/r/myapp/users/42?x=1&y=2']);
  assert.equal(get(req.headers, 'Fn-App-Name'), ['myapp']);
  assert.equal(get(req.headers, 'Fn-Route'), ['/users/:id']);
  assert.equal(get(req.headers, 'Fn-Param-id'), ['42']);
  assert.is(req.body.toString(), 'héllo');
});

test('http: metadata values are made header-safe (decoded params may hold anything)', () => {
  const req = encodeHttpRequest(call({ params: { id: '日本\r\nX-Evil: 1' } }));
  assert.equal(get(req.headers, 'Fn-Param-id'), ['%E6%97%A5%E6%9C%AC%0D%0AX-Evil: 1']);
});

test('http: URL outside /r/<app> falls back to the route path', () => {
  assert.is(encodeHttpRequest(call({ url: 'http://gw/v1/async?q=1' })).target, '/users/:id?q=1');
});

test('http: status, headers and body pass through minus hop-by-hop', () => {
  const reply = decodeHttpResponse({
    status: 418,
    headers: [
      ['X-A', '1'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['Connection', 'close'],
      ['Transfer-Encoding', 'chunked'],
      ['Content-Length', '3'],
      ['Keep-Alive', 'x'],
    ],
    body: Buffer.from([0, 1, 2]),
  });
  assert.is(reply.status, 418);
  assert.equal(reply.headers, [
    ['X-A', '1'],
    ['Set-Cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
  ]);
  assert.equal([...reply.body], [0, 1, 2]);
});

test('json: request envelope', () => {
  const req = encodeJsonRequest(call());
  assert.is(req.method, 'POST');
  assert.is(req.target, '/call');
  assert.equal(get(req.headers, 'content-type'), ['application/json']);
  const env = JSON.parse(req.body.toString()) as {
    call_id: string;
    deadline: string;
    method: string;
    request_url: string;
    headers: Record<string, string[] | undefined>;
    params: Record<string, string>;
    content_type: string;
    body: string;
    body_encoding: string;
    protocol: unknown;
  };
  assert.is(env.call_id, 'call-1');
  assert.is(env.deadline, '2024-01-02T03:04:05.678Z');
  assert.is(env.method, 'PUT');
  assert.is(env.request_url, 'http://gw:8080/r/myapp/users/42?x=1&y=2');
  assert.equal(env.headers['x-multi'], ['a', 'b']);
  assert.is(env.headers.connection, undefined);
  assert.is(env.headers['fn-call-id'], undefined);
  assert.equal(env.params, { id: '42' });
  assert.is(env.content_type, 'text/plain');
  assert.is(env.body, 'héllo');
  assert.is(env.body_encoding, 'utf8');
  assert.equal(env.protocol, { type: 'http', method: 'PUT', request_url: env.request_url, headers: env.headers });
});

test('json: non-UTF-8 request body goes base64', () => {
  const body = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
  const env = buildEnvelope(call({ body }));
  assert.is(env.body_encoding, 'base64');
  assert.equal([...Buffer.from(env.body, 'base64')], [...body]);
  assert.is(buildEnvelope(call({ body: Buffer.alloc(0), headers: {} })).content_type, '');
});

const ok = (obj: unknown) => ({
  status: 200,
  headers: [['Content-Type', 'application/json']] as Array<[string, string]>,
  body: Buffer.from(JSON.stringify(obj)),
});

test('json: reply fields, top-level wins over protocol', () => {
  const r = decodeJsonResponse(
    ok({
      status_code: 201,
      headers: { 'X-One': ['1', '2'], 'X-Both': 'top', Connection: 'close' },
      content_type: 'text/csv',
      body: 'a,b',
      protocol: { status_code: 500, headers: { 'X-Both': ['proto'], 'X-Proto': 'p', 'Content-Type': 'text/plain' } },
    }),
  );
  assert.is(r.status, 201);
  assert.equal(get(r.headers, 'x-one'), ['1', '2']);
  assert.equal(get(r.headers, 'x-both'), ['top']);
  assert.equal(get(r.headers, 'x-proto'), ['p']);
  assert.equal(get(r.headers, 'content-type'), ['text/csv']);
  assert.equal(get(r.headers, 'connection'), []);
  assert.is(r.body.toString(), 'a,b');
});

test('json: defaults, protocol status, base64 body', () => {
  assert.is(decodeJsonResponse(ok({})).status, 200);
  assert.is(decodeJsonResponse(ok({})).body.length, 0);
  assert.is(decodeJsonResponse(ok({ protocol: { status_code: 404 } })).status, 404);
  const bin = Buffer.from([0, 0xff, 0x10]);
  assert.equal([...decodeJsonResponse(ok({ body: bin.toString('base64'), body_encoding: 'base64' })).body], [...bin]);
  assert.is(decodeJsonResponse(ok({ body: { a: 1 } })).body.toString(), '{"a":1}');
});

test('json: invalid replies are protocol errors', () => {
  const bad = (res: { status: number; headers: Array<[string, string]>; body: Buffer }, re: RegExp) => {
    try {
      decodeJsonResponse(res);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, FunctionProtocolError);
      assert.match((err as Error).message, /^invalid json response from function: /);
      assert.match((err as Error).message, re);
    }
  };
  bad({ status: 200, headers: [], body: Buffer.from('this is not json') }, /JSON|Unexpected/);
  bad({ status: 200, headers: [], body: Buffer.from('{"body":"x"} trailing') }, /JSON|Unexpected/);
  bad(ok([1, 2]), /object/);
  bad(ok({ status_code: 'x' }), /status_code/);
  bad(ok({ status_code: 99 }), /status_code/);
  bad(ok({ body_encoding: 'rot13', body: 'x' }), /body_encoding/);
  bad(ok({ headers: 'x' }), /headers/);
  bad({ status: 500, headers: [], body: Buffer.from('{}') }, /HTTP 500/);
});

test.run();
