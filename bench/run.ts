// `npm run bench`: podfn against its baselines in one run (docs/benchmarks.md, issue 15's targets).
// Starts a gateway (temp embedded DB, own node id), creates the routes, finds the hot echo container's
// socket, starts two proxies to it (a bare Hono proxy and a minimal raw-socket one), then measures:
// hot p50/p99 at c=1 after a long warm-up (gateway vs direct socket vs both proxies, interleaved) and
// the p50 of the gateway's first 1,000 calls after start (as they come, and in a fresh gateway whose
// function was warmed first: the gateway's own warm-up); RSS idle after those calls; req/s at c=32
// (gateway with one container and with 4, both proxies, direct; and one vs 4 containers of a function
// that waits 5 ms a call, where containers are the bottleneck) and RSS under load; cold calls vs bare
// dockerode create+start+wait+remove; p99 with call recording on vs off (a second gateway with
// PODFN_RECORD_SYNC_CALLS=false, interleaved); overload (admitted p99 at 4x a hot route's capacity vs
// at 0.5x, default settings); start-up to listening (every gateway start of the run). Prints ONE JSON
// object on stdout (progress on stderr), cleans up, exits 0.
// Knobs (env): BENCH_HOT_N=5000 BENCH_HOT_WARMUP=3000 BENCH_FIRST_N=1000 BENCH_RPS_N=5000
// BENCH_COLD_N=20 BENCH_REC_N=3000 BENCH_OVERLOAD_S=8 BENCH_STARTS=3 (extra starts for the start-up
// figure) BENCH_GATEWAY_ENV="K=V K2=V2" (extra gateway env) BENCH_GATEWAY_NODE_ARGS="--cpu-prof
// --cpu-prof-dir=/tmp/prof" BENCH_GATEWAY_ROOT=<other checkout> BENCH_GATEWAY_ENTRY=<path under that
// root; .js/.mjs runs without tsx> BENCH_CONSOLE=1 (the web console open on the overview, polling,
// in headless chromium for the whole run: bench/lib/console.ts). Default: the gateway as `npm start` runs it, dist/main.js (built
// here when stale) with BUNDLE_NODE_ARGS and BUNDLE_ENV; BENCH_GATEWAY_ENTRY=src/main.ts measures the sources through
// tsx (node args then default to none). PODFN_CONTAINER_HOST=unix:///... (default: what
// src/config.ts resolves). Use `npm run -s bench`: npm itself prints a banner on stdout otherwise.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { loadConfig, runnerOptionsFrom } from '../src/config.ts';
import { defaultRunnerOptions } from '../src/runner/options.ts';
import { containerMemory, findHotContainer, removeNode } from './lib/containers.ts';
import { createRoute, startGateway, type Gateway } from './lib/gateway.ts';
import { closeTargets, request, target, type Target } from './lib/load.ts';
import { coldPhase, hotLatency, hotThroughput } from './lib/phases.ts';
import { overloadPhase } from './lib/overload.ts';
import { processTree, rssMb, RssSampler, startTs, stop, type Child } from './lib/procs.ts';
import { progress, ratio, sleep, summarizeUs } from './lib/stats.ts';
import { evaluateTargets } from './lib/targets.ts';
import { openConsole, type OpenConsole } from './lib/console.ts';
import { BUNDLE_ENTRY, BUNDLE_ENV, BUNDLE_NODE_ARGS } from '../test/helpers/server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const IMAGE = 'localhost/podfn-test/echo:latest';
const SLEEP_IMAGE = 'localhost/podfn-test/sleep:latest';
/** A/B runs: another checkout (with node_modules) whose src/main.ts is the gateway under test */
const GATEWAY_ROOT = process.env.BENCH_GATEWAY_ROOT ? path.resolve(process.env.BENCH_GATEWAY_ROOT) : ROOT;
const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const N = {
  hot: num('BENCH_HOT_N', 5000),
  warmup: num('BENCH_HOT_WARMUP', 3000),
  first: num('BENCH_FIRST_N', 1000),
  rps: num('BENCH_RPS_N', 5000),
  cold: num('BENCH_COLD_N', 20),
  coldWarmup: 3,
  rec: num('BENCH_REC_N', 3000),
  overloadS: num('BENCH_OVERLOAD_S', 8),
  starts: num('BENCH_STARTS', 3),
  conc: 32,
};
/**
 * Scaling with containers needs a function that is the bottleneck: the echo function takes ~20 us, so
 * at c=32 on 2 cores the gateway's own CPU is the limit whatever the container count. These routes wait
 * IO_MS per call without using CPU (as a function that calls a database does), one and 4 containers.
 */
