// Load shedding end to end (PODFN_HOT_QUEUE_TARGET_MS, real Podman): a hot route with one container
// busy for a long call keeps its queue from draining; once the queue has stood for 100 ms, calls that
// queue are refused with 429 + Retry-After after the target instead of waiting for the container, and
// the call that had been waiting since before is refused when the container frees, not served late.
// With shedding off (PODFN_HOT_QUEUE_TARGET_MS=0, as in fn) the same waiting call is served.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { request, expectError, type Res } from '../helpers/http.ts';
import { testSocketPath, image, requirePodman } from '../helpers/podman.ts';

const test = suite('load shedding');
const APP = 'shed';
// the long call holds the only container while the test sets up a standing queue and sends more:
// long enough for a loaded host
const LONG_MS = 4000;

async function server(targetMs: string): Promise<TestServer> {
  const srv = await startServer({
    env: {
      PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`,
      PODFN_NODE_ID: `shed-${targetMs}-${process.pid}`,
      PODFN_HOT_QUEUE_SIZE: '10',
      PODFN_HOT_QUEUE_TARGET_MS: targetMs,
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

test.before(async () => {
  await requirePodman();
});

test.after(async () => {
  await Promise.allSettled([on?.stop(), off?.stop()]);
});

test('with shedding: a standing queue refuses new and stale waiters fast; the running call finishes', async () => {
  on = await server('10');
  let longDone = false;
  const long = call(on, LONG_MS).finally(() => (longDone = true)); // occupies the only container
  await untilHot(on, 1, 0);
  const stale = call(on, 1); // queues behind it
  await untilHot(on, 1, 1);
  await sleep(250); // the queue has not been empty for > 100 ms: standing
  const late = await call(on, 1);
  expectError(late, 429, /no hot container became free/);
  assert.is(late.headers['retry-after'], '1');
  // fast: after the 10 ms target, while the long call still runs, not once the container freed
  assert.is(longDone, false, 'refused while the long call still runs, not after it');
  assert.is((await long).status, 200);
  const s = await stale;
  expectError(s, 429, /no hot container became free/); // shed when the container freed, not served late
  // the queue drained: after a quiet interval the route serves normally again
  await sleep(150);
  assert.is((await call(on, 1)).status, 200);
});

test('without shedding (0): the waiting call is served after the long one', async () => {
  off = await server('0');
  const long = call(off, LONG_MS);
  await untilHot(off, 1, 0);
  const waiting = call(off, 1);
  await untilHot(off, 1, 1);
  await sleep(250);
  const also = call(off, 1);
  assert.equal([(await long).status, (await waiting).status, (await also).status], [200, 200, 200]);
});

test.run();
