// Pool policy of HotPools with fake slots (no Podman): concurrency cap, MRU reuse, queue bound and
// deadline, drain, idle reaping, replacement of broken containers, pool independence, shutdown.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HotStartError } from '../../src/runner/hot-launcher.ts';
import { HotPools } from '../../src/runner/hot-pool.ts';
import { GROWTH_SLACK } from '../../src/runner/slot-queue.ts';
import type { MemoryAdmission } from '../../src/runner/memory.ts';
import { defaultRunnerOptions, type RunnerOptions } from '../../src/runner/options.ts';
import type { Podman } from '../../src/runner/podman.ts';
import type { PoolSlot, SlotFactory } from '../../src/runner/slot-pool.ts';
import type { CallRequest, CallResult, FunctionSpec } from '../../src/runner/types.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class FakeSlot implements PoolSlot {
  healthy = true;
  closed = false;
  calls = 0;
  private deathListeners: Array<() => void> = [];
  constructor(
    readonly id: string,
    private readonly world: World,
  ) {}
  async exec(call: CallRequest): Promise<CallResult> {
    this.calls++;
    this.world.running++;
    this.world.maxRunning = Math.max(this.world.maxRunning, this.world.running);
    const ms = Number(call.headers['x-ms']?.[0] ?? 0);
    const startedAt = Date.now();
    await sleep(ms);
    this.world.running--;
    if (call.headers['x-break']) this.healthy = false;
    return {
      status: 200,
      headers: [['x-slot', this.id]],
      body: Buffer.from(this.id),
      log: Buffer.alloc(0),
      outcome: 'success',
      startedAt,
      completedAt: Date.now(),
    };
  }
  close(): Promise<void> {
    this.healthy = false;
    this.closed = true;
    return Promise.resolve();
  }
  onDeath(l: () => void): void {
    this.deathListeners.push(l);
  }
  die(): void {
    this.healthy = false;
    for (const l of this.deathListeners) l();
  }
}

class World {
  running = 0;
  maxRunning = 0;
  slots: FakeSlot[] = [];
  startMs = 0;
  failStarts = 0;
  factory: SlotFactory = async () => {
    await sleep(this.startMs);
    if (this.failStarts > 0) {
      this.failStarts--;
      throw new HotStartError('Container failed to initialize: no socket at FN_LISTENER within 5 ms');
    }
    const s = new FakeSlot(`s${this.slots.length}`, this);
    this.slots.push(s);
    return s;
  };
}

function setup(opts: Partial<RunnerOptions> = {}) {
  const world = new World();
  const options = defaultRunnerOptions({ hotQueueSize: 100, hotQueueWaitMs: 2000, ...opts });
  const pools = new HotPools({ podman: {} as Podman, options, memory: {} as MemoryAdmission, factory: world.factory });
  return { world, pools };
}

function spec(over: Partial<FunctionSpec> = {}): FunctionSpec {
  return { appName: 'app', path: '/f', image: 'img', memory: 64, format: 'http', timeout: 30, idleTimeout: 30, maxConcurrency: 2, config: {}, ...over };
}

let n = 0;
function call(fn: FunctionSpec, headers: Record<string, string> = {}, timeoutMs = 5000): CallRequest {
  const h: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) h[k] = [v];
  return { id: `c${n++}`, fn, method: 'POST', url: 'http://x/r/app/f', headers: h, body: Buffer.alloc(0), params: {}, deadline: Date.now() + timeoutMs };
}

test('max_concurrency caps containers; extra calls queue and all succeed', async () => {
  const { world, pools } = setup();
  const fn = spec({ maxConcurrency: 2 });
  const results = await Promise.all(Array.from({ length: 10 }, () => pools.run(call(fn, { 'x-ms': '20' }))));
  assert.ok(results.every((r) => r.status === 200));
  assert.is(world.slots.length, 2);
  assert.is(world.maxRunning, 2);
  assert.is(results.filter((r) => r.coldStart).length, 2);
  const s = pools.stats();
  assert.equal(s.totals, { pools: 1, starting: 0, idle: 2, busy: 0, queued: 0 });
  await pools.close();
});

