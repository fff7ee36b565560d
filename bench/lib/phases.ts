// The benchmark's measured phases, each returning plain numbers for the JSON: hot latency at c=1
// (interleaved paths), hot throughput at c=32 (one path at a time), and cold calls through the gateway
// alternating with bare dockerode cycles. CPU time per request of the processes involved is read from
// /proc around each phase, which stays meaningful when the host is noisy (latency does not).
import type Docker from 'dockerode';
import type { RunnerOptions } from '../../src/runner/options.ts';
import { bareCold, type BareColdTiming } from './containers.ts';
import { latencyC1Phases, request, throughput, type Target, type ThroughputResult } from './load.ts';
import { CpuMeter } from './procs.ts';
import { summarizeMs, type LatencySummary, type MsSummary } from './stats.ts';

export interface HotLatency {
  latency: Record<string, LatencySummary>;
  /** each target's first `firstN` warm-up requests */
  first: Record<string, LatencySummary>;
  /** CPU µs per request of each named process (per request it served), and of the function (per request of any path) */
  cpu_us_per_req: Record<string, number>;
}

/**
 * c=1 latency over interleaved targets; `pids` names the serving process of a target (same key), `fn`
 * the function container's processes (init + node).
 */
export async function hotLatency(
  targets: Target[],
  pids: Record<string, number>,
  fnPids: number[],
  warmup: number,
  n: number,
  firstN = 0,
): Promise<HotLatency> {
  const meters = Object.entries(pids).map(([name, pid]) => [name, new CpuMeter([pid])] as const);
  const fn = new CpuMeter(fnPids);
  const { steady, first } = await latencyC1Phases(targets, warmup, n, firstN);
  const each = warmup + n;
  const cpu: Record<string, number> = {};
  for (const [name, m] of meters) cpu[name] = m.perRequestUs(each);
  cpu.function = fn.perRequestUs(targets.length * each);
  return { latency: steady, first, cpu_us_per_req: cpu };
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
