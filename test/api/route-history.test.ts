// Black-box: route history (GET /v1/apps/{app}/routes/{route}/history) and rollback (POST
// .../rollback) against a real server process: versions per create/update/rollback, the last 10
// kept, no version for an update that changes nothing, a rollback restores everything (config keys
// removed since, the jwt_key), paths with slashes, a route named .../history, bad input, and the
// history going with the route.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, type Client, type RouteBody } from '../helpers/http.ts';

const test = suite<{ srv?: TestServer }>('api: route history and rollback');
let c: Client;

interface Version {
  version: number;
  action: string;
  restored_from?: number;
  current: boolean;
  created_at: string;
  route: RouteBody['route'] & { jwt_protected?: boolean };
}
interface HistoryBody {
  message: string;
  history: Version[];
}

test.before(async (ctx) => {
  ctx.srv = await startServer();
  c = client(ctx.srv.url);
});
test.after(async (ctx) => {
  await ctx.srv?.stop();
});

const history = async (app: string, route: string) => expectOk<HistoryBody>(await c.get(`/v1/apps/${app}/routes${route}/history`), 200, route).history;
const patch = async (app: string, route: string, fields: object) =>
  expectOk<RouteBody>(await c.patch(`/v1/apps/${app}/routes${route}`, { route: fields })).route;

test('create is version 1; each update that changes the route adds one, newest first', async () => {
  expectOk(await c.post('/v1/apps/h1/routes', { route: { path: '/fn', image: 'img:1', config: { A: '1' } } }));
  let h = await history('h1', '/fn');
  assert.equal(
    h.map((v) => [v.version, v.action, v.current, v.route.image]),
    [[1, 'create', true, 'img:1']],
  );
  assert.match(h[0]!.created_at, /^\d{4}-\d\d-\d\dT/);
  await patch('h1', '/fn', { image: 'img:2' });
  await patch('h1', '/fn', { image: 'img:2' }); // nothing changes: no new version
  await patch('h1', '/fn', { config: { B: '2' } });
  h = await history('h1', '/fn');
  assert.equal(
    h.map((v) => [v.version, v.action, v.current, v.route.image, v.route.config]),
    [
      [3, 'update', true, 'img:2', { A: '1', B: '2' }],
      [2, 'update', false, 'img:2', { A: '1' }],
      [1, 'create', false, 'img:1', { A: '1' }],
    ],
  );
});

test('rollback with no body restores the previous definition as a new version; again toggles back', async () => {
  const r = expectOk<{ message: string; restored_from: number; route: RouteBody['route'] }>(await c.post('/v1/apps/h1/routes/fn/rollback'));
  assert.is(r.restored_from, 2);
  assert.equal(r.route.config, { A: '1' }, 'a key added since is gone again');
  assert.equal(expectOk<RouteBody>(await c.get('/v1/apps/h1/routes/fn')).route.config, { A: '1' });
  const h = await history('h1', '/fn');
  assert.equal([h[0]!.version, h[0]!.action, h[0]!.restored_from], [4, 'rollback', 2]);
  expectOk(await c.post('/v1/apps/h1/routes/fn/rollback', {}));
  assert.equal(expectOk<RouteBody>(await c.get('/v1/apps/h1/routes/fn')).route.config, { A: '1', B: '2' });
});

test('rollback back N and by version number', async () => {
  expectOk(await c.post('/v1/apps/h1/routes/fn/rollback', { back: 4 })); // v5 now; 4 back = v1
  let route = expectOk<RouteBody>(await c.get('/v1/apps/h1/routes/fn')).route;
  assert.is(route.image, 'img:1');
  expectOk(await c.post('/v1/apps/h1/routes/fn/rollback', { version: 3 }));
  route = expectOk<RouteBody>(await c.get('/v1/apps/h1/routes/fn')).route;
  assert.equal([route.image, route.config], ['img:2', { A: '1', B: '2' }]);
});

test('rollback refuses bad input with 400 and unknown routes with 404', async () => {
  expectError(await c.post('/v1/apps/h1/routes/fn/rollback', { back: 0 }), 400, 'Invalid rollback back: must be between 1 and 9');
  expectError(await c.post('/v1/apps/h1/routes/fn/rollback', { back: 'x' }), 400, 'Invalid rollback back: must be an integer');
  expectError(await c.post('/v1/apps/h1/routes/fn/rollback', { back: 1, version: 1 }), 400, 'Invalid rollback: give back or version, not both');
  expectError(await c.post('/v1/apps/h1/routes/fn/rollback', { version: 99 }), 400);
  expectError(await c.post('/v1/apps/h1/routes/fn/rollback', '{nope', { headers: { 'content-type': 'application/json' } }), 400, 'Invalid JSON');
  expectError(await c.post('/v1/apps/h1/routes/fn/rollback', [1]), 400, 'Invalid rollback: must be an object');
  expectError(await c.post('/v1/apps/h1/routes/nope/rollback'), 404, 'Route not found');
  expectError(await c.post('/v1/apps/nope/routes/fn/rollback'), 404, 'App not found');
  expectError(await c.get('/v1/apps/h1/routes/nope/history'), 404, 'Route not found');
  expectError(await c.get('/v1/apps/nope/routes/fn/history'), 404, 'App not found');
  expectOk(await c.post('/v1/apps/h2/routes', { route: { path: '/one', image: 'img' } }));
  expectError(await c.post('/v1/apps/h2/routes/one/rollback'), 400, 'Route /one has no definition 1 back: 0 earlier kept (the last 10 definitions are kept)');
});

