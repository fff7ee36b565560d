// CacheSync on a real libSQL file shared by two route caches (two "nodes"): writes made without the
// other cache's write-through reach it through the trigger-fed change log; a change this node already
// applied drains nothing; more changes than a batch, or being out of touch longer than the log is
// kept, reload the whole table and drain exactly what changed; old change rows are pruned.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempStore } from '../helpers/temp-store.ts';
import { RouteCache } from '../../src/gateway/route-cache.ts';
import { CacheSync } from '../../src/cluster/cache-sync.ts';
import { insertRoute, updateRoute, deleteRoute } from '../../src/store/routes.ts';
import { deleteApp, updateAppConfig } from '../../src/store/apps.ts';
import { newRoute } from '../../src/models/route.ts';
import { createLogger } from '../../src/log.ts';
import type { Store } from '../../src/store/db.ts';

const log = createLogger('silent');

async function node(store: Store, clock: { now: number }, batch = 50) {
  const cache = new RouteCache(store.db);
  const drained: string[] = [];
  const sync = new CacheSync({
    db: store.db,
    cache,
    changed: (app, path) => {
      drained.push(path === undefined ? app : `${app}${path}`);
      return Promise.resolve();
    },
    log,
    options: { pollMs: 60_000, keepMs: 600_000, batch },
    now: () => clock.now,
  });
  await sync.start();
  await sync.stop(); // no timer: the test polls by hand
  return { cache, sync, drained };
}

const route = (app: string, path: string, image = 'img:1') => newRoute(app, { image }, path);

test('writes from elsewhere reach the cache on the next poll and drain what changed', async () => {
  const t = await tempStore();
  const clock = { now: Date.now() };
  try {
    const b = await node(t.store, clock);
    await insertRoute(t.store.db, route('app1', '/a'));
    assert.is(b.cache.lookup('app1', '/a').ok, false, 'not before the poll');
    await b.sync.poll();
    const found = b.cache.lookup('app1', '/a');
    assert.ok(found.ok && found.route.image === 'img:1');
    await updateRoute(t.store.db, { ...route('app1', '/a'), image: 'img:2' });
    await updateAppConfig(t.store.db, 'app1', { K: 'v' });
    b.drained.length = 0;
    await b.sync.poll();
    const after = b.cache.lookup('app1', '/a');
    assert.ok(after.ok && after.route.image === 'img:2' && after.app.config.K === 'v');
    assert.equal(b.drained, ['app1/a', 'app1']);
    await deleteRoute(t.store.db, 'app1', '/a');
    await b.sync.poll();
    assert.is(b.cache.lookup('app1', '/a').ok, false);
  } finally {
    t.dispose();
  }
});

test('an app deleted elsewhere route by route between two polls retires the whole app, not only the first route', async () => {
  const t = await tempStore();
  const clock = { now: Date.now() };
  try {
    const b = await node(t.store, clock);
    await insertRoute(t.store.db, route('gone', '/a'));
    await insertRoute(t.store.db, route('gone', '/b'));
    await b.sync.poll();
    b.drained.length = 0;
    await deleteRoute(t.store.db, 'gone', '/a');
    await deleteRoute(t.store.db, 'gone', '/b');
    assert.is(await deleteApp(t.store.db, 'gone'), 'deleted');
    await b.sync.poll();
    assert.ok(b.drained.includes('gone'), `the whole app drained (its /b containers too): ${JSON.stringify(b.drained)}`);
    assert.is(b.cache.lookup('gone', '/b').ok, false);
  } finally {
    t.dispose();
  }
});

test('a change this node already applied (its own write-through) drains nothing', async () => {
  const t = await tempStore();
  const clock = { now: Date.now() };
  try {
    const a = await node(t.store, clock);
    await insertRoute(t.store.db, route('own', '/x'));
    assert.is(await a.cache.reloadRoute('own', '/x'), true);
    await a.sync.poll();
    assert.equal(a.drained, []);
    assert.ok(a.sync.appliedSeq > 0);
  } finally {
    t.dispose();
  }
});

test('more changes than a batch: one full reload, drains only changed routes', async () => {
  const t = await tempStore();
  const clock = { now: Date.now() };
  try {
    for (let i = 0; i < 5; i++) await insertRoute(t.store.db, route('bulk', `/r${i}`));
    const b = await node(t.store, clock, 3);
    for (let i = 0; i < 5; i++) await insertRoute(t.store.db, route('bulk', `/n${i}`));
    await updateRoute(t.store.db, { ...route('bulk', '/r1'), image: 'img:9' });
    await b.sync.poll();
    assert.is(b.cache.size.routes, 10);
    assert.equal(b.drained, ['bulk/r1']);
    const seq = b.sync.appliedSeq;
    await b.sync.poll();
    assert.is(b.sync.appliedSeq, seq, 'caught up');
  } finally {
    t.dispose();
  }
});

test('out of touch longer than half the log retention: full reload; old change rows are pruned', async () => {
  const t = await tempStore();
  const clock = { now: Date.now() };
  try {
    await insertRoute(t.store.db, route('late', '/a'));
    const b = await node(t.store, clock);
    await updateRoute(t.store.db, { ...route('late', '/a'), image: 'img:3' });
    clock.now += 400_000; // > keepMs / 2
    await b.sync.poll();
    const found = b.cache.lookup('late', '/a');
    assert.ok(found.ok && found.route.image === 'img:3');
    assert.equal(b.drained, ['late/a']);
    clock.now += 700_000; // rows now older than keepMs; the next poll prunes (out of touch again too)
    await b.sync.poll();
    const left = await t.store.client.execute('SELECT count(*) AS n FROM cache_changes');
    assert.is(Number(left.rows[0]!.n), 0);
  } finally {
    t.dispose();
  }
});

test.run();
