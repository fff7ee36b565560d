// The in-memory time series behind GET /v1/stats/timeseries (and the console's charts): every
// `intervalMs` (5 s by default) a timer reads the cumulative counts the metrics already keep
// (PodfnMetrics.snapshot) and the runner's live state, and stores the difference to the previous
// reading as one sample: calls/s, p50/p99 latency (estimated from the duration histogram's buckets, as
// Prometheus' histogram_quantile does), errors by kind, cold starts, hot containers, memory in use and
// the async queue's depth, for the node and per route. A ring buffer holds `windowMs` (30 min) of
// samples; each sample keeps at most `maxRoutes` routes (the busiest). The /r path does nothing for
// it: the sampler's timer does all the work, off the request path, in O(routes) every few seconds.
// This node only: in a cluster each node keeps and serves its own series.
// May import only its own modules (as the rest of src/metrics).
import { DURATION_BUCKETS, ERROR_KINDS, type ErrorKind, type MetricsSnapshot, type PodfnMetrics, type RouteCounts } from './podfn.ts';

export interface TimeSeriesLive {
  /** hot containers (starting + idle + busy) per route */
  hotByRoute: Array<{ app: string; path: string; containers: number }>;
  coldRunning: number;
  memoryUsedMb: number;
  memoryTotalMb: number;
  inflight: number;
  /** the async queue's depth (a database query; failures leave the sample's depth null) */
  queueDepth?: () => Promise<number>;
}

export interface RouteSample {
  app: string;
  path: string;
  calls: number;
  calls_per_s: number;
  /** calls answered with a 5xx */
  failed: number;
  p50_ms: number | null;
  p99_ms: number | null;
  cold_starts: number;
  hot_containers: number;
}

export interface Sample {
  /** end of the interval, unix ms */
  time_ms: number;
  interval_ms: number;
  calls: number;
  calls_per_s: number;
  failed: number;
  p50_ms: number | null;
  p99_ms: number | null;
  errors: Record<ErrorKind, number>;
  cold_starts: number;
  hot_containers: number;
  cold_containers: number;
  memory_used_mb: number;
  memory_total_mb: number;
  inflight: number;
  queue_depth: number | null;
  routes: RouteSample[];
}

export interface TimeSeriesOptions {
  intervalMs: number;
  windowMs: number;
  maxRoutes: number;
  now?: () => number;
}

export const TIMESERIES_DEFAULTS = { intervalMs: 5_000, windowMs: 30 * 60_000, maxRoutes: 50 } as const;

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The q-quantile (0..1) in ms of a bucketed distribution (per-bucket counts, the last +Inf), or null when empty. */
export function quantileMs(counts: ArrayLike<number>, q: number, bounds: readonly number[] = DURATION_BUCKETS): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n > 0 && seen + n >= rank) {
      if (i >= bounds.length) return round(bounds[bounds.length - 1]! * 1000); // +Inf bucket: its lower bound
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = bounds[i]!;
      return round((lower + (upper - lower) * ((rank - seen) / n)) * 1000);
    }
    seen += n;
  }
  return round(bounds[bounds.length - 1]! * 1000);
}

function delta(now: RouteCounts, before: RouteCounts | undefined) {
  const buckets = new Float64Array(now.buckets.length);
  for (let i = 0; i < buckets.length; i++) buckets[i] = now.buckets[i]! - (before?.buckets[i] ?? 0);
  return { calls: now.calls - (before?.calls ?? 0), failed: now.failed - (before?.failed ?? 0), cold: now.cold - (before?.cold ?? 0), buckets };
}

export class TimeSeries {
  private readonly ring: Sample[] = [];
  private readonly capacity: number;
  private previous: MetricsSnapshot | undefined;
  private previousAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly now: () => number;
  readonly options: Required<Omit<TimeSeriesOptions, 'now'>>;

  constructor(
    private readonly metrics: Pick<PodfnMetrics, 'snapshot'>,
    private readonly live: () => TimeSeriesLive,
    options: Partial<TimeSeriesOptions> = {},
  ) {
    this.options = {
      intervalMs: options.intervalMs ?? TIMESERIES_DEFAULTS.intervalMs,
      windowMs: options.windowMs ?? TIMESERIES_DEFAULTS.windowMs,
      maxRoutes: options.maxRoutes ?? TIMESERIES_DEFAULTS.maxRoutes,
    };
    this.now = options.now ?? Date.now;
    this.capacity = Math.max(1, Math.ceil(this.options.windowMs / this.options.intervalMs));
  }

