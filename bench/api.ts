// `npm run bench:api`: admin API latency and throughput on a real server process with a temp embedded
// database. Measures GET /v1/apps/{app}/routes/{route} (p50/p99 at concurrency 1 and 16) with 10
// routes, route create throughput (2000 creates at c=16), then grows the app to 10,000 routes (bulk
// rows straight into the database, the last 200 through the API to measure write cost at that size),
// measures the same GET again and reports the 10k/10 ratio against the targets (p99 < 2 ms at c=1;
// 10k routes at most 1.5x slower).
// Prints ONE JSON object on stdout; progress goes to stderr. Client and server share this host's
// CPUs, so compare ratios rather than absolute numbers across machines.
import http from 'node:http';
import os from 'node:os';
import fs from 'node:fs';
import { startServer } from '../test/helpers/server.ts';
import { openStore } from '../src/store/db.ts';
import { insertRoute } from '../src/store/routes.ts';
import { newRoute } from '../src/models/route.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 500);
const CREATES = 2000;
const CREATES_AT_10K = 200;
const TOTAL_ROUTES = 10_000;
const APP = 'bench';
const BASE_ROUTES = Array.from({ length: 10 }, (_, i) => `/bench/route-${i}`);

const log = (msg: string) => process.stderr.write(`[bench:api] ${msg}\n`);

interface Stats {
  n: number;
  concurrency: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
  req_per_s: number;
}

