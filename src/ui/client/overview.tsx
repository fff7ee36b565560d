// The overview: the nodes (GET /v1/nodes) and their state, Podman (GET /readyz's runner detail: rootless
// or not, limits enforced or not), counts of apps and routes, hot containers per route, the async
// queue; and live charts from GET /v1/stats/timeseries, polled every sample interval with ?since=, so
// each poll brings only the new samples (30 minutes are kept here, as on the server).
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.ts';
import { Chart, type Series } from './chart.tsx';

interface RouteSample {
  app: string;
  path: string;
  calls_per_s: number;
  p50_ms: number | null;
  p99_ms: number | null;
  cold_starts: number;
  hot_containers: number;
}
interface Sample {
  time_ms: number;
  calls_per_s: number;
  p50_ms: number | null;
  p99_ms: number | null;
  errors: Record<string, number>;
  cold_starts: number;
  hot_containers: number;
  memory_used_mb: number;
  memory_total_mb: number;
  inflight: number;
  queue_depth: number | null;
  routes: RouteSample[];
}
interface Stats {
  node: string;
  interval_ms: number;
  window_ms: number;
  samples: Sample[];
}
interface NodeView {
  id: string;
  address: string;
  version: string;
  alive: boolean;
  hot_containers: number;
  inflight: number;
  self: boolean;
  last_heartbeat: string;
}
interface Pool {
  app: string;
  path: string;
  starting: number;
  idle: number;
  busy: number;
  queued: number;
  retired: boolean;
}
interface Runner {
  podman: string;
  rootless?: boolean;
  limitsEnforced?: boolean;
  cgroupVersion?: number;
  version?: string;
  lastError?: string;
  memory: { totalMb: number; usedMb: number };
  hot: { pools: Pool[] };
}
interface NodePoint {
  t: number;
  nodes: Record<string, { hot: number; inflight: number }>;
}

const WINDOW_MS = 30 * 60_000;
const TOP_ROUTES = 6;

/** The routes busiest over the kept samples (by calls, then hot containers). */
function topRoutes(samples: Sample[]): string[] {
  const score = new Map<string, number>();
  for (const s of samples)
    for (const r of s.routes) score.set(`${r.app}${r.path}`, (score.get(`${r.app}${r.path}`) ?? 0) + r.calls_per_s + r.hot_containers * 1e-3);
  return [...score.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_ROUTES)
    .map(([k]) => k);
}

const perRoute = (samples: Sample[], keys: string[], pick: (r: RouteSample) => number | null): Series[] =>
  keys.map((k) => ({
    label: k,
    values: samples.map((s) =>
      pick(
        s.routes.find((r) => `${r.app}${r.path}` === k) ?? ({ calls_per_s: 0, hot_containers: 0, cold_starts: 0, p50_ms: null, p99_ms: null } as RouteSample),
      ),
    ),
  }));

