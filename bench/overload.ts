// Overload benchmark (issue 5): a hot `sleep` route of known capacity (max_concurrency C, SLEEP_MS S
// -> C*1000/S calls/s) driven open-loop at 0.5x capacity (baseline), then at 4x (saturation), each for
// D seconds. Shedding works when, at 4x, the admitted calls' p99 stays near the baseline's, the excess
// is refused fast (429/503 + Retry-After), goodput stays at capacity, and no connection fails.
// Usage: npx tsx bench/overload.ts [seconds=20]; PODFN_CONTAINER_HOST picks the Podman socket. Prints JSON.
// The gateway runs with load shedding on (PODFN_HOT_QUEUE_TARGET_MS=10); BENCH_QUEUE_TARGET_MS=0 measures
// plain FIFO queueing (the default).
import http from 'node:http';
import { startServer } from '../test/helpers/server.ts';
import { client } from '../test/helpers/http.ts';
import { image, requirePodman, testSocketPath } from '../test/helpers/podman.ts';
import { percentile } from './lib/stats.ts';

const SECONDS = Number(process.argv[2] ?? 20);
const C = 2; // hot containers
const S = 50; // ms per call
const CAPACITY = (C * 1000) / S; // calls/s
const APP = 'overload';

interface Outcome {
  status: number; // 0 = connection error
  ms: number;
  retryAfter: boolean;
}

function post(port: number, agent: http.Agent): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method: 'POST', path: `/r/${APP}/sleep`, headers: { 'Content-Length': 1 } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, retryAfter: res.headers['retry-after'] !== undefined }));
      res.on('error', () => resolve({ status: 0, ms: performance.now() - t0, retryAfter: false }));
    });
    req.setTimeout(30_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0, retryAfter: false }));
    req.end('x');
  });
}

/** Open loop: `rate` calls/s for `seconds`, regardless of how fast answers come. */
async function phase(port: number, rate: number, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const pending: Array<Promise<Outcome>> = [];
  const t0 = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(post(port, agent));
  }
  const all = await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  const by: Record<string, number> = {};
  for (const o of all) by[o.status] = (by[o.status] ?? 0) + 1;
  const ok = all
    .filter((o) => o.status === 200)
    .map((o) => o.ms)
    .sort((a, b) => a - b);
  const shed = all.filter((o) => o.status === 429 || o.status === 503);
  const shedMs = shed.map((o) => o.ms).sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    offered_per_s: rate,
    sent: all.length,
    statuses: by,
    connection_errors: by[0] ?? 0,
    goodput_per_s: r(ok.length / elapsed),
    ok_ms: { p50: r(percentile(ok, 50)), p99: r(percentile(ok, 99)), max: r(ok[ok.length - 1] ?? NaN) },
    shed_ms: { p50: r(percentile(shedMs, 50)), p99: r(percentile(shedMs, 99)), max: r(shedMs[shedMs.length - 1] ?? NaN) },
    shed_without_retry_after: shed.filter((o) => !o.retryAfter).length,
  };
}

async function main() {
  await requirePodman();
  const srv = await startServer({
    env: {
      PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`,
      PODFN_NODE_ID: `bench-ov-${process.pid}`,
      PODFN_HOT_QUEUE_SIZE: String(C * 2),
      PODFN_HOT_QUEUE_TARGET_MS: process.env.BENCH_QUEUE_TARGET_MS ?? '10',
      PODFN_LOG_LEVEL: 'error',
    },
  });
  try {
    const api = client(srv.url);
    await api.post('/v1/apps', { app: { name: APP } });
    const res = await api.post(`/v1/apps/${APP}/routes`, {
      route: { path: '/sleep', image: image('sleep'), format: 'http', max_concurrency: C, timeout: 30, idle_timeout: 120, config: { SLEEP_MS: String(S) } },
    });
    if (res.status !== 200) throw new Error(`route: ${res.text}`);
    await Promise.all(Array.from({ length: C }, () => phase(srv.port, C, 1))); // start the containers
    const baseline = await phase(srv.port, CAPACITY * 0.5, SECONDS);
    const saturated = await phase(srv.port, CAPACITY * 4, SECONDS);
    const metrics = (await api.get('/metrics')).text.split('\n').filter((l) => /^podfn_(calls_total|errors_total|hot_containers)/.test(l));
    process.stdout.write(
      `${JSON.stringify({ route: { max_concurrency: C, sleep_ms: S, hot_queue_size: C * 2, hot_queue_target_ms: Number(process.env.BENCH_QUEUE_TARGET_MS ?? '10'), capacity_per_s: CAPACITY }, seconds: SECONDS, baseline_0_5x: baseline, saturated_4x: saturated, p99_ratio: Math.round((saturated.ok_ms.p99 / baseline.ok_ms.p99) * 100) / 100, metrics }, null, 2)}\n`,
    );
  } finally {
    await srv.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
