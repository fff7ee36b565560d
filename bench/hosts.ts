// `npm run -s bench:hosts` (issue 16, Function URLs): does claiming host names cost /r anything? Two
// gateways with the same hot echo route (format http): one with no host claimed, one with 1,000 claimed
// (100 apps, each 8 names and 2 *.suffix wildcards: the worst case for /r, whose Host 127.0.0.1:port
// then also walks the wildcard suffixes before it misses). Hot p50/p99 at concurrency 1, interleaved
// (same noise for all): /r on each, and the route on its own host name (Host: hot.bench.test). Then,
// in this process, the cost of the lookup itself (Host parse + matchHost, ns per request) on a route
// cache holding the same 1,000 claims. Prints ONE JSON object on stdout (progress on stderr).
// Knobs: BENCH_HOT_N=2000 BENCH_HOT_WARMUP=300 BENCH_LOOKUP_N=1000000.
import os from 'node:os';
import { startServer, type TestServer } from '../test/helpers/server.ts';
import { client, expectOk } from '../test/helpers/http.ts';
import { latencyC1, target, closeTargets, type Target } from './lib/load.ts';
import { progress, ratio } from './lib/stats.ts';
import { openStore } from '../src/store/db.ts';
import { insertApp } from '../src/store/apps.ts';
import { RouteCache } from '../src/gateway/route-cache.ts';
import { requestHostName } from '../src/request/host.ts';

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const HOT_N = num('BENCH_HOT_N', 2000);
const WARMUP = num('BENCH_HOT_WARMUP', 300);
const LOOKUP_N = num('BENCH_LOOKUP_N', 1_000_000);
const IMAGE = 'localhost/podfn-test/echo:latest';
const APPS = 100;

/** 1,000 claims: app a<i> claims h<j>.a<i>.bench.test (8) and *.w<j>.a<i>.bench.test (2). */
const claimsOf = (i: number) => [
  ...Array.from({ length: 8 }, (_, j) => `h${j}.a${i}.bench.test`),
  ...Array.from({ length: 2 }, (_, j) => `*.w${j}.a${i}.bench.test`),
];

async function setUp(srv: TestServer, claim: boolean): Promise<void> {
  const c = client(srv.url);
  expectOk(await c.post('/v1/apps/bench/routes', { route: { path: '/hot', image: IMAGE, format: 'http', max_concurrency: 1 } }));
  if (!claim) return;
  for (let i = 0; i < APPS; i++) expectOk(await c.post('/v1/apps', { app: { name: `a${i}`, hosts: claimsOf(i) } }));
  // the route's own name: the Function URL path, measured beside /r (its claim is number 1,001)
  expectOk(await c.patch('/v1/apps/bench/routes/hot', { route: { hosts: ['hot.bench.test'] } }));
}

/** ns per request of what /r pays for Function URLs: Host parse, then the cache's map lookups. */
async function lookupCost(): Promise<Record<string, number>> {
  const store = await openStore('file::memory:');
  try {
    for (let i = 0; i < APPS; i++) await insertApp(store.db, { name: `a${i}`, config: {}, hosts: claimsOf(i) });
    const cache = new RouteCache(store.db);
    await cache.loadAll();
    const time = (host: string) => {
      let hits = 0;
      for (let i = 0; i < LOOKUP_N / 10; i++) if (cache.matchHost(requestHostName(host)!)) hits++; // warm-up
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < LOOKUP_N; i++) if (cache.matchHost(requestHostName(host)!)) hits++;
      const ns = Number(process.hrtime.bigint() - t0) / LOOKUP_N;
      return hits >= 0 ? Math.round(ns * 10) / 10 : NaN;
    };
    return {
      r_miss_ns: time('127.0.0.1:8080'),
      exact_hit_ns: time('h3.a42.bench.test'),
      wildcard_hit_ns: time('x.w1.a42.bench.test'),
      mixed_case_port_ns: time('H3.A42.Bench.Test.:443'),
    };
  } finally {
    store.close();
  }
}

async function main() {
  const env = { PODFN_LOG_LEVEL: 'error' };
  const servers: TestServer[] = [];
  const targets: Target[] = [];
  try {
    progress('starting gateways: no host claimed, 1,000 claimed');
    const plain = await startServer({ env: { ...env, PODFN_NODE_ID: 'bench-hosts-none' } });
    servers.push(plain);
    const claimed = await startServer({ env: { ...env, PODFN_NODE_ID: 'bench-hosts-1000' } });
    servers.push(claimed);
    await setUp(plain, false);
    await setUp(claimed, true);
    targets.push(target('r_no_hosts', { port: plain.port }, '/r/bench/hot', 1));
    targets.push(target('r_1000_hosts', { port: claimed.port }, '/r/bench/hot', 1));
    targets.push(target('function_url_1000_hosts', { port: claimed.port }, '/', 1, 'hot.bench.test'));
    progress(`hot latency: ${WARMUP} warm-up + ${HOT_N} interleaved calls per path at concurrency 1`);
    const lat = await latencyC1(targets, WARMUP, HOT_N);
    progress(`lookup cost: ${LOOKUP_N} lookups per case in this process`);
    const lookup = await lookupCost();
    const p50 = (n: string) => lat[n]!.p50_us;
    const rRatio = ratio(p50('r_1000_hosts'), p50('r_no_hosts'));
    const result = {
      host: { cpus: os.cpus().length, node: process.version, load1: os.loadavg()[0] },
      hosts_claimed: APPS * 10 + 1,
      hot_c1: lat,
      r_p50_ratio_1000_hosts_vs_none: rRatio,
      function_url_p50_ratio_vs_r: ratio(p50('function_url_1000_hosts'), p50('r_1000_hosts')),
      lookup_ns_per_request: lookup,
      targets: {
        r_unchanged_within_noise: { target: '<= 1.05', value: rRatio, ok: rRatio !== null && rRatio <= 1.05 },
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    closeTargets(targets);
    await Promise.allSettled(servers.map((s) => s.stop()));
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench:hosts failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
