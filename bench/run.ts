// `npm run bench`: podfn against its baselines in one run (docs/benchmarks.md). Starts a gateway
// (temp embedded DB, own node id), creates the routes, finds the hot echo container's socket, starts a
// bare Hono proxy to it, then measures hot p50/p99 at c=1 (gateway vs direct socket vs proxy,
// interleaved), requests/s at c=32, cold calls vs bare dockerode create+start+wait+remove, gateway RSS
// and hot container memory. Prints ONE JSON object on stdout (progress on stderr), cleans up, exits 0.
// Knobs (env): BENCH_HOT_N=2000 BENCH_HOT_WARMUP=200 BENCH_RPS_N=5000 BENCH_COLD_N=30
// BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" BENCH_GATEWAY_ROOT=<other checkout>
// BENCH_GATEWAY_ENTRY=<path under that root; .js/.mjs runs without tsx>. Default: the gateway as
// `npm start` runs it, dist/main.js (built here when stale) with BUNDLE_NODE_ARGS; BENCH_GATEWAY_ENTRY=
// src/main.ts measures the sources through tsx (node args then default to none).
// PODFN_CONTAINER_HOST=unix:///... (default: what src/config.ts resolves). Use `npm run -s bench`: npm
// itself prints a banner on stdout otherwise.
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
import { processTree, rssMb, RssSampler, startTs, stop, type Child } from './lib/procs.ts';
import { progress, ratio, sleep } from './lib/stats.ts';
import { evaluateTargets } from './lib/targets.ts';
import { BUNDLE_ENTRY, BUNDLE_NODE_ARGS } from '../test/helpers/server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const IMAGE = 'localhost/podfn-test/echo:latest';
/** A/B runs: another checkout (with node_modules) whose src/main.ts is the gateway under test */
const GATEWAY_ROOT = process.env.BENCH_GATEWAY_ROOT ? path.resolve(process.env.BENCH_GATEWAY_ROOT) : ROOT;
const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const N = {
  hot: num('BENCH_HOT_N', 2000),
  warmup: num('BENCH_HOT_WARMUP', 200),
  rps: num('BENCH_RPS_N', 5000),
  cold: num('BENCH_COLD_N', 30),
  coldWarmup: 3,
  conc: 32,
};
const DEADLINE_MS = 175_000;

const started = performance.now();
const config = loadConfig();
const socketPath = config.containerSocket;
const docker = new Docker({ socketPath });
const nodeId = `bench-${randomBytes(4).toString('hex')}`;
const bareOptions = defaultRunnerOptions(runnerOptionsFrom({ ...config, nodeId: `${nodeId}-bare` }));
let tmp: string | undefined;
let gateway: Gateway | undefined;
let proxy: Child | undefined;
const targets: Target[] = [];

