// Retention: finished call records and their logs older than the configured age are purged in the
// background, a bounded batch per statement so no purge holds the database for long. Queued and
// running calls are never purged.
import type { Db } from '../store/db.ts';
import { purgeBefore } from '../store/calls.ts';
import type { Logger } from '../log.ts';

const BATCH = 1000;

export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: Db,
    private readonly maxAgeMs: number,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.maxAgeMs <= 0) return;
    this.timer = setInterval(() => void this.purge(), this.intervalMs);
    this.timer.unref();
    setImmediate(() => void this.purge());
  }

  /** One purge pass; returns the number of calls deleted. Never throws. */
  purge(now = Date.now()): Promise<number> {
    this.running ??= this.pass(now - this.maxAgeMs).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(cutoff: number): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const n = await purgeBefore(this.db, cutoff, BATCH);
        total += n;
        if (n < BATCH) break;
        await new Promise((r) => setImmediate(r)); // let requests in between batches
      }
      if (total) this.log.info({ deleted: total, before: new Date(cutoff).toISOString() }, 'retention: purged old call records');
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'retention: purge failed');
    }
    return total;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
