// `npm run -s bench:hosts` (issue 16, Function URLs): does claiming host names cost /r anything? Two
// gateways with the same hot echo route (format http); in phase 1 gateway B holds 1,000 claimed names
// and A none, in phase 2 the other way round (so a difference between the two processes themselves
// cancels out: the figure is the geometric mean of the two phases' ratios). 1,000 names: 100 apps, each
// 8 names and 2 *.suffix wildcards, the worst case for /r, whose Host 127.0.0.1:port is parsed and
// looked up before it misses. Hot p50/p99 at concurrency 1, interleaved (same noise for all): /r on
// each gateway; then, on the claimed one, /r against the route on its own host name (Host:
// hot.bench.test). Then, in this process, the cost of
// the lookup itself (Host parse + matchHost, ns per request) on a route cache holding the same claims.
// Prints ONE JSON object on stdout (progress on stderr).
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

async function setUp(srv: TestServer): Promise<void> {
  const c = client(srv.url);
  expectOk(await c.post('/v1/apps/bench/routes', { route: { path: '/hot', image: IMAGE, format: 'http', max_concurrency: 1 } }));
  for (let i = 0; i < APPS; i++) expectOk(await c.post('/v1/apps', { app: { name: `a${i}` } }));
}

/** Claims the 1,000 names on a gateway (or releases them): app hosts, plus the route's own name. */
async function claim(srv: TestServer, on: boolean): Promise<void> {
  const c = client(srv.url);
  for (let i = 0; i < APPS; i++) expectOk(await c.patch(`/v1/apps/a${i}`, { app: { hosts: on ? claimsOf(i) : [] } }));
  // the route's own name: the Function URL path, measured beside /r (its claim is number 1,001)
  expectOk(await c.patch('/v1/apps/bench/routes/hot', { route: { hosts: on ? ['hot.bench.test'] : [] } }));
}

async function phase(none: TestServer, claimed: TestServer, targets: Target[]) {
  await claim(none, false);
  await claim(claimed, true);
  // each gateway gets the same traffic (a process served twice as often runs warmer): /r against /r
  // first; then, on the claimed one alone, /r against its Function URL
  const r = [target('r_no_hosts', { port: none.port }, '/r/bench/hot', 1), target('r_1000_hosts', { port: claimed.port }, '/r/bench/hot', 1)];
  const same = [
    target('r_1000_hosts', { port: claimed.port }, '/r/bench/hot', 1),
    target('function_url_1000_hosts', { port: claimed.port }, '/', 1, 'hot.bench.test'),
  ];
  targets.push(...r, ...same);
  const lat = await latencyC1(r, WARMUP, HOT_N);
  const fu = await latencyC1(same, WARMUP, HOT_N);
  return {
    hot_c1: lat,
    r_p50_ratio: ratio(lat.r_1000_hosts!.p50_us, lat.r_no_hosts!.p50_us),
    function_url_vs_r_same_gateway: fu,
    function_url_p50_ratio: ratio(fu.function_url_1000_hosts!.p50_us, fu.r_1000_hosts!.p50_us),
  };
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
    const a = await startServer({ env: { ...env, PODFN_NODE_ID: 'bench-hosts-a' } });
    servers.push(a);
    const b = await startServer({ env: { ...env, PODFN_NODE_ID: 'bench-hosts-b' } });
    servers.push(b);
    await setUp(a);
    await setUp(b);
    progress(`phase 1 (B claims 1,001 names): ${WARMUP} warm-up + ${HOT_N} interleaved calls per path at concurrency 1`);
    const p1 = await phase(a, b, targets);
    progress(`phase 2 (A claims them, B none): the same`);
    const p2 = await phase(b, a, targets);
    progress(`lookup cost: ${LOOKUP_N} lookups per case in this process`);
    const lookup = await lookupCost();
    const rRatio = p1.r_p50_ratio !== null && p2.r_p50_ratio !== null ? Math.round(Math.sqrt(p1.r_p50_ratio * p2.r_p50_ratio) * 100) / 100 : null;
    const result = {
      host: { cpus: os.cpus().length, node: process.version, load1: os.loadavg()[0] },
      hosts_claimed: APPS * 10 + 1,
      phase1_b_claims: p1,
      phase2_a_claims: p2,
      r_p50_ratio_1000_hosts_vs_none: rRatio,
      function_url_p50_ratio_vs_r: [p1.function_url_p50_ratio, p2.function_url_p50_ratio],
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
