// The console's time series (src/metrics/timeseries.ts): samples are differences between readings of
// the metrics' own counters (calls/s, p50/p99 from the histogram buckets, errors by kind, cold starts),
// plus live state (hot containers per route, memory, queue depth); the ring buffer is bounded; ?since
// returns only newer samples; GET /v1/stats/timeseries serves them and refuses a bad since. Pure, no server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PodfnMetrics } from '../../src/metrics/podfn.ts';
import { TimeSeries, quantileMs, type TimeSeriesLive } from '../../src/metrics/timeseries.ts';
import { Hono } from 'hono';
import { statsApi } from '../../src/http/admin/stats.ts';
import { errorHandler } from '../../src/http/errors.ts';

const idle = (): TimeSeriesLive => ({ hotByRoute: [], coldRunning: 0, memoryUsedMb: 0, memoryTotalMb: 1024, inflight: 0 });

test('quantileMs: interpolates inside the bucket holding the rank; null when empty; +Inf is the top bound', () => {
  const bounds = [0.001, 0.01, 0.1];
  assert.is(quantileMs([0, 0, 0, 0], 0.5, bounds), null);
  // 10 calls between 1 and 10 ms: the median is halfway through that bucket
  assert.is(quantileMs([0, 10, 0, 0], 0.5, bounds), 5.5);
  assert.is(quantileMs([10, 0, 0, 0], 0.99, bounds), 0.99);
  assert.is(quantileMs([0, 0, 0, 3], 0.5, bounds), 100);
  assert.is(quantileMs([98, 0, 2, 0], 0.99, bounds), 55);
});

test('samples are per-interval differences, per route and in total, with live state', async () => {
  let now = 1_000_000;
  const m = new PodfnMetrics('node-a', 'test', () => ({}));
  let depth = 3;
  let live = idle();
  const ts = new TimeSeries(m, () => ({ ...live, queueDepth: () => Promise.resolve(depth) }), { intervalMs: 5000, windowMs: 20_000, now: () => now });
  const a = {};
  const b = {};
  m.call(a, 'app', '/a', 'http', 200, 2); // before the baseline: not in any sample
  ts.baseline();
  for (let i = 0; i < 10; i++) m.call(a, 'app', '/a', 'http', 200, 3);
  m.call(b, 'app', '/b', 'default', 502, 400, true, 300);
  m.error('function');
  live = {
    ...live,
    hotByRoute: [
      { app: 'app', path: '/a', containers: 2 },
      { app: 'other', path: '/warm', containers: 1 },
    ],
    memoryUsedMb: 256,
  };
  now += 5000;
  const s1 = await ts.sample();
  assert.ok(s1);
  assert.is(s1.time_ms, now);
  assert.is(s1.interval_ms, 5000);
  assert.is(s1.calls, 11);
  assert.is(s1.calls_per_s, 2.2);
  assert.is(s1.failed, 1);
  assert.is(s1.cold_starts, 1);
  assert.is(s1.errors.function, 1);
  assert.is(s1.errors.timeout, 0);
  assert.is(s1.hot_containers, 3);
  assert.is(s1.memory_used_mb, 256);
  assert.is(s1.queue_depth, 3);
  assert.ok(s1.p50_ms !== null && s1.p50_ms > 2.5 && s1.p50_ms <= 5, `p50 ${s1.p50_ms}`);
  assert.ok(s1.p99_ms !== null && s1.p99_ms > 250 && s1.p99_ms <= 500, `p99 ${s1.p99_ms}`);
  assert.equal(
    s1.routes.map((r) => [r.app, r.path, r.calls, r.cold_starts, r.hot_containers, r.failed]),
    [
      ['app', '/a', 10, 0, 2, 0],
      ['app', '/b', 1, 1, 0, 1],
      ['other', '/warm', 0, 0, 1, 0],
    ],
  );
  // nothing new: zero calls, null latency, routes with neither calls nor containers left out
  live = idle();
  depth = 0;
  now += 5000;
  const s2 = await ts.sample();
  assert.ok(s2);
  assert.is(s2.calls, 0);
  assert.is(s2.p50_ms, null);
  assert.equal(s2.routes, []);
  assert.is(ts.since(s1.time_ms).length, 1);
  assert.is(ts.since(0).length, 2);
});

test('the ring keeps windowMs of samples; a failing queue depth is null, not an error', async () => {
  let now = 0;
  const m = new PodfnMetrics('n', 'test', () => ({}));
  const ts = new TimeSeries(m, () => ({ ...idle(), queueDepth: () => Promise.reject(new Error('db down')) }), {
    intervalMs: 1000,
    windowMs: 5000,
    now: () => now,
  });
  ts.baseline();
  for (let i = 0; i < 12; i++) {
    now += 1000;
    const s = await ts.sample();
    assert.is(s?.queue_depth, null);
  }
  const all = ts.since();
  assert.is(all.length, 5);
  assert.is(all[0]!.time_ms, 8000);
  assert.is(all[4]!.time_ms, 12000);
});

test('routes per sample are capped at maxRoutes, busiest first', async () => {
  let now = 0;
  const m = new PodfnMetrics('n', 'test', () => ({}));
  const ts = new TimeSeries(m, idle, { maxRoutes: 3, now: () => now });
  ts.baseline();
  for (let r = 0; r < 10; r++) {
    const key = {};
    for (let i = 0; i <= r; i++) m.call(key, 'app', `/r${r}`, 'json', 200, 1);
  }
  now += 5000;
  const s = await ts.sample();
  assert.equal(
    s?.routes.map((r) => r.path),
    ['/r9', '/r8', '/r7'],
  );
  assert.is(s?.calls, 55);
});

test('GET /v1/stats/timeseries: samples after since, the node, 400 on a bad since', async () => {
  let now = 0;
  const m = new PodfnMetrics('n', 'test', () => ({}));
  const ts = new TimeSeries(m, idle, { now: () => now });
  ts.baseline();
  for (let i = 0; i < 3; i++) {
    now += 5000;
    await ts.sample();
  }
  const api = new Hono();
  api.onError(errorHandler({ info() {}, warn() {}, error() {} }));
  api.route('/', statsApi({ node: 'node-x', series: ts }));
  const all = (await (await api.request('/timeseries')).json()) as { node: string; interval_ms: number; samples: { time_ms: number }[] };
  assert.is(all.node, 'node-x');
  assert.is(all.interval_ms, 5000);
  assert.equal(
    all.samples.map((s) => s.time_ms),
    [5000, 10000, 15000],
  );
  const newer = (await (await api.request('/timeseries?since=10000')).json()) as { samples: { time_ms: number }[] };
  assert.equal(
    newer.samples.map((s) => s.time_ms),
    [15000],
  );
  for (const bad of ['-1', 'abc', '1e5', '1.5']) {
    const res = await api.request(`/timeseries?since=${bad}`);
    assert.is(res.status, 400, bad);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /Invalid since/);
  }
});

test.run();
