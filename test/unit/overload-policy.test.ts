// The hot queue's default load shedding (PODFN_HOT_QUEUE_TARGET_MS=auto) as clients see it, on fake
// containers with node's mock timers (deterministic, simulated milliseconds): a closed loop of N
// clients (each waits for its answer before its next call) is never shed, warm or cold, fast or slow,
// with clients that stall and catch up or start one after another; open-loop traffic at 4x a route's
// capacity is shed so the admitted calls' p99 stays within 2x the p99 at 0.5x (issue 15), goodput
// stays near capacity; after a burst of overload the route recovers (no shedding, no queueing) and a
// closed loop that follows is not shed.
import { mock } from 'node:test';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HotPools } from '../../src/runner/hot-pool.ts';
import type { MemoryAdmission } from '../../src/runner/memory.ts';
import { defaultRunnerOptions } from '../../src/runner/options.ts';
import type { Podman } from '../../src/runner/podman.ts';
import type { PoolSlot, SlotFactory } from '../../src/runner/slot-pool.ts';
import type { CallRequest, CallResult, FunctionSpec } from '../../src/runner/types.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const turn = () => new Promise((r) => setImmediate(r));

test.before.each(() => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
});
test.after.each(() => mock.timers.reset());

class FakeSlot implements PoolSlot {
  healthy = true;
  constructor(readonly id: string) {}
  async exec(call: CallRequest): Promise<CallResult> {
    const startedAt = Date.now();
    await sleep(Number(call.headers['x-ms']![0]));
    return { status: 200, headers: [], body: Buffer.alloc(0), log: Buffer.alloc(0), outcome: 'success', startedAt, completedAt: Date.now() };
  }
  close(): Promise<void> {
    this.healthy = false;
    return Promise.resolve();
  }
}

interface Outcome {
  at: number;
  status: number;
  ms: number;
}

function setup(maxConcurrency: number, callMs: number, startMs = 0) {
  let slots = 0;
  const factory: SlotFactory = async () => {
    await sleep(startMs);
    return new FakeSlot(`s${slots++}`);
  };
  // the defaults as the gateway runs them (hotQueueTargetMs 'auto'), with a queue big enough to matter
  const options = defaultRunnerOptions({ hotQueueSize: 100, hotQueueWaitMs: 10_000 });
  assert.is(options.hotQueueTargetMs, 'auto', 'shedding is on by default');
  const pools = new HotPools({ podman: {} as Podman, options, memory: {} as MemoryAdmission, factory });
  const fn: FunctionSpec = { appName: 'app', path: '/f', image: 'img', memory: 64, format: 'http', timeout: 30, idleTimeout: 600, maxConcurrency, config: {} };
  let n = 0;
  const outcomes: Outcome[] = [];
  const call = async (): Promise<Outcome> => {
    const at = Date.now();
    const req: CallRequest = {
      id: `c${n++}`,
      fn,
      method: 'POST',
      url: 'http://x/r/app/f',
      headers: { 'x-ms': [String(callMs)] },
      body: Buffer.alloc(0),
      params: {},
      deadline: at + 30_000,
    };
    const r = await pools.run(req);
    if (r.status !== 200) assert.ok(r.status === 503 && r.throttled, `only 200 or a throttled 503, got ${r.status} ${r.error}`);
    const o = { at, status: r.status, ms: Date.now() - at };
    outcomes.push(o);
    return o;
  };
  return { pools, call, outcomes };
}

/** Advances simulated time by `ms`, one millisecond at a time; `each(t)` runs at each (t: ms since start). */
async function simulate(ms: number, each: (t: number) => void = () => {}): Promise<void> {
  for (let t = 0; t < ms; t++) {
    each(t);
    mock.timers.tick(1);
    await turn();
  }
}

/** N clients in a closed loop until `stop()`: each calls, waits for the answer, then `think(i, k)` ms, and calls again. */
function closedLoop(
  n: number,
  call: () => Promise<Outcome>,
  startAt: (client: number) => number = () => 0,
  think: (client: number, k: number) => number = () => 0,
) {
  let running = true;
  const clients = Array.from({ length: n }, async (_, i) => {
    await sleep(startAt(i));
    for (let k = 0; running; k++) {
      await call();
      const ms = think(i, k);
      if (ms > 0) await sleep(ms);
    }
  });
  return {
    /** stops the clients; their last calls end within `ms` simulated */
    stop: async (ms: number) => {
      running = false;
      await simulate(ms);
      await Promise.all(clients);
    },
  };
}

const statuses = (os: Outcome[]) => os.reduce<Record<number, number>>((m, o) => ({ ...m, [o.status]: (m[o.status] ?? 0) + 1 }), {});
function p99(os: Outcome[]): number {
  const s = os.map((o) => o.ms).sort((a, b) => a - b);
  return s[Math.ceil(0.99 * s.length) - 1]!;
}

test('closed loop, 32 clients on one warm fast container, clients stalling and catching up: never shed', async () => {
  const { pools, call, outcomes } = setup(1, 2);
  const warm = call();
  await simulate(5);
  await warm;
  // every 250 ms a third of the clients stalls 40 ms (a starved client process), then all come back at once
  const loop = closedLoop(32, call, undefined, (i, k) => (i < 11 && k % 100 === 50 ? 40 : 0));
  await simulate(3000);
  await loop.stop(200);
  assert.equal(statuses(outcomes), { 200: outcomes.length });
  assert.ok(outcomes.length > 1200, `${outcomes.length} calls in 3 s at 2 ms each`);
  await pools.close();
});

