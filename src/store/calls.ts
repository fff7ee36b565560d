// Call records and call logs: inserting sync records in batches and accepted async calls, reading
// (one call, a filtered page, a log), cancelling a queued call, and purging by age. The queue's claim
// and lease statements live in ./queue.ts. Every write here is one statement or one batch (one
// transaction), never a transaction held across awaits.
import { and, asc, desc, eq, inArray, lt, gte, lte, sql, type SQL } from 'drizzle-orm';
import { calls, callLogs, type CallRow } from '../../db/schema.ts';
import type { Client, InStatement, InValue } from '@libsql/client';
import type { Db, Queryable } from './db.ts';
import { callbackDue } from './callbacks.ts';

export type CallStatus = CallRow['status'];
export type CallReasonCode = 'timeout' | 'killed' | 'bad_exit' | 'client_request';
export type NewCallRow = typeof calls.$inferInsert;
export interface NewLogRow {
  callId: string;
  log: Buffer;
  createdAt: number;
}

export const CALL_STATUSES: readonly CallStatus[] = ['queued', 'running', 'success', 'error', 'timeout', 'cancelled'];
export const FINAL_STATUSES: readonly CallStatus[] = ['success', 'error', 'timeout', 'cancelled'];

/** A call without its payload, request headers and callback internals: what listings and the API show. */
export type CallSummary = Omit<CallRow, 'payload' | 'headers' | 'callbackLeaseOwner' | 'callbackLeaseUntil' | 'callbackBody' | 'callbackContentType'>;

const summaryColumns = {
  id: calls.id,
  appName: calls.appName,
  path: calls.path,
  image: calls.image,
  type: calls.type,
  format: calls.format,
  status: calls.status,
  reason: calls.reason,
  error: calls.error,
  method: calls.method,
  url: calls.url,
  statusCode: calls.statusCode,
  attempts: calls.attempts,
  maxAttempts: calls.maxAttempts,
  notBefore: calls.notBefore,
  leaseOwner: calls.leaseOwner,
  leaseUntil: calls.leaseUntil,
  nodeId: calls.nodeId,
  createdAt: calls.createdAt,
  startedAt: calls.startedAt,
  completedAt: calls.completedAt,
  callbackUrl: calls.callbackUrl,
  callbackState: calls.callbackState,
  callbackTries: calls.callbackTries,
  callbackNextAt: calls.callbackNextAt,
};

// Hot writers (sync records, accepted async calls) use plain multi-row INSERTs on the libSQL client:
// Drizzle's builder costs ~0.1 ms per row, more than SQLite itself, and on the embedded file that time
// blocks the event loop. Columns in the order of rowArgs().
const INSERT_COLUMNS = [
  'id',
  'app_name',
  'path',
  'image',
  'type',
  'format',
  'status',
  'reason',
  'error',
  'method',
  'url',
  'headers',
  'payload',
  'status_code',
  'attempts',
  'max_attempts',
  'not_before',
  'node_id',
  'created_at',
  'started_at',
  'completed_at',
  'callback_url',
] as const;
const ROWS_PER_INSERT = 100; // 22 columns x 100 rows: far below SQLite's 32766 bound variables
const sqlCache = new Map<string, string>();

function insertSql(table: 'calls' | 'call_logs', columns: readonly string[], rows: number, onConflict: string): string {
  const key = `${table}:${rows}:${onConflict}`;
  let text = sqlCache.get(key);
  if (!text) {
    const one = `(${columns.map(() => '?').join(',')})`;
    text = `INSERT INTO ${table} (${columns.join(',')}) VALUES ${Array(rows).fill(one).join(',')} ${onConflict}`;
    sqlCache.set(key, text);
  }
  return text;
}

function rowArgs(r: NewCallRow): InValue[] {
  return [
    r.id,
    r.appName,
    r.path,
    r.image,
    r.type,
    r.format,
    r.status,
    r.reason ?? null,
    r.error ?? null,
    r.method,
    r.url,
    r.headers ? JSON.stringify(r.headers) : null,
    r.payload ?? null,
    r.statusCode ?? null,
    r.attempts ?? 0,
    r.maxAttempts ?? 1,
    r.notBefore ?? null,
    r.nodeId ?? null,
    r.createdAt,
    r.startedAt ?? null,
    r.completedAt ?? null,
    r.callbackUrl ?? null,
  ];
}

function chunked<T>(items: T[], build: (chunk: T[]) => InStatement): InStatement[] {
  const out: InStatement[] = [];
  for (let i = 0; i < items.length; i += ROWS_PER_INSERT) out.push(build(items.slice(i, i + ROWS_PER_INSERT)));
  return out;
}

const callInserts = (rows: NewCallRow[], onConflict: string) =>
  chunked(rows, (c) => ({ sql: insertSql('calls', INSERT_COLUMNS, c.length, onConflict), args: c.flatMap(rowArgs) }));

