// The async workers (startQueue) on a real libSQL file with a scripted invoker, so each policy is
// pinned down exactly: bounded concurrency, the call rebuilt with the CURRENT route, platform retries
// with backoff then error, function failures recorded and not retried unless the route asks, a deleted
// route, heartbeats keeping leases alive, and graceful stop re-queueing what did not finish.
// (test/queue/runner.test.ts runs the same paths with real Podman.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempStore, type TempStore } from '../helpers/temp-store.ts';
import { startQueue, defaultQueueOptions, type QueueHandle, type QueueOptions } from '../../src/queue/index.ts';
import * as calls from '../../src/store/calls.ts';
import * as routes from '../../src/store/routes.ts';
import { recoverExpired } from '../../src/store/queue.ts';
import type { RouteCache } from '../../src/gateway/route-cache.ts';
import type { CallRequest, CallResult } from '../../src/runner/types.ts';
import { addRoute, faultResult, gatewayCall, loadedCache, memoryLog, okResult, quietLog, sleep, waitFor } from './helpers.ts';

type Script = (call: CallRequest, n: number) => CallResult | Promise<CallResult>;

interface Ctx {
  t: TempStore;
  cache: RouteCache;
  queue: QueueHandle;
  seen: CallRequest[];
  active: { now: number; max: number };
}

async function setup(script: Script, opts: Partial<QueueOptions> = {}, routeConfig: Record<string, string> = {}): Promise<Ctx> {
  const t = await tempStore();
  await addRoute(t.store, 'wa', '/job', { config: routeConfig });
  const cache = await loadedCache(t.store);
  const seen: CallRequest[] = [];
  const active = { now: 0, max: 0 };
  const invoker = {
    async run(call: CallRequest) {
      seen.push(call);
      active.now++;
      active.max = Math.max(active.max, active.now);
      try {
        return await script(call, seen.length);
      } finally {
        active.now--;
      }
    },
  };
  const options = defaultQueueOptions({ nodeId: 'w-test', workers: 3, pollMs: 50, retryBaseMs: 40, retryMaxMs: 1000, ...opts });
  const queue = await startQueue({ store: t.store, routes: cache, invoker, log: quietLog, options });
  return { t, cache, queue, seen, active };
}

async function teardown(ctx: Ctx) {
  await ctx.queue.stop(1000);
  ctx.t.dispose();
}

async function submit(ctx: Ctx, body = ''): Promise<string> {
  const call = gatewayCall(ctx.cache, 'wa', '/job', body);
  await ctx.queue.sink.enqueue(call, Date.now());
  return call.id;
}

const final = (ctx: Ctx, id: string) =>
  waitFor(`final status of ${id}`, async () => {
    const c = await calls.getCall(ctx.t.store.db, 'wa', id);
    return c && !['queued', 'running'].includes(c.status) ? c : undefined;
  });

const test = suite('queue: workers');

test('runs every call once, at most `workers` at a time, with payload, headers and method', async () => {
  const ctx = await setup(async (call) => {
    await sleep(20);
    return okResult(`echo ${call.body.toString()}`, `stderr of ${call.id}\n`);
  });
  try {
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => submit(ctx, `p${i}`)));
    for (const id of ids) {
      const c = await final(ctx, id);
      assert.is(c.status, 'success');
      assert.is(c.statusCode, 200);
      assert.is(c.attempts, 1);
      assert.is(c.nodeId, 'w-test');
      assert.ok(c.startedAt! >= c.createdAt && c.completedAt! >= c.startedAt!);
      assert.is((await calls.getLog(ctx.t.store.db, 'wa', id))?.toString(), `stderr of ${id}\n`);
    }
    assert.is(ctx.seen.length, 20, 'each call ran exactly once');
    assert.is(new Set(ctx.seen.map((c) => c.id)).size, 20);
    assert.ok(ctx.active.max <= 3, `max concurrency ${ctx.active.max}`);
    assert.ok(ctx.active.max >= 2, 'calls ran in parallel');
    const first = ctx.seen.find((c) => c.id === ids[0])!;
    assert.is(first.body.toString(), 'p0');
    assert.is(first.method, 'POST');
    assert.equal(first.headers['x-test'], ['yes']);
    assert.ok(first.deadline > Date.now() - 5000 && first.deadline <= Date.now() + 30_000);
    assert.is(await ctx.queue.depth(), 0);
  } finally {
    await teardown(ctx);
  }
});

