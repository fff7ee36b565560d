// Black-box: the admin API's config-key and jwt_key rules (security review finding 8), on a real
// server whose database already holds rows written before the rules (inserted directly, as an
// older podfn stored them). New writes breaking a rule are 400 naming the key and change nothing;
// the old rows keep loading, listing and updating; a short stored jwt_key is flagged jwt_key_weak.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, expectNoChange, type Client, type AppBody } from '../helpers/http.ts';
import { openStore } from '../../src/store/db.ts';
import { insertApp } from '../../src/store/apps.ts';
import { insertRoute } from '../../src/store/routes.ts';

const test = suite('api: config keys and jwt_key length');
let srv: TestServer;
let c: Client;
let dir: string;

const LEGACY_CONFIG = { 'a.b': 'dotted', PATH: '/opt/bin', 'db-url': 'one', DB_URL: 'two', K: 'k' };
const KEY32 = 'k'.repeat(32);
type Json = Record<string, unknown>;
const routeOf = async (target: string) => expectOk<{ route: Json }>(await c.get(target)).route;

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-legacy-'));
  const dbUrl = `file:${path.join(dir, 'podfn.db')}`;
  const store = await openStore(dbUrl);
  await insertApp(store.db, { name: 'legacy', config: LEGACY_CONFIG });
  await insertRoute(store.db, {
    appName: 'legacy',
    path: '/old',
    image: 'img:1',
    memory: 128,
    headers: {},
    type: 'sync',
    format: 'default',
    maxConcurrency: 0,
    timeout: 30,
    idleTimeout: 30,
    config: { LD_PRELOAD: '/x.so', 'x.y': '1' },
    jwtKey: 'short-old-key',
  });
  store.close();
  srv = await startServer({ dbUrl });
  c = client(srv.url);
  expectOk(await c.post('/v1/apps', { app: { name: 'base', config: { 'db-url': 'x' } } }));
  expectOk(await c.post('/v1/apps/base/routes', { route: { path: '/r', image: 'img:1', config: { 'db-url': 'x' } } }));
});

