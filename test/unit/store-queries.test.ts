// Unit: src/store/apps.ts and src/store/routes.ts against a real temp libSQL file: unique violations
// as 409 ApiErrors, route insert creating its app atomically (and never touching an existing app's
// config), deleting an app only when it has no routes (decided by the DELETE itself), JSON columns.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as apps from '../../src/store/apps.ts';
import * as routes from '../../src/store/routes.ts';
import { newRoute, type Route } from '../../src/models/route.ts';
import { tempStore, type TempStore } from '../helpers/temp-store.ts';
import { rejectsApi } from '../helpers/api-error.ts';

const route = (appName: string, path: string, extra: Partial<Route> = {}): Route => ({ ...newRoute(appName, { path, image: 'img' }), ...extra });

const test = suite<{ t?: TempStore }>('store: apps and routes');
let ts: TempStore;

test.before(async (ctx) => {
  ctx.t = ts = await tempStore();
});
test.after((ctx) => ctx.t?.dispose());

test('apps: insert, get, list (by name), JSON config round trip', async () => {
  const db = ts.store.db;
  assert.equal(await apps.listApps(db), []);
  await apps.insertApp(db, { name: 'b', config: { K: 'v ü', 'a.b-c': '' } });
  await apps.insertApp(db, { name: 'a', config: {} });
  assert.equal(await apps.getApp(db, 'b'), { name: 'b', config: { K: 'v ü', 'a.b-c': '' } });
  assert.is(await apps.getApp(db, 'nope'), undefined);
  assert.equal(
    (await apps.listApps(db)).map((a) => a.name),
    ['a', 'b'],
  );
});

test('apps: a duplicate insert is a 409 App already exists and keeps the stored app', async () => {
  await rejectsApi(apps.insertApp(ts.store.db, { name: 'b', config: { OTHER: '1' } }), 409, 'App already exists');
  assert.equal((await apps.getApp(ts.store.db, 'b'))?.config, { K: 'v ü', 'a.b-c': '' });
});

test('apps: updateAppConfig writes the given config; false for a missing app', async () => {
  assert.ok(await apps.updateAppConfig(ts.store.db, 'a', { X: '1' }));
  assert.equal((await apps.getApp(ts.store.db, 'a'))?.config, { X: '1' });
  assert.not.ok(await apps.updateAppConfig(ts.store.db, 'missing', { X: '1' }));
  assert.is(await apps.getApp(ts.store.db, 'missing'), undefined);
});

test('routes: insert creates the missing app with an empty config', async () => {
  await routes.insertRoute(ts.store.db, route('auto', '/r'));
  assert.equal(await apps.getApp(ts.store.db, 'auto'), { name: 'auto', config: {} });
  assert.equal(await routes.getRoute(ts.store.db, 'auto', '/r'), route('auto', '/r'));
});

test('routes: insert into an existing app leaves its config alone', async () => {
  await routes.insertRoute(ts.store.db, route('a', '/r'));
  assert.equal((await apps.getApp(ts.store.db, 'a'))?.config, { X: '1' });
});

test('routes: a duplicate is a 409 Route already exists, the stored route unchanged', async () => {
  await rejectsApi(routes.insertRoute(ts.store.db, route('a', '/r', { image: 'other' })), 409, 'Route already exists');
  assert.is((await routes.getRoute(ts.store.db, 'a', '/r'))?.image, 'img');
});

test('routes: every field and the JSON columns round-trip', async () => {
  const full = route('a', '/full/x', {
    image: 'i:2',
    memory: 1024,
    type: 'async',
    format: 'json',
    maxConcurrency: 7,
    timeout: 99,
    idleTimeout: 77,
    headers: { 'X-A': ['1', '2'] },
    config: { K: 'ü\n' },
  });
  await routes.insertRoute(ts.store.db, full);
  assert.equal(await routes.getRoute(ts.store.db, 'a', '/full/x'), full);
});

