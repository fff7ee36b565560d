// Zero-downtime updates of hot routes: which pool a route's call goes to while its function spec
// changes. A route's pools are keyed by everything that shapes the container (hot-pool.ts poolKey), so
// any change of that key (a route or app update, a rollback, a replaced secret: whatever gives the
// route a new spec) is a new version. When the route still has a live pool of the old version here:
//   1. the new version's containers start ahead of calls (as many as the old one has busy, at least
//      one) while every call keeps going to the old version;
//   2. once one is ready, the next call goes to it (the trial); the others still go to the old one;
//   3. when the trial is answered (any answer of the function, not a platform fault) the new version
//      is live: the old pool retires (idle containers close now, busy ones after their call).
// A new version that cannot start (missing image, crash at start, no socket in time, no memory) or
// whose trial is a platform fault leaves the old one serving: the rollout is `failed` with the error,
// tried again by a call after RETRY_MS or at once by the next change. A route with no live old pool
// (no traffic lately, a cold route becoming hot) has nothing to keep serving: its calls start the new
// version directly, as before. Rollouts are per node: each node rolls out its own containers when its
// route cache learns of the change (src/cluster/cache-sync.ts).
import type { SlotPool } from './slot-pool.ts';
import type { CallResult, FunctionSpec } from './types.ts';

/** a failed rollout is tried again by a call this long after it failed (or at once by a new change) */
export const RETRY_MS = 30_000;

export type RolloutStatus = 'starting' | 'ready' | 'done' | 'failed';

/** What GET on a route shows (per node). */
export interface RolloutReport {
  status: RolloutStatus;
  /** the image of the version that served when the rollout began */
  fromImage: string;
  toImage: string;
  /** new containers started ahead of calls */
  warming: number;
  startedAt: number;
  /** done or failed */
  endedAt?: number;
  error?: string;
  /** failed: a call after this retries it */
  retryAt?: number;
}

/** What the rollouts need from HotPools: its pool table. */
export interface PoolHost {
  /** the open pool of this key, if any */
  pool(key: string): SlotPool | undefined;
  /** the open pool of this key, made when missing */
  open(key: string, fn: FunctionSpec): SlotPool;
  /** no new calls go to it; it drains and goes */
  retire(key: string, pool: SlotPool): void;
  /** epoch ms a warm-up may wait for memory */
  warmUntil(): number;
  /** the route's hot pool limit (max_concurrency or the server default) */
  maxConcurrency(fn: FunctionSpec): number;
  log?: (event: RolloutReport & { app: string; path: string }) => void;
}

interface Rollout {
  key: string;
  fn: FunctionSpec;
  pool: SlotPool;
  state: 'starting' | 'ready' | 'trial' | 'failed';
  report: RolloutReport;
}

interface RouteState {
  /** the key of the version that serves on this node */
  liveKey: string;
  rollout?: Rollout;
  /** the last finished rollout, for GET (until the next change or the route's drain) */
  last?: RolloutReport;
}

/** Where a call goes; `trial` set when it is the new version's first call. */
export interface Pick {
  pool: SlotPool;
  trial?: object;
}

export class Rollouts {
  private readonly routes = new Map<string, RouteState>();

  constructor(
    private readonly host: PoolHost,
    private readonly now: () => number = Date.now,
  ) {}

  /** The pool a call of spec `fn` (pool key `key`) goes to, starting a rollout when the key is new. */
  pick(fn: FunctionSpec, key: string): Pick {
    const rk = routeKey(fn.appName, fn.path);
    const st = this.routes.get(rk);
    const live = st && this.host.pool(st.liveKey);
    if (!st || !live) return { pool: this.direct(rk, st, fn, key) };
    if (st.liveKey === key) return { pool: live };
    let r = st.rollout;
    if (!r || r.key !== key || (r.state === 'failed' && this.now() >= (r.report.retryAt ?? 0))) r = this.start(st, fn, key, live);
    if (r.state === 'ready') {
      if (this.host.pool(r.key) !== r.pool) {
        // the warmed container went (idle timeout, eviction) before any call: warm again
        this.start(st, fn, key, live);
      } else {
        r.state = 'trial';
        return { pool: r.pool, trial: r };
      }
    }
    return { pool: live };
  }

