// HotPools: the runner's entry point for hot formats (`http`, `json`). Keeps one independent SlotPool
// per function key — everything that changes the container: app, path, image, memory, format,
// config, timeout, idle_timeout, secrets (their version) — so a saturated route never stalls another
// and a route update (new key) gets new containers, rolled out without downtime (rollout.ts picks the
// pool of each call). changed() starts a rollout as soon as a change is known; drain() retires the
// pools of a deleted route or app; close() stops all.
import { createHash } from 'node:crypto';
import { reservedMemoryMb } from './container-spec.ts';
import { faultResult, platformFaultResult } from './errors.ts';
import { launchHotContainer } from './hot-launcher.ts';
import type { Eviction, MemoryAdmission } from './memory.ts';
import type { RunnerOptions } from './options.ts';
import { Removals } from './removals.ts';
import type { ContainerRuntime } from './runtime.ts';
import { Rollouts, type RolloutReport } from './rollout.ts';
import { SlotPool, type PoolLimits, type PoolSlot, type PoolStats, type SlotFactory } from './slot-pool.ts';
import { sweepSocketDirs } from './socket-sweep.ts';
import type { CallRequest, CallResult, FunctionSpec } from './types.ts';
import type { LaunchDeps } from './hot-launcher.ts';

export interface HotPoolsDeps {
  /** the container runtime (named for the default, Podman; any ContainerRuntime) */
  podman: ContainerRuntime;
  options: RunnerOptions;
  memory: MemoryAdmission;
  /** shared with the Runner so its reconnect retries them; absent: the pools keep their own */
  removals?: Removals;
  onListenerRefused?: LaunchDeps['onListenerRefused'];
  /** tests replace the container launcher with fakes */
  factory?: SlotFactory;
  /** told when a rollout starts, finishes or fails (the Runner logs it) */
  onRollout?: (event: RolloutReport & { app: string; path: string }) => void;
}

export interface HotStats {
  pools: PoolStats[];
  totals: { pools: number; starting: number; idle: number; busy: number; queued: number };
  /** idle containers closed so another route's (or a cold call's) memory could be admitted, since start */
  evicted: number;
}

const keyCache = new WeakMap<FunctionSpec, string>();

/** Stable key of everything that shapes the container (max_concurrency is read per call instead). */
export function poolKey(fn: FunctionSpec): string {
  // The gateway's route cache hands the same spec object to every call of a route: hash it once.
  const cached = keyCache.get(fn);
  if (cached !== undefined) return cached;
  const key = computeKey(fn);
  keyCache.set(fn, key);
  return key;
}

