// /r end to end: a real gateway process, real Podman, the fixture images. What a client of the seed
// met (exact match, payload param, env vars, route headers) and podfn's fault statuses.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, type Client } from '../helpers/http.ts';
import { testSocketPath, image, requirePodman } from '../helpers/podman.ts';
import { Podman } from '../../src/runner/podman.ts';

const test = suite('gateway /r');
let srv: TestServer;
let api: Client;
let podman: Podman;
const APP = `gw${Date.now().toString(36)}`;

const route = (path: string, fields: Record<string, unknown>) => api.post(`/v1/apps/${APP}/routes`, { route: { path, ...fields } });

test.before(async () => {
  podman = await requirePodman();
  srv = await startServer({
    env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_SYNC_BODY_LIMIT: String(256 * 1024), PODFN_NODE_ID: `gwtest-${process.pid}` },
  });
  api = client(srv.url);
  assert.is((await api.post('/v1/apps', { app: { name: APP, config: { APP_LEVEL: 'app', SHARED: 'from-app' } } })).status, 200);
  for (const [path, fields] of [
    ['/echo', { image: image('echo'), headers: { 'X-Route': ['r1'], 'Content-Type': 'text/plain' } }],
    ['/env', { image: image('env'), config: { SHARED: 'from-route', 'my-key': 'v' } }],
    ['/exit', { image: image('exit'), config: { EXIT_CODE: '3' } }],
    ['/slow', { image: image('sleep'), timeout: 1, config: { SLEEP_MS: '5000' } }],
    ['/hot', { image: image('echo'), format: 'http', headers: { 'X-Route': ['hot'] } }],
    ['/status', { image: image('status'), format: 'http', config: { STATUS_CODE: '418' } }],
    ['/json', { image: image('echo'), format: 'json' }],
    ['/nested/deep/path', { image: image('echo') }],
  ] as const) {
    const res = await route(path, fields);
    assert.is(res.status, 200, res.text);
  }
});

test.after(async () => {
  await srv?.stop();
});

