// fn's app-delete dialect: DELETE /v1/apps/{app} of an app with routes is refused by default
// (IronFunctions 0.1.x, 400 Cannot remove apps with routes) and cascades (routes deleted with the
// app, queued async calls of the app ended as status error, calls already running left to finish)
// with ?cascade=true or the server setting PODFN_APP_DELETE=cascade. Black-box against real server
// processes with no async workers (PODFN_ASYNC_WORKERS=0), so accepted calls stay queued; then, on a
// real store, the change log other nodes follow records every deleted route, and the app's hot pools
// are drained through the appChanged hook.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectNoChange, expectOk, type Client, type AppBody, type RoutesBody } from '../helpers/http.ts';
import { tempStore } from '../helpers/temp-store.ts';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { RouteCache } from '../../src/gateway/route-cache.ts';
import { CacheSync } from '../../src/cluster/cache-sync.ts';
import { changesSince } from '../../src/store/cluster.ts';
import { insertRoute } from '../../src/store/routes.ts';
import { newRoute } from '../../src/models/route.ts';
import { createLogger } from '../../src/log.ts';

const IMAGE = 'localhost/podfn-test/echo:latest';
const HAS_ROUTES = 'Cannot remove apps with routes';
const BAD_CASCADE = 'Invalid cascade: true or false';

interface CallJson {
  id: string;
  app_name: string;
  status: string;
  reason?: string;
  error?: string;
  completed_at?: string;
}
interface TaskJson {
  id: string;
  app_name: string;
  reservation: string;
}

/** An app with two async routes (and a sync one) and `n` calls accepted (queued: no workers). */
async function appWithQueuedCalls(c: Client, app: string, n = 3): Promise<string[]> {
  for (const path of ['/a', '/b']) expectOk(await c.post(`/v1/apps/${app}/routes`, { route: { path, image: IMAGE, type: 'async' } }));
  expectOk(await c.post(`/v1/apps/${app}/routes`, { route: { path: '/sync', image: IMAGE } }));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await c.post(`/r/${app}/${i % 2 ? 'b' : 'a'}`, `payload ${i}`, { headers: { 'content-type': 'text/plain' } });
    ids.push(expectOk<{ call_id: string }>(res, 202).call_id);
  }
  return ids;
}

const call = async (c: Client, app: string, id: string) => expectOk<{ call: CallJson }>(await c.get(`/v1/apps/${app}/calls/${id}`)).call;

/** The app, its routes and its calls are gone / ended as a cascade leaves them. */
async function assertCascaded(c: Client, app: string, ids: string[]): Promise<void> {
  expectError(await c.get(`/v1/apps/${app}`), 404, 'App not found');
  for (const path of ['a', 'b', 'sync']) {
    const res = await c.get(`/v1/apps/${app}/routes/${path}`);
    assert.is(res.status, 404, `route /${path} is gone: ${res.text}`);
    assert.is((await c.post(`/r/${app}/${path}`, 'x', { headers: { 'content-type': 'text/plain' } })).status, 404, `/r/${app}/${path}`);
  }
  assert.not.ok(
    expectOk<RoutesBody>(await c.get('/v1/routes')).routes.some((r) => r.app_name === app),
    'no route of the app is listed',
  );
  for (const id of ids) {
    const cj = await call(c, app, id);
    assert.is(cj.status, 'error', `call ${id}`);
    assert.is(cj.error, `app ${app} was deleted before the call ran`, `call ${id}`);
    assert.is(cj.reason, undefined);
    assert.type(cj.completed_at, 'string');
  }
  // created again, the app starts empty: its old routes did not survive
  expectOk<AppBody>(await c.post('/v1/apps', { app: { name: app } }));
  assert.equal(expectOk<RoutesBody>(await c.get(`/v1/apps/${app}/routes`)).routes, []);
  expectOk(await c.del(`/v1/apps/${app}`));
}

// ---------------------------------------------------------------------------------------------------
const refuse = suite<{ srv?: TestServer }>('api: app delete, server setting refuse (the default)');
let c: Client;

refuse.before(async (ctx) => {
  ctx.srv = await startServer({ env: { PODFN_ASYNC_WORKERS: '0', PODFN_RECORD_FLUSH_MS: '50' } });
  c = client(ctx.srv.url);
});
refuse.after(async (ctx) => {
  await ctx.srv?.stop();
});

