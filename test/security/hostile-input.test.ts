// Security review findings 5, 6 and 8 end to end: a real gateway, real Podman, the fixture images.
// (5) a client's `X_Remote_User` must not overwrite the `X-Remote-User` a front proxy set in a cold
// function's HEADER_X_REMOTE_USER (names with `_` are dropped unless PODFN_ENV_UNDERSCORE_HEADERS);
// (6) a hot `http` function answering 101 or 999 must not make the gateway send that status: the
// caller gets 502 naming it and the next call works (an interim 100/103 only, with no final answer,
// is a function that never answered: 504 at the timeout); (8) call URLs come from PODFN_PUBLIC_URL, not
// the client's Host, and a short jwt_key stored before the length rule still guards its route.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, type Client } from '../helpers/http.ts';
import { image, podmanReady, testSocketPath } from '../helpers/podman.ts';
import { openStore } from '../../src/store/db.ts';
import { insertRoute } from '../../src/store/routes.ts';
import { newRoute } from '../../src/models/route.ts';
import { signHs256 } from '../../src/request/jwt.ts';

const test = suite('security: hostile headers, statuses and hosts');
const APP = `hi${Date.now().toString(36)}`;
const PUBLIC = 'https://fn.example.com/base';
const OLD_KEY = 'short-old-key';
let srv: TestServer | undefined;
let api: Client;
let dir: string;

/** One request written byte for byte; the gateway's whole answer (it closes: Connection: close). */
function raw(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(head));
    let out = '';
    s.setTimeout(60_000, () => s.destroy(new Error('no answer within 60 s')));
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

const envOf = (res: { status: number; text: string }) => {
  assert.is(res.status, 200, res.text);
  return JSON.parse(res.text) as Record<string, string>;
};

async function server(): Promise<TestServer> {
  if (srv) return srv;
  await podmanReady();
  // a route stored by an older podfn, before jwt_key needed 32 bytes
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-hostile-'));
  const dbUrl = `file:${path.join(dir, 'podfn.db')}`;
  const store = await openStore(dbUrl);
  await insertRoute(store.db, { ...newRoute(APP, { path: '/old', image: image('echo') }), jwtKey: OLD_KEY });
  store.close();
  srv = await startServer({
    dbUrl,
    env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_PUBLIC_URL: `${PUBLIC}/`, PODFN_NODE_ID: `hostile-${process.pid}` },
  });
  api = client(srv.url);
  for (const [p, fields] of [
    ['/env', { image: image('env') }],
    ['/status', { image: image('status'), format: 'http', max_concurrency: 1 }],
    ['/hotenv', { image: image('env'), format: 'http' }],
    ['/jsonenv', { image: image('env'), format: 'json' }],
  ] as const) {
    expectOk(await api.post(`/v1/apps/${APP}/routes`, { route: { path: p, ...fields } }));
  }
  return srv;
}

test.after(async () => {
  await srv?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('(5) cold default: X_Remote_User: mallory never overwrites X-Remote-User: alice', async () => {
  await server();
  for (const headers of [
    { 'X-Remote-User': 'alice', X_Remote_User: 'mallory' },
    { X_Remote_User: 'mallory', 'X-Remote-User': 'alice' },
  ]) {
    const env = envOf(await api.post(`/r/${APP}/env`, '{}', { headers }));
    assert.is(env.HEADER_X_REMOTE_USER, 'alice', JSON.stringify(headers));
    assert.not.ok(Object.values(env).includes('mallory'), 'no variable carries the spoofed value');
  }
});

test('(5) PODFN_ENV_UNDERSCORE_HEADERS=true passes _ names, and the - spelling still wins', async () => {
  const other = await startServer({
    env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_ENV_UNDERSCORE_HEADERS: 'true', PODFN_NODE_ID: `hostile2-${process.pid}` },
  });
  try {
    const c = client(other.url);
    expectOk(await c.post('/v1/apps/u/routes', { route: { path: '/env', image: image('env') } }));
    const env = envOf(await c.post('/r/u/env', '{}', { headers: { X_Remote_User: 'mallory', 'X-Remote-User': 'alice', X_Only: 'u' } }));
    assert.is(env.HEADER_X_REMOTE_USER, 'alice');
    assert.is(env.HEADER_X_ONLY, 'u');
  } finally {
    await other.stop();
  }
});

test('(6) a hot http function answering 101 or 999: 502 naming the status, never relayed; the next call works', async () => {
  const s = await server();
  const call = (code: number) => raw(s.port, `GET /r/${APP}/status HTTP/1.1\r\nHost: x\r\nX-Fixture-Status-Code: ${code}\r\nConnection: close\r\n\r\n`);
  for (const code of [101, 999]) {
    const out = await call(code);
    assert.match(out, /^HTTP\/1\.1 502 /, `${code}: ${out.slice(0, 200)}`);
    assert.not.match(out, /Switching Protocols|999 unknown/);
    const body = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)) as { error: { message: string } };
    assert.match(body.error.message, new RegExp(`function answered with invalid status ${code}`));
    const next = await call(201);
    assert.match(next, /^HTTP\/1\.1 201 /, `after ${code}: ${next.slice(0, 200)}`);
    assert.ok(next.endsWith('status 201'));
  }
});

test('(8) REQUEST_URL, Fn-Request-Url and request_url come from PODFN_PUBLIC_URL, whatever Host the client sends', async () => {
  await server();
  const host = { host: 'evil.example' };
  const cold = envOf(await api.post(`/r/${APP}/env?x=1`, '{}', { headers: host }));
  assert.is(cold.REQUEST_URL, `${PUBLIC}/r/${APP}/env?x=1`);
  assert.is(cold.FN_REQUEST_URL, `${PUBLIC}/r/${APP}/env?x=1`);
  const hot = JSON.parse((await api.post(`/r/${APP}/hotenv?x=1`, 'b', { headers: host })).text) as { url: string; headers: Record<string, string> };
  assert.is(hot.headers['fn-request-url'], `${PUBLIC}/r/${APP}/hotenv?x=1`);
  assert.is(hot.url, '/hotenv?x=1', 'the function still gets the route-relative target');
  const json = JSON.parse((await api.post(`/r/${APP}/jsonenv`, 'b', { headers: host })).text) as { envelope: { request_url: string } };
  assert.is(json.envelope.request_url, `${PUBLIC}/r/${APP}/jsonenv`);
});

test('(8) a short jwt_key stored before the rule still guards its route, and the API flags it', async () => {
  await server();
  const route = expectOk<{ route: Record<string, unknown> }>(await api.get(`/v1/apps/${APP}/routes/old`)).route;
  assert.is(route.jwt_key_weak, true);
  expectError(await api.post(`/r/${APP}/old`, 'x'), 401);
  const token = signHs256({ exp: Math.floor(Date.now() / 1000) + 60 }, OLD_KEY);
  const res = await api.post(`/r/${APP}/old`, 'hello', { headers: { authorization: `Bearer ${token}` } });
  assert.is(res.status, 200, res.text);
  assert.is(res.text, 'hello');
});

test.run();
