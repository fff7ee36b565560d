// Black-box: bad app names and route paths in the URL (/, NUL, controls, bad encoding, `..` and
// `%2e%2e` segments, very long) get a clear 4xx JSON error and change nothing stored. A dot segment
// must never make a URL address a different app or route than the one written.
import { suite } from 'uvu';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, type Client } from '../helpers/http.ts';
import * as assert from 'uvu/assert';
import { caseFailures, type Case, seedBaseline, long, newRouteBody } from '../helpers/bad-cases.ts';

/** Every case is refused with its status and message, and nothing stored changes. */
const expectRefused = async (client: Client, cases: Case[]) =>
  assert.equal(await caseFailures(client, cases), [], 'bad requests refused, nothing stored changed');

const test = suite<{ srv?: TestServer }>('api: bad URLs change nothing');
let c: Client;

test.before(async (ctx) => {
  ctx.srv = await startServer();
  c = client(ctx.srv.url);
  await seedBaseline(c);
});
test.after(async (ctx) => {
  await ctx.srv?.stop();
});

test('app names in the URL: /, NUL, %2e%2e, very long', () =>
  expectRefused(c, [
    { method: 'GET', target: '/v1/apps/a%2Fb', status: 400, message: 'Invalid app name' },
    { method: 'PUT', target: '/v1/apps/a%2Fb', body: { app: { config: { A: 'a' } } }, status: 400, message: 'Invalid app name' },
    { method: 'DELETE', target: '/v1/apps/a%2Fb', status: 400, message: 'Invalid app name' },
    { method: 'GET', target: '/v1/apps/a%00b', status: 400, message: 'Invalid app name' },
    { method: 'PATCH', target: '/v1/apps/a%00b', body: { app: { config: { A: 'a' } } }, status: 400, message: 'Invalid app name' },
    { method: 'GET', target: '/v1/apps/a%2e%2eb', status: 400, message: 'Invalid app name' },
    { method: 'GET', target: `/v1/apps/${long(31)}`, status: 400, message: 'App name must be 30 characters or less' },
    { method: 'PUT', target: `/v1/apps/${long(5000)}`, body: { app: { config: { A: 'a' } } }, status: 400, message: 'App name must be 30 characters or less' },
    { method: 'POST', target: `/v1/apps/${long(5000)}/routes`, body: newRouteBody({}), status: 400, message: 'App name must be 30 characters or less' },
    { method: 'POST', target: '/v1/apps/$/routes', body: newRouteBody({}), status: 400, message: 'Invalid app name' },
    { method: 'POST', target: '/v1/apps/a%2Fb/routes', body: newRouteBody({}), status: 400, message: 'Invalid app name' },
    { method: 'PUT', target: '/v1/apps/a%00b/routes/x', body: newRouteBody({}), status: 400, message: 'Invalid app name' },
    { method: 'PUT', target: '/v1/apps/%2e%2e/routes/x', body: { route: { image: 'img' } }, status: 400 },
    { method: 'POST', target: '/v1/apps/%2e%2e/routes', body: newRouteBody({}), status: 400 },
    { method: 'DELETE', target: '/v1/apps/%2e%2e', status: 400 },
  ]));

test('route paths in the URL: NUL, controls, bad encoding, encoded .., :, very long', () =>
  expectRefused(c, [
    { method: 'GET', target: '/v1/apps/base/routes/a%00b', status: 400 },
    { method: 'PUT', target: '/v1/apps/base/routes/a%00b', body: { route: { image: 'i' } }, status: 400 },
    { method: 'PUT', target: '/v1/apps/base/routes/a%0Ab', body: { route: { image: 'i' } }, status: 400 },
    { method: 'DELETE', target: '/v1/apps/base/routes/existing%00', status: 400 },
    { method: 'PUT', target: '/v1/apps/base/routes/%zz', body: { route: { image: 'i' } }, status: 400 },
    { method: 'PUT', target: '/v1/apps/base/routes/a%2F%2E%2E%2Fb', body: { route: { image: 'i' } }, status: 400 },
    { method: 'PUT', target: '/v1/apps/base/routes/a%2F..%2Fexisting', body: { route: { image: 'i' } }, status: 400 },
    { method: 'PUT', target: '/v1/apps/base/routes/a%3Ab', body: { route: { image: 'i' } }, status: 400, message: 'Dynamic URL is not allowed' },
    { method: 'PUT', target: `/v1/apps/base/routes/${long(300)}`, body: { route: { image: 'i' } }, status: 400 },
  ]));

test('route URLs with .. or %2e%2e segments are refused and touch nothing', () =>
  expectRefused(c, [
    { method: 'PUT', target: '/v1/apps/base/routes/x/%2e%2e', body: { route: { image: 'evil' } }, status: 400 },
    { method: 'PUT', target: '/v1/apps/base/routes/x/..', body: { route: { image: 'evil' } }, status: 400 },
    { method: 'PATCH', target: '/v1/apps/base/routes/x/%2E%2E', body: { route: { image: 'evil' } }, status: 400 },
    { method: 'DELETE', target: '/v1/apps/base/routes/x/%2e%2e', status: 400 },
    { method: 'DELETE', target: '/v1/apps/empty/routes/%2e%2e/%2e%2e/other/routes/x', status: 400 },
    { method: 'PUT', target: '/v1/apps/empty/routes/%2e%2e/%2e%2e/base/routes/existing', body: { route: { image: 'evil' } }, status: 400 },
  ]));

test('app URLs with .. or %2e%2e segments are refused and touch nothing', () =>
  expectRefused(c, [
    { method: 'PATCH', target: '/v1/apps/empty/%2e%2e/base', body: { app: { config: { APP: 'evil' } } }, status: 400 },
    { method: 'PUT', target: '/v1/apps/empty/../base', body: { app: { config: { APP: 'evil' } } }, status: 400 },
    { method: 'DELETE', target: '/v1/apps/base/%2e%2e/empty', status: 400 },
    { method: 'POST', target: '/v1/apps/empty/%2e%2e/base/routes', body: newRouteBody({}), status: 400 },
    { method: 'PUT', target: '/v1/apps/x/%2E%2E/base/routes/existing', body: { route: { image: 'evil' } }, status: 400 },
  ]));

test.run();
