// Lost-worker recovery: any gateway process periodically re-queues calls whose lease expired (their
// worker was killed, or a /tasks consumer never acknowledged), and fails those out of attempts.
// Runs once at start, so a restarted gateway picks up what it was running when it died.
import type { Db } from '../store/db.ts';
import { recoverExpired } from '../store/queue.ts';
import type { Logger } from '../log.ts';

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly intervalMs: number,
    private readonly log: Logger,
    /** told when calls went back to the queue */
    private readonly onRequeued: () => void,
  ) {}

  async start(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    try {
      const { requeued, failed } = await recoverExpired(this.db, Date.now());
      if (requeued || failed) this.log.warn({ requeued, failed }, 'async queue: re-queued calls whose lease expired');
      if (requeued) this.onRequeued();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'async queue: lease sweep failed');
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
