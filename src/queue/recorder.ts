// Records finished sync calls without a database write on the request path: recordSync() only pushes
// to an in-memory buffer; a timer (or a full batch) writes the buffer in one transaction. A crash
// loses at most the records of the last flush interval; a database outage keeps records in memory up
// to a cap, then drops the oldest (counted in stats()).
import type { Client } from '@libsql/client';
import { insertRecords, type NewCallRow, type NewLogRow } from '../store/calls.ts';
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
  private rows: NewCallRow[] = [];
  private logs: NewLogRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** a full batch already scheduled a flush for the next turn */
  private soon = false;
  private readonly stats_ = { written: 0, dropped: 0, failedFlushes: 0 };

  constructor(
    private readonly client: Client,
    private readonly o: RecorderOptions,
    private readonly log: Logger,
  ) {}

  /** Never throws and never waits: the request path pays for an object and an array push. */
  record(call: CallRequest, result: CallResult, createdAt: number): void {
    try {
      const out = outcomeOf(result, this.o.logMaxBytes);
      this.rows.push({
        id: call.id,
        appName: call.fn.appName,
        path: call.fn.path,
        image: call.fn.image,
        type: 'sync',
        format: call.fn.format,
        status: out.status,
        reason: out.reason,
        error: out.error,
        method: call.method,
        url: call.url,
        statusCode: out.statusCode,
        attempts: 1,
        maxAttempts: 1,
        nodeId: this.o.nodeId,
        createdAt,
        startedAt: result.startedAt ?? createdAt,
        completedAt: out.completedAt,
      });
      if (out.log) this.logs.push({ callId: call.id, log: out.log, createdAt: out.completedAt });
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
      const ids = new Set(rows.map((r) => r.id));
      const logs = this.logs.filter((l) => ids.has(l.callId));
      this.logs = this.logs.filter((l) => !ids.has(l.callId));
      try {
        await insertRecords(this.client, rows, logs);
        this.stats_.written += rows.length;
        // the embedded database blocks the event loop while it writes: let requests in between batches
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

  private dropOldest(n: number): void {
    const dropped = this.rows.splice(0, n);
    const ids = new Set(dropped.map((r) => r.id));
    this.logs = this.logs.filter((l) => !ids.has(l.callId));
    this.stats_.dropped += dropped.length;
  }

  /** Final flush (shutdown); stops the timer. */
  async close(): Promise<void> {
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
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
