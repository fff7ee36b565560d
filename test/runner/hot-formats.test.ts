// Real Podman: the `http` and `json` formats over the Unix-socket transport and the seed stdio
// transport, end to end through HotPools with the fixture images.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { fnSpec, image, makeCall } from '../helpers/podman.ts';
import { header, hotEnv, json, waitFor, type HotEnv } from './hot-helpers.ts';

let envP: Promise<HotEnv> | undefined;
const env = () => (envP ??= hotEnv());

test.after(async () => {
  if (envP) await (await envP).pools.close();
});

const binary = Buffer.concat([randomBytes(3000), Buffer.from([0, 0xff, 0xfe, 0x0d, 0x0a])]);

test('http: status, headers and body pass through; hop-by-hop dropped', async () => {
  const { pools } = await env();
  const fn = fnSpec({ image: image('status'), format: 'http', path: '/st', config: { STATUS_CODE: '201' } });
  let r = await pools.run(makeCall(fn));
  assert.is(r.status, 201, r.error);
  assert.is(header(r, 'x-fixture'), 'yes');
  assert.is(r.body.toString(), 'status 201');
  for (const h of ['connection', 'keep-alive', 'transfer-encoding']) assert.is(header(r, h), undefined, h);
  r = await pools.run(makeCall(fn, { headers: { 'x-fixture-status-code': ['418'] } }));
  assert.is(r.status, 418);
  assert.is(r.outcome, 'success');
});

test('http: binary body byte-exact, method and route-relative URL', async () => {
  const { pools } = await env();
  const fn = fnSpec({ image: image('echo'), format: 'http', path: '/echo' });
  const r = await pools.run(makeCall(fn, { method: 'PUT', url: 'http://localhost:8080/r/testapp/echo?x=1&y=%20', body: binary }));
  assert.is(r.status, 200, r.error);
  assert.ok(r.body.equals(binary));
  assert.is(header(r, 'x-echo-method'), 'PUT');
  assert.is(header(r, 'x-echo-url'), '/echo?x=1&y=%20');
});

test('http: the function sees client headers minus hop-by-hop, Fn-* metadata, base env only', async () => {
  const { pools } = await env();
  const fn = fnSpec({ image: image('env'), format: 'http', path: '/users/:id', config: { 'db-url': 'postgres://x', FN_FORMAT: 'nope' } });
  const call = makeCall(fn, {
    url: 'http://localhost:8080/r/testapp/users/42',
    params: { id: '42' },
    headers: { 'x-multi': ['a', 'b'], connection: ['x-hop'], 'x-hop': ['1'], 'keep-alive': ['5'], 'fn-call-id': ['spoof'] },
  });
  const r = await pools.run(call);
  assert.is(r.status, 200, r.error);
  const seen = json<{ env: Record<string, string>; headers: Record<string, string>; url: string }>(r);
  assert.is(seen.url, '/users/42');
  assert.is(seen.headers['x-multi'], 'a, b');
  assert.is(seen.headers['x-hop'], undefined);
  assert.is(seen.headers['keep-alive'], undefined);
  assert.is(seen.headers['fn-call-id'], call.id);
  assert.is(seen.headers['fn-deadline'], new Date(call.deadline).toISOString());
  assert.is(seen.headers['fn-method'], 'POST');
  assert.is(seen.headers['fn-request-url'], call.url);
  assert.is(seen.headers['fn-app-name'], 'testapp');
  assert.is(seen.headers['fn-route'], '/users/:id');
  assert.is(seen.headers['fn-param-id'], '42');
  assert.is(seen.env.FN_LISTENER, 'unix:/tmp/iofs/lsnr.sock');
  assert.is(seen.env.FN_FORMAT, 'http', 'config cannot override FN_FORMAT');
  assert.is(seen.env.APP_NAME, 'testapp');
  assert.is(seen.env.DB_URL, 'postgres://x');
  assert.is(seen.env.METHOD, undefined, 'no per-call env in a hot container');
});

test('json: envelope both ways, binary bodies base64', async () => {
  const { pools } = await env();
  const envFn = fnSpec({ image: image('env'), format: 'json', path: '/j' });
  const call = makeCall(envFn, { method: 'PATCH', headers: { 'content-type': ['text/plain'], 'x-a': ['1'] }, body: 'héllo', params: { p: 'v' } });
  let r = await pools.run(call);
  assert.is(r.status, 200, r.error);
  const e = json<{ envelope: Record<string, unknown>; env: Record<string, string> }>(r).envelope;
  assert.is(e.call_id, call.id);
  assert.is(e.deadline, new Date(call.deadline).toISOString());
  assert.is(e.method, 'PATCH');
  assert.is(e.request_url, call.url);
  assert.equal(e.headers, { 'content-type': ['text/plain'], 'x-a': ['1'] });
  assert.equal(e.params, { p: 'v' });
  assert.is(e.content_type, 'text/plain');
  assert.is(e.body, 'héllo');
  assert.is(e.body_encoding, 'utf8');
  assert.equal(e.protocol, { type: 'http', method: 'PATCH', request_url: call.url, headers: e.headers });

  const echo = fnSpec({ image: image('echo'), format: 'json', path: '/je' });
  r = await pools.run(makeCall(echo, { body: binary, headers: { 'content-type': ['application/x-bin'] } }));
  assert.is(r.status, 200, r.error);
  assert.ok(r.body.equals(binary), 'base64 both ways, byte-exact');
  assert.is(header(r, 'content-type'), 'application/x-bin');

  const st = fnSpec({ image: image('status'), format: 'json', path: '/js' });
  r = await pools.run(makeCall(st, { headers: { 'x-fixture-status-code': ['404'] } }));
  assert.is(r.status, 404);
  assert.is(header(r, 'x-fixture'), 'yes');
  assert.is(r.body.toString(), 'status 404');
});

