// The durable queue's statements. Async calls are rows of `calls`: status `queued` (with not_before
// for backoff) is waiting; a claim moves rows to `running` with a lease (owner + until) in ONE atomic
// UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING, so of several workers or gateway processes
// on one database exactly one wins each row. Every later write is fenced on the lease owner, so a
// worker that lost its lease (it stalled, another node re-queued the call) cannot overwrite anything.
import { and, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import { apps, calls, callLogs, type CallRow } from '../../db/schema.ts';
import type { Db, Queryable } from './db.ts';
import type { CallReasonCode } from './calls.ts';
import { callbackDue } from './callbacks.ts';

export interface Claim {
  owner: string;
  nodeId: string;
  n: number;
  now: number;
  leaseUntil: number;
}

/** Claims up to n due calls, oldest first: status running, started_at now, attempts + 1. */
export async function claimDue(db: Queryable, c: Claim): Promise<CallRow[]> {
  if (c.n <= 0) return [];
  const due = db
    .select({ id: calls.id })
    .from(calls)
    .where(and(eq(calls.status, 'queued'), lte(calls.notBefore, c.now)))
    .orderBy(calls.notBefore, calls.id)
    .limit(c.n);
  const rows = await db
    .update(calls)
    .set({
      status: 'running',
      leaseOwner: c.owner,
      leaseUntil: c.leaseUntil,
      startedAt: c.now,
      attempts: sql`${calls.attempts} + 1`,
      nodeId: c.nodeId,
    })
    .where(and(inArray(calls.id, due), eq(calls.status, 'queued')))
    .returning();
  return rows.sort((a, b) => (a.notBefore ?? 0) - (b.notBefore ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Extends the leases of `owner` on these calls (the ones it is still running). */
export async function extendLeases(db: Queryable, owner: string, ids: string[], leaseUntil: number): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await db
    .update(calls)
    .set({ leaseUntil })
    .where(and(inArray(calls.id, ids), eq(calls.status, 'running'), eq(calls.leaseOwner, owner)));
  return res.rowsAffected;
}

export interface Outcome {
  status: 'success' | 'error' | 'timeout' | 'cancelled';
  reason: CallReasonCode | null;
  error: string | null;
  statusCode: number | null;
  completedAt: number;
  /** stored as the call's log when non-empty */
  log?: Buffer;
  /** the answer its callback POSTs (only for a call with a callback URL) */
  callback?: { body: Buffer; contentType: string | null };
}

const leased = (id: string, owner: string) => and(eq(calls.id, id), eq(calls.status, 'running'), eq(calls.leaseOwner, owner));

/**
 * Records the final outcome of a call this owner holds, with its log, in one transaction.
 * false when the lease was lost (the row is left alone).
 */
export async function finish(db: Db, id: string, owner: string, o: Outcome): Promise<boolean> {
  const update = db
    .update(calls)
    .set({
      status: o.status,
      reason: o.reason,
      error: o.error,
      statusCode: o.statusCode,
      completedAt: o.completedAt,
      leaseOwner: null,
      leaseUntil: null,
      // the call ended: its callback (if it asked for one) is due now, delivered by src/queue/callbacks.ts
      ...callbackDue(o.completedAt),
      ...(o.callback ? { callbackBody: o.callback.body, callbackContentType: o.callback.contentType } : {}),
    })
    .where(leased(id, owner))
    .returning({ id: calls.id });
  if (!o.log || o.log.length === 0) return (await update).length > 0;
  // the log goes in only while the lease is still ours: checked inside the same transaction
  const log = db.run(sql`INSERT INTO ${callLogs} (call_id, log, created_at)
    SELECT ${id}, ${o.log}, ${o.completedAt}
    WHERE EXISTS (SELECT 1 FROM ${calls} WHERE id = ${id} AND status = 'running' AND lease_owner = ${owner})
    ON CONFLICT (call_id) DO UPDATE SET log = excluded.log, created_at = excluded.created_at`);
  const [, updated] = await db.batch([log, update]);
  return updated.length > 0;
}

/** Back to the queue after a failed attempt, due at notBefore; `error` keeps the last failure visible. */
export async function retryLater(db: Queryable, id: string, owner: string, notBefore: number, error: string): Promise<boolean> {
  const res = await db.update(calls).set({ status: 'queued', notBefore, error, leaseOwner: null, leaseUntil: null, startedAt: null }).where(leased(id, owner));
  return res.rowsAffected > 0;
}

/** Shutdown: calls this owner claimed but did not finish go back, due now, the attempt not counted. */
export async function release(db: Queryable, ids: string[], owner: string, now: number): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await db
    .update(calls)
    .set({ status: 'queued', notBefore: now, leaseOwner: null, leaseUntil: null, startedAt: null, attempts: sql`max(${calls.attempts} - 1, 0)` })
    .where(and(inArray(calls.id, ids), eq(calls.status, 'running'), eq(calls.leaseOwner, owner)));
  return res.rowsAffected;
}

/**
 * Calls whose lease expired (their worker or consumer is gone) go back to the queue; those that
 * already used every attempt end as error/killed instead. Any node may run this.
 */
export async function recoverExpired(db: Queryable, now: number): Promise<{ requeued: number; failed: number }> {
  const expired = and(eq(calls.status, 'running'), lt(calls.leaseUntil, now));
  const failed = await db
    .update(calls)
    .set({
      status: 'error',
      reason: 'killed',
      error: sql`'lease expired: the worker or consumer running the call was lost (attempt ' || ${calls.attempts} || ' of ' || ${calls.maxAttempts} || ')'`,
      completedAt: now,
      leaseOwner: null,
      leaseUntil: null,
      ...callbackDue(now),
    })
    .where(and(expired, sql`${calls.attempts} >= ${calls.maxAttempts}`));
  const requeued = await db
    .update(calls)
    .set({
      status: 'queued',
      notBefore: now,
      error: sql`'attempt ' || ${calls.attempts} || ' lost: lease expired'`,
      leaseOwner: null,
      leaseUntil: null,
      startedAt: null,
    })
    .where(expired);
  return { requeued: requeued.rowsAffected, failed: failed.rowsAffected };
}

/**
 * Ends every queued call of an app (due now or backing off) as status error with `error`, as a
 * builder for the caller's batch: a cascading app delete runs it in the transaction that deletes the
 * app and its routes, so no call of the app stays queued for a route that is gone. Calls already
 * running (a worker's or a /tasks consumer's) are left to finish as they would; a retry they schedule
 * meets the deleted app when claimed and ends with the same error (src/queue/call-from-row.ts).
 * Only while the app still exists: a delete that finds no app ends nothing.
 */
export function failQueuedOfApp(db: Db, appName: string, error: string, now: number) {
  return db
    .update(calls)
    .set({ status: 'error', reason: null, error, completedAt: now, leaseOwner: null, leaseUntil: null, ...callbackDue(now) })
    .where(and(eq(calls.appName, appName), eq(calls.status, 'queued'), sql`EXISTS (SELECT 1 FROM ${apps} WHERE ${apps.name} = ${appName})`));
}

/** Calls waiting in the queue (due now or backing off). */
export async function queueDepth(db: Queryable): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(calls)
    .where(eq(calls.status, 'queued'))
    .get();
  return row?.n ?? 0;
}