export function Overview() {
  const [samples, setSamples] = useState<Sample[]>([]);
  const [meta, setMeta] = useState<{ node: string; interval: number }>({ node: '', interval: 5000 });
  const [nodes, setNodes] = useState<NodeView[] | undefined>();
  const [nodePoints, setNodePoints] = useState<NodePoint[]>([]);
  const [runner, setRunner] = useState<Runner | undefined>();
  const [counts, setCounts] = useState<{ apps: number; routes: number; queued?: number; running?: number } | undefined>();
  const [error, setError] = useState('');

  useEffect(() => {
    let last = 0;
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      try {
        const stats = await api<Stats>('GET', `/v1/stats/timeseries${last ? `?since=${last}` : ''}`);
        setMeta({ node: stats.node, interval: stats.interval_ms });
        if (stats.samples.length) {
          last = stats.samples[stats.samples.length - 1]!.time_ms;
          setSamples((old) => [...old, ...stats.samples].filter((s) => s.time_ms > last - WINDOW_MS));
        }
        const [ns, ready, apps, routes, queue] = await Promise.all([
          api<{ nodes: NodeView[] }>('GET', '/v1/nodes').catch(() => undefined),
          api<{ checks: { runner?: { detail?: Runner } } }>('GET', '/readyz').catch(() => undefined),
          api<{ apps: unknown[] }>('GET', '/v1/apps'),
          api<{ routes: unknown[] }>('GET', '/v1/routes'),
          api<{ queue: { queued: number; running: number } }>('GET', '/v1/queue').catch(() => undefined),
        ]);
        if (ns) {
          setNodes(ns.nodes);
          const point: NodePoint = {
            t: Date.now(),
            nodes: Object.fromEntries(ns.nodes.filter((n) => n.alive).map((n) => [n.id, { hot: n.hot_containers, inflight: n.inflight }])),
          };
          setNodePoints((old) => [...old, point].filter((p) => p.t > point.t - WINDOW_MS));
        }
        setRunner(ready?.checks.runner?.detail);
        setCounts({ apps: apps.apps.length, routes: routes.routes.length, queued: queue?.queue.queued, running: queue?.queue.running });
        setError('');
        if (!stopped) timer = window.setTimeout(() => void poll(), stats.interval_ms);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
        if (!stopped) timer = window.setTimeout(() => void poll(), 5000);
      }
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, []);

  const times = samples.map((s) => s.time_ms);
  const keys = topRoutes(samples);
  const kinds = [
    ...new Set(
      samples.flatMap((s) =>
        Object.entries(s.errors)
          .filter(([, n]) => n > 0)
          .map(([k]) => k),
      ),
    ),
  ];
  const nodeIds = [...new Set(nodePoints.flatMap((p) => Object.keys(p.nodes)))];
  const latest = samples[samples.length - 1];
  const pools = runner?.hot.pools.filter((p) => !p.retired) ?? [];
  return (
    <section>
      <h1>Overview</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="cards">
        <div class="card" id="card-podman">
          <h2>Podman</h2>
          {runner ? (
            <ul>
              <li>
                state: <b class={runner.podman === 'up' ? 'ok' : 'bad'}>{runner.podman}</b> {runner.version ? `(${runner.version})` : ''}
              </li>
              <li>{runner.rootless === undefined ? 'rootless: unknown' : runner.rootless ? 'rootless' : 'rootful'}</li>
              <li>
                limits {runner.limitsEnforced ? 'enforced' : 'not enforced'} (cgroup v{runner.cgroupVersion ?? '?'})
              </li>
              <li>
                memory promised: {runner.memory.usedMb} / {runner.memory.totalMb} MiB
              </li>
              {runner.lastError && <li class="bad">{runner.lastError}</li>}
            </ul>
          ) : (
            <p>no runner detail</p>
          )}
        </div>
        <div class="card" id="card-counts">
          <h2>Functions</h2>
          <ul>
            <li>
              apps: <b>{counts?.apps ?? '…'}</b>
            </li>
            <li>
              routes: <b>{counts?.routes ?? '…'}</b>
            </li>
            <li>
              async queue: <b>{counts?.queued ?? latest?.queue_depth ?? '…'}</b> queued, {counts?.running ?? '…'} running
            </li>
            <li>
              calls in flight: <b>{latest?.inflight ?? 0}</b>
            </li>
          </ul>
        </div>
        <div class="card" id="card-nodes">
          <h2>Nodes</h2>
          {nodes ? (
            <table>
              <thead>
                <tr>
                  <th>node</th>
                  <th>state</th>
                  <th>hot</th>
                  <th>in flight</th>
                  <th>version</th>
                </tr>
              </thead>
              <tbody>
                {nodes.map((n) => (
                  <tr key={n.id}>
                    <td title={n.address}>
                      {n.id}
                      {n.self ? ' (this node)' : ''}
                    </td>
                    <td class={n.alive ? 'ok' : 'bad'}>{n.alive ? 'alive' : 'dead'}</td>
                    <td>{n.hot_containers}</td>
                    <td>{n.inflight}</td>
                    <td>{n.version}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>node {meta.node}</p>
          )}
        </div>
        <div class="card" id="card-hot">
          <h2>Hot containers</h2>
          {pools.length === 0 ? (
            <p>none</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>route</th>
                  <th>idle</th>
                  <th>busy</th>
                  <th>starting</th>
                  <th>queued</th>
                </tr>
              </thead>
              <tbody>
                {pools.map((p, i) => (
                  <tr key={i}>
                    <td>
                      {p.app}
                      {p.path}
                    </td>
                    <td>{p.idle}</td>
                    <td>{p.busy}</td>
                    <td>{p.starting}</td>
                    <td>{p.queued}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
      <p class="hint">
        Charts: node {meta.node}, one sample every {meta.interval / 1000} s, the last 30 minutes ({samples.length} samples). Each node keeps its own series.
      </p>
      <div class="charts">
        <Chart
          id="chart-calls"
          title="calls/s"
          unit="calls/s"
          times={times}
          series={[{ label: 'all', values: samples.map((s) => s.calls_per_s) }, ...perRoute(samples, keys, (r) => r.calls_per_s)]}
        />
        <Chart
          id="chart-latency"
          title="latency (p50, p99)"
          unit="ms"
          times={times}
          series={[
            { label: 'p50', values: samples.map((s) => s.p50_ms) },
            { label: 'p99', values: samples.map((s) => s.p99_ms) },
            ...perRoute(samples, keys.slice(0, 3), (r) => r.p99_ms).map((s) => ({ ...s, label: `p99 ${s.label}` })),
          ]}
        />
        <Chart
          id="chart-errors"
          title="errors by kind, cold starts"
          unit="per sample"
          times={times}
          series={[
            { label: 'cold starts', values: samples.map((s) => s.cold_starts) },
            ...kinds.map((k) => ({ label: k, values: samples.map((s) => s.errors[k] ?? 0) })),
          ]}
        />
        <Chart
          id="chart-hot"
          title="hot containers"
          unit="containers"
          times={times}
          series={[{ label: 'all', values: samples.map((s) => s.hot_containers) }, ...perRoute(samples, keys, (r) => r.hot_containers)]}
        />
        <Chart
          id="chart-memory"
          title="memory in use"
          unit="MiB"
          times={times}
          series={[
            { label: 'promised', values: samples.map((s) => s.memory_used_mb) },
            { label: 'total', values: samples.map((s) => s.memory_total_mb) },
          ]}
        />
        <Chart
          id="chart-nodes"
          title="per node: hot containers, calls in flight"
          unit="count"
          times={nodePoints.map((p) => p.t)}
          series={nodeIds.flatMap((id) => [
            { label: `${id} hot`, values: nodePoints.map((p) => p.nodes[id]?.hot ?? null) },
            { label: `${id} in flight`, values: nodePoints.map((p) => p.nodes[id]?.inflight ?? null) },
          ])}
        />
      </div>
    </section>
  );
}
