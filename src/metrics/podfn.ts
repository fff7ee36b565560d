// podfn's metrics: the series /metrics exposes and the O(1) recorders the gateway calls after each
// response. Per-route series handles are cached on the route cache's Route object (a WeakMap), so
// recording a call is a WeakMap get, a Map get by status, and a few additions. Live state (hot
// containers, queue depth, calls in flight) is read when Prometheus scrapes, not tracked per call.
// May import only its own modules: the gateway and the admin app record through narrow interfaces.
import { Counter, Gauge, Histogram, Registry, type Cell, type HistogramSeries } from './registry.ts';

export type ErrorKind =
  | 'not_found'
  | 'bad_request'
  | 'body_too_large'
  | 'overloaded'
  | 'throttled'
  | 'timeout'
  | 'platform'
  | 'function'
  | 'cancelled'
  | 'internal'
  | 'unauthorized'
  | 'truncated';

export const ERROR_KINDS: readonly ErrorKind[] = [
  'not_found',
  'bad_request',
  'body_too_large',
  'overloaded',
  'throttled',
  'timeout',
  'platform',
  'function',
  'cancelled',
  'internal',
  'unauthorized',
  // a streamed answer cut short after its head went out (size cap, timeout, crash mid-answer)
  'truncated',
];

/** seconds; calls range from sub-millisecond hot calls to hour-long timeouts */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
export const START_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

export interface LiveState {
  hot?: { starting: number; idle: number; busy: number; queued: number };
  coldRunning?: number;
  memory?: { totalMb: number; usedMb: number; waiting: number };
  inflight?: number;
  queueDepth?: () => Promise<number>;
  /** idle hot containers evicted for another route's memory (runner state; counted since start) */
  hotEvicted?: number;
  /** hot listeners refused by cause (runner state; counted since start) */
  listenerRefused?: Record<string, number>;
}

/** Cumulative counts of one route since start (MetricsSnapshot). */
export interface RouteCounts {
  app: string;
  path: string;
  calls: number;
  /** answered with a 5xx status */
  failed: number;
  cold: number;
  /** call durations per DURATION_BUCKETS bucket (not cumulative; the last is +Inf) */
  buckets: Float64Array;
}

export interface MetricsSnapshot {
  /** by `app\0path` */
  routes: Map<string, RouteCounts>;
  errors: Record<ErrorKind, number>;
}

interface RouteSeries {
  app: string;
  path: string;
  duration: HistogramSeries;
  cold: Cell;
  byStatus: Map<number, Cell>;
}

export class PodfnMetrics {
  readonly registry = new Registry();
  private readonly calls = this.registry.register(
    new Counter('podfn_calls_total', '/r calls answered, by app, route and HTTP status', ['app', 'route', 'status']),
  );
  private readonly duration = this.registry.register(
    new Histogram('podfn_call_duration_seconds', '/r call time as the client saw it', ['app', 'route', 'format'], DURATION_BUCKETS),
  );
  private readonly coldStarts = this.registry.register(new Counter('podfn_cold_starts_total', 'calls that started a new container', ['app', 'route']));
  private readonly containerStart = this.registry.register(
    new Histogram('podfn_container_start_seconds', 'time from accepting a call to its new container running it (admission + start)', [], START_BUCKETS),
  );
  private readonly errors = this.registry.register(new Counter('podfn_errors_total', 'failed requests and calls by kind', ['kind']));
  private readonly errorCells: Record<ErrorKind, Cell>;
  private readonly refusedConnections = this.registry.register(
    new Counter('podfn_connections_refused_total', 'connections closed unanswered on arrival, by cause (per_client: PODFN_MAX_CONNECTIONS_PER_CLIENT)', [
      'cause',
    ]),
  );
  private readonly routes = new WeakMap<object, RouteSeries>();
  private readonly startSeries: HistogramSeries;