test('closed loop, 32 clients arriving in 4 groups over 60 ms on a warm container at 5 ms a call (a loaded host): never shed', async () => {
  const { pools, call, outcomes } = setup(1, 5);
  const warm = call();
  await simulate(10);
  await warm;
  const loop = closedLoop(32, call, (i) => Math.floor(i / 8) * 20);
  await simulate(3000);
  await loop.stop(200);
  assert.equal(statuses(outcomes), { 200: outcomes.length });
  await pools.close();
});

test('closed loop, 32 clients starting one after another on a cold route of 4 containers: never shed', async () => {
  const { pools, call, outcomes } = setup(4, 1, 300);
  const loop = closedLoop(32, call, (i) => i * 7); // the 32nd client starts ~220 ms after the first
  await simulate(2000);
  await loop.stop(200);
  assert.equal(statuses(outcomes), { 200: outcomes.length });
  assert.ok(outcomes.length > 3000, `${outcomes.length} calls`);
  await pools.close();
});

test('closed loop, 32 clients on 2 slow containers (each call waits ~0.8 s in the queue): never shed', async () => {
  const { pools, call, outcomes } = setup(2, 50);
  const warm = [call(), call()];
  await simulate(60);
  await Promise.all(warm);
  const loop = closedLoop(32, call, (i) => i);
  await simulate(4000);
  await loop.stop(1000);
  assert.equal(statuses(outcomes), { 200: outcomes.length });
  const waited = outcomes.slice(-100).map((o) => o.ms);
  assert.ok(Math.min(...waited) > 500, 'they did queue');
  await pools.close();
});

/**
 * open loop: `perS` calls per second for `ms`, whatever the answers; while `stalled(t)` the client
 * sends nothing, then every call it owes at once (a load generator starved of CPU)
 */
async function openLoop(call: () => Promise<Outcome>, perS: number, ms: number, stalled: (t: number) => boolean = () => false): Promise<Outcome[]> {
  const gap = 1000 / perS;
  const pending: Array<Promise<Outcome>> = [];
  let next = 0;
  await simulate(ms, (t) => {
    while (!stalled(t) && next * gap <= t) {
      pending.push(call());
      next++;
    }
  });
  await simulate(2000); // the admitted ones finish
  return Promise.all(pending);
}

test('open loop at 4x capacity: the excess is shed, admitted p99 stays within 2x the p99 at 0.5x, goodput near capacity', async () => {
  const { pools, call } = setup(2, 50); // 2 containers x 50 ms = 40 calls/s
  const warm = [call(), call()];
  await simulate(60);
  await Promise.all(warm);
  const half = await openLoop(call, 20, 3000);
  assert.equal(statuses(half), { 200: half.length });
  const four = await openLoop(call, 160, 8000); // 8 s, as npm run bench
  const ok = four.filter((o) => o.status === 200);
  const shed = four.filter((o) => o.status === 503);
  assert.ok(shed.length > four.length / 2, `most of the excess is refused (${shed.length} of ${four.length})`);
  assert.ok(ok.length >= 0.9 * 40 * 8, `goodput near capacity: ${ok.length} in 8 s`);
  assert.ok(p99(ok) <= 2 * p99(half), `admitted p99 ${p99(ok)} ms vs ${p99(half)} ms at 0.5x`);
  // once it is detected, an admitted call waits at most the target (half the call time)
  const late = ok.filter((o) => o.at - four[0]!.at > 150);
  assert.ok(Math.max(...late.map((o) => o.ms)) <= 50 + 25 + 2, `admitted after detection: at most ${Math.max(...late.map((o) => o.ms))} ms`);
  // and a refusal comes within the target too: nobody waits long to be told
  assert.ok(Math.max(...shed.slice(10).map((o) => o.ms)) <= 50, 'refused fast');
  await pools.close();
});

test('open loop at 4x from a client that stalls 150 ms every second and then sends all it owes: admitted p99 still within 2x', async () => {
  const { pools, call } = setup(2, 50);
  const warm = [call(), call()];
  await simulate(60);
  await Promise.all(warm);
  const half = await openLoop(call, 20, 3000);
  const four = await openLoop(call, 160, 8000, (t) => t % 1000 >= 500 && t % 1000 < 650);
  const ok = four.filter((o) => o.status === 200);
  assert.ok(p99(ok) <= 2 * p99(half), `admitted p99 ${p99(ok)} ms vs ${p99(half)} ms at 0.5x`);
  const late = ok.filter((o) => o.at - four[0]!.at > 150);
  assert.ok(Math.max(...late.map((o) => o.ms)) <= 50 + 25 + 2, `admitted after detection: at most ${Math.max(...late.map((o) => o.ms))} ms`);
  await pools.close();
});

test('overload then 0.5x: the route recovers (no refusals, no queueing), and a closed loop after it is not shed', async () => {
  const { pools, call, outcomes } = setup(2, 50);
  const warm = [call(), call()];
  await simulate(60);
  await Promise.all(warm);
  const over = await openLoop(call, 160, 1000);
  assert.ok(
    over.some((o) => o.status === 503),
    'shed while overloaded',
  );
  const after = await openLoop(call, 20, 3000);
  assert.equal(statuses(after), { 200: after.length });
  assert.ok(Math.max(...after.map((o) => o.ms)) <= 52, 'no queueing left');
  const from = outcomes.length;
  const loop = closedLoop(32, call);
  await simulate(3000);
  await loop.stop(1000);
  const closed = outcomes.slice(from);
  assert.equal(statuses(closed), { 200: closed.length });
  await pools.close();
});

test.run();
