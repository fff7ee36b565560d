// Black-box: size and range limits that come from the server's configuration: the admin body limit
// (PODFN_ADMIN_BODY_LIMIT, default 1 MiB -> 413, declared or chunked) and the route maxima
// (PODFN_MAX_MEMORY_MB, PODFN_MAX_TIMEOUT, PODFN_MAX_IDLE_TIMEOUT). Refused requests change nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectNoChange, expectOk, type Client, type AppBody, type RouteBody } from '../helpers/http.ts';

const MiB = 1024 * 1024;

/** Valid JSON of exactly `size` bytes (padded with spaces), so only its size can make it fail. */
function padded(obj: object, size: number): string {
  const s = JSON.stringify(obj);
  if (s.length > size) throw new Error('object larger than the wanted size');
  return s + ' '.repeat(size - s.length);
}

const dflt = suite<{ srv?: TestServer }>('api: default body limit (1 MiB)');
let c: Client;

dflt.before(async (ctx) => {
  ctx.srv = await startServer();
  c = client(ctx.srv.url);
  expectOk(await c.post('/v1/apps/base/routes', { route: { path: '/r', image: 'img' } }));
});
dflt.after(async (ctx) => {
  await ctx.srv?.stop();
});

dflt('a body of exactly 1 MiB is accepted', async () => {
  const body = expectOk<AppBody>(await c.post('/v1/apps', padded({ app: { name: 'exact' } }, MiB)));
  assert.is(body.app.name, 'exact');
});

dflt('1 MiB + 1 byte is 413 with a JSON error, and nothing is stored (Content-Length and chunked)', async () => {
  for (const chunked of [false, true]) {
    await expectNoChange(c, `oversize chunked=${chunked}`, async () => {
      const res = await c.post('/v1/apps', padded({ app: { name: 'toobig' } }, MiB + 1), { chunked });
      expectError(res, 413, /too large/i, `chunked=${chunked}`);
    });
  }
  expectError(await c.get('/v1/apps/toobig'), 404, 'App not found');
});

dflt('oversize updates and route writes are 413 and change nothing', async () => {
  const big = 2 * MiB;
  await expectNoChange(c, 'oversize writes', async () => {
    expectError(await c.patch('/v1/apps/base', padded({ app: { config: { A: 'a' } } }, big)), 413);
    expectError(await c.post('/v1/apps/base/routes', padded({ route: { path: '/big', image: 'i' } }, big)), 413);
    expectError(await c.put('/v1/apps/base/routes/r', padded({ route: { image: 'changed' } }, big)), 413);
    expectError(await c.patch('/v1/apps/base/routes/r', padded({ route: { image: 'changed' } }, big)), 413);
  });
});

// A chunked upload far over the limit: the server stops reading it. Node clients then often see the
// connection reset before they read the 413 (observed ~50% at 2-4 MiB), so only "refused, nothing
// stored, server still fine" is asserted here; the exact 413 is asserted at limit + 1 above.
dflt('a chunked upload far over the limit is refused and stores nothing', async () => {
  await expectNoChange(c, 'chunked 4 MiB', async () => {
    for (const target of ['/v1/apps', '/v1/apps/base/routes']) {
      const body = padded(target === '/v1/apps' ? { app: { name: 'huge' } } : { route: { path: '/huge', image: 'i' } }, 4 * MiB);
      const res = await c.post(target, body, { chunked: true }).catch((e: Error) => e);
      if (!(res instanceof Error)) expectError(res, 413, /too large/i);
    }
  });
});

dflt('the server keeps answering after refusing oversize bodies', async () => {
  expectOk(await c.get('/v1/apps/base'));
  expectOk(await c.post('/v1/apps', { app: { name: 'after' } }));
});

dflt.run();

const custom = suite<{ srv?: TestServer }>('api: configured limits');
let k: Client;

custom.before(async (ctx) => {
  ctx.srv = await startServer({
    env: { PODFN_ADMIN_BODY_LIMIT: '2048', PODFN_MAX_MEMORY_MB: '1024', PODFN_MAX_TIMEOUT: '60', PODFN_MAX_IDLE_TIMEOUT: '120' },
  });
  k = client(ctx.srv.url);
  expectOk(await k.post('/v1/apps/base/routes', { route: { path: '/r', image: 'img' } }));
});
custom.after(async (ctx) => {
  await ctx.srv?.stop();
});

custom('PODFN_ADMIN_BODY_LIMIT: 2048 bytes pass, 2049 are 413 naming the limit', async () => {
  expectOk(await k.post('/v1/apps', padded({ app: { name: 'fits' } }, 2048)));
  await expectNoChange(k, 'over the configured limit', async () => {
    expectError(await k.post('/v1/apps', padded({ app: { name: 'nofit' } }, 2049)), 413, /2048/);
    expectError(await k.put('/v1/apps/base/routes/r', padded({ route: { image: 'changed' } }, 2049), { chunked: true }), 413, /2048/);
  });
});

custom('PODFN_MAX_MEMORY_MB / PODFN_MAX_TIMEOUT / PODFN_MAX_IDLE_TIMEOUT bound route fields', async () => {
  const ok = expectOk<RouteBody>(
    await k.post('/v1/apps/base/routes', { route: { path: '/edge', image: 'i', memory: 1024, timeout: 60, idle_timeout: 120 } }),
  ).route;
  assert.equal([ok.memory, ok.timeout, ok.idle_timeout], [1024, 60, 120]);
  await expectNoChange(k, 'over the configured maxima', async () => {
    expectError(await k.post('/v1/apps/base/routes', { route: { path: '/m', image: 'i', memory: 1025 } }), 400, /memory/);
    expectError(await k.post('/v1/apps/base/routes', { route: { path: '/t', image: 'i', timeout: 61 } }), 400, /timeout/);
    expectError(await k.post('/v1/apps/base/routes', { route: { path: '/i', image: 'i', idle_timeout: 121 } }), 400, /idle_timeout/);
    expectError(await k.patch('/v1/apps/base/routes/edge', { route: { memory: 2048 } }), 400, /memory/);
    expectError(await k.put('/v1/apps/base/routes/edge', { route: { timeout: 3600 } }), 400, /timeout/);
  });
});

custom.run();
