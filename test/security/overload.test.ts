// Overload end to end with real Podman: a hot `sleep` route with max_concurrency 1 and a small queue
// (PODFN_HOT_QUEUE_SIZE=2) answers calls beyond its capacity with a fast 429 + Retry-After; the node-wide
// cap (PODFN_MAX_INFLIGHT=4) answers 503 + Retry-After at once; a burst far over both gets only
// 200/429/503 answers: no reset connection, no hang. /metrics counts what happened.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, request, expectError, type Client, type Res } from '../helpers/http.ts';
import { testSocketPath, image, requirePodman } from '../helpers/podman.ts';

const test = suite('overload');
const APP = `ov${Date.now().toString(36)}`;
const SLEEP_MS = 800;
/** How long the calls that fill a route or the node hold their slot (x-fixture-sleep-ms): the window in
 * which the refusals are sent, wide enough for a loaded host. */
const HOLD_MS = 3000;
let srv: TestServer;
let api: Client;

/** One call on its own connection, timed; `holdMs`: the function sleeps that long in it. */
async function hit(path: string, holdMs?: number): Promise<{ res?: Res; err?: Error; ms: number }> {
  const t0 = Date.now();
  const hold: Record<string, string> = holdMs === undefined ? {} : { 'x-fixture-sleep-ms': String(holdMs) };
  try {
    const res = await request(srv.url, 'POST', `/r/${APP}${path}`, 'x', {
      agent: false,
      timeoutMs: 120_000,
      headers: { 'content-type': 'text/plain', ...hold },
    });
    return { res, ms: Date.now() - t0 };
  } catch (err) {
    return { err: err as Error, ms: Date.now() - t0 };
  }
}

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A refusal, at once: while every admitted call still ran (a queued call would have waited its turn). */
function assertShed(r: { res?: Res; err?: Error; ms: number }, status: number, what: string, admittedEnded: () => number): void {
  assert.ok(r.res, `${what}: connection error ${r.err?.message}`);
  expectError(r.res, status, undefined, what);
  assert.is(r.res.headers['retry-after'], '1', `${what}: Retry-After`);
  assert.is(admittedEnded(), 0, `${what}: answered (in ${r.ms} ms) while the admitted calls still ran`);
}

/** Polls /readyz until the hot pools hold `busy` running and `queued` waiting calls. */
async function untilHot(busy: number, queued: number): Promise<void> {
  let last = '';
  for (const end = Date.now() + 60_000; Date.now() < end; await sleepMs(20)) {
    const totals = (await api.get('/readyz')).json<{ checks: { runner: { detail: { hot: { totals: { busy: number; queued: number } } } } } }>().checks.runner
      .detail.hot.totals;
    if (totals.busy === busy && totals.queued === queued) return;
    last = JSON.stringify(totals);
  }
  throw new Error(`the hot pools never held ${busy} busy and ${queued} queued calls (last ${last})`);
}