/** Inserts finished records and their logs in one transaction (ids are unique; a replay is a no-op). */
export async function insertRecords(client: Client, rows: NewCallRow[], logs: NewLogRow[]): Promise<void> {
  const stmts = [
    ...callInserts(rows, 'ON CONFLICT DO NOTHING'),
    ...chunked(logs, (c) => ({
      sql: insertSql('call_logs', ['call_id', 'log', 'created_at'], c.length, 'ON CONFLICT DO NOTHING'),
      args: c.flatMap((l) => [l.callId, l.log, l.createdAt]),
    })),
  ];
  if (stmts.length) await client.batch(stmts, 'write');
}

/** Commits accepted async calls (status queued) in one transaction. Resolves only after the commit. */
export async function insertQueued(client: Client, rows: NewCallRow[]): Promise<void> {
  const stmts = callInserts(rows, '');
  if (stmts.length === 1) await client.execute(stmts[0]!);
  else if (stmts.length) await client.batch(stmts, 'write');
}

export async function getCall(db: Queryable, appName: string, id: string): Promise<CallSummary | undefined> {
  return db
    .select(summaryColumns)
    .from(calls)
    .where(and(eq(calls.id, id), eq(calls.appName, appName)))
    .get();
}

/** The full row (payload and headers included), for running or handing out a call. */
export async function getCallRow(db: Queryable, id: string): Promise<CallRow | undefined> {
  return db.select().from(calls).where(eq(calls.id, id)).get();
}

export interface CallFilter {
  appName: string;
  path?: string;
  status?: CallStatus;
  /** created_at bounds, epoch ms, inclusive */
  fromMs?: number;
  toMs?: number;
  /** page after this (created_at, id), newest first */
  after?: { createdAt: number; id: string };
  limit: number;
}

/** Newest first, keyset-paginated on (created_at, id) so pages stay stable while calls arrive. */
export async function listCalls(db: Queryable, f: CallFilter): Promise<CallSummary[]> {
  const conds: SQL[] = [eq(calls.appName, f.appName)];
  if (f.path !== undefined) conds.push(eq(calls.path, f.path));
  if (f.status !== undefined) conds.push(eq(calls.status, f.status));
  if (f.fromMs !== undefined) conds.push(gte(calls.createdAt, f.fromMs));
  if (f.toMs !== undefined) conds.push(lte(calls.createdAt, f.toMs));
  if (f.after) conds.push(sql`(${calls.createdAt}, ${calls.id}) < (${f.after.createdAt}, ${f.after.id})`);
  return db
    .select(summaryColumns)
    .from(calls)
    .where(and(...conds))
    .orderBy(desc(calls.createdAt), desc(calls.id))
    .limit(f.limit);
}

/** The log of a call of this app, or undefined (no log stored: nothing on stderr, not finished, purged). */
export async function getLog(db: Queryable, appName: string, id: string): Promise<Buffer | undefined> {
  const row = await db
    .select({ log: callLogs.log })
    .from(callLogs)
    .innerJoin(calls, eq(calls.id, callLogs.callId))
    .where(and(eq(callLogs.callId, id), eq(calls.appName, appName)))
    .get();
  return row?.log;
}

export async function deleteLog(db: Queryable, id: string): Promise<void> {
  await db.delete(callLogs).where(eq(callLogs.callId, id));
}

/** queued -> cancelled (client_request), atomically; undefined when the call is not queued (or unknown). */
export async function cancelQueued(db: Queryable, appName: string, id: string, now: number): Promise<CallSummary | undefined> {
  const rows = await db
    .update(calls)
    .set({ status: 'cancelled', reason: 'client_request', completedAt: now, leaseOwner: null, leaseUntil: null, ...callbackDue(now) })
    .where(and(eq(calls.id, id), eq(calls.appName, appName), eq(calls.status, 'queued')))
    .returning(summaryColumns);
  return rows[0];
}

/**
 * Deletes up to `limit` finished calls created before `cutoff` with their logs, plus logs written
 * before `cutoff` whose call is already gone. Queued and running calls are never purged.
 * Returns how many calls were deleted (the caller repeats while it equals `limit`).
 */
export async function purgeBefore(db: Db, cutoff: number, limit: number): Promise<number> {
  const ids = (
    await db
      .select({ id: calls.id })
      .from(calls)
      .where(and(lt(calls.createdAt, cutoff), inArray(calls.status, [...FINAL_STATUSES])))
      .orderBy(asc(calls.createdAt))
      .limit(limit)
  ).map((r) => r.id);
  const orphanLogs = db.delete(callLogs).where(
    sql`${callLogs.callId} IN (SELECT ${callLogs.callId} FROM ${callLogs} WHERE ${callLogs.createdAt} < ${cutoff}
        AND NOT EXISTS (SELECT 1 FROM ${calls} WHERE ${calls.id} = ${callLogs.callId}) LIMIT ${limit})`,
  );
  if (ids.length === 0) {
    await orphanLogs;
    return 0;
  }
  await db.batch([db.delete(callLogs).where(inArray(callLogs.callId, ids)), db.delete(calls).where(inArray(calls.id, ids)), orphanLogs]);
  return ids.length;
}

export async function countByStatus(db: Queryable, status: CallStatus): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(calls)
    .where(eq(calls.status, status))
    .get();
  return row?.n ?? 0;
}