test('the last 10 definitions are kept', async () => {
  expectOk(await c.post('/v1/apps/h3/routes', { route: { path: '/deep/er', image: 'img:0' } }));
  for (let i = 1; i <= 12; i++) await patch('h3', '/deep/er', { image: `img:${i}` });
  const h = await history('h3', '/deep/er');
  assert.is(h.length, 10);
  assert.equal(
    h.map((v) => v.version),
    [13, 12, 11, 10, 9, 8, 7, 6, 5, 4],
  );
  // encoded slashes address the same route
  assert.is((await history('h3', '/%2Fdeep%2Fer')).length, 10);
  expectOk(await c.post('/v1/apps/h3/routes/deep/er/rollback', { back: 9 }));
  assert.is(expectOk<RouteBody>(await c.get('/v1/apps/h3/routes/deep/er')).route.image, 'img:3');
  expectError(await c.post('/v1/apps/h3/routes/deep/er/rollback', { version: 1 }), 400);
});

test('a rollback restores the jwt_key of the version (never shown), and its absence', async () => {
  const key = 'k'.repeat(40);
  expectOk(await c.post('/v1/apps/h4/routes', { route: { path: '/j', image: 'img' } }));
  await patch('h4', '/j', { jwt_key: key });
  const h = await history('h4', '/j');
  assert.is(h[0]!.route.jwt_protected, true);
  assert.not.ok(JSON.stringify(h).includes(key), 'the key is never returned');
  expectOk(await c.post('/v1/apps/h4/routes/j/rollback'));
  assert.not.ok(expectOk<RouteBody & { route: { jwt_protected?: boolean } }>(await c.get('/v1/apps/h4/routes/j')).route.jwt_protected);
  expectOk(await c.post('/v1/apps/h4/routes/j/rollback'));
  assert.is(expectOk<RouteBody & { route: { jwt_protected?: boolean } }>(await c.get('/v1/apps/h4/routes/j')).route.jwt_protected, true);
});

test('a route whose own path ends in /history: raw is that route, encoded is unambiguous', async () => {
  expectOk(await c.post('/v1/apps/h5/routes', { route: { path: '/x', image: 'img:x' } }));
  assert.is((await history('h5', '/x')).length, 1);
  expectOk(await c.post('/v1/apps/h5/routes', { route: { path: '/x/history', image: 'img:xh' } }));
  assert.is(expectOk<RouteBody>(await c.get('/v1/apps/h5/routes/x/history')).route.image, 'img:xh', 'an existing route wins');
  assert.is(expectOk<RouteBody>(await c.get('/v1/apps/h5/routes/%2Fx%2Fhistory')).route.image, 'img:xh');
  assert.is((await history('h5', '/%2Fx%2Fhistory')).length, 1);
});

test('the history goes with its route (delete, cascading app delete); a new route starts at 1', async () => {
  expectOk(await c.del('/v1/apps/h1/routes/fn'));
  expectError(await c.get('/v1/apps/h1/routes/fn/history'), 404, 'Route not found');
  expectOk(await c.post('/v1/apps/h1/routes', { route: { path: '/fn', image: 'img:new' } }));
  assert.equal(
    (await history('h1', '/fn')).map((v) => v.version),
    [1],
  );
  expectOk(await c.del('/v1/apps/h3?cascade=true'));
  expectOk(await c.post('/v1/apps/h3/routes', { route: { path: '/deep/er', image: 'img' } }));
  assert.equal(
    (await history('h3', '/deep/er')).map((v) => v.version),
    [1],
  );
});

test('PUT upsert: creating writes version 1, updating adds one', async () => {
  expectOk(await c.put('/v1/apps/h6/routes/up', { route: { image: 'img:1' } }));
  expectOk(await c.put('/v1/apps/h6/routes/up', { route: { image: 'img:2' } }));
  assert.equal(
    (await history('h6', '/up')).map((v) => [v.version, v.action]),
    [
      [2, 'update'],
      [1, 'create'],
    ],
  );
});

test.run();