test.after(async () => {
  await srv?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('config keys that cannot become env names, collide, or are reserved: 400 naming the key, nothing stored changes', async () => {
  const cases: Array<[string, string, object, RegExp]> = [
    [
      'POST',
      '/v1/apps',
      { app: { name: 'n1', config: { 'a.b': 'v' } } },
      /^Invalid config key "a\.b" in app config: it cannot become an environment variable name/,
    ],
    [
      'POST',
      '/v1/apps',
      { app: { name: 'n1', config: { 'db-url': 'a', DB_URL: 'b' } } },
      /^Invalid config key "DB_URL" in app config: it becomes the environment variable DB_URL, as "db-url" does/,
    ],
    ['POST', '/v1/apps', { app: { name: 'n1', config: { PATH: '/tmp' } } }, /^Invalid config key "PATH" in app config: PATH decides which programs/],
    ['POST', '/v1/apps', { app: { name: 'n1', config: { LD_PRELOAD: '/tmp/x.so' } } }, /^Invalid config key "LD_PRELOAD" in app config/],
    [
      'POST',
      '/v1/apps',
      { app: { name: 'n1', config: { 'ld-library-path': '/tmp' } } },
      /^Invalid config key "ld-library-path" in app config: LD_LIBRARY_PATH/,
    ],
    ['POST', '/v1/apps', { app: { name: 'n1', config: { APP_NAME: 'x' } } }, /^Invalid config key "APP_NAME" in app config: APP_NAME is set by podfn/],
    ['PATCH', '/v1/apps/base', { app: { config: { DB_URL: 'y' } } }, /^Invalid config key "DB_URL" in app config: .*"db-url"/],
    ['PUT', '/v1/apps/base', { app: { config: { 'fn-format': 'x' } } }, /^Invalid config key "fn-format" in app config: FN_FORMAT is set by podfn/],
    ['POST', '/v1/apps/base/routes', { route: { path: '/n', image: 'i', config: { 'x.y': 'v' } } }, /^Invalid config key "x\.y" in route config/],
    [
      'POST',
      '/v1/apps/base/routes',
      { route: { path: '/n', image: 'i', config: { HEADER_X_REMOTE_USER: 'admin' } } },
      /^Invalid config key "HEADER_X_REMOTE_USER" in route config/,
    ],
    ['PUT', '/v1/apps/base/routes/n', { route: { image: 'i', config: { 'param-id': '1' } } }, /^Invalid config key "param-id" in route config: PARAM_ID/],
    [
      'PATCH',
      '/v1/apps/base/routes/r',
      { route: { config: { 'DB-URL': 'y' } } },
      /^Invalid config key "DB-URL" in route config: it becomes the environment variable DB_URL, as "db-url" does/,
    ],
    ['PATCH', '/v1/apps/base/routes/r', { route: { config: { REQUEST_URL: 'y' } } }, /^Invalid config key "REQUEST_URL" in route config/],
  ];
  for (const [method, target, body, message] of cases) {
    await expectNoChange(c, `${method} ${target} ${JSON.stringify(body)}`, async () => {
      expectError(await c.req(method, target, body), 400, message, `${method} ${target} ${JSON.stringify(body)}`);
    });
  }
  // renaming through one update is fine, and route config may repeat an app key (the route wins)
  expectOk(await c.patch('/v1/apps/base/routes/r', { route: { config: { 'db-url': '', DB_URL: 'z' } } }));
  assert.equal((await routeOf('/v1/apps/base/routes/r')).config, { DB_URL: 'z' });
});

test('jwt_key: under 32 bytes is 400 on create and update and changes nothing; 32 bytes is 200', async () => {
  await expectNoChange(c, 'short jwt_key', async () => {
    expectError(
      await c.post('/v1/apps/base/routes', { route: { path: '/j', image: 'i', jwt_key: 'x'.repeat(31) } }),
      400,
      /^Invalid route jwt_key: at least 32 bytes/,
    );
    expectError(await c.put('/v1/apps/base/routes/j', { route: { image: 'i', jwt_key: 'secret' } }), 400, /at least 32 bytes/);
    expectError(await c.patch('/v1/apps/base/routes/r', { route: { jwt_key: 'short' } }), 400, /at least 32 bytes/);
  });
  const made = expectOk<{ route: Json }>(await c.post('/v1/apps/base/routes', { route: { path: '/j', image: 'i', jwt_key: KEY32 } })).route;
  assert.is(made.jwt_protected, true);
  assert.is(made.jwt_key_weak, undefined);
  assert.is(made.jwt_key, undefined);
});

test('rows stored before the rules keep loading, listing and updating; the short key is flagged', async () => {
  const app = expectOk<AppBody>(await c.get('/v1/apps/legacy')).app;
  assert.equal(app.config, LEGACY_CONFIG);
  const old = await routeOf('/v1/apps/legacy/routes/old');
  assert.is(old.jwt_protected, true);
  assert.is(old.jwt_key_weak, true);
  assert.not.match(JSON.stringify(old), 'short-old-key');
  const listed = expectOk<{ routes: Json[] }>(await c.get('/v1/routes')).routes.find((r) => r.app_name === 'legacy');
  assert.is(listed?.jwt_key_weak, true);
  // unrelated updates work and keep the old key and config
  expectOk(await c.patch('/v1/apps/legacy/routes/old', { route: { memory: 64 } }));
  const patched = await routeOf('/v1/apps/legacy/routes/old');
  assert.is(patched.memory, 64);
  assert.is(patched.jwt_key_weak, true);
  assert.equal(patched.config, { LD_PRELOAD: '/x.so', 'x.y': '1' });
  expectOk(await c.patch('/v1/apps/legacy', { app: { config: { NEW: 'n' } } }));
  // "" removes the bad keys; a strong key clears the flag
  const cleaned = expectOk<AppBody>(await c.patch('/v1/apps/legacy', { app: { config: { 'a.b': '', PATH: '', DB_URL: '' } } })).app;
  assert.equal(cleaned.config, { 'db-url': 'one', K: 'k', NEW: 'n' });
  expectOk(await c.patch('/v1/apps/legacy/routes/old', { route: { config: { LD_PRELOAD: '', 'x.y': '' }, jwt_key: KEY32 } }));
  const fixed = await routeOf('/v1/apps/legacy/routes/old');
  assert.equal(fixed.config, {});
  assert.is(fixed.jwt_key_weak, undefined);
  assert.is(fixed.jwt_protected, true);
});

test.run();