const IO = { sleepMs: 5, requests: num('BENCH_IO_N', 1000) };
/** the overload phase's route: C containers, S ms per call, so C*1000/S calls/s of capacity */
const OVERLOAD = { containers: 2, sleepMs: 50 };
const DEADLINE_MS = 300_000;
const extraEnv = Object.fromEntries(
  (process.env.BENCH_GATEWAY_ENV ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

const started = performance.now();
const config = loadConfig();
const socketPath = config.containerSocket;
const docker = new Docker({ socketPath });
const nodeId = `bench-${randomBytes(4).toString('hex')}`;
const bareOptions = defaultRunnerOptions(runnerOptionsFrom({ ...config, nodeId: `${nodeId}-bare` }));
let tmp: string | undefined;
const gateways: Gateway[] = [];
const children: Child[] = [];
const targets: Target[] = [];
const nodeIds = [nodeId, `${nodeId}-bare`];

/** BENCH_CONSOLE=1: the console's browser, open for the whole run */
let consoleOpen: OpenConsole | undefined;

async function cleanup(): Promise<void> {
  await consoleOpen?.close().catch(() => {});
  consoleOpen = undefined;
  closeTargets(targets);
  for (const c of children) await stop(c, 2000);
  for (const g of gateways) await stop(g.child); // its runner stops and removes the hot containers
  for (const id of nodeIds) {
    const n = await removeNode(docker, id).catch(() => 0);
    if (n > 0) progress(`removed ${n} leftover container(s) of ${id}`);
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
}

async function preflight(): Promise<{ rootless: boolean; cgroup: string }> {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`Podman API not reachable at ${socketPath} (${(err as Error).message}); set PODFN_CONTAINER_HOST or run npm run setup`, { cause: err });
  }
  for (const img of [IMAGE, SLEEP_IMAGE]) {
    try {
      await docker.getImage(img).inspect();
    } catch {
      throw new Error(`${img} is missing in ${socketPath}: run bash test/fixtures/build-images.sh --url unix://${socketPath}`);
    }
  }
  const info = (await docker.info()) as { Rootless?: boolean; CgroupVersion?: string };
  return { rootless: info.Rootless === true, cgroup: String(info.CgroupVersion ?? '?') };
}

const mk = (name: string, where: { port: number } | { socketPath: string }, p: string, sockets: number) => {
  const t = target(name, where, p, sockets);
  targets.push(t);
  return t;
};

async function main() {
  const podmanInfo = await preflight();
  const loadStart = Math.round(os.loadavg()[0]! * 100) / 100;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'podfn-bench-'));
  const entry = process.env.BENCH_GATEWAY_ENTRY ?? BUNDLE_ENTRY;
  const nodeArgs = process.env.BENCH_GATEWAY_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? (entry === BUNDLE_ENTRY ? BUNDLE_NODE_ARGS : []);
  if (entry === BUNDLE_ENTRY) execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: GATEWAY_ROOT, stdio: 'inherit' });
  // as npm start runs it: its environment (BUNDLE_ENV), then BENCH_GATEWAY_ENV
  const gatewayEnv = { ...(entry === BUNDLE_ENTRY ? BUNDLE_ENV : {}), ...extraEnv };
  const launch = async (id: string, env: Record<string, string> = {}) => {
    const dir = await mkdtemp(path.join(tmp!, 'gw-'));
    const g = await startGateway({ root: GATEWAY_ROOT, tmp: dir, nodeId: id, socketPath, nodeArgs, entry, env: { ...gatewayEnv, ...env } });
    gateways.push(g);
    return g;
  };
  progress(`starting gateway ${entry} ${nodeArgs.join(' ')} (node ${nodeId}, podman ${socketPath})`);
  const gw = await launch(nodeId);
  const startMs = [gw.startMs];
  await sleep(1000);
  const rssStart = rssMb(gw.child.pid);

  await createRoute(gw.port, 'bench', { path: '/hot', image: IMAGE, format: 'http', max_concurrency: 1, idle_timeout: 600 });
  await createRoute(gw.port, 'bench', { path: '/hot4', image: IMAGE, format: 'http', max_concurrency: 4, idle_timeout: 600 });
  await createRoute(gw.port, 'bench', { path: '/cold', image: IMAGE, format: 'default' });
  const { containers, sleepMs } = OVERLOAD;
  const sleepRoute = { path: '/sleep', image: SLEEP_IMAGE, format: 'http' as const, max_concurrency: containers, timeout: 30, idle_timeout: 600 };
  await createRoute(gw.port, 'bench', { ...sleepRoute, config: { SLEEP_MS: String(sleepMs) } });
  for (const mc of [1, 4]) {
    await createRoute(gw.port, 'bench', { ...sleepRoute, path: `/io${mc}`, max_concurrency: mc, config: { SLEEP_MS: String(IO.sleepMs) } });
  }

  if (process.env.BENCH_CONSOLE === '1') {
    progress('opening the web console (headless chromium) on the overview for the whole run');
    consoleOpen = await openConsole(gw.port);
  }
  const gwHot = mk('gateway', { port: gw.port }, '/r/bench/hot', 1);
  const firstHotMs = await request(gwHot); // starts the hot container
  const hot = await findHotContainer(docker, nodeId, '/hot');
  const directC1 = mk('direct', { socketPath: hot.socketPath }, '/hot', 1);
  const hono = await startTs('bench/lib/hono-proxy.ts', { cwd: ROOT, args: [hot.socketPath], ready: /"port":\d+/, timeoutMs: 20_000 });
  children.push(hono.child);
  const honoPort = Number(/"port":(\d+)/.exec(hono.line)![1]);
  const raw = await startTs('bench/lib/raw-proxy.ts', { cwd: ROOT, args: [hot.socketPath], ready: /"port":\d+/, timeoutMs: 20_000 });
  children.push(raw.child);
  const rawPort = Number(/"port":(\d+)/.exec(raw.line)![1]);

  const fnPids = processTree(hot.pid);
  const sampler = new RssSampler(gw.child.pid);
  sampler.start();
  progress(`hot c=1: ${N.warmup} warm-up + ${N.hot} requests each, interleaved (gateway, direct, Hono proxy, raw proxy)`);
  const c1 = await hotLatency(
    [gwHot, directC1, mk('proxy', { port: honoPort }, '/hot', 1), mk('raw_proxy', { port: rawPort }, '/hot', 1)],
    { gateway: gw.child.pid, proxy: hono.child.pid, raw_proxy: raw.child.pid },
    fnPids,
    N.warmup,
    N.hot,
    N.first,
  );
  const callsBeforeIdle = 1 + N.warmup + N.hot;
  await sleep(2000);
  const rssIdle = rssMb(gw.child.pid);
  const rssIdleAnon = rssMb(gw.child.pid, 'RssAnon');

  // The first calls above include the function's own warm-up (its node JIT in the container: the
  // direct path's first calls are slower too) and three other fresh processes warming up beside the
  // gateway. The gateway's own warm-up: a fresh gateway whose function is warmed by direct calls first.
  progress(
    `gateway warm-up: a fresh gateway; its function warmed by ${N.warmup} direct calls, then its first ${N.first} calls vs the ${N.first} after ${N.warmup}`,
  );
  const freshId = `${nodeId}-fresh`;
  nodeIds.push(freshId);
  const gwFresh = await launch(freshId);
  startMs.push(gwFresh.startMs);
  await createRoute(gwFresh.port, 'bench', { path: '/hot', image: IMAGE, format: 'http', max_concurrency: 1, idle_timeout: 600 });
  const freshT = mk('gateway_fresh', { port: gwFresh.port }, '/r/bench/hot', 1);
  await request(freshT); // starts its container
  const freshFn = mk('direct_fresh', { socketPath: (await findHotContainer(docker, freshId, '/hot')).socketPath }, '/hot', 1);
  for (let i = 0; i < N.warmup; i++) await request(freshFn);
  const freshMs: number[] = [];
  for (let i = 0; i < N.warmup + N.first; i++) freshMs.push(await request(freshT));
  const ownWarmup = { first: summarizeUs(freshMs.slice(0, N.first)), steady: summarizeUs(freshMs.slice(N.warmup)) };
  await stop(gwFresh.child);

  progress(`hot c=${N.conc}: ${N.rps} requests each (gateway max_concurrency 1, Hono proxy, raw proxy, direct, gateway max_concurrency 4)`);
  const rpsGateway = await hotThroughput(mk('gateway', { port: gw.port }, '/r/bench/hot', N.conc), gw.child.pid, fnPids, N.conc, N.rps);
  const rpsProxy = await hotThroughput(mk('proxy', { port: honoPort }, '/hot', N.conc), hono.child.pid, fnPids, N.conc, N.rps);
  const rpsRaw = await hotThroughput(mk('raw_proxy', { port: rawPort }, '/hot', N.conc), raw.child.pid, fnPids, N.conc, N.rps);
  const rpsDirect = await hotThroughput(mk('direct', { socketPath: hot.socketPath }, '/hot', 1), null, fnPids, N.conc, N.rps);
  const rpsGateway4 = await hotThroughput(mk('gateway-mc4', { port: gw.port }, '/r/bench/hot4', N.conc), gw.child.pid, [], N.conc, N.rps, 400);
  progress(`hot c=${N.conc}, a function waiting ${IO.sleepMs} ms a call: ${IO.requests} requests each, max_concurrency 1 then 4`);
  const ioTarget = (mc: number) => ({ ...mk(`gateway-io-mc${mc}`, { port: gw.port }, `/r/bench/io${mc}`, N.conc), expect: Buffer.from(`slept ${IO.sleepMs}`) });
  const rpsIo1 = await hotThroughput(ioTarget(1), gw.child.pid, [], N.conc, IO.requests, 100);
  const rpsIo4 = await hotThroughput(ioTarget(4), gw.child.pid, [], N.conc, IO.requests, 200);
  const rssLoadHot = sampler.stop();
  const hotMem = await containerMemory(docker, hot);

  progress(`cold: ${N.coldWarmup} warm-up + ${N.cold} calls each, rotating gateway / bare create+start+wait+remove (compat wait) / the same with libpod wait`);
  sampler.start();
  const coldRes = await coldPhase({
    gateway: mk('gateway-cold', { port: gw.port }, '/r/bench/cold', 1),
    gatewayPid: gw.child.pid,
    docker,
    image: IMAGE,
    memoryMb: 128,
    options: bareOptions,
    warmup: N.coldWarmup,
    n: N.cold,
  });
  const rssLoad = Math.max(rssLoadHot, sampler.stop());
  await sleep(1500);
  const rssAfter = rssMb(gw.child.pid);
  const cold = {
    ...coldRes,
    ratio: ratio(coldRes.gateway.p50_ms, coldRes.bare.p50_ms),
    ratio_vs_libpod_wait: ratio(coldRes.gateway.p50_ms, coldRes.bare_libpod_wait.p50_ms),
  };

  progress(`recording: a second gateway with PODFN_RECORD_SYNC_CALLS=false; ${N.warmup} warm-up + ${N.rec} requests each, interleaved`);
  const offId = `${nodeId}-norec`;
  nodeIds.push(offId);
  const gwOff = await launch(offId, { PODFN_RECORD_SYNC_CALLS: 'false' });
  startMs.push(gwOff.startMs);
  await createRoute(gwOff.port, 'bench', { path: '/hot', image: IMAGE, format: 'http', max_concurrency: 1, idle_timeout: 600 });
  const offHot = mk('recording_off', { port: gwOff.port }, '/r/bench/hot', 1);
  await request(offHot);
  const rec = await hotLatency([mk('recording_on', { port: gw.port }, '/r/bench/hot', 1), offHot], {}, [], N.warmup, N.rec, N.first);
  await stop(gwOff.child);
  const on = rec.latency.recording_on!,
    off = rec.latency.recording_off!;

  let overload: Record<string, unknown> & { p99_ratio: number | null } = { p99_ratio: null };
  if (N.overloadS > 0) {
    const capacity = (containers * 1000) / sleepMs;
    progress(`overload: /sleep (${containers} containers x ${sleepMs} ms = ${capacity}/s) open-loop at 0.5x then 4x, ${N.overloadS} s each`);
    await Promise.all(Array.from({ length: containers }, () => overloadPhase(gw.port, '/r/bench/sleep', containers, 1))); // start the containers
    const half = await overloadPhase(gw.port, '/r/bench/sleep', capacity * 0.5, N.overloadS);
    const four = await overloadPhase(gw.port, '/r/bench/sleep', capacity * 4, N.overloadS);
    overload = { capacity_per_s: capacity, seconds: N.overloadS, at_0_5x: half, at_4x: four, p99_ratio: ratio(four.ok_ms.p99, half.ok_ms.p99) };
  }

  for (let i = 0; i < N.starts; i++) {
    const id = `${nodeId}-s${i}`;
    nodeIds.push(id);
    const g = await launch(id);
    startMs.push(g.startMs);
    await stop(g.child);
  }
  const sortedStarts = [...startMs].sort((a, b) => a - b);
  const consolePolls = consoleOpen?.polls();

  const g = c1.latency.gateway!,
    d = c1.latency.direct!,
    p = c1.latency.proxy!,
    rp = c1.latency.raw_proxy!;
  const result = {
    machine: {
      gateway_root: GATEWAY_ROOT,
      gateway_entry: process.env.BENCH_GATEWAY_ENTRY ?? BUNDLE_ENTRY,
      cpus: os.cpus().length,
      loadavg_1m_start: loadStart,
      loadavg_1m_end: Math.round(os.loadavg()[0]! * 100) / 100,
      node: process.version,
      podman_socket: socketPath,
      podman_rootless: podmanInfo.rootless,
      cgroup_version: podmanInfo.cgroup,
      gateway_node_args: nodeArgs,
      gateway_env: gatewayEnv,
      console_open: consolePolls !== undefined,
      console_polls: consolePolls ?? 0,
    },
    settings: {
      body_bytes: 11,
      hot_warmup: N.warmup,
      hot_requests: N.hot,
      first_n: N.first,
      rps_requests: N.rps,
      concurrency: N.conc,
      cold_calls: N.cold,
      recording_requests: N.rec,
      overload_seconds: N.overloadS,
    },
    hot: {
      gateway: g,
      direct: d,
      proxy: p,
      raw_proxy: rp,
      ratio_gateway_direct_p50: ratio(g.p50_us, d.p50_us),
      ratio_gateway_proxy_p50: ratio(g.p50_us, p.p50_us),
      ratio_gateway_raw_proxy_p50: ratio(g.p50_us, rp.p50_us),
      ratio_raw_proxy_direct_p50: ratio(rp.p50_us, d.p50_us),
      ratio_gateway_direct_p99: ratio(g.p99_us, d.p99_us),
      ratio_gateway_proxy_p99: ratio(g.p99_us, p.p99_us),
      ratio_gateway_raw_proxy_p99: ratio(g.p99_us, rp.p99_us),
      first_1000: {
        note: `the first ${N.first} calls of each path after start (warm-up)`,
        gateway: c1.first.gateway!,
        direct: c1.first.direct!,
        proxy: c1.first.proxy!,
        raw_proxy: c1.first.raw_proxy!,
        own_warmup: {
          note: `a fresh gateway whose function was first warmed by ${N.warmup} direct calls: its first ${N.first} calls vs its calls ${N.warmup + 1}-${N.warmup + N.first}`,
          ...ownWarmup,
          ratio_first_steady_p50: ratio(ownWarmup.first.p50_us, ownWarmup.steady.p50_us),
        },
        ratio_gateway_first_steady_p50: ratio(c1.first.gateway!.p50_us, g.p50_us),
      },
      cpu_us_per_req_c1: c1.cpu_us_per_req,
      first_call_ms: Math.round(firstHotMs),
      rps_c32: {
        basis:
          'gateway route max_concurrency=1 (one container, one keep-alive socket) vs each proxy with one connection to the same socket; direct = 1 keep-alive connection to it; gateway_mc4 = a route with max_concurrency 4',
        gateway: rpsGateway.rps,
        proxy: rpsProxy.rps,
        raw_proxy: rpsRaw.rps,
        direct: rpsDirect.rps,
        gateway_mc4: rpsGateway4.rps,
        ratio_gateway_proxy: ratio(rpsGateway.rps, rpsProxy.rps),
        ratio_gateway_raw_proxy: ratio(rpsGateway.rps, rpsRaw.rps),
        ratio_mc4_mc1: ratio(rpsGateway4.rps, rpsGateway.rps),
        io: {
          note: `routes whose function waits ${IO.sleepMs} ms a call (no CPU): the containers are the bottleneck, so this is what more containers buy; the echo pair above is bound by the gateway's CPU on this host`,
          mc1: rpsIo1.rps,
          mc4: rpsIo4.rps,
          ratio_mc4_mc1: ratio(rpsIo4.rps, rpsIo1.rps),
          detail: { mc1: rpsIo1, mc4: rpsIo4 },
        },
        detail: { gateway: rpsGateway, proxy: rpsProxy, raw_proxy: rpsRaw, direct: rpsDirect, gateway_mc4: rpsGateway4 },
      },
    },
    cold,
    recording: {
      note: 'two gateways, the same hot echo route, interleaved at c=1 after the warm-up; off = PODFN_RECORD_SYNC_CALLS=false',
      on,
      off,
      ratio_p50_on_off: ratio(on.p50_us, off.p50_us),
      ratio_p99_on_off: ratio(on.p99_us, off.p99_us),
      off_first_1000: rec.first.recording_off,
    },
    overload,
    rss: {
      note: 'VmRSS of the gateway process (as machine.gateway_entry and gateway_node_args say; by default as npm start and the Containerfile run it); idle = 2 s after the c=1 phase (calls_before_idle calls); load = peak during c=32 and cold; *_anon_mb = RssAnon, the private part (file pages such as the node binary are shared)',
      start_mb: rssStart,
      calls_before_idle: callsBeforeIdle,
      idle_after_calls_mb: rssIdle,
      idle_anon_mb: rssIdleAnon,
      load_mb: rssLoad,
      after_load_idle_mb: rssAfter,
    },
    startup: {
      note: 'spawn to the "podfn listening" log line, fresh database each, every gateway start of the run',
      ms: startMs,
      median_ms: sortedStarts[Math.floor(sortedStarts.length / 2)]!,
      min_ms: sortedStarts[0]!,
    },
    // the cgroup's figure when the container has its own (rootful); else the processes' RSS (incl. shared node binary pages)
    hot_container_mem_mb: hotMem.cgroup_working_set_mb ?? hotMem.processes_rss_mb,
    hot_container_mem: hotMem,
    targets: {} as ReturnType<typeof evaluateTargets>,
    duration_s: 0,
  };
  result.targets = evaluateTargets(result);
  return result;
}

let exiting = false;
async function finish(code: number, err?: unknown): Promise<never> {
  if (exiting) process.exit(code);
  exiting = true;
  if (err) progress(`failed: ${err instanceof Error ? err.message : JSON.stringify(err)}`);
  await cleanup().catch((e) => progress(`cleanup: ${(e as Error).message}`));
  process.exit(code);
}
const watchdog = setTimeout(() => void finish(1, new Error(`benchmark exceeded ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
process.on('SIGINT', () => void finish(130, new Error('interrupted')));
process.on('SIGTERM', () => void finish(143, new Error('terminated')));

main().then(
  async (result) => {
    clearTimeout(watchdog);
    exiting = true;
    await cleanup();
    result.duration_s = Math.round((performance.now() - started) / 1000);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exit(0);
  },
  (err) => finish(1, err),
);
