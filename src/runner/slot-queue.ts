// The FIFO of calls waiting for a hot container in one pool. Each waiter resolves exactly once: with
// a value handed over by grantNext (a container, or a fault result), or with the value its expiry or
// abort produces. Bounds are the pool's business; this keeps order and timers straight, and sheds
// load under sustained overload:
//
// A queue that has not been empty for `intervalMs` when another call comes to join it is a standing
// queue: calls arrive faster than the containers finish them, so waiting only adds latency (every
// admitted call would wait behind the whole queue). It takes an arrival: a one-off burst queued
// behind long calls, with nobody else coming, is served in turn however long it waits. While that lasts, a sheddable waiter (one not waiting for its own container start)
// waits at most `targetMs`, and grantNext refuses waiters older than that instead of serving them, so
// the calls that are admitted see little more than the function's own time. Bursts shorter than the
// interval still queue normally. The state ends once the queue has stayed empty for `intervalMs`.
// (CoDel's idea as used by request queues in servers, e.g. Wangle's, with FIFO kept.)
import { timerMs } from './transport.ts';
import type { CallSignal } from './types.ts';

export interface Shedding {
  targetMs: number;
  intervalMs: number;
}

interface Waiter<T> {
  started: number;
  sheddable: boolean;
  settle(value: T): void;
  /** settles with the expiry value (timer or shedding) */
  expire(): void;
}

export class SlotQueue<T> {
  private readonly waiters: Array<Waiter<T>> = [];
  private nonEmptySince = 0;
  private emptySince = Date.now();
  private standing = false;

  /** read at each use: a route update may change it */
  constructor(private readonly sheddingOf: () => Shedding | undefined = () => undefined) {}

  private get shedding(): Shedding | undefined {
    const s = this.sheddingOf();
    return s && s.targetMs > 0 ? s : undefined;
  }

  get length(): number {
    return this.waiters.length;
  }

  /** true while a standing queue is being shed (tests, metrics) */
  get overloaded(): boolean {
    return this.standing;
  }

  /**
   * Waits until granted, until `until` (epoch ms; then `onExpire(waitedMs)`), or until `signal`
   * aborts (then `onAbort()`). `after` runs after an expiry or abort settled the waiter. A sheddable
   * waiter may also end with `onExpire` early, under sustained overload (see above).
   */
  wait(until: number, signal: CallSignal | undefined, onExpire: (waitedMs: number) => T, onAbort: () => T, after: () => void, sheddable = false): Promise<T> {
    return new Promise<T>((resolve) => {
      const started = Date.now();
      this.updateState(started, true);
      const shedding = this.shedding;
      if (sheddable && this.standing && shedding) until = Math.min(until, started + shedding.targetMs);
      const waiter: Waiter<T> = {
        started,
        sheddable,
        settle: (value) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', abort);
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          if (this.waiters.length === 0) {
            this.nonEmptySince = 0;
            this.emptySince = Date.now();
          }
          resolve(value);
        },
        expire: () => {
          waiter.settle(onExpire(Date.now() - started));
          after();
        },
      };
      const abort = () => {
        waiter.settle(onAbort());
        after();
      };
      const timer = setTimeout(() => waiter.expire(), timerMs(until - started));
      signal?.addEventListener('abort', abort, { once: true });
      if (this.waiters.length === 0) this.nonEmptySince = started;
      this.waiters.push(waiter);
    });
  }

  /** Hands `value` to the oldest waiter still worth serving; false when nobody (left) waits. */
  grantNext(value: T): boolean {
    const now = Date.now();
    this.updateState(now, false);
    const shedding = this.shedding;
    for (let head = this.waiters[0]; head; head = this.waiters[0]) {
      if (this.standing && shedding && head.sheddable && now - head.started > shedding.targetMs) {
        head.expire();
        continue;
      }
      head.settle(value);
      return true;
    }
    return false;
  }

  settleAll(value: T): void {
    for (const w of [...this.waiters]) w.settle(value);
  }

  private updateState(now: number, arriving: boolean): void {
    const shedding = this.shedding;
    if (!shedding) {
      this.standing = false;
      return;
    }
    const { intervalMs } = shedding;
    if (this.waiters.length > 0) {
      if (!this.standing && arriving && now - this.nonEmptySince >= intervalMs) this.standing = true;
    } else if (this.standing && now - this.emptySince >= intervalMs) {
      this.standing = false;
    }
  }
}
