// Admin authentication end to end: a real server with PODFN_ADMIN_TOKEN (two tokens, as during a
// rotation) and PODFN_JWT_KEY. /v1 and /tasks need a credential; /r and the system endpoints stay open.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { request, expectError, type Res } from '../helpers/http.ts';
import { signHs256 } from '../../src/request/jwt.ts';
import { loadConfig, ConfigError } from '../../src/config.ts';

const test = suite('admin authentication');
const TOKENS = ['old-secret-token', 'new-secret-token'];
const KEY = 'hs256-test-key';
let srv: TestServer;

const call = (method: string, target: string, auth?: string, body?: object): Promise<Res> =>
  request(srv.url, method, target, body, { headers: auth === undefined ? {} : { authorization: auth } });

function expect401(res: Res, what: string): void {
  expectError(res, 401, undefined, what);
  assert.match(String(res.headers['www-authenticate']), /^Bearer/, `${what}: WWW-Authenticate`);
}

test.before(async () => {
  srv = await startServer({ env: { PODFN_ADMIN_TOKEN: TOKENS.join(','), PODFN_JWT_KEY: KEY } });
});

test.after(async () => {
  await srv?.stop();
});

test('/v1 and /tasks refuse requests without a valid credential', async () => {
  const now = Math.floor(Date.now() / 1000);
  for (const auth of [
    undefined,
    '',
    'Bearer',
    'Bearer wrong',
    `Basic ${Buffer.from(`x:${TOKENS[0]}`).toString('base64')}`,
    TOKENS[0]!,
    `Bearer ${TOKENS[0]}x`,
    `Bearer ${signHs256({ exp: now - 10 }, KEY)}`,
    `Bearer ${signHs256({ exp: now + 60 }, 'wrong-key')}`,
  ]) {
    for (const [method, target] of [
      ['GET', '/v1/apps'],
      ['GET', '/v1/routes'],
      ['GET', '/v1/openapi.json'],
      ['GET', '/v1/queue'],
      ['GET', '/tasks'],
      ['DELETE', '/tasks'],
      ['GET', '/v1/tasks'],
      ['POST', '/v1/apps'],
      ['GET', '/v1/apps/x/calls'],
      ['GET', '/no/such/path'],
    ] as const) {
      expect401(await call(method, target, auth, method === 'POST' ? { app: { name: 'sneaky' } } : undefined), `${method} ${target} with ${auth}`);
    }
  }
});

test('nothing was written by the refused requests', async () => {
  const res = await call('GET', '/v1/apps/sneaky', `Bearer ${TOKENS[1]}`);
  expectError(res, 404);
});

test('either static token (rotation) and a signed, unexpired JWT are accepted', async () => {
  const jwt = signHs256({ sub: 'ci', exp: Math.floor(Date.now() / 1000) + 60 }, KEY);
  for (const auth of [`Bearer ${TOKENS[0]}`, `Bearer ${TOKENS[1]}`, `bearer ${TOKENS[1]}`, `Bearer ${jwt}`]) {
    const res = await call('GET', '/v1/apps', auth);
    assert.is(res.status, 200, `${auth}: ${res.text}`);
  }
  const made = await call('POST', '/v1/apps', `Bearer ${jwt}`, { app: { name: 'authed' } });
  assert.is(made.status, 200, made.text);
});

test('/r, /, /version, /healthz, /readyz and /metrics stay open', async () => {
  expectError(await call('GET', '/r/nope/route'), 404, 'App not found');
  expectError(await call('POST', '/r/authed/none'), 404, 'Route not found');
  for (const target of ['/', '/version', '/healthz', '/metrics']) assert.is((await call('GET', target)).status, 200, target);
  assert.ok([200, 503].includes((await call('GET', '/readyz')).status));
  const metrics = await call('GET', '/metrics');
  assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(metrics.text, /^podfn_errors_total\{node="[a-z0-9-]+",kind="unauthorized"\} [1-9][0-9]*$/m);
});

test('a token with spaces or control characters stops start-up', () => {
  for (const bad of ['has space', 'tab\there', 'nl\nhere']) {
    assert.throws(
      () => loadConfig({ PODFN_ADMIN_TOKEN: bad }),
      (e: Error) => e instanceof ConfigError && /PODFN_ADMIN_TOKEN/.test(e.message),
    );
  }
  assert.is(loadConfig({ PODFN_ADMIN_TOKEN: 'a,b' }).PODFN_ADMIN_TOKEN, 'a,b');
});

test.run();
