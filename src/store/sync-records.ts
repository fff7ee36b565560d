// Finished sync call records in their compact form (one array of primitives per call, a log as bytes)
// and the statements that insert them. The recorder buffers this form; the record writer's thread
// receives it by structured clone (cheap for flat arrays of primitives, unlike objects with many
// fields) and runs these statements. Imports only @libsql/client types: the writer thread loads this
// without Drizzle.
import type { Client, InStatement, InValue } from '@libsql/client';

/** A finished sync call: the columns of SYNC_COLUMNS, in that order. */
export type SyncRecord = [
  id: string,
  appName: string,
  path: string,
  image: string,
  format: string,
  status: string,
  reason: string | null,
  error: string | null,
  method: string,
  url: string,
  statusCode: number | null,
  nodeId: string | null,
  createdAt: number,
  startedAt: number | null,
  completedAt: number | null,
];

/** A call's stored log: call id, bytes, created_at. */
export type LogRecord = [callId: string, log: Uint8Array, createdAt: number];

const SYNC_COLUMNS = [
  'id',
  'app_name',
  'path',
  'image',
  'format',
  'status',
  'reason',
  'error',
  'method',
  'url',
  'status_code',
  'node_id',
  'created_at',
  'started_at',
  'completed_at',
] as const;
/** the columns every sync record has the same value in, after SYNC_COLUMNS */
const CONSTANT_COLUMNS = 'type, attempts, max_attempts';
const CONSTANT_VALUES = "'sync', 1, 1";
const ROWS_PER_INSERT = 100; // 15 parameters x 100 rows: far below SQLite's 32766 bound variables
const sqlCache = new Map<string, string>();

function insertSql(kind: 'calls' | 'logs', rows: number): string {
  const key = `${kind}:${rows}`;
  let text = sqlCache.get(key);
  if (!text) {
    text =
      kind === 'calls'
        ? `INSERT INTO calls (${SYNC_COLUMNS.join(',')}, ${CONSTANT_COLUMNS}) VALUES ${Array(rows)
            .fill(`(${SYNC_COLUMNS.map(() => '?').join(',')}, ${CONSTANT_VALUES})`)
            .join(',')} ON CONFLICT DO NOTHING`
        : `INSERT INTO call_logs (call_id, log, created_at) VALUES ${Array(rows).fill('(?,?,?)').join(',')} ON CONFLICT DO NOTHING`;
    sqlCache.set(key, text);
  }
  return text;
}

function chunks<T>(items: T[], kind: 'calls' | 'logs', out: InStatement[]): void {
  for (let i = 0; i < items.length; i += ROWS_PER_INSERT) {
    const chunk = items.slice(i, i + ROWS_PER_INSERT);
    out.push({ sql: insertSql(kind, chunk.length), args: chunk.flat() as InValue[] });
  }
}

/** Multi-row INSERTs of the records, then of their logs (ids are unique; a replay is a no-op). */
export function syncRecordStatements(records: SyncRecord[], logs: LogRecord[]): InStatement[] {
  const out: InStatement[] = [];
  chunks(records, 'calls', out);
  chunks(logs, 'logs', out);
  return out;
}

/** One record's INSERT (a SyncRecord's values, in order): prepared once and run per record by the writer thread. */
export const SYNC_INSERT_ONE = `INSERT INTO calls (${SYNC_COLUMNS.join(',')}, ${CONSTANT_COLUMNS}) VALUES (${SYNC_COLUMNS.map(() => '?').join(',')}, ${CONSTANT_VALUES}) ON CONFLICT DO NOTHING`;
/** One log's INSERT (a LogRecord's values). */
export const LOG_INSERT_ONE = 'INSERT INTO call_logs (call_id, log, created_at) VALUES (?,?,?) ON CONFLICT DO NOTHING';

/** Inserts the records and their logs in one transaction. */
export async function insertSyncRecords(client: Client, records: SyncRecord[], logs: LogRecord[]): Promise<void> {
  const stmts = syncRecordStatements(records, logs);
  if (stmts.length) await client.batch(stmts, 'write');
}
