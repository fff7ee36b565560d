// Function URLs, the pure parts: the Host header as matching reads it (request/host.ts), the claim
// rules (models/schemas/hosts.ts), and the route cache's host map (precedence, wildcards, reloads)
// over a real in-memory database.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { requestHostName } from '../../src/request/host.ts';
import { routeHosts, appHosts } from '../../src/models/schemas/hosts.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { insertApp, updateAppConfig } from '../../src/store/apps.ts';
import { insertRoute, deleteRoute } from '../../src/store/routes.ts';
import { listHostClaims } from '../../src/store/hosts.ts';
import { RouteCache } from '../../src/gateway/route-cache.ts';
import { newRoute } from '../../src/models/route.ts';
import { ApiError } from '../../src/models/errors.ts';

const header = suite('Host header');

header('lower case, port and one trailing dot dropped', () => {
  for (const [h, want] of [
    ['hello.example.com', 'hello.example.com'],
    ['Hello.Example.COM', 'hello.example.com'],
    ['hello.example.com:8080', 'hello.example.com'],
    ['hello.example.com.', 'hello.example.com'],
    ['HELLO.example.com.:443', 'hello.example.com'],
    ['hello.example.com:', 'hello.example.com'],
    ['127.0.0.1:8080', '127.0.0.1'],
    ['localhost', 'localhost'],
    ['[::1]:8080', '[::1]'],
    ['[FE80::1]', '[fe80::1]'],
    ['under_score.example.com', 'under_score.example.com'],
    ['', ''],
  ] as const)
    assert.is(requestHostName(h), want, h);
  assert.is(requestHostName(undefined), '');
});

header('malformed headers are null (400)', () => {
  for (const h of ['a b', 'a/b', 'a?b', 'a@b', 'x:port', 'x:123456', 'x:1:2', '[::1', '[zz]', 'a\tb', 'ä.example.com']) assert.is(requestHostName(h), null, h);
});

const claims = suite('claim rules');

claims('route names: exact DNS names, normalised and deduplicated', () => {
  assert.equal(routeHosts.parse(['A.Example.com.', 'a.example.com', 'b.example.com']), ['a.example.com', 'b.example.com']);
  for (const bad of [['*.example.com'], ['localhost'], ['10.0.0.1'], ['a_b.example.com'], ['-a.example.com'], ['a-.example.com'], ['a..b.com'], [''], ['.']])
    assert.not.ok(routeHosts.safeParse(bad).success, JSON.stringify(bad));
});

claims('app names: exact or *.suffix with two labels at least', () => {
  assert.equal(appHosts.parse(['*.FN.example.com', 'api.example.com']), ['*.fn.example.com', 'api.example.com']);
  for (const bad of [['*.com'], ['*'], ['*.*.example.com'], ['a.*.example.com'], ['**.example.com']])
    assert.not.ok(appHosts.safeParse(bad).success, JSON.stringify(bad));
});

const cache = suite('route cache host map');
let store: Store;

cache.before(async () => {
  store = await openStore('file::memory:');
});
cache.after(() => store.close());

cache('route name > app name > longest app wildcard; IPs and bare suffixes miss; reloads follow writes', async () => {
  const db = store.db;
  await insertApp(db, { name: 'wide', config: {}, hosts: ['*.example.com'] });
  await insertApp(db, { name: 'narrow', config: {}, hosts: ['*.fn.example.com', 'api.example.com'] });
  await insertRoute(db, newRoute('narrow', { path: '/own', image: 'img', hosts: ['own.fn.example.com'] }));
  const c = new RouteCache(db);
  await c.loadAll();
  const who = (h: string) => {
    const hit = c.matchHost(h);
    return hit ? `${hit.app.name}${hit.route ? hit.route.path : ''}` : undefined;
  };
  assert.is(who('own.fn.example.com'), 'narrow/own');
  assert.is(who('x.fn.example.com'), 'narrow');
  assert.is(who('a.b.fn.example.com'), 'narrow');
  assert.is(who('api.example.com'), 'narrow');
  assert.is(who('x.example.com'), 'wide');
  assert.is(who('fn.example.com'), 'wide', 'fn.example.com is under *.example.com');
  assert.is(who('example.com'), undefined);
  assert.is(who('127.0.0.1'), undefined);
  assert.is(who('other.test'), undefined);
  // a write, then the reload the admin API (or cache-sync) does
  await deleteRoute(db, 'narrow', '/own');
  await c.reloadRoute('narrow', '/own');
  assert.is(who('own.fn.example.com'), 'narrow');
  await updateAppConfig(db, 'narrow', {}, []);
  await c.reloadApp('narrow');
  assert.is(who('x.fn.example.com'), 'wide');
  assert.is(c.hasHosts, true);
  await updateAppConfig(db, 'wide', {}, []);
  await c.reloadApp('wide');
  assert.is(c.hasHosts, false);
  assert.equal(await listHostClaims(db), []);
});

cache('the database refuses a second claim of a name, whichever kind, naming the owner', async () => {
  const db = store.db;
  await insertApp(db, { name: 'first', config: {}, hosts: ['*.dup.test', 'x.dup.test'] });
  for (const [what, write] of [
    ['route', () => insertRoute(db, newRoute('second', { path: '/p', image: 'img', hosts: ['x.dup.test'] }))],
    ['app', () => insertApp(db, { name: 'third', config: {}, hosts: ['*.dup.test'] })],
  ] as const) {
    try {
      await write();
      assert.unreachable(what);
    } catch (e) {
      assert.instance(e, ApiError, what);
      assert.is((e as ApiError).status, 409);
      assert.match((e as ApiError).message, /is already claimed by app first$/);
    }
  }
  assert.equal((await listHostClaims(db)).map((o) => o.host).sort(), ['*.dup.test', 'x.dup.test']);
});

header.run();
claims.run();
cache.run();
