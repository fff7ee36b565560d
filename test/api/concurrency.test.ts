// Black-box: parallel writes. Creating the same app or route from 20 clients at once gives exactly one
// success and clean 409s, and what is stored is the winner's version; parallel upserts and config
// merges lose nothing; the store never ends with a route whose app is missing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, snapshot, type Client, type Res, type AppBody, type RouteBody, type RoutesBody } from '../helpers/http.ts';

const N = 20;
const test = suite<{ srv?: TestServer }>('api: concurrency');
let c: Client;
// one connection per parallel request, so the requests really overlap at the server
const agent = new http.Agent({ keepAlive: true, maxSockets: N });

const parallel = (f: (i: number) => Promise<Res>) => Promise.all(Array.from({ length: N }, (_, i) => f(i)));
const byStatus = (rs: Res[]) => rs.reduce<Record<number, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});

test.before(async (ctx) => {
  ctx.srv = await startServer();
  c = client(ctx.srv.url);
});
test.after(async (ctx) => {
  agent.destroy();
  await ctx.srv?.stop();
});

test(`${N} parallel creates of one app: one 200, ${N - 1} x 409 App already exists; the winner is stored`, async () => {
  const rs = await parallel((i) => c.req('POST', '/v1/apps', { app: { name: 'race', config: { WHO: String(i) } } }, { agent }));
  assert.equal(byStatus(rs), { 200: 1, 409: N - 1 });
  for (const r of rs.filter((r) => r.status === 409)) expectError(r, 409, 'App already exists');
  const winner = rs.find((r) => r.status === 200)!.json<AppBody>().app;
  assert.equal(expectOk<AppBody>(await c.get('/v1/apps/race')).app, winner);
});

test(`${N} parallel creates of one route (app missing): one 200, ${N - 1} x 409 Route already exists`, async () => {
  const rs = await parallel((i) => c.req('POST', '/v1/apps/raceapp/routes', { route: { path: '/r', image: `img:${i}` } }, { agent }));
  assert.equal(byStatus(rs), { 200: 1, 409: N - 1 });
  for (const r of rs.filter((r) => r.status === 409)) expectError(r, 409, 'Route already exists');
  const winner = rs.find((r) => r.status === 200)!.json<RouteBody>().route;
  assert.equal(expectOk<RouteBody>(await c.get('/v1/apps/raceapp/routes/r')).route, winner);
  assert.is(expectOk<RoutesBody>(await c.get('/v1/apps/raceapp/routes')).routes.length, 1);
});

test(`${N} parallel creates of different routes in a missing app: all 200, the app made once`, async () => {
  const rs = await parallel((i) => c.req('POST', '/v1/apps/fanout/routes', { route: { path: `/r${i}`, image: 'img' } }, { agent }));
  assert.equal(byStatus(rs), { 200: N });
  assert.is(expectOk<RoutesBody>(await c.get('/v1/apps/fanout/routes')).routes.length, N);
  assert.is((await snapshot(c)).apps.filter((a) => a.name === 'fanout').length, 1);
});

test(`${N} parallel PUTs (upsert) of one missing route: all 200, never a 409`, async () => {
  const rs = await parallel((i) => c.req('PUT', '/v1/apps/upsert/routes/fn', { route: { image: `img:${i}` } }, { agent }));
  assert.equal(
    byStatus(rs),
    { 200: N },
    rs.map((r) => r.text).find((t) => t.includes('error')),
  );
  const images = rs.map((r) => r.json<RouteBody>().route.image);
  assert.ok(images.includes(expectOk<RouteBody>(await c.get('/v1/apps/upsert/routes/fn')).route.image));
});

test(`${N} parallel PATCHes adding different config keys: no update is lost`, async () => {
  const rs = await parallel((i) => c.req('PATCH', '/v1/apps/race', { app: { config: { [`K${i}`]: String(i) } } }, { agent }));
  assert.equal(byStatus(rs), { 200: N });
  const config = expectOk<AppBody>(await c.get('/v1/apps/race')).app.config;
  for (let i = 0; i < N; i++) assert.is(config[`K${i}`], String(i), `K${i} lost`);
});

test(`${N} parallel route PATCHes of config keys, mixed with reads: all 200, no update lost`, async () => {
  const rs = await parallel((i) =>
    i % 2
      ? c.req('PATCH', '/v1/apps/upsert/routes/fn', { route: { config: { [`K${i}`]: 'v' } } }, { agent })
      : c.req('GET', '/v1/apps/upsert/routes/fn', undefined, { agent }),
  );
  assert.equal(byStatus(rs), { 200: N });
  const config = expectOk<RouteBody>(await c.get('/v1/apps/upsert/routes/fn')).route.config;
  assert.is(Object.keys(config).length, N / 2);
});

test(`${N} parallel deletes of one route: one 200, the rest 404`, async () => {
  const rs = await parallel(() => c.req('DELETE', '/v1/apps/raceapp/routes/r', undefined, { agent }));
  assert.equal(byStatus(rs), { 200: 1, 404: N - 1 });
});

test('deleting an app while routes are being created never leaves a route without its app', async () => {
  expectOk(await c.post('/v1/apps', { app: { name: 'churn' } }));
  const rs = await parallel((i) =>
    i % 2
      ? c.req('DELETE', '/v1/apps/churn', undefined, { agent })
      : c.req('POST', '/v1/apps/churn/routes', { route: { path: `/p${i}`, image: 'img' } }, { agent }),
  );
  for (const r of rs) assert.ok([200, 400, 404].includes(r.status), `${r.status} ${r.text}`);
  const snap = await snapshot(c);
  const apps = new Set(snap.apps.map((a) => a.name));
  for (const r of snap.routes) assert.ok(apps.has(r.app_name), `orphan route ${r.app_name}${r.path}`);
  const churnRoutes = snap.routes.filter((r) => r.app_name === 'churn').length;
  assert.is(churnRoutes, rs.filter((r, i) => i % 2 === 0 && r.status === 200).length);
});

test.run();
