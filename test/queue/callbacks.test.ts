// Async callbacks (X-Callback-Url), black-box: a real gateway process, real Podman running the
// functions, and a real HTTP receiver in this test. The result is POSTed with the function's body,
// Content-Type, Fn-Call-Id and X-Function-Status; a receiver that fails first gets the callback again
// (backoff; every try in GET .../calls/{id}); a redirect is not followed; a destination outside
// PODFN_CALLBACK_ALLOW is refused at enqueue (400 naming the setting, nothing queued); a callback
// still undelivered when the gateway is killed is delivered after its restart (state in the database).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, type Client } from '../helpers/http.ts';
import { image, podmanReady } from '../helpers/podman.ts';
import { waitFor } from './helpers.ts';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
interface CallbackJson {
  url: string;
  state: string;
  tries: Array<{ at: string; status_code?: number; error?: string; duration_ms: number }>;
  next_try_at?: string;
}
interface CallJson {
  id: string;
  status: string;
  callback?: CallbackJson;
}

const test = suite<{ srv?: TestServer }>('async callbacks (real HTTP receiver, real Podman)');
let c: Client;
let receiver: http.Server;
let base = '';
const received: Received[] = [];
/** per path: how the receiver answers its n-th request (0-based) */
const behaviour: Record<string, (n: number) => { status: number; headers?: Record<string, string> }> = {
  '/ok': () => ({ status: 200 }),
  '/flaky': (n) => ({ status: n === 0 ? 500 : 200 }),
  '/redirect': () => ({ status: 302, headers: { Location: '/landing' } }),
  '/landing': () => ({ status: 200 }),
};
let laterUp = false;

const hits = (path: string) => received.filter((r) => r.path === path);
const call = async (id: string) => expectOk<{ call: CallJson }>(await c.get(`/v1/apps/cb/calls/${id}`)).call;
const asyncCall = async (path: string, body: string, callbackUrl: string) => {
  const res = await c.post(`/r/cb${path}`, body, { headers: { 'content-type': 'text/plain', 'X-Callback-Url': callbackUrl } });
  return expectOk<{ call_id: string }>(res, 202).call_id;
};

test.before(async (ctx) => {
  await podmanReady();
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const n = hits(path).length;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = path === '/later' ? { status: laterUp ? 200 : 503 } : (behaviour[path]?.(n) ?? { status: 404 });
      res.writeHead(answer.status, answer.headers ?? {});
      res.end('thanks');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  ctx.srv = await startServer({
    env: {
      PODFN_CALLBACK_ALLOW: '127.0.0.1,localhost',
      PODFN_CALLBACK_RETRY_BASE_MS: '300',
      PODFN_CALLBACK_MAX_TRIES: '4',
      PODFN_CALLBACK_TIMEOUT_MS: '2000',
      PODFN_QUEUE_POLL_MS: '100',
      PODFN_QUEUE_LEASE_MS: '3000',
    },
  });
  c = client(ctx.srv.url);
  expectOk(await c.post('/v1/apps/cb/routes', { route: { path: '/echo', image: image('echo'), type: 'async' } }));
  expectOk(
    await c.post('/v1/apps/cb/routes', { route: { path: '/status', image: image('status'), type: 'async', format: 'http', config: { STATUS_CODE: '201' } } }),
  );
});

test.after(async (ctx) => {
  await ctx.srv?.stop();
  await new Promise((r) => receiver?.close(r));
});

test('the result is POSTed to X-Callback-Url: the body, Fn-Call-Id, X-Function-Status; the call record shows the try', async () => {
  const id = await asyncCall('/echo', 'hello callback', `${base}/ok?token=abc`);
  const got = await waitFor('the callback', () => hits('/ok').find((r) => r.headers['fn-call-id'] === id), 60_000);
  assert.is(got.body, 'hello callback');
  assert.is(got.headers['x-function-status'], '200');
  assert.is(got.headers['fn-call-status'], 'success');
  assert.is(got.headers['x-call-id'], id);
  assert.is(got.headers['x-function-name'], 'cb/echo');
  const record = await waitFor('delivered in the record', async () => ((await call(id)).callback?.state === 'delivered' ? call(id) : undefined), 10_000);
  assert.is(record.status, 'success');
  assert.is(record.callback!.url, `${base}/ok?token=abc`);
  assert.is(record.callback!.tries.length, 1);
  assert.is(record.callback!.tries[0]!.status_code, 200);
});