refuse('an app with routes: 400 with the seed message, absent or cascade=false; app, routes and queued calls kept', async () => {
  const ids = await appWithQueuedCalls(c, 'kept');
  for (const target of ['/v1/apps/kept', '/v1/apps/kept?cascade=false']) {
    await expectNoChange(c, target, async () => expectError(await c.del(target), 400, HAS_ROUTES, target));
  }
  for (const id of ids) assert.is((await call(c, 'kept', id)).status, 'queued');
});

refuse('a cascade value other than true or false: 400 naming the parameter, nothing changes', async () => {
  await appWithQueuedCalls(c, 'badq', 1);
  for (const q of ['cascade=', 'cascade=1', 'cascade=yes', 'cascade=TRUE', 'cascade=true%20', 'cascade=on']) {
    const target = `/v1/apps/badq?${q}`;
    await expectNoChange(c, target, async () => expectError(await c.del(target), 400, BAD_CASCADE, target));
  }
  // also for an app without routes, and one that does not exist: the parameter is judged first
  expectOk(await c.post('/v1/apps', { app: { name: 'bare' } }));
  expectError(await c.del('/v1/apps/bare?cascade=maybe'), 400, BAD_CASCADE);
  expectOk<AppBody>(await c.get('/v1/apps/bare'));
  expectError(await c.del('/v1/apps/ghost?cascade=maybe'), 400, BAD_CASCADE);
});

refuse('?cascade=true deletes the app with its routes and ends its queued calls; other apps keep theirs', async () => {
  const ids = await appWithQueuedCalls(c, 'doomed');
  const others = await appWithQueuedCalls(c, 'bystander', 2);
  const body = expectOk<{ message: string }>(await c.del('/v1/apps/doomed?cascade=true'));
  assert.equal(body, { message: 'App deleted' });
  await assertCascaded(c, 'doomed', ids);
  for (const id of others) assert.is((await call(c, 'bystander', id)).status, 'queued', 'another app keeps its queued calls');
  expectOk(await c.get('/v1/apps/bystander/routes/a'));
  expectError(await c.del('/v1/apps/bystander'), 400, HAS_ROUTES, 'the server setting is still refuse');
});

refuse('?cascade=true of an app without routes deletes it; of a missing app is 404', async () => {
  expectOk(await c.post('/v1/apps', { app: { name: 'empty' } }));
  assert.equal(expectOk(await c.del('/v1/apps/empty?cascade=true')), { message: 'App deleted' });
  expectError(await c.get('/v1/apps/empty'), 404, 'App not found');
  expectError(await c.del('/v1/apps/empty?cascade=true'), 404, 'App not found');
  expectError(await c.del('/v1/apps/never-was?cascade=false'), 404, 'App not found');
});

refuse('a call already running (reserved by a /tasks consumer) is not ended: its acknowledgement is recorded', async () => {
  // drain what the earlier tests left queued, so the task handed out is this app's
  for (;;) {
    const b = expectOk<{ tasks: TaskJson[] }>(await c.get('/v1/tasks?n=100'), 202);
    if (b.tasks.length === 0) break;
    for (const t of b.tasks) expectOk(await c.req('DELETE', '/tasks', t), 202);
  }
  const [running, queued] = await appWithQueuedCalls(c, 'busy', 2);
  const { tasks } = expectOk<{ tasks: TaskJson[] }>(await c.get('/v1/tasks?n=1'), 202);
  assert.equal(
    tasks.map((t) => t.id),
    [running],
  );
  assert.is((await call(c, 'busy', running!)).status, 'running');
  expectOk(await c.del('/v1/apps/busy?cascade=true'));
  assert.is((await call(c, 'busy', running!)).status, 'running', 'left alone');
  assert.is((await call(c, 'busy', queued!)).status, 'error');
  const acked = expectOk<{ status: string }>(await c.req('DELETE', '/tasks', tasks[0]), 202);
  assert.is(acked.status, 'success');
  assert.is((await call(c, 'busy', running!)).status, 'success');
});

refuse.run();

// ---------------------------------------------------------------------------------------------------
const cascade = suite<{ srv?: TestServer }>('api: app delete, server setting PODFN_APP_DELETE=cascade');
let k: Client;

