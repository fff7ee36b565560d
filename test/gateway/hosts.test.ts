// Function URLs end to end: a real gateway process, real Podman, real HTTP on loopback with Host
// headers. A route's host name serves that route at / and below (no /r/{app} prefix, /v1 included),
// an app's wildcard lets the path select the route, a name claimed twice is 409 naming its owner, bad
// names are 400, JWT, body limits and metrics apply as on /r, and unclaimed hosts behave as before.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, request, type Client, type Res } from '../helpers/http.ts';
import { testSocketPath, image, requirePodman } from '../helpers/podman.ts';
import { signHs256 } from '../../src/request/jwt.ts';

const test = suite('Function URLs (hosts)');
let srv: TestServer;
let api: Client;
const ID = Date.now().toString(36);
const APP = `fh${ID}`;
const OTHER = `fo${ID}`;
const KEY = 'function-url-secret-key-of-32-bytes-or-more';
const LIMIT = 64 * 1024;

/** A request to the test server with this Host header. */
const at = (host: string, method: string, target: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Res> =>
  request(srv.url, method, target, body, { headers: { host, ...headers } });

function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

test.before(async () => {
  await requirePodman();
  srv = await startServer({
    env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_SYNC_BODY_LIMIT: String(LIMIT), PODFN_NODE_ID: `hoststest-${process.pid}` },
  });
  api = client(srv.url);
  expectOk(await api.post('/v1/apps', { app: { name: APP, hosts: [`*.fn-${ID}.test`, `api-${ID}.test`] } }));
  for (const [path, fields] of [
    ['/hot', { image: image('echo'), format: 'http', hosts: [`hot-${ID}.test`, `Mixed-${ID}.Test.`] }],
    ['/cold', { image: image('echo'), hosts: [`cold-${ID}.test`] }],
    ['/echo', { image: image('echo'), format: 'http' }],
    ['/locked', { image: image('echo'), jwt_key: KEY, hosts: [`locked-${ID}.test`] }],
    // a route's own name inside its app's wildcard: the exact name wins
    ['/inside', { image: image('status'), format: 'http', config: { STATUS_CODE: '203' }, hosts: [`inside.fn-${ID}.test`] }],
  ] as const) {
    expectOk(await api.post(`/v1/apps/${APP}/routes`, { route: { path, ...fields } }));
  }
});

test.after(async () => {
  await srv?.stop();
});

test('the API shows the claimed names, normalised (lower case, no trailing dot)', async () => {
  const r = expectOk<{ route: { hosts?: string[] } }>(await api.get(`/v1/apps/${APP}/routes/hot`));
  assert.equal(r.route.hosts, [`hot-${ID}.test`, `mixed-${ID}.test`]);
  const a = expectOk<{ app: { hosts?: string[] } }>(await api.get(`/v1/apps/${APP}`));
  assert.equal(a.app.hosts, [`*.fn-${ID}.test`, `api-${ID}.test`]);
  const plain = expectOk<{ route: Record<string, unknown> }>(await api.get(`/v1/apps/${APP}/routes/echo`));
  assert.is(plain.route.hosts, undefined, 'no field when nothing is claimed');
});

test("a route's host serves that route at / and below, without /r/{app}", async () => {
  for (const target of ['/', '/deep/path?x=1', `/r/${APP}/cold`, '/v1/apps', '/metrics', '/healthz']) {
    const res = await at(`hot-${ID}.test`, 'POST', target, `body for ${target}`, { 'content-type': 'text/plain' });
    assert.is(res.status, 200, `${target}: ${res.text}`);
    assert.is(res.text, `body for ${target}`, `${target}: the function answered, not the admin API or /r`);
    assert.is(res.headers['x-echo-url'], target, 'the function sees the request target as sent');
    assert.ok(res.headers['fn-call-id']);
  }
});

