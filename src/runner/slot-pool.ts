// One hot pool: the containers of one function key and the calls waiting for them. Policy (after fn's
// agent): an idle container is reused most-recently-used first, so the coldest one idles out; a call
// that finds none starts a container if the pool is under max_concurrency, else waits in a bounded
// FIFO queue (when full or when the wait is over: a 503 marked `throttled`, which the gateway answers
// as 429); a container that crashed, timed out or broke the protocol is closed and never reused. A
// retired (drained) pool serves only calls already queued.
import { abortedResult, faultResult, platformFaultResult, timeoutResult } from './errors.ts';
import { HotStartError } from './hot-launcher.ts';
import { SlotQueue, type Shedding } from './slot-queue.ts';
import { timerMs } from './transport.ts';
import type { CallRequest, CallResult, FunctionSpec, Slot } from './types.ts';

export interface PoolSlot extends Slot {
  /** notifies when the container dies on its own (e.g. while idle) */
  onDeath?(listener: () => void): void;
}

/** starts a container for the pool; `waitUntil` bounds admission waits (epoch ms) */
export type SlotFactory = (fn: FunctionSpec, poolId: string, waitUntil: number) => Promise<PoolSlot>;

export interface PoolLimits {
  maxConcurrency: number;
  queueSize: number;
  queueWaitMs: number;
  /**
   * under sustained overload, how long a queued call may wait (slot-queue.ts); absent = never shed;
   * 'auto': half the route's recent call time, at least AUTO_TARGET_MIN_MS
   */
  shedding?: { targetMs: number | 'auto'; intervalMs: number };
}

export interface PoolStats {
  id: string;
  app: string;
  path: string;
  image: string;
  retired: boolean;
  max: number;
  starting: number;
  idle: number;
  busy: number;
  queued: number;
}

/** the least an 'auto' shedding target waits (timer granularity; a closed loop is never shed, see slot-queue.ts) */
export const AUTO_TARGET_MIN_MS = 10;

type Grant = { slot: PoolSlot; fresh: boolean } | { result: CallResult };

interface IdleEntry {
  slot: PoolSlot;
  timer: NodeJS.Timeout | undefined;
  /** when it was parked (last used), epoch ms: memory eviction takes the oldest first */
  since: number;
}

export class SlotPool {
  private readonly idle: IdleEntry[] = []; // most recently used last
  private readonly busy = new Set<PoolSlot>();
  private readonly waiters = new SlotQueue<Grant>(
    () => this.shedding(),
    () => this.starting > 0,
  );
  /** the route's recent call time in ms (moving average of its calls on this pool's containers) */
  private callMs = 0;
  private readonly closing = new Set<Promise<void>>();
  private readonly launches = new Set<Promise<void>>();
  private starting = 0;
  private retired = false;

  constructor(
    readonly id: string,
    private fn: FunctionSpec,
    private limits: PoolLimits,
    private readonly factory: SlotFactory,
    /** told when the pool holds nothing (no containers, no waiters) */
    private readonly onEmpty: (pool: SlotPool) => void,
    /** told when a container is parked idle (memory admission may evict it for a waiting call) */
    private readonly onIdle?: () => void,
  ) {}

  /** Later calls may carry a new max_concurrency (not part of the key). */
  update(fn: FunctionSpec, limits: PoolLimits): void {
    this.fn = fn;
    this.limits = limits;
  }

  /** MiB each of its containers reserves (route memory; part of the pool's key, so fixed) */
  get memoryMb(): number {
    return this.fn.memory;
  }

  /** Idle containers with when each was last used, oldest first (for memory eviction). */
  idleSlots(): ReadonlyArray<{ slot: PoolSlot; since: number }> {
    return this.idle;
  }

  /** Closes an idle container so another route can have its memory; undefined when it is not idle (any more). */
  evict(slot: PoolSlot): Promise<void> | undefined {
    const i = this.idle.findIndex((e) => e.slot === slot);
    if (i < 0) return undefined;
    const [entry] = this.idle.splice(i, 1);
    clearTimeout(entry!.timer);
    const closed = slot.close('evicted');
    this.track(closed);
    this.checkEmpty();
    return closed;
  }

