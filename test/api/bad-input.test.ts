// Black-box: every bad request body of the admin API gets a clear 4xx JSON error with the seed's
// message, and nothing stored changes (each case reads everything back before and after).
import { suite } from 'uvu';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, type Client } from '../helpers/http.ts';
import * as assert from 'uvu/assert';
import { caseFailures, type Case, seedBaseline, long, manyKeys, newRouteBody } from '../helpers/bad-cases.ts';

/** Every case is refused with its status and message, and nothing stored changes. */
const expectRefused = async (client: Client, cases: Case[]) =>
  assert.equal(await caseFailures(client, cases), [], 'bad requests refused, nothing stored changed');

const test = suite<{ srv?: TestServer }>('api: bad bodies change nothing');
let c: Client;

test.before(async (ctx) => {
  ctx.srv = await startServer();
  c = client(ctx.srv.url);
  await seedBaseline(c);
});
test.after(async (ctx) => {
  await ctx.srv?.stop();
});

test('POST /v1/apps: bodies, wrappers and types', () =>
  expectRefused(c, [
    { method: 'POST', target: '/v1/apps', body: '', status: 400, message: 'Invalid JSON' },
    { method: 'POST', target: '/v1/apps', body: '{', status: 400, message: 'Invalid JSON' },
    { method: 'POST', target: '/v1/apps', body: '{"app":{"name":"x"}} trailing', status: 400, message: 'Invalid JSON' },
    { method: 'POST', target: '/v1/apps', body: '{}', status: 400, message: 'Missing new application' },
    { method: 'POST', target: '/v1/apps', body: '{"name":"Test"}', status: 400, message: 'Missing new application' },
    { method: 'POST', target: '/v1/apps', body: 'null', status: 400, message: 'Missing new application' },
    { method: 'POST', target: '/v1/apps', body: '[{"app":{"name":"x"}}]', status: 400, message: 'Missing new application' },
    { method: 'POST', target: '/v1/apps', body: '"app"', status: 400, message: 'Missing new application' },
    { method: 'POST', target: '/v1/apps', body: '42', status: 400, message: 'Missing new application' },
    { method: 'POST', target: '/v1/apps', body: { app: 'name' }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: ['x'] }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: {} }, status: 400, message: 'Missing app name' },
    { method: 'POST', target: '/v1/apps', body: { app: { name: '' } }, status: 400, message: 'Missing app name' },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 5 } }, status: 400, message: 'Invalid app name' },
    { method: 'POST', target: '/v1/apps', body: { app: { name: ['a'] } }, status: 400, message: 'Invalid app name' },
  ]));

test('POST /v1/apps: names', () =>
  expectRefused(c, [
    {
      method: 'POST',
      target: '/v1/apps',
      body: { app: { name: '1234567890123456789012345678901' } },
      status: 400,
      message: 'App name must be 30 characters or less',
    },
    { method: 'POST', target: '/v1/apps', body: { app: { name: long(10_000) } }, status: 400, message: 'App name must be 30 characters or less' },
    { method: 'POST', target: '/v1/apps', body: { app: { name: '&&%@!#$#@$' } }, status: 400, message: 'Invalid app name' },
    ...['a/b', '/', 'a\u0000b', '..', '.', 'a b', 'a.b', 'é', 'a\nb', '%2e%2e', 'a%2Fb'].map((name) => ({
      method: 'POST',
      target: '/v1/apps',
      body: { app: { name } },
      status: 400,
      message: 'Invalid app name',
    })),
  ]));

test('POST /v1/apps: config types and caps', () =>
  expectRefused(c, [
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: 'x' } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: ['x'] } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: { K: 5 } } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: { K: null } } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: { K: { a: 'b' } } } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: { K: true } } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: manyKeys(101) } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: { [long(129)]: 'v' } } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: { K: long(4097) } } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: { K: long(2049, 'é') } } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: { K: 'a\u0000b' } } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: { '': 'v' } } }, status: 400 },
    { method: 'POST', target: '/v1/apps', body: { app: { name: 'n', config: { 'A=B': 'v' } } }, status: 400 },
  ]));