test('a call runs with the route as it is when it starts (image, config)', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const ctx = await setup(
    async (call) => {
      if (call.body.toString() === 'blocker') await gate;
      return okResult();
    },
    { workers: 1 },
  );
  try {
    await submit(ctx, 'blocker');
    await waitFor('blocker running', () => ctx.seen.length === 1);
    const id = await submit(ctx, 'later');
    const r = (await routes.getRoute(ctx.t.store.db, 'wa', '/job'))!;
    await routes.updateRoute(ctx.t.store.db, { ...r, image: 'localhost/podfn-test/new:2', config: { NEW: 'yes' } });
    await ctx.cache.reloadRoute('wa', '/job');
    release();
    await final(ctx, id);
    const later = ctx.seen.find((c) => c.id === id)!;
    assert.is(later.fn.image, 'localhost/podfn-test/new:2');
    assert.is(later.fn.config.NEW, 'yes');
  } finally {
    await teardown(ctx);
  }
});

test('platform failures are retried with backoff, then recorded as error with the reason', async () => {
  const times: number[] = [];
  const ctx = await setup(() => {
    times.push(Date.now());
    return faultResult(503, 'container runtime unavailable: connect ENOENT', { platformError: true });
  });
  try {
    const id = await submit(ctx);
    const c = await final(ctx, id);
    assert.is(c.status, 'error');
    assert.is(c.attempts, 3);
    assert.is(c.statusCode, 503);
    assert.is(c.error, 'gave up after 3 attempts: container runtime unavailable: connect ENOENT');
    assert.is(times.length, 3);
    // backoff 40 ms then 80 ms (+-20%), plus polling
    assert.ok(times[1]! - times[0]! >= 30, `gap 1: ${times[1]! - times[0]!}`);
    assert.ok(times[2]! - times[1]! >= 60, `gap 2: ${times[2]! - times[1]!}`);
  } finally {
    await teardown(ctx);
  }
});

test('a platform failure followed by success ends as success on attempt 2', async () => {
  const ctx = await setup((_c, n) => (n === 1 ? faultResult(503, 'Podman down', { platformError: true }) : okResult()));
  try {
    const c = await final(ctx, await submit(ctx));
    assert.is(c.status, 'success');
    assert.is(c.attempts, 2);
    assert.is(c.error, null, 'the old failure is cleared on success');
  } finally {
    await teardown(ctx);
  }
});

test('function failures are recorded once, not retried: bad_exit, timeout', async () => {
  const ctx = await setup((call) =>
    call.body.toString() === 'exit'
      ? faultResult(502, 'function exited with code 3', { reason: 'bad_exit', log: Buffer.from('exiting with 3\n') })
      : faultResult(504, 'Timed out', { reason: 'timeout' }),
  );
  try {
    const exit = await final(ctx, await submit(ctx, 'exit'));
    assert.is(exit.status, 'error');
    assert.is(exit.reason, 'bad_exit');
    assert.is(exit.error, 'function exited with code 3');
    assert.is(exit.attempts, 1);
    assert.is((await calls.getLog(ctx.t.store.db, 'wa', exit.id))?.toString(), 'exiting with 3\n');
    const to = await final(ctx, await submit(ctx, 'timeout'));
    assert.is(to.status, 'timeout');
    assert.is(to.reason, 'timeout');
    assert.is(to.statusCode, 504);
    assert.is(ctx.seen.length, 2);
  } finally {
    await teardown(ctx);
  }
});