test('json: a reply that is not JSON -> 502 and the container is replaced', async () => {
  const { pools, containers } = await env();
  const fn = fnSpec({ image: image('env'), format: 'json', path: '/bad', maxConcurrency: 1 });
  const first = json<{ env: Record<string, string> }>(await pools.run(makeCall(fn))).env.HOSTNAME;
  const before = await containers();
  const r = await pools.run(makeCall(fn, { headers: { 'x-fixture-bad-json': ['1'] } }));
  assert.is(r.status, 502);
  assert.match(r.error ?? '', /^invalid json response from function: /);
  await waitFor('bad container removed', async () => (await containers()).length < before.length);
  const next = await pools.run(makeCall(fn));
  assert.is(next.status, 200);
  assert.is.not(json<{ env: Record<string, string> }>(next).env.HOSTNAME, first);
});

test('socket dir: the container root can bind in it but not own it (where the gateway can arrange that); locked once ready', async () => {
  const { pools, options, podman } = await env();
  const fn = fnSpec({ image: image('echo'), format: 'http', path: '/own' });
  assert.is((await pools.run(makeCall(fn))).status, 200);
  const podmanOwner = await stat(options.socketPath);
  // only this suite's containers' folders: other gateways (rootless or rootful) share the socket dir
  const ours = (await podman.listManaged(options.nodeId)).map((c) => c.name.replace(/^podfn-hot-/, ''));
  const st = await Promise.all(ours.filter((d) => /^[0-9a-f]{16}$/.test(d)).map(async (d) => stat(`${options.socketDir}/${d}`)));
  assert.ok(st.length > 0);
  const me = process.getuid!();
  for (const s of st) {
    assert.is(s.mode & 0o777, 0o555, 'read-only once the listener is verified');
    // the container's root is the Podman service's user; a root gateway keeps the folder from it
    if (me === 0) assert.is.not(s.uid, podmanOwner.uid, 'the container root does not own its folder');
  }
});

test('seed stdio: several calls in a row on one container, Task-Id, chunked, log', async () => {
  const { pools } = await env();
  const fn = fnSpec({ image: image('seed-hot'), format: 'http', path: '/seed', maxConcurrency: 1 });
  let pid: string | undefined;
  for (let i = 1; i <= 5; i++) {
    const body = i === 3 ? binary : Buffer.from(`call ${i}`);
    const call = makeCall(fn, { url: 'http://localhost:8080/r/testapp/seed?n=' + i, body, headers: i === 4 ? { 'x-fixture-chunked': ['1'] } : {} });
    const r = await pools.run(call);
    assert.is(r.status, 200, r.error);
    assert.ok(r.body.equals(body), `body of call ${i}`);
    assert.is(header(r, 'x-seq'), String(i), 'same container, next call');
    pid ??= header(r, 'x-pid');
    assert.is(header(r, 'x-pid'), pid);
    assert.is(header(r, 'x-task-id'), call.id);
    assert.is(header(r, 'x-fn-call-id'), call.id);
    assert.is(header(r, 'x-echo-url'), '/seed?n=' + i);
    assert.is(r.coldStart === true, i === 1);
  }
  const st = pools.stats().pools.find((p) => p.path === '/seed');
  assert.is(st?.idle, 1);
});

test('seed stdio: function exits mid-call -> 502, next call gets a fresh container', async () => {
  const { pools } = await env();
  const fn = fnSpec({ image: image('seed-hot'), format: 'http', path: '/seed-exit', maxConcurrency: 1 });
  assert.is((await pools.run(makeCall(fn))).status, 200);
  const r = await pools.run(makeCall(fn, { headers: { 'x-fixture-exit': ['1'] } }));
  assert.is(r.status, 502);
  assert.match(r.error ?? '', /exited with code 3|closed its stdout/);
  const next = await pools.run(makeCall(fn, { body: 'again' }));
  assert.is(next.status, 200, next.error);
  assert.is(header(next, 'x-seq'), '1');
  assert.ok(next.coldStart);
});

test('through Runner.run: hot dispatch, drain and state', async () => {
  const { Runner } = await import('../../src/runner/index.ts');
  const { testOptions } = await import('../helpers/podman.ts');
  const runner = await Runner.create(testOptions());
  try {
    const fn = fnSpec({ image: image('echo'), format: 'json', path: '/runner' });
    const r = await runner.run(makeCall(fn, { body: binary }));
    assert.is(r.status, 200, r.error);
    assert.ok(r.body.equals(binary));
    assert.is(runner.state().hot.totals.idle, 1);
    await runner.drain('testapp', '/runner');
    await waitFor('drained', () => runner.state().hot.totals.pools === 0, 5000);
  } finally {
    await runner.close();
  }
});

test.run();