  /** The trial call's answer: the new version goes live, or the rollout fails and the old one stays. */
  trialDone(trial: object, result: CallResult): void {
    const r = trial as Rollout;
    const st = this.routes.get(routeKey(r.fn.appName, r.fn.path));
    if (!st || st.rollout !== r || r.state !== 'trial') return;
    if (result.platformError && !result.throttled) {
      this.fail(st, r, result.error ?? `the new version failed its first call (${result.status})`);
      return;
    }
    if (result.throttled) {
      r.state = 'ready'; // not an answer of the function: the next call tries again
      return;
    }
    const oldKey = st.liveKey;
    const old = this.host.pool(oldKey);
    st.liveKey = r.key;
    st.rollout = undefined;
    st.last = { ...r.report, status: 'done', endedAt: this.now() };
    if (old) this.host.retire(oldKey, old);
    this.host.log?.({ app: r.fn.appName, path: r.fn.path, ...st.last });
  }

  /**
   * A change is known (route or app update): start the rollout now rather than at the next call, so
   * the new version is warm when calls come. Nothing happens when the route has no live pool here.
   */
  changed(fn: FunctionSpec, key: string): void {
    const st = this.routes.get(routeKey(fn.appName, fn.path));
    const live = st && this.host.pool(st.liveKey);
    if (!st || !live) return;
    if (st.liveKey === key) {
      this.cancel(st); // back to the serving version (a rollback during a rollout)
      return;
    }
    if (st.rollout?.key !== key || st.rollout.state === 'failed') this.start(st, fn, key, live);
  }

  /** The route (path given) or the whole app is gone, or its hot pools were drained: forget it. */
  forget(appName: string, path?: string): void {
    for (const [rk, st] of this.routes) {
      const [app, p] = splitKey(rk);
      if (app !== appName || (path !== undefined && p !== path)) continue;
      this.cancel(st);
      this.routes.delete(rk);
    }
  }

  /** The route's rollout on this node: in progress, else the last one (undefined: none since start). */
  report(appName: string, path: string): RolloutReport | undefined {
    const st = this.routes.get(routeKey(appName, path));
    if (!st) return undefined;
    return st.rollout ? { ...st.rollout.report } : st.last && { ...st.last };
  }

  /** No live version here: the call's spec becomes the live one (adopting a rollout's warm pool). */
  private direct(rk: string, st: RouteState | undefined, fn: FunctionSpec, key: string): SlotPool {
    if (st?.rollout && st.rollout.key !== key) this.cancel(st);
    // the old version went (idle, evicted) during the rollout: a warm new pool is adopted as live
    const adopted = st?.rollout && st.rollout.state !== 'failed' && this.host.pool(st.rollout.key) === st.rollout.pool;
    const last = adopted ? { ...st.rollout!.report, status: 'done' as const, endedAt: this.now() } : st?.rollout ? undefined : st?.last;
    const next: RouteState = { liveKey: key, last };
    this.routes.set(rk, next);
    return this.host.open(key, fn);
  }

  private start(st: RouteState, fn: FunctionSpec, key: string, live: SlotPool): Rollout {
    if (st.rollout && st.rollout.key !== key) this.cancel(st);
    const busy = live.stats().busy;
    const warming = Math.min(Math.max(1, busy), this.host.maxConcurrency(fn));
    const pool = this.host.open(key, fn);
    const r: Rollout = {
      key,
      fn,
      pool,
      state: 'starting',
      report: { status: 'starting', fromImage: live.stats().image, toImage: fn.image, warming, startedAt: this.now() },
    };
    st.rollout = r;
    st.last = undefined;
    this.host.log?.({ app: fn.appName, path: fn.path, ...r.report });
    pool.warm(warming, this.host.warmUntil()).then(
      () => {
        if (st.rollout !== r || r.state !== 'starting') return;
        r.state = 'ready';
        r.report.status = 'ready';
      },
      (err: unknown) => {
        if (st.rollout === r) this.fail(st, r, err instanceof Error ? err.message : String(err));
      },
    );
    return r;
  }

  private fail(st: RouteState, r: Rollout, error: string): void {
    const at = this.now();
    r.state = 'failed';
    r.report = { ...r.report, status: 'failed', error, endedAt: at, retryAt: at + RETRY_MS };
    // its containers go; the old version keeps serving
    if (this.host.pool(r.key) === r.pool) this.host.retire(r.key, r.pool);
    this.host.log?.({ app: r.fn.appName, path: r.fn.path, ...r.report });
  }

  private cancel(st: RouteState): void {
    const r = st.rollout;
    if (!r) return;
    st.rollout = undefined;
    if (r.key !== st.liveKey && this.host.pool(r.key) === r.pool) this.host.retire(r.key, r.pool);
  }
}

const SEP = '\u0000';
function routeKey(app: string, path: string): string {
  return `${app}${SEP}${path}`;
}
function splitKey(rk: string): [string, string] {
  const i = rk.indexOf(SEP);
  return [rk.slice(0, i), rk.slice(i + 1)];
}