  /** Takes the baseline reading and starts the timer (unref'd: it never keeps the process up). */
  start(): void {
    this.baseline();
    this.timer = setInterval(() => void this.sample(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The reading later samples are differences from. */
  baseline(): void {
    this.previous = this.metrics.snapshot();
    this.previousAt = this.now();
  }

  /** Takes one sample now (the timer calls this; tests call it directly). Overlapping calls are skipped. */
  async sample(): Promise<Sample | undefined> {
    if (this.running) return undefined;
    this.running = true;
    try {
      const live = this.live();
      let depth: number | null = null;
      if (live.queueDepth) depth = await live.queueDepth().catch(() => null);
      const snap = this.metrics.snapshot();
      const at = this.now();
      const sample = this.build(snap, live, depth, at);
      this.previous = snap;
      this.previousAt = at;
      this.ring.push(sample);
      if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
      return sample;
    } finally {
      this.running = false;
    }
  }

  /** Samples whose time is after `sinceMs` (all kept samples without it), oldest first. */
  since(sinceMs?: number): Sample[] {
    if (sinceMs === undefined) return this.ring.slice();
    let i = this.ring.length;
    while (i > 0 && this.ring[i - 1]!.time_ms > sinceMs) i--;
    return this.ring.slice(i);
  }

  private build(snap: MetricsSnapshot, live: TimeSeriesLive, depth: number | null, at: number): Sample {
    const prev = this.previous;
    const intervalMs = Math.max(1, at - (this.previousAt || at - this.options.intervalMs));
    const perS = (n: number) => round(n / (intervalMs / 1000), 3);
    const total = new Float64Array(DURATION_BUCKETS.length + 1);
    let calls = 0;
    let failed = 0;
    let cold = 0;
    const hot = new Map<string, number>();
    for (const h of live.hotByRoute) {
      const key = `${h.app}\u0000${h.path}`;
      hot.set(key, (hot.get(key) ?? 0) + h.containers);
    }
    const routes: RouteSample[] = [];
    for (const [key, counts] of snap.routes) {
      const d = delta(counts, prev?.routes.get(key));
      for (let i = 0; i < total.length; i++) total[i]! += d.buckets[i]!;
      calls += d.calls;
      failed += d.failed;
      cold += d.cold;
      const containers = hot.get(key) ?? 0;
      hot.delete(key);
      if (d.calls === 0 && containers === 0 && d.cold === 0) continue;
      routes.push({
        app: counts.app,
        path: counts.path,
        calls: d.calls,
        calls_per_s: perS(d.calls),
        failed: d.failed,
        p50_ms: quantileMs(d.buckets, 0.5),
        p99_ms: quantileMs(d.buckets, 0.99),
        cold_starts: d.cold,
        hot_containers: containers,
      });
    }
    // hot containers of routes without a call since start (warming, or called before a restart of the metrics)
    for (const [key, containers] of hot) {
      if (containers === 0) continue;
      const [app = '', path = ''] = key.split('\u0000');
      routes.push({ app, path, calls: 0, calls_per_s: 0, failed: 0, p50_ms: null, p99_ms: null, cold_starts: 0, hot_containers: containers });
    }
    routes.sort((a, b) => b.calls - a.calls || b.hot_containers - a.hot_containers || (a.app + a.path < b.app + b.path ? -1 : 1));
    const errors = {} as Record<ErrorKind, number>;
    for (const k of ERROR_KINDS) errors[k] = snap.errors[k] - (prev?.errors[k] ?? 0);
    let hotTotal = 0;
    for (const h of live.hotByRoute) hotTotal += h.containers;
    return {
      time_ms: at,
      interval_ms: intervalMs,
      calls,
      calls_per_s: perS(calls),
      failed,
      p50_ms: quantileMs(total, 0.5),
      p99_ms: quantileMs(total, 0.99),
      errors,
      cold_starts: cold,
      hot_containers: hotTotal,
      cold_containers: live.coldRunning,
      memory_used_mb: live.memoryUsedMb,
      memory_total_mb: live.memoryTotalMb,
      inflight: live.inflight,
      queue_depth: depth,
      routes: routes.slice(0, this.options.maxRoutes),
    };
  }
}
