// Where the sync call recorder's batches go. An embedded file database (file:, not :memory:) is written
// by a worker thread with its own connection (record-worker.ts): the embedded driver is synchronous, so
// inserting a flush's hundreds of rows on the main thread stalled every call in flight for milliseconds.
// A server database (libsql://, http(s)://, ws(s)://) and an embedded replica are written in-thread:
// their client is already asynchronous over the network (a replica's writes go to its server).
// If the thread cannot start or dies, writing falls back to the main connection (logged once): a batch
// the thread may or may not have committed is written again, harmlessly (ON CONFLICT DO NOTHING).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Client } from '@libsql/client';
import type { Store } from './db.ts';
import { insertSyncRecords, type LogRecord, type SyncRecord } from './sync-records.ts';
import type { FromRecordWorker, RecordWorkerData, ToRecordWorker } from './record-worker.ts';
import type { Logger } from '../log.ts';

export type { LogRecord, SyncRecord } from './sync-records.ts';

export interface RecordWriter {
  /** Inserts the records and their logs in one transaction; rejects when the database refused them. */
  write(records: SyncRecord[], logs: LogRecord[]): Promise<void>;
  /** After the last write: ends the thread, if any. The writer still writes afterwards (in-thread). */
  close(): Promise<void>;
  /** 'thread' while the worker thread writes, else 'main' */
  readonly mode: 'thread' | 'main';
}

/** Writes on the calling thread through the client (the main connection). */
export function inThreadRecordWriter(client: Client): RecordWriter {
  return { mode: 'main', write: (records, logs) => insertSyncRecords(client, records, logs), close: () => Promise.resolve() };
}

type WriterLog = Pick<Logger, 'warn' | 'error'>;

/** The writer for this store: a worker thread for a plain embedded file, else the main connection. */
export function recordWriterFor(store: Store, log: WriterLog): RecordWriter {
  const main = inThreadRecordWriter(store.client);
  if (!store.embedded || store.replica || !embeddedFileUrl(store.url)) return main;
  return new ThreadRecordWriter(store.url, main, log);
}

/** a file: URL naming a file (not :memory:, nor a mode=memory one, which another connection cannot share) */
function embeddedFileUrl(url: string): boolean {
  if (!url.startsWith('file:')) return false;
  const [file, query = ''] = url.slice('file:'.length).split('?');
  return !!file && file !== ':memory:' && !/(^|&)mode=memory(&|$)/.test(query);
}

/**
 * The thread's entry: src/store/record-worker.ts when podfn runs from its sources (through tsx),
 * dist/record-worker.js next to the bundle (scripts/build.mjs) when it runs as dist/main.js.
 */
export function defaultRecordWorkerEntry(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './record-worker.ts' : './record-worker.js', import.meta.url);
}

/**
 * Starts the thread. A .ts entry runs through tsx's loader, registered inside the thread: a worker
 * does not get the loader from the parent's `--import tsx` (nor from `-r tsx`) on Node 20.
 */
function startWorker(entry: URL, data: RecordWorkerData): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: data });
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const exportsMap = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  const api = pathToFileURL(path.join(path.dirname(pkg), exportsMap['./esm/api']!.import.default)).href;
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { eval: true, workerData: data, execArgv: [] });
}

interface Pending {
  records: SyncRecord[];
  logs: LogRecord[];
  resolve: () => void;
  reject: (e: Error) => void;
}

/** A thread with no write for this long ends (its ~10 MB given back); the next write starts another. */
export const RECORD_THREAD_IDLE_MS = 30_000;

/**
 * Writes through a worker thread, started at the first write (an idle gateway pays nothing) and
 * ended after idleMs without a write. The thread is unref'd while no write is pending, so it never
 * holds the process open; close() ends it.
 */