test('route config PODFN_RETRY_ON_FAILURE=true retries function failures up to the maximum', async () => {
  const ctx = await setup(
    (_c, n) => (n < 3 ? faultResult(502, 'function exited with code 1', { reason: 'bad_exit' }) : okResult()),
    {},
    { PODFN_RETRY_ON_FAILURE: 'true' },
  );
  try {
    const c = await final(ctx, await submit(ctx));
    assert.is(c.status, 'success');
    assert.is(c.attempts, 3);
  } finally {
    await teardown(ctx);
  }
});

test('a call whose route was deleted meanwhile ends as error with a clear reason', async () => {
  const ctx = await setup(() => okResult(), { workers: 0 });
  try {
    const id = await submit(ctx);
    await routes.deleteRoute(ctx.t.store.db, 'wa', '/job');
    await ctx.cache.reloadRoute('wa', '/job');
    // a second queue on the same database, with workers, picks it up
    const q2 = await startQueue({
      store: ctx.t.store,
      routes: ctx.cache,
      invoker: { run: () => Promise.resolve(okResult()) },
      log: quietLog,
      options: defaultQueueOptions({ workers: 1, pollMs: 20 }),
    });
    const c = await final(ctx, id);
    await q2.stop(100);
    assert.is(c.status, 'error');
    assert.is(c.error, 'route /job of app wa was deleted before the call ran');
  } finally {
    await teardown(ctx);
  }
});

test("heartbeats keep a long call's lease alive: no other node re-queues it", async () => {
  const ctx = await setup(
    async () => {
      await sleep(900);
      return okResult();
    },
    { leaseMs: 300 },
  );
  try {
    const id = await submit(ctx);
    await waitFor('running', () => ctx.seen.length === 1);
    for (let i = 0; i < 8; i++) {
      await sleep(100);
      assert.equal(await recoverExpired(ctx.t.store.db, Date.now()), { requeued: 0, failed: 0 });
    }
    const c = await final(ctx, id);
    assert.is(c.status, 'success');
    assert.is(ctx.seen.length, 1);
  } finally {
    await teardown(ctx);
  }
});

test('stop(): a call finishing within the grace is recorded; one that does not is aborted and re-queued', async () => {
  const log = memoryLog();
  const t = await tempStore();
  await addRoute(t.store, 'wa', '/job');
  const cache = await loadedCache(t.store);
  const invoker = {
    run: (call: CallRequest) =>
      new Promise<CallResult>((resolve) => {
        if (call.body.toString() === 'quick') return void setTimeout(() => resolve(okResult()), 100);
        call.signal?.addEventListener('abort', () => resolve(faultResult(499, 'Call aborted', { reason: 'killed' })));
      }),
  };
  const queue = await startQueue({ store: t.store, routes: cache, invoker, log, options: defaultQueueOptions({ workers: 2, pollMs: 20 }) });
  try {
    const quick = gatewayCall(cache, 'wa', '/job', 'quick');
    const stuck = gatewayCall(cache, 'wa', '/job', 'stuck');
    await queue.sink.enqueue(quick, Date.now());
    await queue.sink.enqueue(stuck, Date.now());
    await waitFor('both running', async () => (await calls.countByStatus(t.store.db, 'running')) === 2);
    const t0 = Date.now();
    await queue.stop(400);
    // the stuck call never ends by itself: stop() returns because it aborted it after the 400 ms grace
    assert.ok(Date.now() - t0 >= 390 && Date.now() - t0 < 60_000, `stop took ${Date.now() - t0} ms`);
    assert.is((await calls.getCall(t.store.db, 'wa', quick.id))?.status, 'success');
    const s = await calls.getCall(t.store.db, 'wa', stuck.id);
    assert.is(s?.status, 'queued');
    assert.is(s?.attempts, 0, 'the interrupted attempt is not counted');
    assert.is(s?.leaseOwner, null);
    assert.ok(log.lines.some((l) => l.includes('returned to the queue')));
  } finally {
    t.dispose();
  }
});

test.run();