  constructor(nodeId: string, version: string, live: () => LiveState) {
    this.registry.setConstLabels({ node: nodeId });
    this.errorCells = Object.fromEntries(ERROR_KINDS.map((k) => [k, this.errors.series(k)])) as Record<ErrorKind, Cell>;
    this.startSeries = this.containerStart.series();
    const info = this.registry.register(new Gauge('podfn_node_info', 'this node (the node label every series carries) and its podfn version', ['version']));
    info.set([version], 1);
    const queueDepth = this.registry.register(new Gauge('podfn_queue_depth', 'async calls waiting in the queue (all nodes)'));
    const hot = this.registry.register(new Gauge('podfn_hot_containers', 'hot containers on this node by state', ['state']));
    const hotQueued = this.registry.register(new Gauge('podfn_hot_queued_calls', 'calls waiting for a hot container'));
    const cold = this.registry.register(new Gauge('podfn_cold_containers', 'cold (one-shot) containers running'));
    const inflight = this.registry.register(new Gauge('podfn_inflight_calls', '/r calls in progress on this node'));
    const mem = this.registry.register(new Gauge('podfn_memory_reserved_bytes', 'memory promised to running containers'));
    const memTotal = this.registry.register(new Gauge('podfn_memory_total_bytes', 'memory the runner may promise'));
    const refused = this.registry.register(
      new Counter('podfn_listener_refused_total', 'hot containers retired because their listener was a symlink, not a socket, or not their own', ['cause']),
    );
    const evicted = this.registry.register(
      new Counter('podfn_hot_evictions_total', "idle hot containers closed before their idle_timeout so another route's call could have their memory"),
    );
    this.registry.onCollect(async () => {
      const s = live();
      if (s.hot) {
        hot.set(['starting'], s.hot.starting);
        hot.set(['idle'], s.hot.idle);
        hot.set(['busy'], s.hot.busy);
        hotQueued.set([], s.hot.queued);
      }
      if (s.hotEvicted !== undefined) evicted.series().value = s.hotEvicted;
      if (s.coldRunning !== undefined) cold.set([], s.coldRunning);
      if (s.inflight !== undefined) inflight.set([], s.inflight);
      for (const [cause, n] of Object.entries(s.listenerRefused ?? {})) refused.series(cause).value = n;
      if (s.memory) {
        mem.set([], s.memory.usedMb * 1024 * 1024);
        memTotal.set([], s.memory.totalMb * 1024 * 1024);
      }
      if (s.queueDepth) {
        try {
          queueDepth.set([], await s.queueDepth());
        } catch {
          queueDepth.reset(); // database unavailable: no sample rather than a stale one
        }
      }
    });
  }

  /**
   * Records one answered call of a route (positional arguments: no sample object per call).
   * `routeKey` is the route cache's object for the route; `durationMs` is the call time as the client
   * saw it; `startMs` (cold starts only) is from accepting the call to the function starting.
   */
  call(routeKey: object, app: string, path: string, format: string, status: number, durationMs: number, coldStart = false, startMs = -1): void {
    let rs = this.routes.get(routeKey);
    if (!rs) {
      rs = { app, path, duration: this.duration.series(app, path, format), cold: this.coldStarts.series(app, path), byStatus: new Map() };
      this.routes.set(routeKey, rs);
    }
    let cell = rs.byStatus.get(status);
    if (!cell) {
      cell = this.calls.series(app, path, String(status));
      rs.byStatus.set(status, cell);
    }
    cell.value++;
    rs.duration.observe(durationMs / 1000);
    if (coldStart) {
      rs.cold.value++;
      if (startMs >= 0) this.startSeries.observe(startMs / 1000);
    }
  }

  /** a connection closed unanswered on arrival (the per-client connection cap) */
  connectionRefused(cause: string): void {
    this.refusedConnections.series(cause).value++;
  }

  /**
   * The cumulative counts the time-series sampler (timeseries.ts) turns into rates every few seconds:
   * per route (calls by status, latency buckets summed over formats, cold starts) and errors by kind.
   * Read from the series the recorders already keep: it adds no work per call.
   */
  snapshot(): MetricsSnapshot {
    const routes = new Map<string, RouteCounts>();
    const at = (app: string, path: string) => {
      const key = `${app}\u0000${path}`;
      let r = routes.get(key);
      if (!r) {
        r = { app, path, calls: 0, failed: 0, cold: 0, buckets: new Float64Array(DURATION_BUCKETS.length + 1) };
        routes.set(key, r);
      }
      return r;
    };
    for (const { values, s } of this.calls.entries()) {
      const r = at(values[0]!, values[1]!);
      r.calls += s.value;
      if (Number(values[2]) >= 500) r.failed += s.value;
    }
    for (const { values, s } of this.duration.entries()) {
      const r = at(values[0]!, values[1]!);
      for (let i = 0; i < s.counts.length; i++) r.buckets[i]! += s.counts[i]!;
    }
    for (const { values, s } of this.coldStarts.entries()) at(values[0]!, values[1]!).cold += s.value;
    const errors = Object.fromEntries(ERROR_KINDS.map((k) => [k, this.errorCells[k].value])) as Record<ErrorKind, number>;
    return { routes, errors };
  }

  error(kind: ErrorKind): void {
    this.errorCells[kind].value++;
  }

  render(): Promise<string> {
    return this.registry.render();
  }
}
