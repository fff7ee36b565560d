// Entry of the call record writer's thread (record-writer.ts starts it; scripts/build.mjs emits it as
// dist/record-worker.js). Its own connection to the embedded file, tuned like the main one
// (embedded.ts: busy timeout, WAL, synchronous, foreign keys), runs the inserts of sync call records
// so the SQLite work of a flush never blocks the gateway's event loop. It talks to libSQL's native
// driver directly (the one @libsql/client wraps): one prepared single-row statement reused in a
// transaction per batch cost ~30% less CPU per record than the client's multi-row INSERTs, each a
// new statement to parse and plan (measured 11.2 vs 15.8 us a record) -- CPU this thread takes from
// the gateway, its functions and their clients on a busy host.
// Messages in: {t: 'write', id, records, logs} (answered {t: 'done', id, error?}), {t: 'close'}.
// Imports only libsql and the store's Drizzle-free modules.
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'libsql';
import { EMBEDDED_BUSY_TIMEOUT_MS, EMBEDDED_PRAGMAS, embeddedFile } from './embedded.ts';
import { LOG_INSERT_ONE, SYNC_INSERT_ONE, type LogRecord, type SyncRecord } from './sync-records.ts';

export interface RecordWorkerData {
  url: string;
}
export type ToRecordWorker = { t: 'write'; id: number; records: SyncRecord[]; logs: LogRecord[] } | { t: 'close' };
export type FromRecordWorker = { t: 'ready' } | { t: 'done'; id: number; error?: string };

const port = parentPort;
if (!port) throw new Error('record-worker.ts runs as a worker thread (record-writer.ts starts it)');
const { url } = workerData as RecordWorkerData;
// Background work: on Linux the thread lowers its own priority (nice 10; the rest of the process keeps
// its own), so on a busy host the gateway's event loop, its functions and their clients go first.
try {
  os.setPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {
  // not Linux, or not allowed: the thread runs at the process's priority
}
const file = embeddedFile(url);
if (!file) throw new Error(`the record writer needs an embedded file database, not ${url}`);
const db = new Database(file);
db.exec(`PRAGMA busy_timeout = ${EMBEDDED_BUSY_TIMEOUT_MS}`);
for (const pragma of EMBEDDED_PRAGMAS) db.exec(pragma);
type Statement = ReturnType<typeof db.prepare>;
let statements: { call: Statement; log: Statement } | undefined;
/**
 * A batch and its logs in one transaction: all of it or none (a replay is a no-op: ids are unique).
 * The statements are prepared on the first write, not at start: a table the database refuses now (a
 * migration under way) fails that write, which the recorder retries, instead of the thread.
 */
const writeBatch = db.transaction((records: SyncRecord[], logs: LogRecord[]) => {
  statements ??= { call: db.prepare(SYNC_INSERT_ONE), log: db.prepare(LOG_INSERT_ONE) };
  for (const r of records) statements.call.run(r);
  for (const l of logs) statements.log.run(l);
});

const reply = (m: FromRecordWorker) => port.postMessage(m);
// writes are synchronous here: messages are taken one after the other, in the order they were posted
port.on('message', (m: ToRecordWorker) => {
  if (m.t === 'close') {
    db.close();
    port.close(); // nothing left to hold the thread: it ends
    return;
  }
  try {
    // IMMEDIATE, as the client's 'write' batches: the write lock first (waiting out the busy timeout), so
    // a deferred read turned write cannot fail at once on a snapshot another connection moved on
    writeBatch.immediate(m.records, m.logs);
    reply({ t: 'done', id: m.id });
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    const why = cause instanceof Error && !(e as Error).message.includes(cause.message) ? `: ${cause.message}` : '';
    reply({ t: 'done', id: m.id, error: `${(e as Error).message}${why}` });
  }
});
reply({ t: 'ready' });