test('POST /v1/apps: duplicate is 409 and keeps the stored config', () =>
  expectRefused(c, [
    {
      method: 'POST',
      target: '/v1/apps',
      body: { app: { name: 'base', config: { APP: 'overwritten', NEW: '1' } } },
      status: 409,
      message: 'App already exists',
    },
  ]));

test('PUT/PATCH /v1/apps/{app}', () =>
  expectRefused(c, [
    { method: 'PUT', target: '/v1/apps/base', body: '', status: 400, message: 'Invalid JSON' },
    { method: 'PATCH', target: '/v1/apps/base', body: '{"app":', status: 400, message: 'Invalid JSON' },
    { method: 'PATCH', target: '/v1/apps/base', body: '{}', status: 400, message: 'Missing new application' },
    { method: 'PUT', target: '/v1/apps/base', body: { config: { A: 'b' } }, status: 400, message: 'Missing new application' },
    { method: 'PATCH', target: '/v1/apps/base', body: { app: 'x' }, status: 400 },
    { method: 'PATCH', target: '/v1/apps/base', body: { app: { name: 'othername' } }, status: 400, message: 'Could not update app - name is immutable' },
    {
      method: 'PATCH',
      target: '/v1/apps/base',
      body: { app: { name: 'othername', config: { APP: '' } } },
      status: 400,
      message: 'Could not update app - name is immutable',
    },
    { method: 'PATCH', target: '/v1/apps/base', body: { app: { config: { APP: 5 } } }, status: 400 },
    { method: 'PATCH', target: '/v1/apps/base', body: { app: { config: 'APP=y' } }, status: 400 },
    { method: 'PATCH', target: '/v1/apps/base', body: { app: { config: { APP: long(4097) } } }, status: 400 },
    // 1 stored + 100 new keys: over the cap after the merge
    { method: 'PATCH', target: '/v1/apps/base', body: { app: { config: manyKeys(100) } }, status: 400 },
    { method: 'PATCH', target: '/v1/apps/ghost', body: { app: { config: { A: 'a' } } }, status: 404, message: 'App not found' },
    { method: 'PUT', target: '/v1/apps/ghost', body: { app: { name: 'ghost' } }, status: 404, message: 'App not found' },
  ]));

test('DELETE /v1/apps/{app}: with routes 400, missing 404', () =>
  expectRefused(c, [
    { method: 'DELETE', target: '/v1/apps/base', status: 400, message: 'Cannot remove apps with routes' },
    { method: 'DELETE', target: '/v1/apps/missing-app', status: 404, message: 'App not found' },
  ]));

test('POST routes: bodies and wrappers (seed routes_test.go)', () =>
  expectRefused(c, [
    { method: 'POST', target: '/v1/apps/base/routes', body: '', status: 400, message: 'Invalid JSON' },
    { method: 'POST', target: '/v1/apps/base/routes', body: '{"route":', status: 400, message: 'Invalid JSON' },
    { method: 'POST', target: '/v1/apps/base/routes', body: '{ }', status: 400, message: 'Missing new route' },
    { method: 'POST', target: '/v1/apps/base/routes', body: { path: '/myroute' }, status: 400, message: 'Missing new route' },
    { method: 'POST', target: '/v1/apps/base/routes', body: '[]', status: 400, message: 'Missing new route' },
    { method: 'POST', target: '/v1/apps/base/routes', body: { route: 'x' }, status: 400 },
    { method: 'POST', target: '/v1/apps/base/routes', body: { route: {} }, status: 400, message: 'Missing route Path' },
    { method: 'POST', target: '/v1/apps/base/routes', body: { route: { path: '/myroute' } }, status: 400, message: 'Missing route Image' },
    { method: 'POST', target: '/v1/apps/base/routes', body: { route: { path: '/myroute', image: '' } }, status: 400, message: 'Missing route Image' },
    { method: 'POST', target: '/v1/apps/base/routes', body: { route: { image: 'iron/hello' } }, status: 400, message: 'Missing route Path' },
    // a missing app must not be created by a failed route create
    { method: 'POST', target: '/v1/apps/newapp/routes', body: { route: { image: 'iron/hello' } }, status: 400, message: 'Missing route Path' },
    { method: 'POST', target: '/v1/apps/newapp/routes', body: newRouteBody({ type: 'x' }), status: 400, message: 'Invalid route Type' },
    { method: 'POST', target: '/v1/apps/base/routes', body: { route: { path: '/existing', image: 'img:2' } }, status: 409, message: 'Route already exists' },
  ]));

