// The benchmark's measured phases, each returning plain numbers for the JSON: hot latency at c=1
// (interleaved paths), hot throughput at c=32 (one path at a time), and cold calls through the gateway
// alternating with bare dockerode cycles. CPU time per request of the processes involved is read from
// /proc around each phase, which stays meaningful when the host is noisy (latency does not).
import type Docker from 'dockerode';
import type { RunnerOptions } from '../../src/runner/options.ts';
import { bareCold, type BareColdTiming } from './containers.ts';
import { latencyC1, request, throughput, type Target, type ThroughputResult } from './load.ts';
import { CpuMeter } from './procs.ts';
import { summarizeMs, type LatencySummary, type MsSummary } from './stats.ts';

export interface HotPids {
  gateway: number;
  proxy: number;
  /** the function container's processes (init + node) */
  fn: number[];
}

export interface HotLatency {
  latency: Record<string, LatencySummary>;
  /** CPU µs per request: gateway and proxy per request they served, function per request of any path */
  cpu_us_per_req: { gateway: number; proxy: number; function: number };
}

export async function hotLatency(paths: { gateway: Target; direct: Target; proxy: Target }, pids: HotPids, warmup: number, n: number): Promise<HotLatency> {
  const gw = new CpuMeter([pids.gateway]);
  const px = new CpuMeter([pids.proxy]);
  const fn = new CpuMeter(pids.fn);
  const latency = await latencyC1([paths.gateway, paths.direct, paths.proxy], warmup, n);
  const each = warmup + n;
  return { latency, cpu_us_per_req: { gateway: gw.perRequestUs(each), proxy: px.perRequestUs(each), function: fn.perRequestUs(3 * each) } };
}

export interface Throughput extends ThroughputResult {
  /** CPU µs per request of the serving process (gateway or proxy; none for direct) and of the function */
  cpu_us_per_req: { server: number | null; function: number };
}

export async function hotThroughput(t: Target, serverPid: number | null, fnPids: number[], conc: number, n: number, warmup = 200): Promise<Throughput> {
  const server = serverPid === null ? null : new CpuMeter([serverPid]);
  const fn = new CpuMeter(fnPids);
  const r = await throughput(t, conc, n, warmup);
  return { ...r, cpu_us_per_req: { server: server?.perRequestUs(n + warmup) ?? null, function: fn.perRequestUs(n + warmup) } };
}

export interface ColdResult {
  gateway: MsSummary;
  bare: MsSummary;
  bare_phases_p50_ms: Record<'create_ms' | 'start_ms' | 'wait_ms' | 'remove_ms', number>;
  /** the same bare cycle with libpod's wait (10 ms poll) instead of the Docker-compatible one */
  bare_libpod_wait: MsSummary;
  bare_libpod_wait_phases_p50_ms: Record<'create_ms' | 'start_ms' | 'wait_ms' | 'remove_ms', number>;
  gateway_cpu_ms_per_call: number;
}

export async function coldPhase(o: {
  gateway: Target;
  gatewayPid: number;
  docker: Docker;
  image: string;
  memoryMb: number;
  options: RunnerOptions;
  warmup: number;
  n: number;
}): Promise<ColdResult> {
  const viaGateway: number[] = [];
  const bare: BareColdTiming[] = [];
  const bareLibpod: BareColdTiming[] = [];
  let cpu: CpuMeter | undefined;
  for (let i = 0; i < o.warmup + o.n; i++) {
    const keep = i >= o.warmup;
    if (i === o.warmup) cpu = new CpuMeter([o.gatewayPid]);
    const one = async () => {
      const ms = await request(o.gateway);
      if (keep) viaGateway.push(ms);
    };
    const cycle = async () => {
      const t = await bareCold(o.docker, o.image, o.memoryMb, o.options, 'compat');
      if (keep) bare.push(t);
    };
    const cycleLibpod = async () => {
      const t = await bareCold(o.docker, o.image, o.memoryMb, o.options, 'libpod');
      if (keep) bareLibpod.push(t);
    };
    // rotate who goes first, so none always follows another's container removal
    const order = [one, cycle, cycleLibpod];
    for (let k = 0; k < order.length; k++) await order[(i + k) % order.length]!();
  }
  const phases = (list: BareColdTiming[]) => {
    const p50 = (k: keyof BareColdTiming) => summarizeMs(list.map((t) => t[k])).p50_ms;
    return { create_ms: p50('create_ms'), start_ms: p50('start_ms'), wait_ms: p50('wait_ms'), remove_ms: p50('remove_ms') };
  };
  return {
    gateway: summarizeMs(viaGateway),
    bare: summarizeMs(bare.map((t) => t.total_ms)),
    bare_phases_p50_ms: phases(bare),
    bare_libpod_wait: summarizeMs(bareLibpod.map((t) => t.total_ms)),
    bare_libpod_wait_phases_p50_ms: phases(bareLibpod),
    gateway_cpu_ms_per_call: cpu ? Math.round(cpu.perRequestUs(Math.max(1, o.n)) / 100) / 10 : NaN,
  };
}
