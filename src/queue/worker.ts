// The async workers of one gateway process: a dispatch loop claims as many due calls as there are
// free worker slots (one atomic statement), runs each through the invoker (the same runner, formats,
// limits and pools as sync calls), and records the outcome or schedules a retry. A heartbeat keeps
// this process's leases alive; if the process dies, other processes (or its restart) re-queue the
// calls after the lease. stop() lets running calls finish up to a grace period, then aborts the rest
// and returns them to the queue.
import type { Db } from '../store/db.ts';
import { claimDue, extendLeases, finish, release, retryLater } from '../store/queue.ts';
import { errorText } from '../store/sql-errors.ts';
import type { CallRow } from '../../db/schema.ts';
import type { CallResult } from '../runner/types.ts';
import { callFromRow, type RouteLookup } from './call-from-row.ts';
import { decide } from './outcome.ts';
import type { QueueOptions } from './options.ts';
import type { Invoker } from '../gateway/types.ts';
import { responseOf } from '../gateway/invoke.ts';
import type { Logger } from '../log.ts';
import { WakeSignal } from './wake-signal.ts';

export interface WorkerDeps {
  db: Db;
  invoker: Invoker;
  routes: RouteLookup;
  log: Logger;
  options: QueueOptions;
  /** lease owner of this process, unique per process start */
  owner: string;
  /** told when a call with a callback ended here (its callback is due now) */
  onCallbackDue?: () => void;
}

export class Workers {
  private readonly inflight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private stopping = false;
  private readonly wake = new WakeSignal();
  private loopDone: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private completed = 0;

  constructor(private readonly d: WorkerDeps) {}

  start(): void {
    if (this.d.options.workers <= 0) return;
    this.loopDone = this.loop();
    this.heartbeat = setInterval(() => void this.beat(), Math.max(100, Math.floor(this.d.options.leaseMs / 3)));
    this.heartbeat.unref();
  }

  /** A call was enqueued here or a slot freed up: look for work now instead of at the next poll. */
  notify(): void {
    this.wake.notify();
  }

  stats(): { workers: number; busy: number; completed: number } {
    return { workers: this.d.options.workers, busy: this.inflight.size, completed: this.completed };
  }

  private async loop(): Promise<void> {
    const { options, log } = this.d;
    while (!this.stopping) {
      const free = options.workers - this.inflight.size;
      if (free > 0) {
        try {
          const now = Date.now();
          const rows = await claimDue(this.d.db, { owner: this.d.owner, nodeId: options.nodeId, n: free, now, leaseUntil: now + options.leaseMs });
          for (const row of rows) this.launch(row);
        } catch (err) {
          log.error({ err: (err as Error).message }, 'async queue: claim failed; retrying');
        }
      }
      // woken early by a local enqueue or a finished call; otherwise poll (other nodes, due retries)
      await this.wake.sleep(options.pollMs);
    }
  }

  private launch(row: CallRow): void {
    const abort = new AbortController();
    const done = this.runOne(row, abort.signal)
      .catch((err) => this.d.log.error({ err: errorText(err), call_id: row.id }, 'async queue: recording an outcome failed'))
      .finally(() => {
        this.inflight.delete(row.id);
        this.completed++;
        this.notify();
      });
    this.inflight.set(row.id, { abort, done });
  }

