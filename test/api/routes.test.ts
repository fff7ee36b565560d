// Black-box: /v1/apps/{app}/routes CRUD against a real server process: defaults, round trip of every
// field, paths with slashes (raw, encoded, `//hello`), PUT upsert vs PATCH update, merge rules,
// headers as strings or arrays (left out when empty), /v1/routes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, type Client, type AppBody, type RouteBody, type RoutesBody, type ApiRoute } from '../helpers/http.ts';

const test = suite<{ srv?: TestServer }>('api: routes');
let c: Client;

test.before(async (ctx) => {
  ctx.srv = await startServer();
  c = client(ctx.srv.url);
});
test.after(async (ctx) => {
  await ctx.srv?.stop();
});

const getRoute = async (app: string, target: string) => expectOk<RouteBody>(await c.get(`/v1/apps/${app}/routes${target}`), 200, target).route;

test('create applies the seed defaults and answers 200 Route successfully created', async () => {
  const body = expectOk<RouteBody>(await c.post('/v1/apps/myapp/routes', { route: { path: '/myroute', image: 'iron/hello' } }));
  assert.equal(body, {
    message: 'Route successfully created',
    route: {
      app_name: 'myapp',
      path: '/myroute',
      image: 'iron/hello',
      memory: 128,
      type: 'sync',
      format: 'default',
      max_concurrency: 0,
      timeout: 30,
      idle_timeout: 30,
      config: {},
    },
  });
  assert.not.ok('headers' in body.route, 'headers left out when empty');
});

test('create makes the app when it is missing', async () => {
  assert.equal(expectOk<AppBody>(await c.get('/v1/apps/myapp')).app, { name: 'myapp', config: {} });
});

test('create into an existing app keeps the app config', async () => {
  expectOk(await c.post('/v1/apps', { app: { name: 'configured', config: { DB: 'x' } } }));
  expectOk(await c.post('/v1/apps/configured/routes', { route: { path: '/a', image: 'img' } }));
  assert.equal(expectOk<AppBody>(await c.get('/v1/apps/configured')).app.config, { DB: 'x' });
});

test('every field round-trips; headers given as string or array come back as arrays', async () => {
  const route = {
    path: '/full',
    image: 'localhost/podfn-test/echo:1.0',
    memory: 256,
    type: 'async',
    format: 'json',
    max_concurrency: 3,
    timeout: 60,
    idle_timeout: 120,
    config: { FIRST: '1', 'second-key': 'two' },
    headers: { 'X-One': 'v', 'X-Two': ['a', 'b'], 'X-Empty': [] },
  };
  const expected = { ...route, app_name: 'myapp', headers: { 'X-One': ['v'], 'X-Two': ['a', 'b'] } };
  assert.equal(expectOk<RouteBody>(await c.post('/v1/apps/myapp/routes', { route })).route, expected);
  assert.equal(await getRoute('myapp', '/full'), expected);
});

test('format http without max_concurrency defaults to 1; an explicit value is kept', async () => {
  assert.is(expectOk<RouteBody>(await c.post('/v1/apps/myapp/routes', { route: { path: '/hot', image: 'i', format: 'http' } })).route.max_concurrency, 1);
  assert.is(
    expectOk<RouteBody>(await c.post('/v1/apps/myapp/routes', { route: { path: '/hot5', image: 'i', format: 'http', max_concurrency: 5 } })).route
      .max_concurrency,
    5,
  );
});

test('memory, timeout and idle_timeout at their maxima are accepted; 0 means the default', async () => {
  const r = expectOk<RouteBody>(
    await c.post('/v1/apps/myapp/routes', { route: { path: '/max', image: 'i', memory: 8192, timeout: 3600, idle_timeout: 3600 } }),
  ).route;
  assert.equal([r.memory, r.timeout, r.idle_timeout], [8192, 3600, 3600]);
  const z = expectOk<RouteBody>(
    await c.post('/v1/apps/myapp/routes', { route: { path: '/zero', image: 'i', memory: 0, timeout: 0, idle_timeout: 0, max_concurrency: 0 } }),
  ).route;
  assert.equal([z.memory, z.timeout, z.idle_timeout, z.max_concurrency], [128, 30, 30, 0]);
});