test('routes: list by app, by image, all (ordered by app then path); count', async () => {
  const db = ts.store.db;
  await routes.insertRoute(db, route('a', '/b'));
  assert.equal(
    (await routes.listRoutes(db, { appName: 'a' })).map((r) => r.path),
    ['/b', '/full/x', '/r'],
  );
  assert.equal(
    (await routes.listRoutes(db, { image: 'i:2' })).map((r) => r.path),
    ['/full/x'],
  );
  assert.equal(
    (await routes.listRoutes(db)).map((r) => `${r.appName}${r.path}`),
    ['a/b', 'a/full/x', 'a/r', 'auto/r'],
  );
  assert.equal(await routes.listRoutes(db, { appName: 'b' }), []);
  assert.is(await routes.countRoutes(db, 'a'), 3);
  assert.is(await routes.countRoutes(db, 'b'), 0);
});

test('routes: update replaces the fields; false when the route is gone', async () => {
  const db = ts.store.db;
  const next = { ...route('a', '/b'), image: 'new', memory: 512, config: { Z: 'z' } };
  assert.ok(await routes.updateRoute(db, next));
  assert.equal(await routes.getRoute(db, 'a', '/b'), next);
  assert.not.ok(await routes.updateRoute(db, route('a', '/nope')));
  assert.is(await routes.getRoute(db, 'a', '/nope'), undefined);
});

test('routes: delete; a second delete is false', async () => {
  assert.ok(await routes.deleteRoute(ts.store.db, 'a', '/b'));
  assert.not.ok(await routes.deleteRoute(ts.store.db, 'a', '/b'));
  assert.is(await routes.getRoute(ts.store.db, 'a', '/b'), undefined);
});

test('deleteApp: has_routes keeps app and routes; not_found; deleted once the routes are gone', async () => {
  const db = ts.store.db;
  assert.is(await apps.deleteApp(db, 'a'), 'has_routes');
  assert.ok(await apps.getApp(db, 'a'));
  assert.is(await routes.countRoutes(db, 'a'), 2);
  assert.is(await apps.deleteApp(db, 'missing'), 'not_found');
  for (const r of await routes.listRoutes(db, { appName: 'a' })) await routes.deleteRoute(db, 'a', r.path);
  assert.is(await apps.deleteApp(db, 'a'), 'deleted');
  assert.is(await apps.getApp(db, 'a'), undefined);
  assert.is(await apps.deleteApp(db, 'a'), 'not_found');
});

test('deleteApp decides "no routes left" inside the DELETE itself (one statement, no check-then-act)', async () => {
  const { client } = ts.store;
  const seen: string[] = [];
  const original = client.execute.bind(client);
  // drizzle runs every statement through client.execute(stmt) with a {sql, args} object
  client.execute = ((stmt: { sql: string } | string, ...rest: unknown[]) => {
    seen.push(typeof stmt === 'string' ? stmt : stmt.sql);
    return (original as (...a: unknown[]) => unknown)(stmt, ...rest);
  }) as typeof client.execute;
  try {
    await apps.insertApp(ts.store.db, { name: 'solo', config: {} });
    seen.length = 0;
    assert.is(await apps.deleteApp(ts.store.db, 'solo'), 'deleted');
    assert.is(seen.length, 1, seen.join('\n'));
    assert.match(seen[0]!, /^delete from/i);
    assert.match(seen[0]!, /not exists/i);
  } finally {
    client.execute = original;
  }
});

test('the database refuses a route whose app does not exist (foreign key on)', async () => {
  const err = await ts.store.client
    .execute({
      sql: `INSERT INTO routes (app_name, path, image, memory, type, format, max_concurrency, timeout, idle_timeout, created_at, updated_at) VALUES ('ghost', '/x', 'i', 128, 'sync', 'default', 0, 30, 30, 0, 0)`,
    })
    .then(
      () => undefined,
      (e: unknown) => e as Error,
    );
  assert.ok(err, 'orphan route inserted');
  assert.match(String(err.message), /FOREIGN KEY/i);
});

test.run();
