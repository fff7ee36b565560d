// Records finished sync calls without a database write on the request path: recordSync() only pushes
// a flat array of the record's values to an in-memory buffer; a timer (or a full batch) hands the
// buffer to the store's RecordWriter, a batch per transaction. On an embedded file database the
// writer is a worker thread (store/record-writer.ts), so the inserts cost the event loop only a
// structured clone of those arrays. A crash loses at most the records of the last flush interval; a
// database outage keeps records in memory up to a cap, then drops the oldest (counted in stats()).
import type { LogRecord, RecordWriter, SyncRecord } from '../store/record-writer.ts';
import type { CallRequest, CallResult } from '../runner/types.ts';
import { outcomeOf } from './outcome.ts';
import type { Logger } from '../log.ts';

export interface RecorderOptions {
  flushMs: number;
  batch: number;
  bufferMax: number;
  logMaxBytes: number;
  nodeId: string;
}

export interface RecorderStats {
  buffered: number;
  written: number;
  dropped: number;
  failedFlushes: number;
}

export class SyncRecorder {
  private rows: SyncRecord[] = [];
  private logs: LogRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** a full batch already scheduled a flush for the next turn */
  private soon = false;
  private readonly stats_ = { written: 0, dropped: 0, failedFlushes: 0 };

  constructor(
    private readonly writer: RecordWriter,
    private readonly o: RecorderOptions,
    private readonly log: Logger,
  ) {}

  /** Never throws and never waits: the request path pays for an object and an array push. */
  record(call: CallRequest, result: CallResult, createdAt: number): void {
    try {
      const out = outcomeOf(result, this.o.logMaxBytes);
      // the columns of SyncRecord, in order (type 'sync', attempts 1 of 1 are the same for all)
      this.rows.push([
        call.id,
        call.fn.appName,
        call.fn.path,
        call.fn.image,
        call.fn.format,
        out.status,
        out.reason,
        out.error,
        call.method,
        call.url,
        out.statusCode,
        this.o.nodeId,
        createdAt,
        result.startedAt ?? createdAt,
        out.completedAt,
      ]);
      if (out.log) this.logs.push([call.id, out.log, out.completedAt]);
      if (this.rows.length > this.o.bufferMax) this.dropOldest(this.rows.length - this.o.bufferMax);
      if (this.rows.length >= this.o.batch && !this.flushing && !this.soon) {
        this.soon = true;
        setImmediate(() => {
          this.soon = false;
          void this.flush();
        });
      } else this.timer ??= later(() => void this.flush(), this.o.flushMs);
    } catch (err) {
      this.log.error({ err: (err as Error).message, call_id: call.id }, 'could not buffer a call record');
    }
  }

  /** Writes what is buffered; concurrent callers share one write. Never throws. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
      // records that arrived during the write, or a failed write to retry
      if (this.rows.length > 0) this.timer ??= later(() => void this.flush(), this.o.flushMs);
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    while (this.rows.length > 0) {
      const rows = this.rows.splice(0, this.o.batch);
      const logs = this.takeLogs(rows);
      try {
        await this.writer.write(rows, logs);
        this.stats_.written += rows.length;
        // an in-thread write of the embedded database blocks the event loop: let requests in between batches
        if (this.rows.length > 0) await new Promise((r) => setImmediate(r));
      } catch (err) {
        // put them back in front and try again on the next tick of the timer
        this.rows.unshift(...rows);
        this.logs.unshift(...logs);
        this.stats_.failedFlushes++;
        if (this.rows.length > this.o.bufferMax) this.dropOldest(this.rows.length - this.o.bufferMax);
        this.log.error({ err: (err as Error).message, buffered: this.rows.length }, 'could not write call records; will retry');
        return;
      }
    }
  }

  /** Removes and returns the buffered logs of these records (most calls have none). */
  private takeLogs(rows: SyncRecord[]): LogRecord[] {
    if (this.logs.length === 0) return [];
    const ids = new Set(rows.map((r) => r[0]));
    const taken = this.logs.filter((l) => ids.has(l[0]));
    if (taken.length > 0) this.logs = this.logs.filter((l) => !ids.has(l[0]));
    return taken;
  }

  private dropOldest(n: number): void {
    const dropped = this.rows.splice(0, n);
    this.takeLogs(dropped);
    this.stats_.dropped += dropped.length;
  }

  /** Final flush (shutdown), then the writer's thread ends; stops the timer. */
  async close(): Promise<void> {
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writer.close();
    // a record that arrived during the final flush (none after shutdown stopped the server)
    if (this.rows.length > 0) await this.flush();
  }

  stats(): RecorderStats {
    return { buffered: this.rows.length, ...this.stats_ };
  }
}

/** Timers never hold the process open: shutdown flushes explicitly through close(). */
function later(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}
