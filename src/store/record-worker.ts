// Entry of the call record writer's thread (record-writer.ts starts it; scripts/build.mjs emits it as
// dist/record-worker.js). Its own connection to the embedded file, tuned like the main one
// (embedded.ts: busy timeout, WAL, synchronous, foreign keys), runs the inserts of sync call records
// so the SQLite work of a flush never blocks the gateway's event loop.
// Messages in: {t: 'write', id, records, logs} (answered {t: 'done', id, error?}), {t: 'close'}.
// Imports only @libsql/client and the store's Drizzle-free modules.
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openEmbeddedClient, tuneEmbedded } from './embedded.ts';
import { insertSyncRecords, type LogRecord, type SyncRecord } from './sync-records.ts';

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
const client = openEmbeddedClient(url);
await tuneEmbedded(client);

const reply = (m: FromRecordWorker) => port.postMessage(m);
/** writes run one after the other, in the order they were posted */
let chain = Promise.resolve();
port.on('message', (m: ToRecordWorker) => {
  if (m.t === 'close') {
    chain = chain.then(() => {
      client.close();
      port.close(); // nothing left to hold the thread: it ends
    });
    return;
  }
  chain = chain.then(async () => {
    try {
      await insertSyncRecords(client, m.records, m.logs);
      reply({ t: 'done', id: m.id });
    } catch (e) {
      const cause = (e as { cause?: unknown }).cause;
      const why = cause instanceof Error && !(e as Error).message.includes(cause.message) ? `: ${cause.message}` : '';
      reply({ t: 'done', id: m.id, error: `${(e as Error).message}${why}` });
    }
  });
});
reply({ t: 'ready' });
