// What the HTTP layer needs from the rest of podfn, as narrow interfaces so each part is testable alone.
import type { Store } from '../store/db.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { RouteLimits } from '../models/route.ts';
import type { RouteRolloutJson } from '../models/schemas/route.ts';
import type { QueueHandle } from '../queue/index.ts';
import type { NodeView } from '../cluster/node-registry.ts';
import type { StatsApiDeps } from './admin/stats.ts';

/** Told after every committed admin write, so caches and hot pools follow the database. */
export interface ChangeListener {
  appChanged(appName: string): Promise<void>;
  routeChanged(appName: string, path: string): Promise<void>;
  /** a secret was created, replaced or deleted: the routes that list it roll onto new containers */
  secretChanged?(appName: string, name: string): Promise<void>;
}

export interface HttpDeps {
  store: Store;
  config: Config;
  log: Logger;
  changes: ChangeListener;
  limits: RouteLimits;
  /** encrypts secret values for the database (absent: the secrets API answers 503) */
  secretsKey?: { encrypt(app: string, name: string, value: Buffer): Buffer };
  /** extra readiness checks (runner state), name -> ok + detail */
  readiness?: () => Promise<Record<string, { ok: boolean; detail?: unknown }>>;
  /** the async queue: /tasks and /v1/queue (absent in tests that do not need it) */
  queue?: Pick<QueueHandle, 'tasks' | 'stats'>;
  /** GET /metrics (Prometheus text) and the admin-side error counter (absent: no /metrics) */
  metrics?: { render(): Promise<string>; error(kind: 'unauthorized'): void };
  /** the route's rollout on this node, shown by GET on a route (absent: never shown) */
  rollout?: (appName: string, path: string) => RouteRolloutJson | undefined;
  /** GET /v1/nodes (absent: not served) */
  nodes?: { list(): Promise<NodeView[]> };
  /** GET /v1/stats/timeseries (absent: not served) */
  stats?: StatsApiDeps;
}