test("shedding 'auto': calls that keep coming to a queue wait about half the route's call time, then 429; a burst alone is served", async () => {
  const { pools } = setup({ hotQueueTargetMs: 'auto' });
  const fn = spec({ maxConcurrency: 1 });
  assert.is((await pools.run(call(fn, { 'x-ms': '200' }))).status, 200); // the route's call time: ~200 ms
  // a burst behind a long call, nobody else coming: served in turn though it waits longer than the target
  const burst = await Promise.all([pools.run(call(fn, { 'x-ms': '300' })), pools.run(call(fn)), pools.run(call(fn))]);
  assert.equal(
    burst.map((r) => r.status),
    [200, 200, 200],
  );
  // sustained: behind a long call, calls keep coming (the queue grows by more than GROWTH_SLACK, nothing taken)
  const long = pools.run(call(fn, { 'x-ms': '1500' }));
  const stale = pools.run(call(fn));
  await sleep(150); // formed (its first 100 ms), with a margin for timer and clock granularity
  const early: Array<Promise<CallResult>> = [];
  for (let i = 0; i < GROWTH_SLACK; i++) {
    early.push(pools.run(call(fn)));
    await sleep(10);
  }
  const t0 = Date.now();
  const late = await pools.run(call(fn));
  const waited = Date.now() - t0;
  assert.is(late.status, 503);
  assert.is(late.throttled, true);
  assert.ok(waited >= 40 && waited < 1200, `waited ${waited} ms: about half the call time (~70 ms), not until the long call ended`);
  assert.is((await long).status, 200);
  for (const r of [await stale, ...(await Promise.all(early))]) {
    assert.is(r.status, 503, 'the stale waiters are refused when the container frees, not served late');
  }
});

test('0 = hotDefaultMaxConcurrency', async () => {
  const { world, pools } = setup({ hotDefaultMaxConcurrency: 3 });
  await Promise.all(Array.from({ length: 9 }, () => pools.run(call(spec({ maxConcurrency: 0 }), { 'x-ms': '20' }))));
  assert.is(world.slots.length, 3);
  await pools.close();
});

test('most recently used idle container serves first; the coldest idles out', async () => {
  const { world, pools } = setup();
  const fn = spec({ maxConcurrency: 2, idleTimeout: 0.15 });
  // s0 finishes first, s1 later: s1 is the most recently used
  await Promise.all([pools.run(call(fn, { 'x-ms': '10' })), pools.run(call(fn, { 'x-ms': '40' }))]);
  const [a, b] = world.slots;
  for (let i = 0; i < 5; i++) {
    const r = await pools.run(call(fn));
    assert.is(r.body.toString(), b!.id);
    await sleep(40);
  }
  assert.ok(a!.closed, 'the unused container was reaped');
  assert.not.ok(b!.closed);
  assert.is(pools.stats().totals.idle, 1);
  await sleep(250);
  assert.ok(b!.closed, 'idle_timeout reaps the last one too');
  assert.is(pools.stats().totals.pools, 0, 'an empty pool is forgotten');
  await pools.close();
});

test('queue full -> 503 at once', async () => {
  const { pools } = setup({ hotQueueSize: 2 });
  const fn = spec({ maxConcurrency: 1 });
  let ended = 0;
  const running = [0, 1, 2].map(() => pools.run(call(fn, { 'x-ms': '100' })).finally(() => ended++));
  await sleep(10);
  assert.is(pools.stats().totals.queued, 2);
  const r = await pools.run(call(fn));
  assert.is(r.status, 503);
  assert.match(r.error ?? '', /queue is full/);
  assert.is(ended, 0, 'at once: before the busy call ended and freed anything');
  assert.ok((await Promise.all(running)).every((x) => x.status === 200));
  await pools.close();
});

test('queue wait over -> 503; the call deadline also bounds the wait', async () => {
  const { pools } = setup({ hotQueueWaitMs: 60 });
  const fn = spec({ maxConcurrency: 1 });
  let busyDone = false;
  const busy = pools.run(call(fn, { 'x-ms': '300' })).finally(() => {
    busyDone = true;
  });
  await sleep(5);
  const t0 = Date.now();
  const r = await pools.run(call(fn));
  assert.is(r.status, 503);
  assert.match(r.error ?? '', /no hot container became free within/);
  assert.ok(Date.now() - t0 >= 55, `waited ${Date.now() - t0} ms (hotQueueWaitMs 60)`);
  assert.not.ok(busyDone, 'gave up at the queue wait, not when the busy call freed its container');
  assert.is((await busy).status, 200);
  await pools.close();
  // a queue wait far longer than the busy call: only the call's own 20 ms deadline ends it before
  // the container comes free
  const long = setup({ hotQueueWaitMs: 60_000 });
  let longBusyDone = false;
  const longBusy = long.pools.run(call(fn, { 'x-ms': '300' })).finally(() => {
    longBusyDone = true;
  });
  await sleep(5);
  const own = await long.pools.run(call(fn, {}, 20));
  assert.is(own.status, 503);
  assert.not.ok(longBusyDone, 'own deadline shorter than the queue wait');
  assert.is((await longBusy).status, 200);
  await long.pools.close();
});

