// Async calls end to end through the REAL runner and Podman (fixture images under
// localhost/podfn-test/*): success with the payload delivered (the seed lost it), bad exit, timeout,
// a hot route, and retry exhaustion when Podman is unreachable — each recorded with the right status,
// reason and log.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempStore, type TempStore } from '../helpers/temp-store.ts';
import { image, podmanReady, testOptions } from '../helpers/podman.ts';
import { Runner } from '../../src/runner/index.ts';
import { startQueue, defaultQueueOptions, type QueueHandle } from '../../src/queue/index.ts';
import * as calls from '../../src/store/calls.ts';
import type { RouteCache } from '../../src/gateway/route-cache.ts';
import { addRoute, gatewayCall, loadedCache, quietLog, waitFor } from './helpers.ts';

const test = suite<{ t?: TempStore; runner?: Runner; queue?: QueueHandle }>('queue: real runner');
let ts: TempStore;
let cache: RouteCache;
let queue: QueueHandle;

test.before(async (ctx) => {
  ctx.t = ts = await tempStore();
  await addRoute(ts.store, 'pr', '/sha', { image: image('stdin-sha') });
  await addRoute(ts.store, 'pr', '/exit', { image: image('exit'), config: { EXIT_CODE: '3' } });
  await addRoute(ts.store, 'pr', '/sleep', { image: image('sleep'), timeout: 1, config: { SLEEP_MS: '5000' } });
  await addRoute(ts.store, 'pr', '/hot', { image: image('echo'), format: 'http', maxConcurrency: 2 });
  cache = await loadedCache(ts.store);
  ctx.runner = await Runner.create(testOptions());
  ctx.queue = queue = await startQueue({
    store: ts.store,
    routes: cache,
    invoker: ctx.runner,
    log: quietLog,
    options: defaultQueueOptions({ workers: 4, pollMs: 50 }),
  });
});
test.after(async (ctx) => {
  await ctx.queue?.stop(2000);
  await ctx.runner?.close();
  ctx.t?.dispose();
});

async function run(path: string, body: string, q = queue, timeoutMs = 60_000) {
  const call = gatewayCall(cache, 'pr', path, body);
  await q.sink.enqueue(call, Date.now());
  return waitFor(
    `final ${path}`,
    async () => {
      const c = await calls.getCall(ts.store.db, 'pr', call.id);
      return c && c.status !== 'queued' && c.status !== 'running' ? c : undefined;
    },
    timeoutMs,
    50,
  );
}

test('success: the payload reaches the function (cold)', async () => {
  await podmanReady();
  const c = await run('/sha', 'hello async');
  assert.is(c.status, 'success', c.error ?? '');
  assert.is(c.statusCode, 200);
  assert.is(c.attempts, 1);
  assert.is(c.reason, null);
});

test('bad exit: error / bad_exit with the stderr log, not retried', async () => {
  await podmanReady();
  const c = await run('/exit', '');
  assert.is(c.status, 'error');
  assert.is(c.reason, 'bad_exit');
  assert.match(c.error ?? '', /exited with code 3/);
  assert.is(c.attempts, 1);
  assert.match((await calls.getLog(ts.store.db, 'pr', c.id))?.toString() ?? '', /exiting with 3/);
});

test('timeout: timeout / timeout after the route timeout, not retried', async () => {
  await podmanReady();
  // the function sleeps 5 s: left alone it would end in success, so 'timeout' is the route's 1 s timeout
  const c = await run('/sleep', '');
  assert.is(c.status, 'timeout');
  assert.is(c.reason, 'timeout');
  assert.is(c.statusCode, 504);
  assert.is(c.attempts, 1);
});

test('hot (http format) route: several calls succeed', async () => {
  await podmanReady();
  const done = await Promise.all(Array.from({ length: 6 }, (_, i) => run('/hot', `hot ${i}`)));
  for (const c of done) assert.is(c.status, 'success', c.error ?? '');
});

test('Podman unreachable: retried with backoff, then error naming the attempts', async () => {
  const down = await Runner.create(testOptions({ socketPath: '/nonexistent/podman.sock', healthPingMs: 60_000 }));
  const q = await startQueue({
    store: ts.store,
    routes: cache,
    invoker: down,
    log: quietLog,
    options: defaultQueueOptions({ workers: 1, pollMs: 20, retryBaseMs: 50, maxAttempts: 3 }),
  });
  await queue.stop(2000); // only the broken queue takes calls now
  try {
    const c = await run('/sha', 'x', q, 10_000);
    assert.is(c.status, 'error');
    assert.is(c.attempts, 3);
    assert.is(c.statusCode, 503);
    assert.match(c.error ?? '', /^gave up after 3 attempts: container runtime unavailable/);
  } finally {
    await q.stop(1000);
    await down.close();
  }
});

test.run();