test.before(async () => {
  await requirePodman();
  srv = await startServer({
    env: {
      PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`,
      PODFN_NODE_ID: `ovtest-${process.pid}`,
      PODFN_HOT_QUEUE_SIZE: '2',
      PODFN_HOT_QUEUE_WAIT_MS: '60000',
      PODFN_MAX_INFLIGHT: '4',
    },
  });
  api = client(srv.url);
  assert.is((await api.post('/v1/apps', { app: { name: APP } })).status, 200);
  for (const path of ['/a', '/b']) {
    const res = await api.post(`/v1/apps/${APP}/routes`, {
      route: { path, image: image('sleep'), format: 'http', max_concurrency: 1, timeout: 30, idle_timeout: 60, config: { SLEEP_MS: String(SLEEP_MS) } },
    });
    assert.is(res.status, 200, res.text);
    // warm: the hot container is up before the tests measure anything
    const warm = await hit(path);
    assert.is(warm.res?.status, 200, warm.res?.text ?? warm.err?.message);
  }
});

test.after(async () => {
  await srv?.stop();
});

test('route full (1 running + 2 queued): further calls get 429 + Retry-After at once; the admitted ones finish', async () => {
  let ended = 0;
  const admitted = Array.from({ length: 3 }, () => hit('/a', HOLD_MS).finally(() => ended++));
  await untilHot(1, 2);
  for (let i = 0; i < 5; i++) {
    const r = await hit('/a');
    assertShed(r, 429, `extra call ${i}`, () => ended);
    assert.match(r.res!.json<{ error: { message: string } }>().error.message, /queue is full/);
  }
  for (const r of await Promise.all(admitted)) assert.is(r.res?.status, 200, r.res?.text ?? r.err?.message);
});

test('node-wide cap (4 in flight): the fifth call gets 503 + Retry-After at once, whatever its route', async () => {
  let ended = 0;
  const admitted = ['/a', '/a', '/a', '/b'].map((p) => hit(p, HOLD_MS).finally(() => ended++));
  await untilHot(2, 2); // /a: one running, two queued; /b: one running
  for (const target of ['/b', '/a', '/nope']) {
    const r = await hit(target);
    assertShed(r, 503, `over the cap ${target}`, () => ended);
    assert.match(r.res!.json<{ error: { message: string } }>().error.message, /Server busy/);
  }
  for (const r of await Promise.all(admitted)) assert.is(r.res?.status, 200, r.res?.text ?? r.err?.message);
  // capacity is given back: a call after the burst is served
  assert.is((await hit('/b')).res?.status, 200);
});

test('a burst of 60 concurrent calls: only 200/429/503, every refusal fast with Retry-After, zero connection errors', async () => {
  // the admitted calls hold their slots long enough that the whole burst arrives while they run
  const all = await Promise.all(Array.from({ length: 60 }, (_, i) => hit(i % 2 ? '/a' : '/b', HOLD_MS)));
  const errors = all.filter((r) => !r.res);
  assert.equal(
    errors.map((r) => r.err?.message),
    [],
    'connection errors',
  );
  const byStatus: Record<number, number> = {};
  for (const r of all) byStatus[r.res!.status] = (byStatus[r.res!.status] ?? 0) + 1;
  assert.ok(
    Object.keys(byStatus).every((s) => ['200', '429', '503'].includes(s)),
    JSON.stringify(byStatus),
  );
  assert.ok((byStatus[200] ?? 0) >= 2 && (byStatus[200] ?? 0) <= 6, `admitted: ${JSON.stringify(byStatus)}`);
  // fast: refused on arrival, not after waiting out the 60 s queue wait
  for (const r of all.filter((x) => x.res!.status !== 200)) {
    assert.is(r.res!.headers['retry-after'], '1');
    assert.ok(r.ms < 30_000, `refusal took ${r.ms} ms`);
  }
});

test('/metrics counts the calls, the refusals and the live state', async () => {
  const text = (await api.get('/metrics')).text;
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  assert.ok(value(new RegExp(`^podfn_calls_total\\{node="[^"]+",app="${APP}",route="/a",status="429"\\} (\\d+)$`, 'm')) >= 5, text);
  assert.ok(value(new RegExp(`^podfn_calls_total\\{node="[^"]+",app="${APP}",route="/a",status="200"\\} (\\d+)$`, 'm')) >= 7, text);
  assert.ok(value(/^podfn_errors_total\{node="[^"]+",kind="overloaded"\} (\d+)$/m) >= 3, text);
  assert.ok(value(/^podfn_errors_total\{node="[^"]+",kind="throttled"\} (\d+)$/m) >= 5, text);
  assert.ok(value(new RegExp(`^podfn_cold_starts_total\\{node="[^"]+",app="${APP}",route="/a"\\} (\\d+)$`, 'm')) >= 1, text);
  assert.ok(value(new RegExp(`^podfn_call_duration_seconds_count\\{node="[^"]+",app="${APP}",route="/b",format="http"\\} (\\d+)$`, 'm')) >= 3, text);
  assert.ok(value(/^podfn_hot_containers\{node="[^"]+",state="idle"\} (\d+)$/m) >= 1, text);
  assert.is(value(/^podfn_inflight_calls\{node="[^"]+"\} (\d+)$/m), 0, text);
  assert.is(value(/^podfn_queue_depth\{node="[^"]+"\} (\d+)$/m), 0, text);
});

test.run();
