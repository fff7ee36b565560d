// Unit: the config-key and jwt_key rules of the security review (finding 8). A config key being set
// must make an environment variable of its own: a valid name (`a.b` was accepted and then silently
// missing), not a name podfn sets (APP_NAME, ROUTE, FORMAT, MEMORY_MB, METHOD, REQUEST_URL, CALL_ID,
// TASK_ID, FN_*, HEADER_*, PARAM_*) nor PATH / LD_*, and not the same variable as another key of the
// map (`db-url` and `DB_URL`). Rows stored earlier keep loading and updating; "" removes any key.
// A route jwt_key needs at least 32 bytes; shorter stored ones are reported as jwt_key_weak.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfigMap } from '../../src/models/config-map.ts';
import { parseNewApp, parseAppUpdate, applyAppUpdate } from '../../src/models/app.ts';
import { parseRouteBody, newRoute, applyRoutePatch, routeJson, type Route } from '../../src/models/route.ts';
import { throwsApi } from '../helpers/api-error.ts';

const limits = { maxMemoryMb: 8192, maxTimeout: 3600, maxIdleTimeout: 3600 };
const routeBody = (route: Record<string, unknown>) => parseRouteBody({ route }, limits);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const keys = suite('config keys');

keys('a key that cannot become an env name is 400 naming it (app and route, create and update)', () => {
  throwsApi(
    () => parseConfigMap({ 'a.b': 'v' }, 'route config'),
    400,
    /^Invalid config key "a\.b" in route config: it cannot become an environment variable name/,
  );
  throwsApi(() => parseNewApp({ app: { name: 'a', config: { 'a.b': 'v' } } }), 400, /Invalid config key "a\.b" in app config/);
  throwsApi(() => parseAppUpdate({ app: { config: { 'x.y.z': 'v' } } }, 'a'), 400, /Invalid config key "x\.y\.z"/);
  throwsApi(() => routeBody({ path: '/p', image: 'i', config: { 'a.b': 'v' } }), 400, /Invalid config key "a\.b" in route config/);
});

keys('two keys giving the same variable are 400 naming both, in one body or against the stored map', () => {
  throwsApi(
    () => parseConfigMap({ 'db-url': 'a', DB_URL: 'b' }, 'app config'),
    400,
    /Invalid config key "DB_URL" in app config: it becomes the environment variable DB_URL, as "db-url" does/,
  );
  throwsApi(() => parseConfigMap({ a: '1', A: '2' }, 'c'), 400, /"A".*"a"/);
  throwsApi(
    () => applyAppUpdate({ name: 'x', config: { 'db-url': 'a' } }, parseAppUpdate({ app: { config: { 'DB-URL': 'b' } } }, 'x')),
    400,
    /"DB-URL".*DB_URL.*"db-url"/,
  );
  const stored: Route = newRoute('x', routeBody({ path: '/p', image: 'i', config: { 'db-url': 'a' } }));
  throwsApi(() => applyRoutePatch(stored, routeBody({ config: { DB_URL: 'b' } }), '/p'), 400, /Invalid config key "DB_URL" in route config/);
  // renaming in one update is fine: the old spelling is removed first
  assert.equal(applyRoutePatch(stored, routeBody({ config: { 'db-url': '', DB_URL: 'b' } }), '/p').config, { DB_URL: 'b' });
  // app config against route config is no collision: the route wins by design
  assert.equal(newRoute('x', routeBody({ path: '/p', image: 'i', config: { DB_URL: 'r' } })).config, { DB_URL: 'r' });
});

