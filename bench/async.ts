// `tsx bench/async.ts`: the async queue and call recording on the embedded database, real server
// processes, a hot echo function (format http) on real Podman. Phases:
//  1. accept: POST to an async route at concurrency 16 with workers off -> 202/s (target >= 2,000/s);
//  2. drain: restart the same server with workers on -> time until every accepted call is final
//     (includes starting the hot containers), calls/s end to end;
//  3. sync recording: two servers, recording on and off, the same hot sync route, latency at
//     concurrency 1 interleaved between them -> p50 on / p50 off (target <= 1.1).
// Prints ONE JSON object on stdout; progress goes to stderr. Env: BENCH_ASYNC_CALLS (5000),
// BENCH_ASYNC_WORKERS (8), BENCH_SYNC_REQUESTS (3000).
import http from 'node:http';
import os from 'node:os';
import { startServer, type TestServer } from '../test/helpers/server.ts';
import { client, expectOk } from '../test/helpers/http.ts';
import { closeTargets, latencyC1, target } from './lib/load.ts';
import { summarizeUs, ratio, sleep, progress } from './lib/stats.ts';

const CALLS = Number(process.env.BENCH_ASYNC_CALLS ?? 5000);
const WORKERS = Number(process.env.BENCH_ASYNC_WORKERS ?? 8);
const SYNC_N = Number(process.env.BENCH_SYNC_REQUESTS ?? 3000);
const CONCURRENCY = 16;
const IMAGE = 'localhost/podfn-test/echo:latest';
const log = (m: string) => progress(`[bench:async] ${m}`);

function post202(agent: http.Agent, port: number, path: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      { agent, host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'text/plain', 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 202) reject(new Error(`HTTP ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 200)}`));
          else resolve(performance.now() - t0);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function accept(srv: TestServer, n: number, record: number[] | null): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let left = n;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        const ms = await post202(agent, srv.port, '/r/bench/async', Buffer.from(`async call ${left}`));
        record?.push(ms);
      }
    }),
  );
  agent.destroy();
  return (performance.now() - t0) / 1000;
}

async function queueState(srv: TestServer): Promise<{ queued: number; running: number }> {
  return expectOk<{ queue: { queued: number; running: number } }>(await client(srv.url).get('/v1/queue')).queue;
}

async function main() {
  const result: Record<string, unknown> = { host: { cpus: os.cpus().length, node: process.version } };

  // 1 + 2: accept with workers off, then drain with workers on
  const srv = await startServer({ env: { PODFN_ASYNC_WORKERS: '0', PODFN_LOG_LEVEL: 'error' } });
  try {
    const c = client(srv.url);
    expectOk(await c.post('/v1/apps/bench/routes', { route: { path: '/async', image: IMAGE, type: 'async', format: 'http', max_concurrency: WORKERS } }));
    log(`accept: warm-up, then ${CALLS} calls at concurrency ${CONCURRENCY}`);
    await accept(srv, 200, null);
    const lat: number[] = [];
    const secs = await accept(srv, CALLS, lat);
    result.accept = { concurrency: CONCURRENCY, calls: CALLS, accepted_per_s: Math.round(CALLS / secs), latency: summarizeUs(lat) };
    const total = CALLS + 200;
    assertEq((await queueState(srv)).queued, total, 'every accepted call is queued');

    log(`drain: restart with ${WORKERS} workers; ${total} queued calls, hot echo (format http, max_concurrency ${WORKERS})`);
    const t0 = performance.now();
    await srv.restart({ PODFN_ASYNC_WORKERS: String(WORKERS), PODFN_QUEUE_POLL_MS: '50' });
    let s = await queueState(srv);
    while (s.queued + s.running > 0) {
      await sleep(50);
      s = await queueState(srv);
    }
    const drainSecs = (performance.now() - t0) / 1000;
    const failed = expectOk<{ calls: unknown[] }>(await c.get('/v1/apps/bench/calls?status=error&per_page=100')).calls.length;
    result.drain = {
      calls: total,
      workers: WORKERS,
      seconds: round(drainSecs),
      calls_per_s: Math.round(total / drainSecs),
      errors: failed,
      includes: 'gateway restart and hot container start-up',
    };
  } finally {
    await srv.stop();
  }

  // 3: sync p50 with recording on vs off
  log(`sync recording: ${SYNC_N} interleaved requests at concurrency 1, recording on vs off`);
  const on = await startServer({ env: { PODFN_RECORD_SYNC_CALLS: 'true', PODFN_LOG_LEVEL: 'error' } });
  const off = await startServer({ env: { PODFN_RECORD_SYNC_CALLS: 'false', PODFN_LOG_LEVEL: 'error' } });
  try {
    for (const s of [on, off]) expectOk(await client(s.url).post('/v1/apps/bench/routes', { route: { path: '/sync', image: IMAGE, format: 'http' } }));
    const targets = [target('recording_on', { port: on.port }, '/r/bench/sync', 1), target('recording_off', { port: off.port }, '/r/bench/sync', 1)];
    const lat = await latencyC1(targets, 300, SYNC_N);
    closeTargets(targets);
    const recorded = expectOk<{ calls: unknown[] }>(await client(on.url).get('/v1/apps/bench/calls?per_page=100')).calls.length;
    const p50Ratio = ratio(lat.recording_on!.p50_us, lat.recording_off!.p50_us);
    result.sync_recording = { ...lat, p50_ratio_on_off: p50Ratio, records_seen_on: recorded };
  } finally {
    await on.stop();
    await off.stop();
  }

  const acceptRate = (result.accept as { accepted_per_s: number }).accepted_per_s;
  const p50Ratio = (result.sync_recording as { p50_ratio_on_off: number | null }).p50_ratio_on_off;
  result.targets = {
    accept_per_s: { target: '>= 2000', value: acceptRate, pass: acceptRate >= 2000 },
    sync_p50_ratio_recording_on_off: { target: '<= 1.1', value: p50Ratio, pass: p50Ratio !== null && p50Ratio <= 1.1 },
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

function assertEq(a: number, b: number, what: string) {
  if (a !== b) throw new Error(`${what}: ${a} != ${b}`);
}
const round = (x: number) => Math.round(x * 100) / 100;

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench:async failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