test('matching is case-insensitive, ignores the port and one trailing dot', async () => {
  for (const host of [`HOT-${ID}.TEST`, `hot-${ID}.test:8443`, `hot-${ID}.test.`, `Hot-${ID}.Test.:80`, `mixed-${ID}.test`]) {
    const res = await at(host, 'POST', '/x', 'hi', { 'content-type': 'text/plain' });
    assert.is(res.status, 200, `${host}: ${res.text}`);
    assert.is(res.text, 'hi', host);
  }
});

test('a cold route on its host: the function sees the Function URL as REQUEST_URL', async () => {
  const res = await at(`cold-${ID}.test`, 'POST', '/', 'cold body', { 'content-type': 'text/plain' });
  assert.is(res.status, 200, res.text);
  assert.is(res.text, 'cold body');
  const get = await at(`cold-${ID}.test`, 'GET', `/any?payload=${encodeURIComponent('from query')}`);
  assert.is(get.status, 200, get.text);
  assert.is(get.text, 'from query');
});

test("an app's wildcard: the path selects the route; an exact route name inside it wins", async () => {
  const res = await at(`anything.fn-${ID}.test`, 'POST', '/echo?q=1', 'via wildcard', { 'content-type': 'text/plain' });
  assert.is(res.status, 200, res.text);
  assert.is(res.text, 'via wildcard');
  assert.is(res.headers['x-echo-url'], '/echo?q=1');
  const deeper = await at(`a.b.fn-${ID}.test`, 'POST', '/hot', 'deeper', { 'content-type': 'text/plain' });
  assert.is(deeper.status, 200, deeper.text);
  assert.is(deeper.text, 'deeper');
  expectError(await at(`anything.fn-${ID}.test`, 'GET', '/nope'), 404, 'Route not found');
  expectError(await at(`anything.fn-${ID}.test`, 'GET', '/v1/apps'), 404, 'Route not found');
  const inside = await at(`inside.fn-${ID}.test`, 'GET', '/echo');
  assert.is(inside.status, 203, inside.text);
  // the app's exact name works the same way; the bare suffix is not covered by the wildcard
  const exact = await at(`api-${ID}.test`, 'POST', '/echo', 'exact app', { 'content-type': 'text/plain' });
  assert.is(exact.text, 'exact app');
  const bare = await at(`fn-${ID}.test`, 'GET', `/r/${APP}/echo`);
  assert.is(bare.status, 200, 'an unclaimed name: /r as before');
});

test('JWT and body limits apply on host URLs as on /r', async () => {
  const now = Math.floor(Date.now() / 1000);
  const refused = await at(`locked-${ID}.test`, 'POST', '/', 'x');
  expectError(refused, 401, /JWT/);
  assert.match(String(refused.headers['www-authenticate']), /^Bearer/);
  const ok = await at(`locked-${ID}.test`, 'POST', '/', 'let me in', {
    authorization: `Bearer ${signHs256({ exp: now + 60 }, KEY)}`,
    'content-type': 'text/plain',
  });
  assert.is(ok.status, 200, ok.text);
  assert.is(ok.text, 'let me in');
  expectError(await at(`hot-${ID}.test`, 'POST', '/', Buffer.alloc(LIMIT + 1, 'a')), 413, /too large/);
  expectError(await at(`hot-${ID}.test`, 'GET', '/a/%2e%2e/b'), 400, /\. and \.\. segments/);
});

test('host calls are counted in the metrics and call records as the route', async () => {
  await at(`cold-${ID}.test`, 'POST', '/', 'count me', { 'content-type': 'text/plain' });
  const metrics = (await api.get('/metrics')).text;
  assert.match(metrics, new RegExp(`podfn_calls_total\\{[^}]*app="${APP}"[^}]*route="/cold"[^}]*status="200"`));
  const calls = expectOk<{ calls: Array<{ path: string }> }>(await api.get(`/v1/apps/${APP}/calls?path=/cold`));
  assert.ok(calls.calls.length >= 1, 'call records name the route');
});

