// Scheduled calls: a route with a `schedule` (cron, UTC) gets an async call enqueued at each tick, once
// across every node sharing the database. Each node checks its route cache a few times a second (in
// memory: the next tick of each scheduled route); when a tick is due it reads the route's shared state
// (src/store/schedules.ts: ticks up to last_tick are done), plans the calls for the ticks since, and
// enqueues them only by advancing last_tick with a compare-and-set in the same transaction: of two nodes
// planning the same tick, one wins, the other's inserts do nothing. The calls then run as any async call
// (workers, retries, records, callbacks none).
//
// Late and missed ticks: a tick claimed within onTimeMs of its time is on time and gets its own call.
// Older ones were missed (no node ran, or the database was unreachable): PODFN_SCHEDULE_CATCH_UP=once
// enqueues ONE call for all of them (Fn-Schedule-Catch-Up: true, Fn-Schedule-Missed: how many), none
// skips them. A schedule set or changed starts counting at the time of that write.
//
// What a scheduled call is: POST to the route's URL, empty body, headers User-Agent: podfn-scheduler,
// Fn-Schedule (the expression), Fn-Schedule-Tick (the tick, RFC 3339 UTC), on a catch-up call also
// Fn-Schedule-Catch-Up and Fn-Schedule-Missed. It runs as async whatever the route's type.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/db.ts';
import { claimTicks, ensureScheduleState, listScheduleStates, type ScheduleStateRow } from '../store/schedules.ts';
import type { NewCallRow } from '../store/calls.ts';
import type { RouteCache } from '../gateway/route-cache.ts';
import { newCallId } from '../gateway/call-id.ts';
import { nextTick } from '../models/schedule.ts';
import type { Route } from '../models/route.ts';
import type { Logger } from '../log.ts';

export type CatchUp = 'once' | 'none';

export interface SchedulerOptions {
  catchUp: CatchUp;
  /** a tick enqueued within this of its time is on time; older unclaimed ticks were missed */
  onTimeMs: number;
  /** how often the route cache is checked for due ticks */
  checkMs: number;
  maxAttempts: number;
  /** base of the calls' URL (PODFN_PUBLIC_URL, else this node's address) */
  baseUrl: string;
}

/** Missed ticks counted one by one up to this; beyond, the catch-up call says `<n>+`. */
const MISSED_COUNT_MAX = 1000;

export interface TickPlan {
  /** the last tick these calls cover: last_tick's new value */
  to: number;
  /** on-time ticks, oldest first */
  onTime: number[];
  /** ticks missed (older than the on-time window), counted up to MISSED_COUNT_MAX */
  missed: number;
  /** the first missed tick */
  missedFrom?: number;
}

/** The ticks of `schedule` after `last` up to `now`, split into on-time and missed ones. Pure. */
export function planTicks(schedule: string, last: number, now: number, onTimeMs: number): TickPlan | undefined {
  const first = nextTick(schedule, last);
  if (first === undefined || first > now) return undefined;
  const windowStart = now - onTimeMs;
  let t: number | undefined = first;
  let missed = 0;
  let lastMissed: number | undefined;
  while (t !== undefined && t < windowStart && missed < MISSED_COUNT_MAX) {
    missed++;
    lastMissed = t;
    t = nextTick(schedule, t);
  }
  const capped = missed === MISSED_COUNT_MAX && t !== undefined && t < windowStart;
  if (capped) t = nextTick(schedule, windowStart - 1);
  const onTime: number[] = [];
  while (t !== undefined && t <= now) {
    onTime.push(t);
    t = nextTick(schedule, t);
  }
  const to = onTime.at(-1) ?? (capped ? windowStart - 1 : lastMissed!);
  return { to, onTime, missed: capped ? MISSED_COUNT_MAX + 1 : missed, missedFrom: missed > 0 ? first : undefined };
}

