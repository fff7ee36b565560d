// Schedule state (table schedule_state): where each scheduled route's ticks stand, shared by all nodes.
// baselineStatement() runs in the route write's batch or transaction; claimTicks() is the scheduler's
// compare-and-set: it advances last_tick from the value the node read and inserts the ticks' calls in
// ONE transaction, the inserts conditional on this very claim having won, so of several nodes planning
// the same ticks exactly one enqueues them.
import { and, eq, sql } from 'drizzle-orm';
import type { Client, InStatement } from '@libsql/client';
import { scheduleState } from '../../db/schema.ts';
import type { Queryable } from './db.ts';
import type { Route } from '../models/route.ts';
import type { NewCallRow } from './calls.ts';

/**
 * The statement that keeps a route's schedule state in step with a route write at `now`: a schedule set
 * or changed (or any create: `reset`) starts counting at now; no schedule deletes the state.
 */
export function baselineStatement(db: Queryable, route: Route, now: number, reset: boolean) {
  const { appName, path } = route;
  if (!route.schedule) return db.run(sql`DELETE FROM ${scheduleState} WHERE app_name = ${appName} AND path = ${path}`);
  const onlyWhenChanged = reset ? sql`` : sql` WHERE ${scheduleState}.schedule IS NOT excluded.schedule`;
  return db.run(sql`INSERT INTO ${scheduleState} (app_name, path, schedule, last_tick, claim, updated_at)
    VALUES (${appName}, ${path}, ${route.schedule}, ${now}, '', ${now})
    ON CONFLICT (app_name, path) DO UPDATE SET schedule = excluded.schedule, last_tick = excluded.last_tick, claim = '', updated_at = excluded.updated_at${onlyWhenChanged}`);
}

export interface ScheduleStateRow {
  appName: string;
  path: string;
  schedule: string;
  lastTick: number;
}

export async function listScheduleStates(db: Queryable): Promise<ScheduleStateRow[]> {
  return db
    .select({ appName: scheduleState.appName, path: scheduleState.path, schedule: scheduleState.schedule, lastTick: scheduleState.lastTick })
    .from(scheduleState);
}

/** A route with a schedule but no state row (written before this node's view): start counting at now. */
export async function ensureScheduleState(db: Queryable, appName: string, path: string, schedule: string, now: number): Promise<void> {
  await db.insert(scheduleState).values({ appName, path, schedule, lastTick: now, claim: '', updatedAt: now }).onConflictDoNothing();
}

export interface TickClaim {
  appName: string;
  path: string;
  schedule: string;
  /** the last_tick this node read */
  from: number;
  /** the last tick these calls cover */
  to: number;
  /** unique per attempt */
  token: string;
  calls: NewCallRow[];
}

/**
 * Advances the route's last_tick from `from` to `to` and inserts the calls, in one transaction; the
 * calls go in only if this claim's compare-and-set won. true when it did (false: another node did).
 */
export async function claimTicks(client: Client, c: TickClaim, now: number): Promise<boolean> {
  const cas: InStatement = {
    sql: `UPDATE schedule_state SET last_tick = ?, claim = ?, updated_at = ? WHERE app_name = ? AND path = ? AND schedule = ? AND last_tick = ?`,
    args: [c.to, c.token, now, c.appName, c.path, c.schedule, c.from],
  };
  const won = `EXISTS (SELECT 1 FROM schedule_state WHERE app_name = ? AND path = ? AND claim = ? AND last_tick = ?)`;
  const inserts: InStatement[] = c.calls.map((r) => ({
    sql: `INSERT INTO calls (id, app_name, path, image, type, format, status, method, url, headers, payload, attempts, max_attempts, not_before, created_at)
      SELECT ?, ?, ?, ?, 'async', ?, 'queued', ?, ?, ?, ?, 0, ?, ?, ? WHERE ${won}`,
    args: [
      r.id,
      r.appName,
      r.path,
      r.image,
      r.format,
      r.method,
      r.url,
      JSON.stringify(r.headers ?? {}),
      r.payload ?? Buffer.alloc(0),
      r.maxAttempts ?? 1,
      r.notBefore ?? now,
      r.createdAt,
      c.appName,
      c.path,
      c.token,
      c.to,
    ],
  }));
  const [res] = await client.batch([cas, ...inserts], 'write');
  return (res?.rowsAffected ?? 0) > 0;
}

export async function getScheduleState(db: Queryable, appName: string, path: string): Promise<ScheduleStateRow | undefined> {
  return db
    .select({ appName: scheduleState.appName, path: scheduleState.path, schedule: scheduleState.schedule, lastTick: scheduleState.lastTick })
    .from(scheduleState)
    .where(and(eq(scheduleState.appName, appName), eq(scheduleState.path, path)))
    .get();
}