export class ThreadRecordWriter implements RecordWriter {
  /** the thread writes go to; undefined until the first write and after an idle end */
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** the thread failed (or was closed): every write goes to the fallback */
  private down = false;
  /** exits of every thread started, the idle ones ended too */
  private readonly exits: Promise<void>[] = [];
  /** close() asked the thread to end */
  private closing = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** threads started so far (tests) */
  started = 0;

  constructor(
    private readonly url: string,
    private readonly fallback: RecordWriter,
    private readonly log: WriterLog,
    private readonly entry: URL = defaultRecordWorkerEntry(),
    private readonly idleMs = RECORD_THREAD_IDLE_MS,
  ) {}

  get mode(): 'thread' | 'main' {
    return this.down ? 'main' : 'thread';
  }

  write(records: SyncRecord[], logs: LogRecord[]): Promise<void> {
    if (this.down || this.closing) return this.fallback.write(records, logs);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    let worker: Worker;
    try {
      worker = this.worker ?? this.start();
    } catch (e) {
      this.fail(e as Error);
      return this.fallback.write(records, logs);
    }
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { records, logs, resolve, reject });
      if (this.pending.size === 1) worker.ref();
      try {
        worker.postMessage({ t: 'write', id, records, logs: logs.map(exactBytes) } satisfies ToRecordWorker);
      } catch (e) {
        this.settle(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  private start(): Worker {
    const worker = startWorker(this.entry, { url: this.url });
    this.started++;
    worker.unref();
    worker.on('message', (m: FromRecordWorker) => {
      if (m.t !== 'done') return;
      const p = this.settle(m.id);
      if (!p) return;
      if (m.error === undefined) p.resolve();
      else p.reject(new Error(m.error));
    });
    // errors and exits of the current thread only: one ended for idleness is no longer this.worker
    worker.on('error', (e) => {
      if (this.worker === worker) this.fail(e);
    });
    this.exits.push(
      new Promise((resolve) =>
        worker.once('exit', (code) => {
          if (this.worker === worker) this.fail(new Error(`the thread exited (code ${code})`), this.closing);
          resolve();
        }),
      ),
    );
    this.worker = worker;
    return worker;
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0 && this.worker) {
      this.worker.unref();
      if (!this.closing && !this.down) {
        this.idleTimer = setTimeout(() => this.endIdle(), this.idleMs);
        this.idleTimer.unref();
      }
    }
    return p;
  }

  /** No write for idleMs: the thread ends (after nothing, it has no write left); the next write starts one. */
  private endIdle(): void {
    this.idleTimer = undefined;
    const worker = this.worker;
    if (!worker || this.pending.size > 0 || this.down || this.closing) return;
    this.worker = undefined;
    worker.postMessage({ t: 'close' } satisfies ToRecordWorker);
  }

  /** The thread is gone: log once (unless closed), write what it had not answered on the main connection. */
  private fail(err: Error, closed = false): void {
    if (this.down) return;
    this.down = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (!closed)
      this.log.error({ err: err.message, pending: this.pending.size }, 'the call record writer thread stopped: writing call records on the main thread');
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) this.fallback.write(p.records, p.logs).then(p.resolve, p.reject);
    void this.worker?.terminate().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.worker;
    if (worker && !this.down) {
      this.closing = true;
      worker.ref();
      // answered in order: writes still pending are answered before the thread ends
      worker.postMessage({ t: 'close' } satisfies ToRecordWorker);
      const timer = setTimeout(() => void worker.terminate(), 10_000);
      await Promise.all(this.exits);
      clearTimeout(timer);
    } else await Promise.all(this.exits); // a thread ended for idleness may still be closing its connection
    this.down = true; // a later write goes to the main connection
  }
}

/**
 * A log as its own bytes: a Buffer that is a view into a larger one (node's pool, a container's
 * output) would carry the whole underlying ArrayBuffer through the structured clone.
 */
function exactBytes(l: LogRecord): LogRecord {
  const b = l[1];
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? l : [l[0], new Uint8Array(b), l[2]];
}
