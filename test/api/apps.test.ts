// Black-box: /v1/apps CRUD against a real server process (wrappers, messages, statuses of
// docs/api.md (Admin API) and docs/compatibility.md; config merge rules; fn's black-box apps tests).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, type Client, type AppBody, type AppsBody, type RouteBody } from '../helpers/http.ts';

const test = suite<{ srv?: TestServer; c?: Client }>('api: apps');
let c: Client;

test.before(async (ctx) => {
  ctx.srv = await startServer();
  c = client(ctx.srv.url);
});
test.after(async (ctx) => {
  await ctx.srv?.stop();
});

test('empty list', async () => {
  const body = expectOk<AppsBody>(await c.get('/v1/apps'));
  assert.equal(body, { message: 'Successfully listed applications', apps: [] });
});

test('create answers 200 with the app and the seed message', async () => {
  const res = await c.post('/v1/apps', { app: { name: 'myapp', config: { A: 'a' } } });
  const body = expectOk<AppBody>(res);
  assert.equal(body, { message: 'App successfully created', app: { name: 'myapp', config: { A: 'a' } } });
});

test('create without config gives an empty config object', async () => {
  const body = expectOk<AppBody>(await c.post('/v1/apps', { app: { name: 'noconfig' } }));
  assert.equal(body.app, { name: 'noconfig', config: {} });
  assert.equal(expectOk<AppBody>(await c.get('/v1/apps/noconfig')).app, { name: 'noconfig', config: {} });
});

test('unknown fields in the wrapper and the app are ignored', async () => {
  const body = expectOk<AppBody>(await c.post('/v1/apps', { extra: true, app: { name: 'extras', routes: [], error: {}, x: 1 } }));
  assert.equal(body.app, { name: 'extras', config: {} });
});

test('names: 30 characters, digits, _ and -, upper case (the seed rejected A-Y by a bug)', async () => {
  for (const name of ['a'.repeat(30), 'App_Name-1', 'ABCDEFGHIJKLMNOPQRSTUVWXY', '0', '_', '-']) {
    const body = expectOk<AppBody>(await c.post('/v1/apps', { app: { name } }), 200, name);
    assert.is(body.app.name, name);
    expectOk<AppBody>(await c.get(`/v1/apps/${name}`), 200, name);
  }
});

test('get answers the stored app', async () => {
  const body = expectOk<AppBody>(await c.get('/v1/apps/myapp'));
  assert.equal(body, { message: 'Successfully loaded app', app: { name: 'myapp', config: { A: 'a' } } });
});

test('get of a missing app is 404 App not found', async () => {
  expectError(await c.get('/v1/apps/missing-app'), 404, 'App not found');
});

test('list shows every app with name and config only', async () => {
  const body = expectOk<AppsBody>(await c.get('/v1/apps'));
  assert.is(body.message, 'Successfully listed applications');
  const myapp = body.apps.find((a) => a.name === 'myapp');
  assert.equal(myapp, { name: 'myapp', config: { A: 'a' } });
  assert.ok(body.apps.some((a) => a.name === 'noconfig'));
  for (const a of body.apps) assert.equal(Object.keys(a).sort(), ['config', 'name']);
});

test('PUT merges config: keys added and overwritten', async () => {
  const body = expectOk<AppBody>(await c.put('/v1/apps/myapp', { app: { config: { A: 'b', B: 'b' } } }));
  assert.equal(body, { message: 'App successfully updated', app: { name: 'myapp', config: { A: 'b', B: 'b' } } });
  assert.equal(expectOk<AppBody>(await c.get('/v1/apps/myapp')).app.config, { A: 'b', B: 'b' });
});

test('PATCH is an alias of PUT; a key set to "" is removed', async () => {
  const body = expectOk<AppBody>(await c.patch('/v1/apps/myapp', { app: { config: { A: '' } } }));
  assert.equal(body.app, { name: 'myapp', config: { B: 'b' } });
  assert.equal(expectOk<AppBody>(await c.get('/v1/apps/myapp')).app.config, { B: 'b' });
});

test('PATCH with exactly the same config leaves it unchanged (fn patch-app-with-exact-same-config-data)', async () => {
  const body = expectOk<AppBody>(await c.patch('/v1/apps/myapp', { app: { config: { B: 'b' } } }));
  assert.equal(body.app.config, { B: 'b' });
});

test('update without config, or with the same name as the URL, changes nothing and answers 200', async () => {
  expectOk<AppBody>(await c.patch('/v1/apps/myapp', { app: {} }));
  const body = expectOk<AppBody>(await c.put('/v1/apps/myapp', { app: { name: 'myapp', config: {} } }));
  assert.equal(body.app, { name: 'myapp', config: { B: 'b' } });
});