async function cleanup(): Promise<void> {
  closeTargets(targets);
  if (proxy) await stop(proxy, 2000);
  if (gateway) await stop(gateway.child); // its runner stops and removes the hot containers
  for (const id of [nodeId, `${nodeId}-bare`]) {
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
  try {
    await docker.getImage(IMAGE).inspect();
  } catch {
    throw new Error(`${IMAGE} is missing in ${socketPath}: run bash test/fixtures/build-images.sh --url unix://${socketPath}`);
  }
  const info = (await docker.info()) as { Rootless?: boolean; CgroupVersion?: string };
  return { rootless: info.Rootless === true, cgroup: String(info.CgroupVersion ?? '?') };
}

async function main() {
  const podmanInfo = await preflight();
  const loadStart = Math.round(os.loadavg()[0]! * 100) / 100;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'podfn-bench-'));
  const entry = process.env.BENCH_GATEWAY_ENTRY ?? BUNDLE_ENTRY;
  const nodeArgs = process.env.BENCH_GATEWAY_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? (entry === BUNDLE_ENTRY ? BUNDLE_NODE_ARGS : []);
  if (entry === BUNDLE_ENTRY) execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: GATEWAY_ROOT, stdio: 'inherit' });
  progress(`starting gateway ${entry} ${nodeArgs.join(' ')} (node ${nodeId}, podman ${socketPath})`);
  gateway = await startGateway({ root: GATEWAY_ROOT, tmp, nodeId, socketPath, nodeArgs, entry });
  const gw = gateway;
  await sleep(1000);
  const rssStart = rssMb(gw.child.pid);

  await createRoute(gw.port, 'bench', { path: '/hot', image: IMAGE, format: 'http', max_concurrency: 1, idle_timeout: 600 });
  await createRoute(gw.port, 'bench', { path: '/hot4', image: IMAGE, format: 'http', max_concurrency: 4, idle_timeout: 600 });
  await createRoute(gw.port, 'bench', { path: '/cold', image: IMAGE, format: 'default' });

  const gwHot = target('gateway', { port: gw.port }, '/r/bench/hot', 1);
  targets.push(gwHot);
  const firstHotMs = await request(gwHot); // starts the hot container
  const hot = await findHotContainer(docker, nodeId, '/hot');
  const directC1 = target('direct', { socketPath: hot.socketPath }, '/hot', 1);
  targets.push(directC1);
  const px = await startTs('bench/lib/hono-proxy.ts', { cwd: ROOT, args: [hot.socketPath], ready: /"port":\d+/, timeoutMs: 20_000 });
  proxy = px.child;
  const proxyPort = Number(/"port":(\d+)/.exec(px.line)![1]);
  const proxyC1 = target('proxy', { port: proxyPort }, '/hot', 1);
  targets.push(proxyC1);

  const fnPids = processTree(hot.pid);
  const sampler = new RssSampler(gw.child.pid);
  sampler.start();
  progress(`hot c=1: ${N.warmup} warm-up + ${N.hot} requests each, interleaved (gateway, direct, proxy)`);
  const c1 = await hotLatency(
    { gateway: gwHot, direct: directC1, proxy: proxyC1 },
    { gateway: gw.child.pid, proxy: px.child.pid, fn: fnPids },
    N.warmup,
    N.hot,
  );
  await sleep(2000);
  const rssIdle = rssMb(gw.child.pid);
  const rssIdleAnon = rssMb(gw.child.pid, 'RssAnon');

  progress(`hot c=${N.conc}: ${N.rps} requests each (gateway max_concurrency 1, proxy, direct, gateway max_concurrency 4)`);
  const mk = (name: string, where: { port: number } | { socketPath: string }, p: string, sockets: number) => {
    const t = target(name, where, p, sockets);
    targets.push(t);
    return t;
  };
  const rpsGateway = await hotThroughput(mk('gateway', { port: gw.port }, '/r/bench/hot', N.conc), gw.child.pid, fnPids, N.conc, N.rps);
  const rpsProxy = await hotThroughput(mk('proxy', { port: proxyPort }, '/hot', N.conc), px.child.pid, fnPids, N.conc, N.rps);
  const rpsDirect = await hotThroughput(mk('direct', { socketPath: hot.socketPath }, '/hot', 1), null, fnPids, N.conc, N.rps);
  const rpsGateway4 = await hotThroughput(mk('gateway-mc4', { port: gw.port }, '/r/bench/hot4', N.conc), gw.child.pid, [], N.conc, N.rps, 400);
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

  const g = c1.latency.gateway!,
    d = c1.latency.direct!,
    p = c1.latency.proxy!;
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
    },
    settings: { body_bytes: 11, hot_warmup: N.warmup, hot_requests: N.hot, rps_requests: N.rps, concurrency: N.conc, cold_calls: N.cold },
    hot: {
      gateway: g,
      direct: d,
      proxy: p,
      ratio_gateway_direct_p50: ratio(g.p50_us, d.p50_us),
      ratio_gateway_proxy_p50: ratio(g.p50_us, p.p50_us),
      ratio_gateway_direct_p99: ratio(g.p99_us, d.p99_us),
      ratio_gateway_proxy_p99: ratio(g.p99_us, p.p99_us),
      cpu_us_per_req_c1: c1.cpu_us_per_req,
      first_call_ms: Math.round(firstHotMs),
      rps_c32: {
        basis:
          'ratio uses gateway route max_concurrency=1 (one container, one keep-alive socket) vs proxy with a 1-socket agent; direct = 1 keep-alive connection to the same socket',
        gateway: rpsGateway.rps,
        proxy: rpsProxy.rps,
        direct: rpsDirect.rps,
        ratio_gateway_proxy: ratio(rpsGateway.rps, rpsProxy.rps),
        gateway_mc4: rpsGateway4.rps,
        detail: { gateway: rpsGateway, proxy: rpsProxy, direct: rpsDirect, gateway_mc4: rpsGateway4 },
      },
    },
    cold,
    rss: {
      note: 'VmRSS of the gateway process (as machine.gateway_entry and gateway_node_args say; by default as npm start and the Containerfile run it); idle = 2 s after the c=1 phase; *_anon_mb = RssAnon, the private part (file pages such as the node binary are shared)',
      start_mb: rssStart,
      idle_mb: rssIdle,
      idle_anon_mb: rssIdleAnon,
      load_mb: rssLoad,
      after_load_idle_mb: rssAfter,
      gateway_start_ms: gw.startMs,
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