test('POST routes: paths', () =>
  expectRefused(c, [
    { method: 'POST', target: '/v1/apps/base/routes', body: newRouteBody({ path: 'myroute' }), status: 400, message: 'Invalid Path format' },
    { method: 'POST', target: '/v1/apps/base/routes', body: newRouteBody({ path: 5 }), status: 400 },
    { method: 'POST', target: '/v1/apps/base/routes', body: newRouteBody({ path: '/users/:id' }), status: 400, message: 'Dynamic URL is not allowed' },
    ...['/a/../b', '/..', '/a/..', '/./a', '/a//b', '//a', '/a\u0000b', '/a\nb', '/a\tb', '/a\u007fb', '/a\u001bb', `/${long(300)}`].map((path) => ({
      method: 'POST',
      target: '/v1/apps/base/routes',
      body: newRouteBody({ path }),
      status: 400,
    })),
  ]));

test('POST routes: field types and limits', () =>
  expectRefused(
    c,
    [
      { image: 5 },
      { image: ['img'] },
      { type: 'x', message: 'Invalid route Type' },
      { type: 5, message: 'Invalid route Type' },
      { format: 'x', message: 'Invalid route Format' },
      { format: 'json-rpc', message: 'Invalid route Format' },
      { memory: 8193 },
      { memory: -1 },
      { memory: '128' },
      { memory: 1.5 },
      { memory: true },
      { max_concurrency: -1 },
      { max_concurrency: '1' },
      { timeout: -1 },
      { timeout: 3601 },
      { timeout: '30' },
      { idle_timeout: -1 },
      { idle_timeout: 3601 },
      { headers: [] },
      { headers: 'X: y' },
      { headers: { 'X-A': 5 } },
      { headers: { 'X-A': [1] } },
      { headers: { 'X-A': 'a\r\nInjected: 1' } },
      { headers: { 'bad name': 'v' } },
      { config: { A: 1 } },
      { config: ['A'] },
      { config: manyKeys(101) },
      { config: { [long(129)]: 'v' } },
      { config: { K: long(4097) } },
    ].map(({ message, ...field }) => ({ method: 'POST', target: '/v1/apps/base/routes', body: newRouteBody(field), status: 400, message })),
  ));