test('unknown fields are ignored (the 0.1.43 CLI sends "error":{}); app_name comes from the URL', async () => {
  const body = expectOk<RouteBody>(
    await c.post('/v1/apps/myapp/routes', { route: { path: '/extra', image: 'i', error: {}, app_name: 'other', foo: [1] }, bar: 1 }),
  );
  assert.is(body.route.app_name, 'myapp');
  assert.not.ok('error' in body.route);
  expectError(await c.get('/v1/apps/other'), 404, 'App not found');
});

test('a path with slashes is addressed raw, encoded, with a doubled slash and with a trailing slash', async () => {
  expectOk(await c.post('/v1/apps/myapp/routes', { route: { path: '/hello/world', image: 'i' } }));
  for (const t of ['/hello/world', '/%2Fhello%2Fworld', '/hello%2Fworld', '/%2fhello%2fworld', '//hello/world', '/hello//world', '/hello/world/']) {
    assert.is((await getRoute('myapp', t)).path, '/hello/world', t);
  }
});

test('//hello addresses /hello (the 0.1.x CLI)', async () => {
  expectOk(await c.post('/v1/apps/myapp/routes', { route: { path: '/hello', image: 'i' } }));
  assert.is((await getRoute('myapp', '//hello')).path, '/hello');
  const upd = expectOk<RouteBody>(await c.patch('/v1/apps/myapp/routes//hello', { route: { type: 'async' } })).route;
  assert.equal([upd.path, upd.type], ['/hello', 'async']);
});

test('a trailing slash in the body path is dropped', async () => {
  assert.is(expectOk<RouteBody>(await c.post('/v1/apps/myapp/routes', { route: { path: '/slash/', image: 'i' } })).route.path, '/slash');
});

test('route / exists and is addressed by routes/ and routes/%2F', async () => {
  expectOk(await c.post('/v1/apps/rootapp/routes', { route: { path: '/', image: 'i' } }));
  assert.is((await getRoute('rootapp', '/')).path, '/');
  assert.is((await getRoute('rootapp', '/%2F')).path, '/');
});

test('an app named "routes" addresses its routes like any other app', async () => {
  expectOk(await c.post('/v1/apps/routes/routes', { route: { path: '/hello', image: 'i' } }));
  assert.is((await getRoute('routes', '/hello')).path, '/hello');
  const put = expectOk<RouteBody>(await c.put('/v1/apps/routes/routes/other', { route: { image: 'i' } })).route;
  assert.is(put.path, '/other');
});

test('list: Sucessfully listed routes (seed typo), ?image= filter, every route carries timeout and idle_timeout', async () => {
  const body = expectOk<RoutesBody>(await c.get('/v1/apps/myapp/routes'));
  assert.is(body.message, 'Sucessfully listed routes');
  assert.ok(body.routes.length >= 8);
  for (const r of body.routes) {
    assert.is(r.app_name, 'myapp');
    assert.type(r.timeout, 'number');
    assert.type(r.idle_timeout, 'number');
    if ('headers' in r) assert.ok(Object.keys(r.headers ?? {}).length > 0, `empty headers shown on ${r.path}`);
  }
  const filtered = expectOk<RoutesBody>(await c.get('/v1/apps/myapp/routes?image=localhost%2Fpodfn-test%2Fecho%3A1.0')).routes;
  assert.equal(
    filtered.map((r) => r.path),
    ['/full'],
  );
});

