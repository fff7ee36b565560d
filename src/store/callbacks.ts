// Callback delivery state (X-Callback-Url of async calls), kept on the call's row so it survives a
// restart: when a call ends, callbackDue() marks its callback `pending` (only when it has a URL); any
// node's deliverer claims due ones with a lease in ONE atomic UPDATE ... RETURNING (as the queue's
// claim), so each try is made by one node; every later write is fenced on that lease. A delivery
// whose node died (lease expired while `delivering`) is claimed again.
import { and, eq, inArray, lte, or, sql } from 'drizzle-orm';
import { calls, type CallbackTry } from '../../db/schema.ts';
import type { Queryable } from './db.ts';

/** Set-fields for a call that just ended: its callback, if it asked for one, is due at `at`. */
export function callbackDue(at: number) {
  return {
    callbackState: sql<'pending' | null>`CASE WHEN ${calls.callbackUrl} IS NOT NULL THEN 'pending' END`,
    callbackNextAt: sql<number | null>`CASE WHEN ${calls.callbackUrl} IS NOT NULL THEN ${at} END`,
  };
}

export interface DueCallback {
  id: string;
  appName: string;
  path: string;
  url: string;
  status: 'queued' | 'running' | 'success' | 'error' | 'timeout' | 'cancelled';
  error: string | null;
  statusCode: number | null;
  startedAt: number | null;
  completedAt: number | null;
  body: Buffer | null;
  contentType: string | null;
  tries: CallbackTry[];
}

const due = (now: number) =>
  or(
    and(eq(calls.callbackState, 'pending'), lte(calls.callbackNextAt, now)),
    // its deliverer died mid-try: the lease ran out
    and(eq(calls.callbackState, 'delivering'), lte(calls.callbackLeaseUntil, now)),
  );

/** Claims up to n due callbacks for `owner` until leaseUntil. */
export async function claimCallbacks(db: Queryable, owner: string, n: number, now: number, leaseUntil: number): Promise<DueCallback[]> {
  if (n <= 0) return [];
  const ids = db.select({ id: calls.id }).from(calls).where(due(now)).orderBy(calls.callbackNextAt).limit(n);
  const rows = await db
    .update(calls)
    .set({ callbackState: 'delivering', callbackLeaseOwner: owner, callbackLeaseUntil: leaseUntil })
    .where(and(inArray(calls.id, ids), due(now)))
    .returning({
      id: calls.id,
      appName: calls.appName,
      path: calls.path,
      url: calls.callbackUrl,
      status: calls.status,
      error: calls.error,
      statusCode: calls.statusCode,
      startedAt: calls.startedAt,
      completedAt: calls.completedAt,
      body: calls.callbackBody,
      contentType: calls.callbackContentType,
      tries: calls.callbackTries,
    });
  return rows.map((r) => ({ ...r, url: r.url ?? '', tries: r.tries ?? [] }));
}

/**
 * Records a try (fenced on the lease): delivered, failed (out of tries), or pending again at nextAt.
 * false when the lease was lost. A delivered or failed callback's body is dropped (it was only kept to send).
 */
export async function recordTry(
  db: Queryable,
  id: string,
  owner: string,
  tries: CallbackTry[],
  next: { state: 'delivered' | 'failed' } | { state: 'pending'; at: number },
): Promise<boolean> {
  const done = next.state !== 'pending';
  const res = await db
    .update(calls)
    .set({
      callbackTries: tries,
      callbackState: next.state,
      callbackNextAt: next.state === 'pending' ? next.at : null,
      callbackLeaseOwner: null,
      callbackLeaseUntil: null,
      ...(done ? { callbackBody: null } : {}),
    })
    .where(and(eq(calls.id, id), eq(calls.callbackState, 'delivering'), eq(calls.callbackLeaseOwner, owner)));
  return res.rowsAffected > 0;
}

/** Returns this owner's unfinished deliveries to pending (shutdown), due now. */
export async function releaseCallbacks(db: Queryable, owner: string, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(calls)
    .set({ callbackState: 'pending', callbackNextAt: now, callbackLeaseOwner: null, callbackLeaseUntil: null })
    .where(and(inArray(calls.id, ids), eq(calls.callbackState, 'delivering'), eq(calls.callbackLeaseOwner, owner)));
}