test('drain: idle closes now, busy finishes its call then closes, queued calls are still served, new calls get new containers', async () => {
  const { world, pools } = setup();
  const fn = spec({ maxConcurrency: 2 });
  await Promise.all([pools.run(call(fn, { 'x-ms': '5' })), pools.run(call(fn, { 'x-ms': '5' }))]);
  const [a, b] = world.slots;
  const inflight = pools.run(call(fn, { 'x-ms': '80' })); // takes b (MRU)
  const inflight2 = pools.run(call(fn, { 'x-ms': '80' })); // takes a
  const queued = pools.run(call(fn, { 'x-ms': '1' }));
  await sleep(10);
  assert.is(pools.drain('app', '/f'), 1);
  assert.not.ok(a!.closed || b!.closed, 'busy containers keep running');
  const fresh = await pools.run(call(spec({ maxConcurrency: 2, image: 'img2' })));
  assert.is(fresh.status, 200);
  assert.is(world.slots.length, 3, 'a new container for the new spec');
  const [r1, r2, r3] = await Promise.all([inflight, inflight2, queued]);
  assert.is(r1.status, 200);
  assert.is(r2.status, 200);
  assert.is(r3.status, 200);
  await sleep(5);
  assert.ok(a!.closed && b!.closed, 'closed after their calls');
  assert.not.ok(world.slots[2]!.closed);
  assert.is(pools.drain('other'), 0);
  assert.is(pools.drain('app'), 1, 'app-wide drain');
  await sleep(5);
  assert.ok(world.slots[2]!.closed);
  assert.is(pools.stats().totals.pools, 0);
  await pools.close();
});

test('a broken container is closed and replaced; the next call works', async () => {
  const { world, pools } = setup();
  const fn = spec({ maxConcurrency: 1 });
  assert.is((await pools.run(call(fn, { 'x-break': '1' }))).status, 200);
  assert.ok(world.slots[0]!.closed);
  const r = await pools.run(call(fn));
  assert.is(r.body.toString(), 's1');
  assert.ok(r.coldStart);
});

test('a container dying while idle is dropped at once', async () => {
  const { world, pools } = setup();
  const fn = spec();
  await pools.run(call(fn));
  world.slots[0]!.die();
  assert.is(pools.stats().totals.idle, 0);
  assert.ok(world.slots[0]!.closed);
  assert.is((await pools.run(call(fn))).body.toString(), 's1');
  await pools.close();
});

test('start failure -> 502 to the waiting call; the pool recovers', async () => {
  const { world, pools } = setup();
  world.failStarts = 1;
  const fn = spec({ maxConcurrency: 1 });
  const r = await pools.run(call(fn));
  assert.is(r.status, 502);
  assert.ok(r.platformError);
  assert.match(r.error ?? '', /Container failed to initialize/);
  assert.is((await pools.run(call(fn))).status, 200);
  await pools.close();
});

test('a saturated pool never stalls another', async () => {
  const { pools } = setup();
  const slow = spec({ path: '/slow', maxConcurrency: 1 });
  let slowEnded = 0;
  const pending = [0, 1, 2, 3].map(() => pools.run(call(slow, { 'x-ms': '150' })).finally(() => slowEnded++));
  await sleep(5);
  assert.is((await pools.run(call(spec({ path: '/fast' })))).status, 200);
  assert.is(slowEnded, 0, "served before the saturated pool's first call ended");
  const st = pools.stats();
  const slowStats = st.pools.find((p) => p.path === '/slow')!;
  assert.is(slowStats.busy, 1);
  assert.is(slowStats.queued, 3);
  await Promise.all(pending);
  await pools.close();
});

test('stats count starting containers', async () => {
  const { world, pools } = setup();
  world.startMs = 50;
  const p = pools.run(call(spec()));
  await sleep(10);
  assert.equal(pools.stats().totals, { pools: 1, starting: 1, idle: 0, busy: 0, queued: 0 });
  await p;
  await pools.close();
});

test('abort while queued', async () => {
  const { pools } = setup();
  const fn = spec({ maxConcurrency: 1 });
  const busy = pools.run(call(fn, { 'x-ms': '100' }));
  const ac = new AbortController();
  const c = call(fn);
  c.signal = ac.signal;
  const p = pools.run(c);
  await sleep(5);
  ac.abort();
  assert.is((await p).status, 499);
  assert.is(pools.stats().totals.queued, 0);
  await busy;
  await pools.close();
});

test('close() fails waiters, stops every container, refuses new calls', async () => {
  const { world, pools } = setup();
  const fn = spec({ maxConcurrency: 1 });
  await pools.run(call(spec({ path: '/idle' })));
  const busy = pools.run(call(fn, { 'x-ms': '50' }));
  const waiting = pools.run(call(fn));
  await sleep(5);
  await pools.close();
  assert.is((await waiting).status, 503);
  await busy;
  assert.ok(world.slots.every((s) => s.closed));
  assert.is((await pools.run(call(fn))).status, 503);
});

test.run();