test('list of an app without routes is empty; of a missing app 404', async () => {
  expectOk(await c.post('/v1/apps', { app: { name: 'bare' } }));
  assert.equal(expectOk<RoutesBody>(await c.get('/v1/apps/bare/routes')).routes, []);
  expectError(await c.get('/v1/apps/missing-app/routes'), 404, 'App not found');
});

test('get: missing route 404 Route not found; missing app 404 App not found', async () => {
  expectError(await c.get('/v1/apps/myapp/routes/dummy-route'), 404, 'Route not found');
  expectError(await c.get('/v1/apps/missing-app/routes/myroute'), 404, 'App not found');
});

test('PUT creates app and route when missing (upsert), with defaults', async () => {
  const body = expectOk<RouteBody>(await c.put('/v1/apps/deployed/routes/fn', { route: { image: 'img:1', type: 'async' } }));
  assert.equal(body, {
    message: 'Route successfully updated',
    route: {
      app_name: 'deployed',
      path: '/fn',
      image: 'img:1',
      memory: 128,
      type: 'async',
      format: 'default',
      max_concurrency: 0,
      timeout: 30,
      idle_timeout: 30,
      config: {},
    },
  });
  expectOk<AppBody>(await c.get('/v1/apps/deployed'));
  assert.equal(await getRoute('deployed', '/fn'), body.route);
});

test('PUT on an existing route merges: given fields replace, others stay; body path equal to the URL is fine', async () => {
  expectOk(await c.put('/v1/apps/deployed/routes/fn', { route: { memory: 512, config: { A: 'a', B: 'b' }, headers: { 'X-A': 'a' } } }));
  const body = expectOk<RouteBody>(await c.put('/v1/apps/deployed/routes/fn', { route: { path: '/fn', image: 'img:2', type: 'sync' } }));
  assert.equal(body.route, {
    app_name: 'deployed',
    path: '/fn',
    image: 'img:2',
    memory: 512,
    type: 'sync',
    format: 'default',
    max_concurrency: 0,
    timeout: 30,
    idle_timeout: 30,
    config: { A: 'a', B: 'b' },
    headers: { 'X-A': ['a'] },
  });
  assert.equal(await getRoute('deployed', '/fn'), body.route);
});

test('PUT via an encoded path upserts the decoded path', async () => {
  expectOk(await c.put('/v1/apps/deployed/routes/%2Fa%2Fb', { route: { image: 'i' } }));
  assert.is((await getRoute('deployed', '/a/b')).path, '/a/b');
});

test('two identical PUTs with headers leave them unchanged (fn multiple-deploy-route-with-headers)', async () => {
  const route = { image: 'i', headers: { A: ['a'], B: ['b'] } };
  expectOk(await c.put('/v1/apps/deployed/routes/hdr', { route }));
  const second = expectOk<RouteBody>(await c.put('/v1/apps/deployed/routes/hdr', { route })).route;
  assert.equal(second.headers, { A: ['a'], B: ['b'] });
});

test('PATCH merges config ("" removes) and replaces headers per name (empty removes, case-insensitive)', async () => {
  expectOk(await c.patch('/v1/apps/deployed/routes/hdr', { route: { config: { FIRST: '1', SECOND: '2', THIRD: '3' }, headers: { 'X-Keep': 'k' } } }));
  const r = expectOk<RouteBody>(
    await c.patch('/v1/apps/deployed/routes/hdr', { route: { config: { FIRST: 'first', SECOND: '' }, headers: { a: ['a2'], B: [], 'X-Keep': ['k'] } } }),
  ).route;
  assert.equal(r.config, { FIRST: 'first', THIRD: '3' });
  assert.equal(r.headers, { a: ['a2'], 'X-Keep': ['k'] });
  assert.equal(await getRoute('deployed', '/hdr'), r);
});

test('removing every header leaves headers out of the route JSON', async () => {
  const r = expectOk<RouteBody>(await c.patch('/v1/apps/deployed/routes/hdr', { route: { headers: { a: '', 'X-Keep': [] } } })).route;
  assert.not.ok('headers' in r, JSON.stringify(r));
  assert.not.ok('headers' in (await getRoute('deployed', '/hdr')));
});