  get size(): number {
    return this.starting + this.idle.length + this.busy.size;
  }

  async run(call: CallRequest): Promise<CallResult> {
    if (call.signal?.aborted) return abortedResult();
    const idle = this.takeIdle();
    if (idle) return this.execOn(idle, call, false);
    const launching = this.size < this.limits.maxConcurrency;
    if (!launching && this.queued >= this.limits.queueSize) {
      this.waiters.refused(); // counts toward the queue's growth (overload detection)
      return faultResult(503, `Too many calls in progress for ${this.fn.appName}${this.fn.path}: hot call queue is full (${this.limits.queueSize} waiting)`, {
        platformError: true,
        throttled: true,
      });
    }
    const got = await this.wait(call, launching);
    if ('result' in got) return got.result;
    return this.execOn(got.slot, call, got.fresh);
  }

  /**
   * Starts containers ahead of calls, up to `n` in the pool (within max_concurrency): a rollout's new
   * version (rollout.ts). Resolves when one is ready (parked idle, or handed to a waiter); rejects
   * with the first start failure when none became ready.
   */
  warm(n: number, waitUntil: number): Promise<void> {
    const want = Math.min(n, this.limits.maxConcurrency) - this.size;
    if (want <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let pending = want;
      let failure: unknown;
      const done = (err?: unknown) => {
        if (err === undefined) resolve();
        else failure ??= err;
        if (--pending === 0 && failure !== undefined) reject(failure instanceof Error ? failure : new Error('the container did not start'));
      };
      for (let i = 0; i < want; i++) this.launch(waitUntil, done);
    });
  }

  /** Drain: no new calls come here; idle containers close now, busy ones after their call. */
  retire(): void {
    this.retired = true;
    for (const e of this.idle.splice(0)) this.closeSlot(e);
    this.checkEmpty();
  }

  /** Shutdown: fail waiters, kill everything (busy calls end with 503), wait for it all. */
  async close(): Promise<void> {
    this.retired = true;
    this.waiters.settleAll({ result: faultResult(503, 'server is shutting down', { platformError: true }) });
    for (const e of this.idle.splice(0)) this.closeSlot(e);
    for (const s of this.busy) this.track(s.close('shutdown'));
    while (this.launches.size > 0 || this.closing.size > 0) await Promise.allSettled([...this.launches, ...this.closing]);
  }

  stats(): PoolStats {
    return {
      id: this.id,
      app: this.fn.appName,
      path: this.fn.path,
      image: this.fn.image,
      retired: this.retired,
      max: this.limits.maxConcurrency,
      starting: this.starting,
      idle: this.idle.length,
      busy: this.busy.size,
      queued: this.queued,
    };
  }

  /** calls waiting beyond those a starting container will take */
  private get queued(): number {
    return Math.max(0, this.waiters.length - this.starting);
  }

  private shedding(): Shedding | undefined {
    const s = this.limits.shedding;
    if (!s) return undefined;
    if (s.targetMs !== 'auto') return s as Shedding;
    return { targetMs: Math.max(AUTO_TARGET_MIN_MS, Math.round(this.callMs / 2)), intervalMs: s.intervalMs };
  }

  private takeIdle(): PoolSlot | undefined {
    for (let e = this.idle.pop(); e; e = this.idle.pop()) {
      clearTimeout(e.timer);
      if (e.slot.healthy) return e.slot;
      this.closeSlot(e);
    }
    return undefined;
  }

  private async execOn(slot: PoolSlot, call: CallRequest, fresh: boolean): Promise<CallResult> {
    this.busy.add(slot);
    let result: CallResult;
    try {
      result = await slot.exec(call);
      if (result.completedAt !== undefined && result.startedAt !== undefined) {
        const ms = result.completedAt - result.startedAt;
        this.callMs = this.callMs === 0 ? ms : this.callMs * 0.8 + ms * 0.2;
      }
      this.busy.delete(slot);
      this.offer(slot, false);
    } catch (err) {
      result = platformFaultResult(err);
      this.busy.delete(slot);
      this.track(slot.close('exec failed'));
      this.refill();
      this.checkEmpty();
    }
    return fresh ? { ...result, coldStart: true } : result;
  }

  private wait(call: CallRequest, launching: boolean): Promise<Grant> {
    const where = `${this.fn.appName}${this.fn.path}`;
    // A call that caused a launch waits for it (the launch is bounded by its own timeouts);
    // one that queued at capacity waits at most hotQueueWaitMs.
    const until = launching ? call.deadline : Math.min(call.deadline, Date.now() + this.limits.queueWaitMs);
    const waiting = this.waiters.wait(
      until,
      call.signal,
      (waited) => ({
        result: launching
          ? timeoutResult({ platformError: true })
          : faultResult(503, `Too many calls in progress for ${where}: no hot container became free within ${waited} ms`, {
              platformError: true,
              throttled: true,
            }),
      }),
      () => ({ result: abortedResult() }),
      () => this.checkEmpty(),
      !launching,
    );
    if (launching) this.launch(call.deadline);
    return waiting;
  }

  /** `started` (warm()) hears the outcome: nothing when the container is ready, else the error */
  private launch(waitUntil: number, started?: (err?: unknown) => void): void {
    this.starting++;
    const p = this.factory(this.fn, this.id, waitUntil).then(
      (slot) => {
        this.starting--;
        slot.onDeath?.(() => this.onIdleDeath(slot));
        this.offer(slot, true);
        started?.();
      },
      (err: unknown) => {
        this.starting--;
        const result = err instanceof HotStartError ? faultResult(502, err.message, { platformError: true }) : platformFaultResult(err);
        this.waiters.grantNext({ result });
        this.refill();
        this.checkEmpty();
        started?.(err);
      },
    );
    this.launches.add(p);
    void p.finally(() => this.launches.delete(p));
  }

  /** Hands a container to the next waiter, else parks it idle (or closes it when retired). */
  private offer(slot: PoolSlot, fresh: boolean): void {
    if (!slot.healthy) {
      this.track(slot.close('unhealthy'));
      this.refill();
      this.checkEmpty();
      return;
    }
    if (this.waiters.length > 0) {
      this.busy.add(slot); // counted as busy from now on, so no call starts a container over the cap
      if (this.waiters.grantNext({ slot, fresh })) return;
      this.busy.delete(slot); // every waiter was shed (standing queue): park it
    }
    const idleMs = this.fn.idleTimeout * 1000;
    if (this.retired || idleMs <= 0) {
      this.track(slot.close(this.retired ? 'drained' : 'idle'));
      this.checkEmpty();
      return;
    }
    const entry: IdleEntry = { slot, timer: undefined, since: Date.now() };
    entry.timer = setTimeout(() => {
      const i = this.idle.indexOf(entry);
      if (i >= 0) this.idle.splice(i, 1);
      this.closeSlot(entry);
      this.checkEmpty();
    }, timerMs(idleMs));
    entry.timer.unref();
    this.idle.push(entry);
    this.onIdle?.();
  }

  /** Starts containers for waiters not covered by one already starting, within the cap. */
  private refill(): void {
    while (this.waiters.length > this.starting && this.size < this.limits.maxConcurrency) this.launch(Date.now() + this.limits.queueWaitMs);
  }

  private onIdleDeath(slot: PoolSlot): void {
    const i = this.idle.findIndex((e) => e.slot === slot);
    if (i < 0) return; // busy: its exec reports the fault and offer() closes it
    const [entry] = this.idle.splice(i, 1);
    this.closeSlot(entry!);
    this.checkEmpty();
  }

  private closeSlot(entry: IdleEntry): void {
    clearTimeout(entry.timer);
    this.track(entry.slot.close());
  }

  private track(p: Promise<void>): void {
    const q = p.catch(() => undefined);
    this.closing.add(q);
    void q.finally(() => this.closing.delete(q));
  }

  private checkEmpty(): void {
    if (this.size === 0 && this.waiters.length === 0) this.onEmpty(this);
  }
}