  private async runOne(row: CallRow, signal: AbortSignal): Promise<void> {
    const { db, options, owner, log } = this.d;
    const now = Date.now();
    const built = callFromRow(row, this.d.routes, now, signal);
    if (!built.ok) {
      await finish(db, row.id, owner, { status: 'error', reason: null, error: built.error, statusCode: null, completedAt: now });
      if (row.callbackUrl) this.d.onCallbackDue?.();
      return;
    }
    let result: CallResult;
    try {
      result = await this.d.invoker.run(built.call);
    } catch (err) {
      result = thrown(err);
    }
    if (signal.aborted && this.stopping) {
      await release(db, [row.id], owner, Date.now());
      return;
    }
    const decision = decide(result, {
      attempts: row.attempts,
      maxAttempts: row.maxAttempts,
      retryOnFailure: built.retryOnFailure,
      retryBaseMs: options.retryBaseMs,
      retryMaxMs: options.retryMaxMs,
      logMaxBytes: options.logMaxBytes,
    });
    if (decision.kind === 'final' && row.callbackUrl) {
      // what the callback POSTs: the answer a sync caller would have had
      const answer = responseOf(result, built.route, row.id);
      let contentType: string | null = null;
      for (let i = 0; i + 1 < answer.headers.length; i += 2) if (answer.headers[i]!.toLowerCase() === 'content-type') contentType = answer.headers[i + 1]!;
      decision.outcome.callback = { body: answer.body, contentType };
    }
    const ok = await this.persist(row.id, () =>
      decision.kind === 'retry' ? retryLater(db, row.id, owner, Date.now() + decision.delayMs, decision.error) : finish(db, row.id, owner, decision.outcome),
    );
    if (ok && decision.kind === 'final' && row.callbackUrl) this.d.onCallbackDue?.();
    if (!ok) log.warn({ call_id: row.id }, 'async queue: lease lost before the outcome was recorded (the call was re-queued elsewhere)');
    else if (decision.kind === 'retry')
      log.info({ call_id: row.id, attempt: row.attempts, delay_ms: decision.delayMs, err: decision.error }, 'async call will be retried');
  }

  /**
   * The outcome write, tried again while the database refuses it for a moment (a libSQL server busy
   * with another node's write, a dropped connection): giving up would let the lease lapse and run the
   * call a second time. Safe to repeat: the write is fenced on our lease, so one that did commit
   * before its answer was lost matches nothing the second time. Bounded well inside the lease.
   */
  private async persist(id: string, write: () => Promise<boolean>): Promise<boolean> {
    const waits = [50, 200, 800, 2000];
    for (let i = 0; ; i++) {
      try {
        return await write();
      } catch (err) {
        const wait = waits[i];
        if (wait === undefined || wait * 2 > this.d.options.leaseMs) throw err;
        this.d.log.warn({ err: errorText(err), call_id: id, retry_in_ms: wait }, 'async queue: recording an outcome failed; trying again');
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private async beat(): Promise<void> {
    if (this.inflight.size === 0) return;
    try {
      // only calls still in flight: one whose outcome could not be written lets its lease lapse, so the
      // sweep re-queues it instead of it staying `running` forever
      await extendLeases(this.d.db, this.d.owner, [...this.inflight.keys()], Date.now() + this.d.options.leaseMs);
    } catch (err) {
      this.d.log.error({ err: errorText(err) }, 'async queue: lease heartbeat failed');
    }
  }

  /**
   * Stops claiming, waits up to graceMs for running calls, then aborts the rest: they go back to the
   * queue (attempt not counted) for another node or the next start.
   */
  async stop(graceMs: number): Promise<{ aborted: number }> {
    this.stopping = true;
    this.notify();
    await this.loopDone;
    const running = () => Promise.allSettled([...this.inflight.values()].map((f) => f.done));
    await within(running(), graceMs);
    const left = [...this.inflight.entries()];
    for (const [, f] of left) f.abort.abort();
    // the runner answers an aborted call promptly; do not hang shutdown on one that does not
    await within(running(), 5000);
    const stuck = [...this.inflight.keys()];
    if (stuck.length) await release(this.d.db, stuck, this.d.owner, Date.now()).catch(() => 0);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    return { aborted: left.length };
  }
}

/** Waits for p, at most ms (the timer is cleared, so it never holds the process open afterwards). */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}

/** The runner should never throw; if it does, the call is treated as a platform failure (retryable). */
function thrown(err: unknown): CallResult {
  const message = `internal error: ${err instanceof Error ? err.message : String(err)}`;
  return {
    status: 500,
    headers: [],
    body: Buffer.alloc(0),
    log: Buffer.alloc(0),
    outcome: 'error',
    error: message,
    platformError: true,
    completedAt: Date.now(),
  };
}