test('cold echo: body in, stdout out, route headers and Fn-Call-Id on the response', async () => {
  const res = await api.post(`/r/${APP}/echo`, 'hello podfn', { headers: { 'content-type': 'application/octet-stream' } });
  assert.is(res.status, 200, res.text);
  assert.is(res.text, 'hello podfn');
  assert.is(res.headers['x-route'], 'r1');
  assert.is(res.headers['content-type'], 'text/plain');
  assert.match(String(res.headers['fn-call-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('GET sends the payload query parameter as the input', async () => {
  const res = await api.get(`/r/${APP}/echo?payload=${encodeURIComponent('from query')}&x=1`);
  assert.is(res.status, 200, res.text);
  assert.is(res.text, 'from query');
});

test('the function sees config (route over app), METHOD, REQUEST_URL, HEADER_*, CALL_ID', async () => {
  const res = await api.req('PUT', `/r/${APP}/env?q=1`, '{}', { headers: { 'X-Foo-Bar': 'baz', 'content-type': 'application/json' } });
  assert.is(res.status, 200, res.text);
  const env = res.json<Record<string, string>>();
  assert.is(env.APP_LEVEL, 'app');
  assert.is(env.SHARED, 'from-route');
  assert.is(env.MY_KEY, 'v');
  assert.is(env.METHOD, 'PUT');
  assert.match(env.REQUEST_URL ?? '', new RegExp(`/r/${APP}/env\\?q=1$`));
  assert.is(env.HEADER_X_FOO_BAR, 'baz');
  assert.is(env.APP_NAME, APP);
  assert.is(env.ROUTE, '/env');
  assert.is(env.CALL_ID, res.headers['fn-call-id']);
});

test('exact match only; unknown app and route are 404 with the seed messages', async () => {
  expectError(await api.get(`/r/nope-${APP}/echo`), 404, 'App not found');
  expectError(await api.get(`/r/${APP}/nope`), 404, 'Route not found');
  expectError(await api.get(`/r/${APP}/echo/extra`), 404, 'Route not found');
  expectError(await api.get(`/r/${APP}/nested/deep`), 404, 'Route not found');
  const deep = await api.post(`/r/${APP}/nested/deep/path`, 'deep');
  assert.is(deep.text, 'deep');
});

test('a body over the sync limit is 413 before any container starts', async () => {
  expectError(await api.post(`/r/${APP}/echo`, Buffer.alloc(300 * 1024, 1)), 413);
  expectError(await api.post(`/r/${APP}/echo`, Buffer.alloc(300 * 1024, 1), { chunked: true }), 413);
});

test('non-zero exit is 502 naming the code; timeout is 504', async () => {
  const bad = await api.post(`/r/${APP}/exit`, '');
  expectError(bad, 502, /exit(ed)? .*code 3/);
  assert.ok(bad.headers['fn-call-id']);
  // the function sleeps 5 s and would answer 200: a 504 is the route's 1 s timeout firing first
  expectError(await api.post(`/r/${APP}/slow`, ''), 504, /[Tt]imed out/);
});

test('hot http: the function status and headers pass through; route headers added', async () => {
  const a = await api.post(`/r/${APP}/hot?x=y`, 'hot body', { headers: { 'content-type': 'text/plain' } });
  assert.is(a.status, 200, a.text);
  assert.is(a.text, 'hot body');
  assert.is(a.headers['x-route'], 'hot');
  assert.is(a.headers['x-echo-method'], 'POST');
  assert.is(a.headers['x-echo-url'], '/hot?x=y');
  const s = await api.get(`/r/${APP}/status`);
  assert.is(s.status, 418, s.text);
  assert.is(s.headers['x-fixture'], 'yes');
});

test('hot json: binary bodies survive the envelope both ways', async () => {
  const bin = Buffer.from([0, 1, 2, 255, 254, 0, 10, 13]);
  const res = await fetch(`${srv.url}/r/${APP}/json`, { method: 'POST', body: bin, headers: { 'content-type': 'application/octet-stream' } });
  assert.is(res.status, 200);
  assert.equal([...Buffer.from(await res.arrayBuffer())], [...bin]);
  const again = await api.post(`/r/${APP}/json`, 'plain text');
  assert.is(again.text, 'plain text');
});

test('a route update reaches the next call (cache invalidated, pool drained)', async () => {
  const before = await api.post(`/r/${APP}/hot`, 'x');
  assert.is(before.headers['x-route'], 'hot');
  const upd = await api.patch(`/v1/apps/${APP}/routes/hot`, { route: { headers: { 'X-Route': ['hot-v2'] }, config: { NEW: '1' } } });
  assert.is(upd.status, 200, upd.text);
  const after = await api.post(`/r/${APP}/hot`, 'x');
  assert.is(after.status, 200, after.text);
  assert.is(after.headers['x-route'], 'hot-v2');
  const del = await api.del(`/v1/apps/${APP}/routes/hot`);
  assert.is(del.status, 200);
  expectError(await api.post(`/r/${APP}/hot`, 'x'), 404, 'Route not found');
});

test('max_concurrency 2 under 10 parallel calls never runs more than 2 containers', async () => {
  const res = await route('/capped', { image: image('sleep'), format: 'http', max_concurrency: 2, config: { SLEEP_MS: '300' } });
  assert.is(res.status, 200, res.text);
  let max = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const list = await podman.listManaged();
      const n = list.filter((c) => c.labels['io.podfn.app'] === APP && c.labels['io.podfn.route'] === '/capped' && c.state === 'running').length;
      max = Math.max(max, n);
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  const results = await Promise.all(Array.from({ length: 10 }, () => api.post(`/r/${APP}/capped`, '')));
  polling = false;
  await poll;
  for (const r of results) assert.is(r.status, 200, r.text);
  assert.ok(max >= 1 && max <= 2, `containers seen at once: ${max}`);
});

test.run();
