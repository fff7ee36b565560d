// The Prometheus registry and podfn's recorders: text format, label escaping, cumulative histogram
// buckets, per-route series reuse, and scrape-time gauges. Pure, no server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Counter, Gauge, Histogram, Registry, escapeLabel } from '../../src/metrics/registry.ts';
import { PodfnMetrics } from '../../src/metrics/podfn.ts';

const lines = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));

test('counter and gauge: HELP/TYPE once, one line per series, labels escaped', async () => {
  const r = new Registry();
  const c = r.register(new Counter('x_total', 'things\nhelp', ['a']));
  const g = r.register(new Gauge('y', 'a gauge'));
  c.inc(['plain']);
  c.inc(['plain'], 2);
  c.inc(['we"ird\\va\nlue']);
  g.set([], 1.5);
  const text = await r.render();
  assert.ok(text.endsWith('\n'));
  assert.ok(text.includes('# HELP x_total things\\nhelp\n# TYPE x_total counter\n'));
  assert.equal(lines(text), ['x_total{a="plain"} 3', 'x_total{a="we\\"ird\\\\va\\nlue"} 1', 'y 1.5']);
  assert.is(escapeLabel('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  assert.throws(() => c.inc(['x'], -1));
  assert.throws(() => c.inc([]), /label values/);
  assert.throws(() => r.register(new Counter('x_total', 'dup')), /twice/);
  assert.throws(() => new Counter('bad-name', 'x'));
});

test('histogram: cumulative buckets with +Inf, sum and count; a value on a bound counts in that bucket', async () => {
  const r = new Registry();
  const h = r.register(new Histogram('d_seconds', 'd', ['k'], [0.1, 1]));
  for (const v of [0.05, 0.1, 0.5, 2]) h.observe(['x'], v);
  assert.equal(lines(await r.render()), [
    'd_seconds_bucket{k="x",le="0.1"} 2',
    'd_seconds_bucket{k="x",le="1"} 3',
    'd_seconds_bucket{k="x",le="+Inf"} 4',
    'd_seconds_sum{k="x"} 2.65',
    'd_seconds_count{k="x"} 4',
  ]);
  assert.throws(() => new Histogram('bad', 'b', [], [1, 1]), /increase/);
});

test('series(): the same handle for the same labels (recording is a field update)', () => {
  const c = new Counter('s_total', 's', ['a', 'b']);
  assert.is(c.series('1', '2'), c.series('1', '2'));
  assert.is.not(c.series('1', '2'), c.series('12', ''));
});

test('PodfnMetrics: calls by route and status, durations, cold starts, errors, node info, live gauges', async () => {
  let depth = 7;
  const m = new PodfnMetrics('node-a', '1.2.3', () => ({
    hot: { starting: 1, idle: 2, busy: 3, queued: 4 },
    coldRunning: 5,
    inflight: 6,
    memory: { totalMb: 1024, usedMb: 128, waiting: 0 },
    queueDepth: () => {
      if (depth < 0) return Promise.reject(new Error('db down'));
      return Promise.resolve(depth);
    },
  }));
  const route = {};
  const sameRouteUpdated = {};
  m.call(route, 'app', '/hello', 'http', 200, 3, true, 400);
  m.call(route, 'app', '/hello', 'http', 200, 2);
  m.call(route, 'app', '/hello', 'http', 429, 0.5);
  m.call(sameRouteUpdated, 'app', '/hello', 'http', 200, 7);
  m.error('throttled');
  m.error('not_found');
  m.error('not_found');
  const text = await m.render();
  const l = lines(text);
  const has = (s: string) => assert.ok(l.includes(s), `missing ${s} in\n${text}`);
  has('podfn_calls_total{node="node-a",app="app",route="/hello",status="200"} 3');
  has('podfn_calls_total{node="node-a",app="app",route="/hello",status="429"} 1');
  has('podfn_call_duration_seconds_count{node="node-a",app="app",route="/hello",format="http"} 4');
  has('podfn_call_duration_seconds_bucket{node="node-a",app="app",route="/hello",format="http",le="0.001"} 1');
  has('podfn_call_duration_seconds_bucket{node="node-a",app="app",route="/hello",format="http",le="0.005"} 3');
  has('podfn_cold_starts_total{node="node-a",app="app",route="/hello"} 1');
  has('podfn_container_start_seconds_bucket{node="node-a",le="0.5"} 1');
  has('podfn_container_start_seconds_count{node="node-a"} 1');
  has('podfn_errors_total{node="node-a",kind="throttled"} 1');
  has('podfn_errors_total{node="node-a",kind="not_found"} 2');
  has('podfn_errors_total{node="node-a",kind="platform"} 0');
  has('podfn_node_info{node="node-a",version="1.2.3"} 1');
  has('podfn_hot_containers{node="node-a",state="starting"} 1');
  has('podfn_hot_containers{node="node-a",state="idle"} 2');
  has('podfn_hot_containers{node="node-a",state="busy"} 3');
  has('podfn_hot_queued_calls{node="node-a"} 4');
  has('podfn_cold_containers{node="node-a"} 5');
  has('podfn_inflight_calls{node="node-a"} 6');
  has('podfn_queue_depth{node="node-a"} 7');
  has(`podfn_memory_reserved_bytes{node="node-a"} ${128 * 1024 * 1024}`);
  // every series line is `name{labels} value` with a numeric value
  for (const line of l) assert.match(line, /^[a-z_]+(\{[^}]*\})? (-?[0-9.e+-]+|\+Inf|NaN)$/, line);
  depth = -1;
  assert.not.ok(
    lines(await m.render()).some((x) => x.startsWith('podfn_queue_depth')),
    'no stale depth when the database is down',
  );
});

test('recording is cheap: 1e6 calls of one route well under a second', () => {
  const m = new PodfnMetrics('n', 'v', () => ({}));
  const route = {};
  // ~0.1 s on an idle host: the fastest of three rounds, so a busy host's stalls do not count
  let ms = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let i = 0; i < 1_000_000; i++) m.call(route, 'app', '/r', 'http', 200, i % 50);
    ms = Math.min(ms, performance.now() - t0);
  }
  assert.ok(ms < 1000, `${ms} ms`);
});

test.run();