function computeKey(fn: FunctionSpec): string {
  const config = Object.entries(fn.config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // secrets by version only: a replaced secret makes a new key, and no value is ever hashed
  const parts = [fn.appName, fn.path, fn.image, fn.memory, fn.format, fn.timeout, fn.idleTimeout, config, fn.secretsVersion ?? ''];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** overload detection's time scale (slot-queue.ts): a forming queue's first half of it is its baseline; overload ends after it without growth, or empty */
const SHED_INTERVAL_MS = 100;

export class HotPools {
  private readonly pools = new Map<string, SlotPool>();
  private readonly retired = new Set<SlotPool>();
  private readonly factory: SlotFactory;
  private closed = false;
  private evicted = 0;
  private readonly rollouts: Rollouts;

  constructor(private readonly deps: HotPoolsDeps) {
    const launch: LaunchDeps = { ...deps, removals: deps.removals ?? new Removals(deps.podman) };
    this.factory = deps.factory ?? ((fn, poolId, waitUntil) => launchHotContainer(launch, fn, poolId, waitUntil));
    this.rollouts = new Rollouts({
      pool: (key) => this.pools.get(key),
      open: (key, fn) => this.open(key, fn),
      retire: (key, pool) => this.retire(key, pool),
      warmUntil: () => Date.now() + deps.options.memoryWaitMs,
      maxConcurrency: (fn) => this.limits(fn).maxConcurrency,
      log: deps.onRollout,
    });
  }

  async run(call: CallRequest): Promise<CallResult> {
    if (this.closed) return faultResult(503, 'server is shutting down', { platformError: true });
    try {
      const key = poolKey(call.fn);
      const { pool, trial } = this.rollouts.pick(call.fn, key);
      // a call of the new spec served by the old version must not hand the old pool its limits
      if (this.pools.get(key) === pool) pool.update(call.fn, this.limits(call.fn));
      const result = await pool.run(call);
      if (trial) this.rollouts.trialDone(trial, result);
      return result;
    } catch (err) {
      return platformFaultResult(err);
    }
  }

  /**
   * A route's spec changed (route or app update, rollback): when the route has live hot containers
   * here, start the new version's now (rollout.ts); a route that became cold (`default`) drains.
   */
  changed(fn: FunctionSpec): void {
    if (this.closed) return;
    if (fn.format !== 'http' && fn.format !== 'json') {
      this.drain(fn.appName, fn.path);
      return;
    }
    this.rollouts.changed(fn, poolKey(fn));
  }

  /** The route's rollout on this node (in progress, else the last one). */
  rollout(appName: string, path: string): RolloutReport | undefined {
    return this.rollouts.report(appName, path);
  }

  /** Route deleted (path given) or app deleted (no path): retire the matching pools. */
  drain(appName: string, path?: string): number {
    this.rollouts.forget(appName, path);
    let n = 0;
    for (const [key, pool] of this.pools) {
      const s = pool.stats();
      if (s.app !== appName || (path !== undefined && s.path !== path)) continue;
      this.retire(key, pool);
      n++;
    }
    return n;
  }

  stats(): HotStats {
    const pools = [...this.pools.values(), ...this.retired].map((p) => p.stats());
    const totals = { pools: pools.length, starting: 0, idle: 0, busy: 0, queued: 0 };
    for (const p of pools) {
      totals.starting += p.starting;
      totals.idle += p.idle;
      totals.busy += p.busy;
      totals.queued += p.queued;
    }
    return { pools, totals, evicted: this.evicted };
  }

  /**
   * Memory admission's evictor (memory.ts): closes idle containers of pools other than `exceptPool`,
   * least recently used first, until `needMb` is freed, but none unless at least `minMb` can be.
   */
  evictIdle(needMb: number, minMb: number, exceptPool: string | undefined): Eviction[] {
    const found: Array<{ pool: SlotPool; slot: PoolSlot; since: number; mb: number }> = [];
    let total = 0;
    for (const pool of this.pools.values()) {
      if (pool.id === exceptPool) continue;
      const mb = reservedMemoryMb(pool.memoryMb, this.deps.options);
      for (const { slot, since } of pool.idleSlots()) {
        found.push({ pool, slot, since, mb });
        total += mb;
      }
    }
    if (total < minMb) return [];
    found.sort((a, b) => a.since - b.since);
    const out: Eviction[] = [];
    let freed = 0;
    for (const c of found) {
      if (freed >= needMb) break;
      const done = c.pool.evict(c.slot);
      if (!done) continue;
      freed += c.mb;
      this.evicted++;
      out.push({ mb: c.mb, done });
    }
    return out;
  }

  /** Start-up housekeeping after the stray-container sweep: drop socket dirs of gone containers. */
  sweepSocketDirs(minAgeMs?: number): Promise<number> {
    return sweepSocketDirs(this.deps.podman, this.deps.options.socketDir, minAgeMs);
  }

  /** Shutdown: refuse new calls, stop every container, wait until they are removed. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.pools.values(), ...this.retired];
    this.pools.clear();
    this.retired.clear();
    await Promise.allSettled(all.map((p) => p.close()));
  }

  private limits(fn: FunctionSpec): PoolLimits {
    const o = this.deps.options;
    return {
      maxConcurrency: fn.maxConcurrency > 0 ? fn.maxConcurrency : o.hotDefaultMaxConcurrency,
      queueSize: o.hotQueueSize,
      queueWaitMs: o.hotQueueWaitMs,
      shedding: { targetMs: o.hotQueueTargetMs, intervalMs: SHED_INTERVAL_MS },
    };
  }

  private open(key: string, fn: FunctionSpec): SlotPool {
    let pool = this.pools.get(key);
    if (pool) return pool;
    pool = new SlotPool(
      key.slice(0, 16),
      fn,
      this.limits(fn),
      this.factory,
      (p) => this.forget(key, p),
      () => {
        if (this.deps.memory.waiting > 0) this.deps.memory.reclaim();
      },
    );
    this.pools.set(key, pool);
    return pool;
  }

  private retire(key: string, pool: SlotPool): void {
    if (this.pools.get(key) === pool) this.pools.delete(key);
    this.retired.add(pool);
    pool.retire();
  }

  private forget(key: string, pool: SlotPool): void {
    if (this.pools.get(key) === pool) this.pools.delete(key);
    this.retired.delete(pool);
  }
}