test('update cannot rename: 400 Could not update app - name is immutable', async () => {
  expectError(await c.patch('/v1/apps/myapp', { app: { name: 'othername', config: { C: 'c' } } }), 400, 'Could not update app - name is immutable');
  expectError(await c.put('/v1/apps/myapp', { app: { name: 'othername' } }), 400, 'Could not update app - name is immutable');
  assert.equal(expectOk<AppBody>(await c.get('/v1/apps/myapp')).app, { name: 'myapp', config: { B: 'b' } });
  expectError(await c.get('/v1/apps/othername'), 404, 'App not found');
});

test('update of a missing app is 404 and creates nothing', async () => {
  expectError(await c.put('/v1/apps/ghost', { app: { config: { A: 'a' } } }), 404, 'App not found');
  expectError(await c.patch('/v1/apps/ghost', { app: { config: { A: 'a' } } }), 404, 'App not found');
  expectError(await c.get('/v1/apps/ghost'), 404, 'App not found');
});

test('update keeps config values up to 4096 bytes and 100 keys', async () => {
  expectOk(await c.post('/v1/apps', { app: { name: 'capped' } }));
  const config: Record<string, string> = {};
  for (let i = 0; i < 99; i++) config[`K${i}`] = 'v';
  config['L'.repeat(128)] = 'x'.repeat(4096);
  const body = expectOk<AppBody>(await c.patch('/v1/apps/capped', { app: { config } }));
  assert.is(Object.keys(body.app.config).length, 100);
  assert.equal(expectOk<AppBody>(await c.get('/v1/apps/capped')).app.config, config);
});

test('delete answers 200 App deleted; the app is gone; a second delete is 404', async () => {
  expectOk(await c.post('/v1/apps', { app: { name: 'doomed' } }));
  const body = expectOk<{ message: string }>(await c.del('/v1/apps/doomed'));
  assert.equal(body, { message: 'App deleted' });
  expectError(await c.get('/v1/apps/doomed'), 404, 'App not found');
  expectError(await c.del('/v1/apps/doomed'), 404, 'App not found');
  assert.not.ok(expectOk<AppsBody>(await c.get('/v1/apps')).apps.some((a) => a.name === 'doomed'));
});

test('delete of an app with routes is 400 Cannot remove apps with routes, and keeps app and routes', async () => {
  expectOk<RouteBody>(await c.post('/v1/apps/withroutes/routes', { route: { path: '/r', image: 'img/x' } }));
  expectError(await c.del('/v1/apps/withroutes'), 400, 'Cannot remove apps with routes');
  expectOk<AppBody>(await c.get('/v1/apps/withroutes'));
  expectOk<RouteBody>(await c.get('/v1/apps/withroutes/routes/r'));
  expectOk(await c.del('/v1/apps/withroutes/routes/r'));
  assert.equal(expectOk<{ message: string }>(await c.del('/v1/apps/withroutes')), { message: 'App deleted' });
});

test('an app can be created again after delete', async () => {
  expectOk(await c.post('/v1/apps', { app: { name: 'phoenix', config: { A: '1' } } }));
  expectOk(await c.del('/v1/apps/phoenix'));
  const body = expectOk<AppBody>(await c.post('/v1/apps', { app: { name: 'phoenix' } }));
  assert.equal(body.app, { name: 'phoenix', config: {} });
});

// Regression found by the fuzz suite (test/fuzz): `__proto__` is a valid config key but was silently
// dropped (200 with the key missing) because it was assigned with `out[k] = v`.
test('a __proto__ config key round-trips on create, update and removal (apps and routes)', async () => {
  const created = await c.post('/v1/apps', '{"app":{"name":"protoapp","config":{"__proto__":"x","K":"v"}}}');
  assert.is(expectOk<AppBody>(created).app.config.K, 'v');
  assert.is(JSON.stringify((JSON.parse((await c.get('/v1/apps/protoapp')).text) as AppBody).app.config), '{"__proto__":"x","K":"v"}');
  expectOk(await c.patch('/v1/apps/protoapp', '{"app":{"config":{"__proto__":"y"}}}'));
  assert.is(JSON.stringify((JSON.parse((await c.get('/v1/apps/protoapp')).text) as AppBody).app.config), '{"__proto__":"y","K":"v"}');
  expectOk(await c.patch('/v1/apps/protoapp', '{"app":{"config":{"__proto__":""}}}'));
  assert.is(JSON.stringify((JSON.parse((await c.get('/v1/apps/protoapp')).text) as AppBody).app.config), '{"K":"v"}');
  expectOk(await c.post('/v1/apps/protoapp/routes', '{"route":{"path":"/p","image":"img","config":{"__proto__":"r"},"headers":{"__proto__":"h"}}}'));
  const route = (JSON.parse((await c.get('/v1/apps/protoapp/routes/p')).text) as RouteBody).route;
  assert.is(JSON.stringify(route.config), '{"__proto__":"r"}');
  assert.is(JSON.stringify(route.headers), '{"__proto__":["h"]}');
  expectOk(await c.del('/v1/apps/protoapp/routes/p'));
  expectOk(await c.del('/v1/apps/protoapp'));
});

test.run();
