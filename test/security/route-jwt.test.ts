// Per-route JWT (IronFunctions' jwt_key): a route with a key answers /r only to a bearer HS256 JWT
// signed with it (exp/nbf honoured); the key is write-only in the admin API; "" removes it; routes
// without a key stay open. Real server, real cold container (echo).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, type Client, type RouteBody } from '../helpers/http.ts';
import { image } from '../helpers/podman.ts';
import { signHs256 } from '../../src/request/jwt.ts';

const test = suite('per-route JWT');
const KEY = 'route-secret-key-of-at-least-32-bytes';
let srv: TestServer;
let api: Client;

const now = () => Math.floor(Date.now() / 1000);
const invoke = (auth?: string) => api.req('POST', '/r/jwtapp/locked', 'hello', { headers: auth === undefined ? {} : { authorization: auth } });

test.before(async () => {
  srv = await startServer();
  api = client(srv.url);
  expectOk(await api.post('/v1/apps/jwtapp/routes', { route: { path: '/locked', image: image('echo'), jwt_key: KEY } }), 200);
  expectOk(await api.post('/v1/apps/jwtapp/routes', { route: { path: '/open', image: image('echo') } }), 200);
});

test.after(async () => {
  await srv?.stop();
});

test('the key is write-only: never returned, jwt_protected says it is set', async () => {
  const one = expectOk<RouteBody>(await api.get('/v1/apps/jwtapp/routes/locked'));
  const list = await api.get('/v1/apps/jwtapp/routes');
  for (const text of [JSON.stringify(one), list.text]) assert.not.match(text, KEY);
  const r = one.route as unknown as Record<string, unknown>;
  assert.is(r.jwt_protected, true);
  assert.is(r.jwt_key, undefined);
  const open = expectOk<RouteBody>(await api.get('/v1/apps/jwtapp/routes/open')).route as unknown as Record<string, unknown>;
  assert.is(open.jwt_protected, undefined);
});

test('calls without a valid JWT get 401 JSON and no container runs', async () => {
  for (const auth of [
    undefined,
    '',
    'Bearer',
    'Bearer not.a.jwt',
    `Bearer ${signHs256({ exp: now() + 60 }, 'other-key')}`,
    `Bearer ${signHs256({ exp: now() - 5 }, KEY)}`,
    `Bearer ${signHs256({ nbf: now() + 600 }, KEY)}`,
    signHs256({ exp: now() + 60 }, KEY),
  ]) {
    const res = await invoke(auth);
    expectError(res, 401, /JWT/, `auth=${auth}`);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
  }
  // none of them made a call record: the refusal happens before the call exists
  const calls = expectOk<{ calls: unknown[] }>(await api.get('/v1/apps/jwtapp/calls'));
  assert.is(calls.calls.length, 0);
});

test('a signed, unexpired JWT runs the call; the open route needs none', async () => {
  const res = await invoke(`Bearer ${signHs256({ sub: 'caller', exp: now() + 60 }, KEY)}`);
  assert.is(res.status, 200, res.text);
  assert.is(res.text, 'hello');
  const open = await api.req('POST', '/r/jwtapp/open', 'x');
  assert.is(open.status, 200, open.text);
});

test('rotating the key through PATCH: the old key stops working at once, "" opens the route', async () => {
  expectOk(await api.patch('/v1/apps/jwtapp/routes/locked', { route: { jwt_key: 'rotated-key-also-at-least-32-bytes' } }));
  expectError(await invoke(`Bearer ${signHs256({ exp: now() + 60 }, KEY)}`), 401);
  assert.is((await invoke(`Bearer ${signHs256({ exp: now() + 60 }, 'rotated-key-also-at-least-32-bytes')}`)).status, 200);
  expectOk(await api.patch('/v1/apps/jwtapp/routes/locked', { route: { jwt_key: '' } }));
  const r = expectOk<RouteBody>(await api.get('/v1/apps/jwtapp/routes/locked')).route as unknown as Record<string, unknown>;
  assert.is(r.jwt_protected, undefined);
  assert.is((await invoke()).status, 200);
});

test('bad jwt_key values are 400 and change nothing', async () => {
  for (const jwt_key of [42, { a: 1 }, 'x'.repeat(513), 'line\nbreak', 'x'.repeat(31)]) {
    expectError(await api.patch('/v1/apps/jwtapp/routes/open', { route: { jwt_key } }), 400, /jwt_key/, JSON.stringify(jwt_key).slice(0, 20));
  }
  assert.is((await api.req('POST', '/r/jwtapp/open', 'x')).status, 200);
});

test.run();
