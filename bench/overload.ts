// Overload benchmark (issue 5): a hot `sleep` route of known capacity (max_concurrency C, SLEEP_MS S
// -> C*1000/S calls/s) driven open-loop at 0.5x capacity (baseline), then at 4x (saturation), each for
// D seconds. Shedding works when, at 4x, the admitted calls' p99 stays near the baseline's, the excess
// is refused fast (429/503 + Retry-After), goodput stays at capacity, and no connection fails.
// Usage: npx tsx bench/overload.ts [seconds=20]; PODFN_CONTAINER_HOST picks the Podman socket. Prints JSON.
// The gateway runs with the default (PODFN_HOT_QUEUE_TARGET_MS=auto: a queue that keeps growing is shed);
// BENCH_QUEUE_TARGET_MS=0 (plain FIFO queueing, as in fn) or a number of ms sets it.
import { startServer } from '../test/helpers/server.ts';
import { client } from '../test/helpers/http.ts';
import { image, requirePodman, testSocketPath } from '../test/helpers/podman.ts';
import { overloadPhase } from './lib/overload.ts';

const SECONDS = Number(process.argv[2] ?? 20);
const C = 2; // hot containers
const S = 50; // ms per call
const CAPACITY = (C * 1000) / S; // calls/s
const APP = 'overload';
const PATH = `/r/${APP}/sleep`;

async function main() {
  await requirePodman();
  const srv = await startServer({
    env: {
      PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`,
      PODFN_NODE_ID: `bench-ov-${process.pid}`,
      PODFN_HOT_QUEUE_SIZE: String(C * 2),
      PODFN_HOT_QUEUE_TARGET_MS: process.env.BENCH_QUEUE_TARGET_MS, // undefined: the default
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
    await Promise.all(Array.from({ length: C }, () => overloadPhase(srv.port, PATH, C, 1))); // start the containers
    const baseline = await overloadPhase(srv.port, PATH, CAPACITY * 0.5, SECONDS);
    const saturated = await overloadPhase(srv.port, PATH, CAPACITY * 4, SECONDS);
    const metrics = (await api.get('/metrics')).text.split('\n').filter((l) => /^podfn_(calls_total|errors_total|hot_containers)/.test(l));
    process.stdout.write(
      `${JSON.stringify({ route: { max_concurrency: C, sleep_ms: S, hot_queue_size: C * 2, hot_queue_target_ms: process.env.BENCH_QUEUE_TARGET_MS ?? 'auto (default)', capacity_per_s: CAPACITY }, seconds: SECONDS, baseline_0_5x: baseline, saturated_4x: saturated, p99_ratio: Math.round((saturated.ok_ms.p99 / baseline.ok_ms.p99) * 100) / 100, metrics }, null, 2)}\n`,
    );
  } finally {
    await srv.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