test('PATCH changes type and scalar fields (fn can-update-route-info)', async () => {
  const r = expectOk<RouteBody>(
    await c.patch('/v1/apps/deployed/routes/fn', {
      route: { type: 'async', format: 'http', max_concurrency: 2, timeout: 10, idle_timeout: 5, image: 'img:3' },
    }),
  ).route;
  assert.equal([r.type, r.format, r.max_concurrency, r.timeout, r.idle_timeout, r.image, r.memory], ['async', 'http', 2, 10, 5, 'img:3', 512]);
  assert.equal(await getRoute('deployed', '/fn'), r);
});

test('PATCH of a missing route is 404 and creates nothing; of a missing app 404 App not found', async () => {
  expectError(await c.patch('/v1/apps/deployed/routes/nope', { route: { image: 'i' } }), 404, 'Route not found');
  expectError(await c.get('/v1/apps/deployed/routes/nope'), 404, 'Route not found');
  expectError(await c.patch('/v1/apps/ghost/routes/nope', { route: { image: 'i' } }), 404, 'App not found');
  expectError(await c.get('/v1/apps/ghost'), 404, 'App not found');
});

test('path is immutable: a different body path on PUT or PATCH is 400', async () => {
  expectError(await c.patch('/v1/apps/deployed/routes/fn', { route: { path: '/otherpath' } }), 400, 'Could not update route - path is immutable');
  expectError(await c.put('/v1/apps/deployed/routes/fn', { route: { path: '/diffRoute', image: 'i' } }), 400, 'Could not update route - path is immutable');
  expectError(await c.get('/v1/apps/deployed/routes/otherpath'), 404, 'Route not found');
  expectError(await c.get('/v1/apps/deployed/routes/diffRoute'), 404, 'Route not found');
});

test('delete answers 200 Route deleted; then 404; delete by encoded path', async () => {
  assert.equal(expectOk<{ message: string }>(await c.del('/v1/apps/deployed/routes/fn')), { message: 'Route deleted' });
  expectError(await c.get('/v1/apps/deployed/routes/fn'), 404, 'Route not found');
  expectError(await c.del('/v1/apps/deployed/routes/fn'), 404, 'Route not found');
  expectOk(await c.del('/v1/apps/deployed/routes/%2Fa%2Fb'));
  expectError(await c.get('/v1/apps/deployed/routes/a/b'), 404, 'Route not found');
  expectError(await c.del('/v1/apps/missing-app/routes/x'), 404);
});

test('a deleted route can be created again', async () => {
  const r = expectOk<RouteBody>(await c.post('/v1/apps/deployed/routes', { route: { path: '/fn', image: 'fresh' } })).route;
  assert.equal([r.image, r.memory, r.type], ['fresh', 128, 'sync']);
});

test('GET /v1/routes lists the routes of every app; ?image= filters', async () => {
  const body = expectOk<RoutesBody>(await c.get('/v1/routes'));
  assert.is(body.message, 'Sucessfully listed routes');
  const key = (r: ApiRoute) => `${r.app_name}${r.path}`;
  const keys = body.routes.map(key);
  for (const k of ['myapp/myroute', 'myapp/hello/world', 'configured/a', 'deployed/fn', 'rootapp/', 'routes/hello']) assert.ok(keys.includes(k), k);
  const perApp = expectOk<RoutesBody>(await c.get('/v1/apps/myapp/routes')).routes;
  assert.equal(
    body.routes.filter((r) => r.app_name === 'myapp'),
    perApp,
  );
  const filtered = expectOk<RoutesBody>(await c.get('/v1/routes?image=fresh')).routes;
  assert.equal(filtered.map(key), ['deployed/fn']);
});

test.run();