interface Known {
  schedule: string;
  /** next tick after the last one known done; undefined: the schedule never fires again */
  next: number | undefined;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly known = new Map<string, Known>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly routes: Pick<RouteCache, 'entries'>,
    private readonly o: SchedulerOptions,
    private readonly log: Logger,
    /** told after calls were enqueued, so local workers start at once */
    private readonly onEnqueued: () => void,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'scheduler: pass failed; retrying'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = later(tick, this.o.checkMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One check of every scheduled route; enqueues what is due. */
  async pass(now = Date.now()): Promise<void> {
    const due: Route[] = [];
    const seen = new Set<string>();
    for (const { route } of this.routes.entries()) {
      if (!route.schedule) continue;
      const k = keyOf(route.appName, route.path);
      seen.add(k);
      const m = this.known.get(k);
      if (!m || m.schedule !== route.schedule || (m.next !== undefined && m.next <= now)) due.push(route);
    }
    for (const k of this.known.keys()) if (!seen.has(k)) this.known.delete(k);
    if (due.length === 0) return;
    const states = new Map<string, ScheduleStateRow>();
    for (const s of await listScheduleStates(this.store.db)) states.set(keyOf(s.appName, s.path), s);
    for (const route of due) {
      const k = keyOf(route.appName, route.path);
      const schedule = route.schedule!;
      const st = states.get(k);
      if (!st) {
        // scheduled before this table knew it (or its write raced a delete): counting starts now
        await ensureScheduleState(this.store.db, route.appName, route.path, schedule, now);
        this.known.delete(k);
        continue;
      }
      // this node's cache and the database disagree on the expression: wait for the cache to catch up
      if (st.schedule !== schedule) {
        this.known.delete(k);
        continue;
      }
      const plan = planTicks(schedule, st.lastTick, now, this.o.onTimeMs);
      if (!plan) {
        this.known.set(k, { schedule, next: nextTick(schedule, st.lastTick) });
        continue;
      }
      const calls = this.callsOf(route, plan, now);
      const won = await claimTicks(
        this.store.client,
        { appName: route.appName, path: route.path, schedule, from: st.lastTick, to: plan.to, token: token(), calls },
        now,
      );
      if (won) {
        this.known.set(k, { schedule, next: nextTick(schedule, plan.to) });
        if (plan.missed > 0) {
          this.log.warn(
            { app: route.appName, path: route.path, missed: plan.missed, from: iso(plan.missedFrom!), catch_up: this.o.catchUp },
            this.o.catchUp === 'once' ? 'scheduler: ticks were missed; one catch-up call enqueued' : 'scheduler: ticks were missed and skipped',
          );
        }
        if (calls.length) this.onEnqueued();
      } else {
        this.known.delete(k); // another node took these ticks: read where they stand next time
      }
    }
  }

  private callsOf(route: Route, plan: TickPlan, now: number): NewCallRow[] {
    const out: NewCallRow[] = [];
    if (plan.missed > 0 && this.o.catchUp === 'once') {
      const missed = plan.missed > MISSED_COUNT_MAX ? `${MISSED_COUNT_MAX}+` : String(plan.missed);
      out.push(this.call(route, plan.missedFrom!, now, { 'fn-schedule-catch-up': ['true'], 'fn-schedule-missed': [missed] }));
    }
    for (const t of plan.onTime) out.push(this.call(route, t, now, {}));
    return out;
  }

  private call(route: Route, tick: number, now: number, extra: Record<string, string[]>): NewCallRow {
    return {
      id: newCallId(now),
      appName: route.appName,
      path: route.path,
      image: route.image,
      type: 'async',
      format: route.format,
      status: 'queued',
      method: 'POST',
      url: `${this.o.baseUrl}/r/${encodeURIComponent(route.appName)}${encodeURI(route.path)}`,
      headers: {
        'user-agent': ['podfn-scheduler'],
        'content-length': ['0'],
        'fn-schedule': [route.schedule!],
        'fn-schedule-tick': [iso(tick)],
        ...extra,
      },
      payload: Buffer.alloc(0),
      attempts: 0,
      maxAttempts: this.o.maxAttempts,
      notBefore: now,
      createdAt: now,
    };
  }
}

const keyOf = (app: string, path: string) => `${app}\u0000${path}`;
const token = () => randomBytes(9).toString('base64url');
const iso = (ms: number) => new Date(ms).toISOString();

function later(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}