test('a name claimed twice is refused with 409 naming the owner, in the same or another app', async () => {
  const dupRoute = await api.post(`/v1/apps/${OTHER}/routes`, { route: { path: '/x', image: image('echo'), hosts: [`fresh-${ID}.test`, `HOT-${ID}.test`] } });
  expectError(dupRoute, 409, `Host hot-${ID}.test is already claimed by route /hot of app ${APP}`);
  expectError(await api.get(`/v1/apps/${OTHER}/routes/x`), 404, 'App not found', 'the app the route would have made is not made either');
  // nothing of the refused write stays claimed
  expectOk(await api.post(`/v1/apps/${OTHER}/routes`, { route: { path: '/y', image: image('echo'), hosts: [`fresh-${ID}.test`] } }));
  expectError(await api.put(`/v1/apps/${APP}/routes/echo`, { route: { hosts: [`fresh-${ID}.test`] } }), 409, new RegExp(`by route /y of app ${OTHER}$`));
  expectError(
    await api.patch(`/v1/apps/${APP}/routes/cold`, { route: { hosts: [`api-${ID}.test`] } }),
    409,
    `Host api-${ID}.test is already claimed by app ${APP}`,
  );
  expectError(
    await api.post('/v1/apps', { app: { name: `${OTHER}2`, hosts: [`*.fn-${ID}.test`] } }),
    409,
    `Host *.fn-${ID}.test is already claimed by app ${APP}`,
  );
  expectError(await api.get(`/v1/apps/${OTHER}2`), 404, 'App not found');
  expectError(
    await api.patch(`/v1/apps/${OTHER}`, { app: { hosts: [`cold-${ID}.test`] } }),
    409,
    `Host cold-${ID}.test is already claimed by route /cold of app ${APP}`,
  );
  // a wildcard over another app's exact name is no conflict (the exact name wins)
  expectOk(await api.patch(`/v1/apps/${OTHER}`, { app: { hosts: [`*.other-${ID}.test`] } }));
  // re-sending one's own names is no conflict
  expectOk(await api.patch(`/v1/apps/${APP}/routes/hot`, { route: { hosts: [`hot-${ID}.test`, `mixed-${ID}.test`], timeout: 31 } }));
});

test('racing claims of one name: exactly one wins', async () => {
  const name = `race-${ID}.test`;
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) => api.post(`/v1/apps/${OTHER}/routes`, { route: { path: `/race${i}`, image: image('echo'), hosts: [name] } })),
  );
  const statuses = results.map((r) => r.status).sort();
  assert.equal(statuses, [200, 409, 409, 409, 409, 409], results.map((r) => r.text).join('\n'));
});

test('releasing a name: [] or deleting the route frees it; the host then falls back to today', async () => {
  const name = `moving-${ID}.test`;
  expectOk(await api.post(`/v1/apps/${OTHER}/routes`, { route: { path: '/moving', image: image('echo'), format: 'http', hosts: [name] } }));
  assert.is((await at(name, 'POST', '/', 'x', { 'content-type': 'text/plain' })).text, 'x');
  expectOk(await api.patch(`/v1/apps/${OTHER}/routes/moving`, { route: { hosts: [] } }));
  expectError(await at(name, 'GET', '/nope'), 404, 'Path not found');
  expectOk(await api.patch(`/v1/apps/${APP}/routes/echo`, { route: { hosts: [name] } }));
  assert.is((await at(name, 'POST', '/', 'y', { 'content-type': 'text/plain' })).text, 'y');
  expectOk(await api.del(`/v1/apps/${APP}/routes/echo`));
  expectOk(await api.post(`/v1/apps/${OTHER}/routes`, { route: { path: '/taker', image: image('echo'), hosts: [name] } }));
  // an app deleted with its routes (cascade) frees its names and its routes' names
  expectOk(await api.post('/v1/apps', { app: { name: `${OTHER}c`, hosts: [`*.cascade-${ID}.test`] } }));
  expectOk(await api.post(`/v1/apps/${OTHER}c/routes`, { route: { path: '/r1', image: image('echo'), hosts: [`c1-${ID}.test`] } }));
  expectOk(await api.del(`/v1/apps/${OTHER}c?cascade=true`));
  expectOk(await api.post('/v1/apps', { app: { name: `${OTHER}d`, hosts: [`*.cascade-${ID}.test`, `c1-${ID}.test`] } }));
});