test('PUT/PATCH routes', () =>
  expectRefused(c, [
    { method: 'PUT', target: '/v1/apps/base/routes/existing', body: '', status: 400, message: 'Invalid JSON' },
    { method: 'PUT', target: '/v1/apps/base/routes/existing', body: '{ }', status: 400, message: 'Missing new route' },
    { method: 'PATCH', target: '/v1/apps/base/routes/existing', body: { image: 'x' }, status: 400, message: 'Missing new route' },
    { method: 'PUT', target: '/v1/apps/base/routes/existing', body: { route: { path: 'existing', image: 'i' } }, status: 400 },
    {
      method: 'PUT',
      target: '/v1/apps/base/routes/existing',
      body: { route: { path: '/diffRoute', image: 'i' } },
      status: 400,
      message: 'Could not update route - path is immutable',
    },
    {
      method: 'PATCH',
      target: '/v1/apps/base/routes/existing',
      body: { route: { path: '/otherpath' } },
      status: 400,
      message: 'Could not update route - path is immutable',
    },
    { method: 'PUT', target: '/v1/apps/base/routes/existing', body: { route: { type: 'invalid-type' } }, status: 400, message: 'Invalid route Type' },
    { method: 'PUT', target: '/v1/apps/base/routes/existing', body: { route: { format: 'invalid-format' } }, status: 400, message: 'Invalid route Format' },
    { method: 'PATCH', target: '/v1/apps/base/routes/existing', body: { route: { memory: 9000 } }, status: 400 },
    { method: 'PATCH', target: '/v1/apps/base/routes/existing', body: { route: { timeout: 4000 } }, status: 400 },
    { method: 'PATCH', target: '/v1/apps/base/routes/existing', body: { route: { headers: { 'X-H': 5 } } }, status: 400 },
    { method: 'PATCH', target: '/v1/apps/base/routes/existing', body: { route: { config: manyKeys(100) } }, status: 400 },
    { method: 'PUT', target: '/v1/apps/base/routes/missing', body: { route: { memory: 256 } }, status: 400, message: 'Missing route Image' },
    { method: 'PUT', target: '/v1/apps/newapp/routes/missing', body: { route: {} }, status: 400, message: 'Missing route Image' },
    { method: 'PATCH', target: '/v1/apps/base/routes/missing', body: { route: { image: 'i' } }, status: 404, message: 'Route not found' },
    { method: 'PATCH', target: '/v1/apps/newapp/routes/missing', body: { route: { image: 'i' } }, status: 404, message: 'App not found' },
    { method: 'PUT', target: '/v1/apps/base/routes', body: { route: { image: 'i' } }, status: 400 },
  ]));

// Dot segments in the request target: the URL must never address a different route or app than the

// one written. These requests must be refused (4xx) and must not touch /, /existing or other's /x.

// The same for the app endpoints: `/v1/apps/x/%2e%2e/base` must not reach app `base`.

// Regressions found by the fuzz suite (test/fuzz): accepted before, each broke something later.
test('route headers a response cannot carry, framing headers, C1 controls and lone surrogates in paths', () =>
  expectRefused(c, [
    // non-latin-1 or control characters in a header value: every /r call of the route answered 500
    ...['€', 'a\u0001b', '😀', '\u007f'].map((v) => ({
      method: 'POST',
      target: '/v1/apps/base/routes',
      body: newRouteBody({ headers: { 'X-A': v } }),
      status: 400,
      message: /X-A/,
    })),
    { method: 'PATCH', target: '/v1/apps/base/routes/existing', body: { route: { headers: { 'X-H': ['ok', '€'] } } }, status: 400 },
    // framing headers: duplicate Content-Length, or Content-Length with Transfer-Encoding, broke the response
    ...['Content-Length', 'Transfer-Encoding', 'connection', 'Fn-Call-Id'].map((n) => ({
      method: 'PUT',
      target: '/v1/apps/base/routes/existing',
      body: { route: { headers: { [n]: '5' } } },
      status: 400,
      message: /set by the gateway/,
    })),
    // a lone surrogate was stored as U+FFFD (a different path than the one answered); C1 controls passed
    { method: 'POST', target: '/v1/apps/base/routes', body: newRouteBody({ path: '/\ud800x' }), status: 400 },
    { method: 'POST', target: '/v1/apps/base/routes', body: newRouteBody({ path: '/a\udc00' }), status: 400 },
    { method: 'POST', target: '/v1/apps/base/routes', body: newRouteBody({ path: '/a\u0085b' }), status: 400 },
    { method: 'PUT', target: '/v1/apps/base/routes/a%C2%85b', body: { route: { image: 'i' } }, status: 400 },
  ]));

test.run();