test("a hot function's status and Content-Type reach the callback", async () => {
  const id = await asyncCall('/status', '', `${base}/ok`);
  const got = await waitFor('the callback', () => hits('/ok').find((r) => r.headers['fn-call-id'] === id), 60_000);
  assert.is(got.body, 'status 201');
  assert.is(got.headers['x-function-status'], '201');
  assert.match(String(got.headers['content-type']), /^text\/plain/);
});

test('a receiver that fails first (500) gets the callback again after a backoff; both tries are in the call record', async () => {
  const id = await asyncCall('/echo', 'second time lucky', `${base}/flaky`);
  const record = await waitFor(
    'delivered after a retry',
    async () => {
      const r = await call(id);
      return r.callback?.state === 'delivered' ? r : undefined;
    },
    60_000,
  );
  const tries = record.callback!.tries;
  assert.equal(
    tries.map((t) => t.status_code),
    [500, 200],
  );
  assert.is(tries[0]!.error, 'HTTP 500');
  assert.ok(Date.parse(tries[1]!.at) - Date.parse(tries[0]!.at) >= 200, `backoff between tries: ${JSON.stringify(tries)}`);
  const seen = hits('/flaky');
  assert.is(seen.length, 2);
  assert.equal(
    seen.map((r) => [r.headers['fn-callback-try'], r.body, r.headers['fn-call-id']]),
    [
      ['1', 'second time lucky', id],
      ['2', 'second time lucky', id],
    ],
  );
});

test('a destination outside PODFN_CALLBACK_ALLOW is refused with 400 naming the setting, and nothing is queued', async () => {
  const before = expectOk<{ calls: CallJson[] }>(await c.get('/v1/apps/cb/calls?per_page=100')).calls.length;
  for (const url of ['http://127.0.0.2:9/x', 'http://10.0.0.1/', 'http://[::1]:9/', 'http://callback.invalid/hook']) {
    const res = await c.post('/r/cb/echo', 'x', { headers: { 'content-type': 'text/plain', 'X-Callback-Url': url } });
    expectError(res, 400, /PODFN_CALLBACK_ALLOW/, url);
  }
  for (const url of ['ftp://127.0.0.1/', 'not a url', '/relative']) {
    const res = await c.post('/r/cb/echo', 'x', { headers: { 'content-type': 'text/plain', 'X-Callback-Url': url } });
    expectError(res, 400, /X-Callback-Url/, url);
  }
  const after = expectOk<{ calls: CallJson[] }>(await c.get('/v1/apps/cb/calls?per_page=100')).calls.length;
  assert.is(after, before);
});

test('a redirect is not followed: each try ends at the 302, retried until the tries run out (failed)', async () => {
  const id = await asyncCall('/echo', 'go elsewhere', `${base}/redirect`);
  const record = await waitFor(
    'failed after its tries',
    async () => {
      const r = await call(id);
      return r.callback?.state === 'failed' ? r : undefined;
    },
    60_000,
  );
  assert.is(record.callback!.tries.length, 4);
  for (const t of record.callback!.tries) {
    assert.is(t.status_code, 302);
    assert.match(t.error ?? '', /redirect not followed/);
  }
  assert.is(hits('/redirect').length, 4);
  assert.is(hits('/landing').length, 0);
});

test('a callback not yet delivered when the gateway is killed is delivered after its restart', async (ctx) => {
  laterUp = false;
  const id = await asyncCall('/echo', 'survives', `${base}/later`);
  await waitFor('a first (failed) try in the record', async () => ((await call(id)).callback?.tries.length ?? 0) >= 1, 60_000, 50);
  await ctx.srv!.kill('SIGKILL');
  laterUp = true;
  const triesBefore = hits('/later').length;
  await ctx.srv!.restart();
  const record = await waitFor(
    'delivered after the restart',
    async () => {
      const r = await call(id);
      return r.callback?.state === 'delivered' ? r : undefined;
    },
    60_000,
  );
  assert.ok(hits('/later').length > triesBefore);
  assert.is(hits('/later').at(-1)!.body, 'survives');
  assert.is(record.callback!.tries.at(-1)!.status_code, 200);
  assert.ok(record.callback!.tries.length >= 2);
});

test.run();