/** One request over the keep-alive agent; resolves with its latency in ms, rejects unless `expect`. */
function timed(agent: http.Agent, port: number, method: string, path: string, body: string | undefined, expect: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const headers: Record<string, string | number> =
      body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.statusCode !== expect) reject(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 200)}`));
        else resolve(ms);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `n` jobs with `concurrency` workers; returns the latencies and the wall time. */
async function run(n: number, concurrency: number, job: (i: number) => Promise<number>): Promise<{ lat: number[]; wallMs: number }> {
  const lat = new Array<number>(n);
  let next = 0;
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    for (let i = next++; i < n; i = next++) lat[i] = await job(i);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { lat, wallMs: Number(process.hrtime.bigint() - t0) / 1e6 };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function stats(lat: number[], wallMs: number, concurrency: number): Stats {
  const s = [...lat].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return {
    n: s.length,
    concurrency,
    p50_ms: round(q(0.5)),
    p90_ms: round(q(0.9)),
    p99_ms: round(q(0.99)),
    max_ms: round(s[s.length - 1]!),
    mean_ms: round(s.reduce((a, b) => a + b, 0) / s.length),
    req_per_s: Math.round((s.length / wallMs) * 1000),
  };
}

function rssMb(pid: number | undefined): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

async function main() {
  log('starting server (temp embedded database)');
  const srv = await startServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const port = srv.port;
  const getPath = (i: number) => `/v1/apps/${APP}/routes${BASE_ROUTES[i % BASE_ROUTES.length]}`;
  const getRoute = (i: number) => timed(agent, port, 'GET', getPath(i), undefined, 200);
  const createRoute = (path: string) =>
    timed(agent, port, 'POST', `/v1/apps/${APP}/routes`, JSON.stringify({ route: { path, image: 'localhost/podfn-test/bench:1', config: { K: 'v' } } }), 200);

  const measureGets = async (label: string) => {
    const out: Record<string, Stats> = {};
    for (const c of [1, 16]) {
      await run(WARMUP, c, getRoute);
      const r = await run(REQUESTS, c, getRoute);
      out[`c${c}`] = stats(r.lat, r.wallMs, c);
      log(`${label} GET c=${c}: p50 ${out[`c${c}`]!.p50_ms} ms, p99 ${out[`c${c}`]!.p99_ms} ms, ${out[`c${c}`]!.req_per_s} req/s`);
    }
    return out as { c1: Stats; c16: Stats };
  };

  try {
    const rssStart = rssMb(srv.pid());
    // other work on the host skews latency: the load is reported with the numbers
    const loadStart = round(os.loadavg()[0]!);
    for (const p of BASE_ROUTES) await createRoute(p);
    log(`app "${APP}" has ${BASE_ROUTES.length} routes`);
    const small = await measureGets('10 routes');

    log(`creating ${CREATES} routes at concurrency 16`);
    const created = await run(CREATES, 16, (i) => createRoute(`/created/r-${String(i).padStart(5, '0')}`));
    const create = { ...stats(created.lat, created.wallMs, 16), routes_per_s: Math.round((CREATES / created.wallMs) * 1000) };
    log(`create: ${create.routes_per_s} routes/s, p50 ${create.p50_ms} ms, p99 ${create.p99_ms} ms`);

    // The bulk of the growth goes straight into the database file (a second WAL connection), so the
    // benchmark stays bounded even when API writes get slow with many routes; the API write cost at
    // 10k is then measured separately below.
    const direct = TOTAL_ROUTES - BASE_ROUTES.length - CREATES - CREATES_AT_10K;
    log(`growing the app to ${TOTAL_ROUTES - CREATES_AT_10K} routes directly in the database (${direct} rows)`);
    const t0 = Date.now();
    const store = await openStore(srv.dbUrl);
    try {
      for (let i = 0; i < direct; i++)
        await insertRoute(
          store.db,
          newRoute(APP, { path: `/grown/${i % 100}/r-${String(i).padStart(5, '0')}`, image: 'localhost/podfn-test/bench:1', config: { K: 'v' } }),
        );
    } finally {
      store.close();
    }
    const grow = { n: direct, via: 'database (second connection)', seconds: round((Date.now() - t0) / 1000) };

    log(`creating the last ${CREATES_AT_10K} routes through the API at concurrency 16`);
    const late = await run(CREATES_AT_10K, 16, (i) => createRoute(`/late/r-${String(i).padStart(5, '0')}`));
    const createAt10k = { ...stats(late.lat, late.wallMs, 16), routes_per_s: Math.round((CREATES_AT_10K / late.wallMs) * 1000) };
    log(`create at ~10k routes: ${createAt10k.routes_per_s} routes/s, p50 ${createAt10k.p50_ms} ms, p99 ${createAt10k.p99_ms} ms`);

    const count = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/v1/apps/${APP}/routes`, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve((JSON.parse(Buffer.concat(chunks).toString()) as { routes: unknown[] }).routes.length));
        })
        .on('error', reject);
    });
    if (count !== TOTAL_ROUTES) throw new Error(`expected ${TOTAL_ROUTES} routes, the API lists ${count}`);
    const large = await measureGets('10k routes');

    const ratio = (a: number, b: number) => round(a / b);
    const ratios = {
      c1_p50: ratio(large.c1.p50_ms, small.c1.p50_ms),
      c1_p99: ratio(large.c1.p99_ms, small.c1.p99_ms),
      c16_p50: ratio(large.c16.p50_ms, small.c16.p50_ms),
      c16_p99: ratio(large.c16.p99_ms, small.c16.p99_ms),
    };
    const result = {
      bench: 'api',
      host: {
        node: process.version,
        cpus: os.cpus().length,
        platform: `${os.platform()} ${os.release()}`,
        loadavg_1m_start: loadStart,
        loadavg_1m_end: round(os.loadavg()[0]!),
      },
      method: { requests_per_case: REQUESTS, warmup: WARMUP, client: 'node:http keep-alive Agent, same host', endpoint: 'GET /v1/apps/{app}/routes/{route}' },
      get_route_10_routes: small,
      create_routes: { ...create, n: CREATES },
      grow_to_10k: grow,
      create_routes_at_10k: { ...createAt10k, n: CREATES_AT_10K },
      create_ratio_10k_vs_small: round(createAt10k.routes_per_s / create.routes_per_s),
      get_route_10k_routes: large,
      ratio_10k_vs_10: ratios,
      targets: {
        p99_c1_under_2ms: { value_ms: small.c1.p99_ms, target_ms: 2, pass: small.c1.p99_ms < 2 },
        p99_c1_under_2ms_at_10k: { value_ms: large.c1.p99_ms, target_ms: 2, pass: large.c1.p99_ms < 2 },
        ratio_p50_at_most_1_5: { value: ratios.c1_p50, target: 1.5, pass: ratios.c1_p50 <= 1.5 },
        ratio_p99_at_most_1_5: { value: ratios.c1_p99, target: 1.5, pass: ratios.c1_p99 <= 1.5 },
      },
      server_rss_mb: { start: rssStart, end: rssMb(srv.pid()) },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } catch (e) {
    log(`server output (tail):\n${srv.output().slice(-4000)}`);
    throw e;
  } finally {
    agent.destroy();
    await srv.stop();
  }
}

main().catch((e) => {
  log(`failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
