// Load shedding end to end (PODFN_HOT_QUEUE_TARGET_MS, real Podman): a hot route with one container
// busy for a long call keeps its queue from draining; once calls keep coming to it (the queue grows by
// more than GROWTH_SLACK with nothing taken), calls that queue are refused with 429 + Retry-After after
// the target instead of waiting for the container, and the calls that had been waiting since before are
// refused when the container frees, not served late. With shedding off (PODFN_HOT_QUEUE_TARGET_MS=0, as
// in fn) the same calls are served. The default ('auto') sheds too.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { request, expectError, type Res } from '../helpers/http.ts';
import { testSocketPath, image, requirePodman } from '../helpers/podman.ts';
import { GROWTH_SLACK } from '../../src/runner/slot-queue.ts';

const test = suite('load shedding');
const APP = 'shed';
// the long call holds the only container while the test sets up a standing queue and sends more:
// long enough for a loaded host
const LONG_MS = 4000;

async function server(targetMs: string | undefined): Promise<TestServer> {
  const srv = await startServer({
    env: {
      PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`,
      PODFN_NODE_ID: `shed-${targetMs ?? 'default'}-${process.pid}`,
      PODFN_HOT_QUEUE_SIZE: '10',
      ...(targetMs === undefined ? {} : { PODFN_HOT_QUEUE_TARGET_MS: targetMs }),
    },
  });
  const res = await request(srv.url, 'POST', `/v1/apps/${APP}/routes`, {
    route: { path: '/s', image: image('sleep'), format: 'http', max_concurrency: 1, timeout: 30, idle_timeout: 60, config: { SLEEP_MS: '1' } },
  });
  assert.is(res.status, 200, res.text);
  assert.is((await call(srv, 1)).status, 200); // warm: one hot container up
  return srv;
}

/** SLEEP_MS per call through the fixture's X-Fixture-Sleep_ms header. */
function call(srv: TestServer, sleepMs: number): Promise<Res> {
  return request(srv.url, 'POST', `/r/${APP}/s`, 'x', { agent: false, timeoutMs: 120_000, headers: { 'x-fixture-sleep_ms': String(sleepMs) } });
}

/** Polls /readyz until the hot pool holds `busy` running and `queued` waiting calls. */
async function untilHot(srv: TestServer, busy: number, queued: number): Promise<void> {
  for (const end = Date.now() + 60_000; Date.now() < end; await sleep(10)) {
    const res = await request(srv.url, 'GET', '/readyz');
    const t = res.json<{ checks: { runner: { detail: { hot: { totals: { busy: number; queued: number } } } } } }>().checks.runner.detail.hot.totals;
    if (t.busy === busy && t.queued === queued) return;
  }
  throw new Error(`the hot pool never held ${busy} busy and ${queued} queued calls`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let on: TestServer | undefined;
let off: TestServer | undefined;
let dflt: TestServer | undefined;

/** GROWTH_SLACK calls that queue behind the long one, one after another (each queued before the next) */
async function keepComing(srv: TestServer, queuedBefore: number): Promise<Array<Promise<Res>>> {
  const out: Array<Promise<Res>> = [];
  for (let i = 0; i < GROWTH_SLACK; i++) {
    out.push(call(srv, 1));
    await untilHot(srv, 1, queuedBefore + i + 1);
  }
  return out;
}

test.before(async () => {
  await requirePodman();
});

test.after(async () => {
  await Promise.allSettled([on?.stop(), off?.stop(), dflt?.stop()]);
});

async function shedsGrowingQueue(srv: TestServer): Promise<void> {
  let longDone = false;
  const long = call(srv, LONG_MS).finally(() => (longDone = true)); // occupies the only container
  await untilHot(srv, 1, 0);
  const stale = call(srv, 1); // queues behind it
  await untilHot(srv, 1, 1);
  await sleep(250); // formed
  const more = await keepComing(srv, 1); // a burst and a few stragglers: still queued normally
  const late = await call(srv, 1); // and one more: the queue keeps growing with nothing taken
  expectError(late, 429, /no hot container became free/);
  assert.is(late.headers['retry-after'], '1');
  // fast: after the target, while the long call still runs, not once the container freed
  assert.is(longDone, false, 'refused while the long call still runs, not after it');
  assert.is((await long).status, 200);
  for (const s of [await stale, ...(await Promise.all(more))]) {
    expectError(s, 429, /no hot container became free/); // shed when the container freed, not served late
  }
  // the queue drained: after a quiet interval the route serves normally again
  await sleep(150);
  assert.is((await call(srv, 1)).status, 200);
}

test('with shedding (10 ms): a growing queue refuses new and stale waiters fast; the running call finishes', async () => {
  on = await server('10');
  await shedsGrowingQueue(on);
});

test('by default (auto): the same', async () => {
  dflt = await server(undefined);
  await shedsGrowingQueue(dflt);
});

test('without shedding (0): the waiting calls are served after the long one', async () => {
  off = await server('0');
  const long = call(off, LONG_MS);
  await untilHot(off, 1, 0);
  const waiting = call(off, 1);
  await untilHot(off, 1, 1);
  await sleep(250);
  const more = await keepComing(off, 1);
  const also = call(off, 1);
  assert.equal(
    [(await long).status, (await waiting).status, ...(await Promise.all(more)).map((r) => r.status), (await also).status],
    Array(3 + GROWTH_SLACK).fill(200),
  );
});

test.run();