cascade.before(async (ctx) => {
  ctx.srv = await startServer({ env: { PODFN_ASYNC_WORKERS: '0', PODFN_APP_DELETE: 'cascade' } });
  k = client(ctx.srv.url);
});
cascade.after(async (ctx) => {
  await ctx.srv?.stop();
});

cascade('a plain DELETE cascades: routes gone, queued calls ended with the error', async () => {
  const ids = await appWithQueuedCalls(k, 'fnstyle');
  assert.equal(expectOk(await k.del('/v1/apps/fnstyle')), { message: 'App deleted' });
  await assertCascaded(k, 'fnstyle', ids);
});

cascade('cascade=false follows the server setting (cascades too); cascade=true as well', async () => {
  for (const q of ['cascade=false', 'cascade=true']) {
    const ids = await appWithQueuedCalls(k, 'q', 2);
    assert.equal(expectOk(await k.del(`/v1/apps/q?${q}`)), { message: 'App deleted' }, q);
    await assertCascaded(k, 'q', ids);
  }
});

cascade('a bad cascade value is still 400; a missing app still 404', async () => {
  await appWithQueuedCalls(k, 'stays', 1);
  await expectNoChange(k, 'bad cascade', async () => expectError(await k.del('/v1/apps/stays?cascade=nope'), 400, BAD_CASCADE));
  expectError(await k.del('/v1/apps/ghost'), 404, 'App not found');
});

cascade.run();

// ---------------------------------------------------------------------------------------------------
const nodes = suite('api: a cascading app delete reaches other nodes and drains the app on this one');
const log = createLogger('silent');

nodes('the app and every deleted route are in the change log; another node drops them and drains all of the app', async () => {
  const t = await tempStore();
  try {
    const db = t.store.db;
    for (const path of ['/a', '/b']) await insertRoute(db, newRoute('multi', { image: IMAGE }, path));
    await insertRoute(db, newRoute('other', { image: IMAGE }, '/x'));
    // node B: its own cache, kept by the change log only
    const cacheB = new RouteCache(db);
    const drainedB: string[] = [];
    const syncB = new CacheSync({
      db,
      cache: cacheB,
      changed: (app, path) => {
        drainedB.push(path === undefined ? app : `${app}${path}`);
        return Promise.resolve();
      },
      log,
      options: { pollMs: 60_000, keepMs: 600_000, batch: 50 },
    });
    await syncB.start();
    await syncB.stop(); // polled by hand
    assert.ok(cacheB.lookup('multi', '/a').ok);
    const from = syncB.appliedSeq;

    // node A: the admin API; its hook is what src/main.ts wires to cache reload + runner.drain
    const appChanged: string[] = [];
    const routeChanged: string[] = [];
    const app = buildApp({
      store: t.store,
      config: loadConfig({ PODFN_APP_DELETE: 'refuse' }),
      log,
      changes: {
        appChanged: (name) => Promise.resolve(void appChanged.push(name)),
        routeChanged: (name, path) => Promise.resolve(void routeChanged.push(`${name}${path}`)),
      },
      limits: { maxMemoryMb: 8192, maxTimeout: 3600, maxIdleTimeout: 3600 },
    });
    assert.is((await app.request('/v1/apps/multi', { method: 'DELETE' })).status, 400);
    assert.equal(appChanged, [], 'a refused delete changes nothing');
    const res = await app.request('/v1/apps/multi?cascade=true', { method: 'DELETE' });
    assert.is(res.status, 200, await res.clone().text());
    assert.equal(appChanged, ['multi'], 'the app hook ran once: it reloads the app and drains all of its pools');

    const logged = (await changesSince(db, from, 100)).map((ch) => `${ch.appName}${ch.path ?? ''}`);
    assert.equal(logged, ['multi', 'multi/a', 'multi/b', 'multi'], 'the app first, then one change per deleted route, then the app row');

    await syncB.poll();
    assert.equal(cacheB.lookup('multi', '/a'), { ok: false, missing: 'app' });
    assert.equal(cacheB.lookup('multi', '/b'), { ok: false, missing: 'app' });
    assert.ok(cacheB.lookup('other', '/x').ok, 'other apps untouched');
    // the leading app change drops the app whole and drains all of its pools (runner.drain(app) with
    // no path); the route rows after it then find nothing left to change
    assert.equal(drainedB, ['multi'], 'node B drained the whole app');
  } finally {
    t.dispose();
  }
});

nodes.run();