keys('names podfn sets, PATH and LD_* are 400 naming the key, in any spelling', () => {
  const podfn = [
    'APP_NAME',
    'app-name',
    'ROUTE',
    'FORMAT',
    'MEMORY_MB',
    'METHOD',
    'REQUEST_URL',
    'call-id',
    'CALL_ID',
    'TASK_ID',
    'FN_X',
    'fn-format',
    'FN_LISTENER',
    'HEADER_X_REMOTE_USER',
    'header-authorization',
    'PARAM_ID',
    'param-x',
  ];
  for (const k of podfn) {
    throwsApi(() => parseConfigMap({ [k]: 'v' }, 'route config'), 400, new RegExp(`^Invalid config key "${esc(k)}" in route config: [A-Z_]+ is set by podfn`));
  }
  for (const k of ['PATH', 'path', 'LD_PRELOAD', 'ld-preload', 'LD_LIBRARY_PATH', 'LD_AUDIT']) {
    throwsApi(
      () => parseConfigMap({ [k]: 'v' }, 'app config'),
      400,
      new RegExp(`^Invalid config key "${esc(k)}" in app config: .*PATH and LD_\\* cannot be set`),
    );
  }
  throwsApi(() => routeBody({ path: '/p', image: 'i', config: { LD_PRELOAD: '/tmp/x.so' } }), 400, /"LD_PRELOAD"/);
  // look-alikes stay allowed
  const ok = { FNX: '1', PATHS: '1', MY_PATH: '1', HEADERS: '1', LDAP_URL: '1', ROUTES: '1', 'db-url': '1', __proto__x: '1' };
  assert.equal(parseConfigMap(ok, 'c'), ok);
});

keys('rows stored before the rules: unrelated updates work, "" removes the bad keys', () => {
  const old = { 'a.b': '1', PATH: '/x', 'db-url': 'a', DB_URL: 'b', K: 'k' };
  const app = { name: 'x', config: old };
  assert.equal(applyAppUpdate(app, parseAppUpdate({ app: { config: { NEW: 'n' } } }, 'x')).config, { ...old, NEW: 'n' });
  assert.equal(applyAppUpdate(app, parseAppUpdate({ app: { config: { 'a.b': '', PATH: '', DB_URL: '' } } }, 'x')).config, { 'db-url': 'a', K: 'k' });
  // setting one of an old colliding pair again is still refused (it is a write of that key)
  throwsApi(() => applyAppUpdate(app, parseAppUpdate({ app: { config: { DB_URL: 'c' } } }, 'x')), 400, /"DB_URL".*"db-url"/);
  // a route whose stored config breaks the rules can still change other fields
  const stored: Route = { ...newRoute('x', routeBody({ path: '/p', image: 'i' })), config: old };
  assert.equal(applyRoutePatch(stored, routeBody({ image: 'i:2' }), '/p').config, old);
  // removal markers of bad keys are accepted on create too (and dropped)
  assert.equal(parseNewApp({ app: { name: 'a', config: { 'a.b': '', K: 'v' } } }).config, { K: 'v' });
});

const jwt = suite('route jwt_key length');

jwt('under 32 bytes is 400 on create and update; 32 bytes (or 16 two-byte characters) pass; "" removes', () => {
  for (const k of ['secret', 'x'.repeat(31), 'é'.repeat(15) + 'x']) {
    throwsApi(() => routeBody({ path: '/p', image: 'i', jwt_key: k }), 400, /^Invalid route jwt_key: at least 32 bytes/);
  }
  assert.is(routeBody({ jwt_key: 'x'.repeat(32) }).jwtKey, 'x'.repeat(32));
  assert.is(routeBody({ jwt_key: 'é'.repeat(16) }).jwtKey, 'é'.repeat(16));
  assert.is(routeBody({ jwt_key: '' }).jwtKey, '');
});

jwt('a short key stored earlier keeps working and is flagged jwt_key_weak; the key itself never shows', () => {
  const base = newRoute('x', routeBody({ path: '/p', image: 'i' }));
  const weak = routeJson({ ...base, jwtKey: 'short' });
  assert.is(weak.jwt_protected, true);
  assert.is(weak.jwt_key_weak, true);
  assert.not.match(JSON.stringify(weak), 'short');
  const strong = routeJson({ ...base, jwtKey: 'k'.repeat(32) });
  assert.is(strong.jwt_protected, true);
  assert.is(strong.jwt_key_weak, undefined);
  assert.is(routeJson(base).jwt_key_weak, undefined);
  // an update that does not touch the key keeps it
  assert.is(applyRoutePatch({ ...base, jwtKey: 'short' }, routeBody({ memory: 64 }), '/p').jwtKey, 'short');
});

keys.run();
jwt.run();