test('bad names are 400 naming the name; nothing is stored', async () => {
  const bad: Array<[unknown, RegExp]> = [
    ['hello.example.com', /must be an array/],
    [[42], /each must be a string/],
    [['localhost'], /at least two labels/],
    [['127.0.0.1'], /IP address/],
    [['bad_name.example.com'], /"bad_name\.example\.com".*letters, digits or hyphens/],
    [['-a.example.com'], /hyphen/],
    [['a..example.com'], /letters, digits/],
    [['a b.example.com'], /letters, digits/],
    [['*.example.com'], /a route claims exact host names/],
    [['ex.com:8080'], /letters, digits/],
    [[`${'a'.repeat(64)}.example.com`], /1-63/],
    [[`${'a.'.repeat(130)}com`], /longer than 253/],
    [Array.from({ length: 33 }, (_, i) => `h${i}.example.com`), /at most 32/],
  ];
  for (const [hosts, message] of bad) {
    const res = await api.post(`/v1/apps/${OTHER}/routes`, { route: { path: '/bad', image: image('echo'), hosts } });
    expectError(res, 400, message, JSON.stringify(hosts).slice(0, 80));
  }
  for (const [hosts, message] of [
    [['*.com'], /at least two labels/],
    [['*.*.example.com'], /letters, digits|only a leading/],
    [['a.*.example.com'], /letters, digits/],
  ] as Array<[unknown, RegExp]>) {
    expectError(await api.post('/v1/apps', { app: { name: `${OTHER}bad`, hosts } }), 400, message, JSON.stringify(hosts));
  }
  expectError(await api.get(`/v1/apps/${OTHER}/routes/bad`), 404, 'Route not found');
  expectError(await api.get(`/v1/apps/${OTHER}bad`), 404, 'App not found');
});

test('a malformed Host header is 400 JSON on any path; unclaimed hosts behave as before', async () => {
  for (const host of ['a b', 'a/b', 'x:port', 'ex.com:123456', '[::1', 'a@b']) {
    const raw = await rawExchange(srv.port, `GET /r/${APP}/echo HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 400 /, `${host}: ${raw.slice(0, 100)}`);
    assert.match(raw, /invalid Host header/, host);
  }
  const viaR = await at(`unclaimed-${ID}.test`, 'POST', `/r/${APP}/hot`, 'plain /r', { 'content-type': 'text/plain' });
  assert.is(viaR.text, 'plain /r');
  assert.is(viaR.headers['x-echo-url'], '/hot', 'the function sees the route-relative target, as before');
  expectOk(await request(srv.url, 'GET', '/v1/apps', undefined, { headers: { host: `unclaimed-${ID}.test` } }));
  expectOk(await request(srv.url, 'GET', '/v1/apps', undefined, { headers: { host: '127.0.0.1' } }));
  expectOk(await request(srv.url, 'GET', '/v1/apps', undefined, { headers: { host: '[::1]:8080' } }));
  expectError(await at(`unclaimed-${ID}.test`, 'GET', '/'.concat('nope')), 404, 'Path not found');
});

test('OpenAPI documents hosts on routes and apps', async () => {
  const doc = expectOk<{ components: { schemas: Record<string, unknown> } }>(await api.get('/v1/openapi.json'));
  const text = JSON.stringify(doc.components.schemas);
  for (const name of ['RouteBody', 'Route', 'NewAppBody', 'AppUpdateBody', 'App']) {
    assert.match(JSON.stringify(doc.components.schemas[name]), /"hosts"/, name);
  }
  assert.match(text, /wildcards/);
});

test.run();
