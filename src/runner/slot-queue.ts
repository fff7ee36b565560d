// The FIFO of calls waiting for a hot container in one pool. Each waiter resolves exactly once: with
// a value handed over by grantNext (a container, or a fault result), or with the value its expiry or
// abort produces. Bounds are the pool's business; this only keeps order and timers straight.
import { timerMs } from './transport.ts';

interface Waiter<T> {
  settle(value: T): void;
}

export class SlotQueue<T> {
  private readonly waiters: Array<Waiter<T>> = [];

  get length(): number {
    return this.waiters.length;
  }

  /**
   * Waits until granted, until `until` (epoch ms; then `onExpire(waitedMs)`), or until `signal`
   * aborts (then `onAbort()`). `after` runs after an expiry or abort settled the waiter.
   */
  wait(until: number, signal: AbortSignal | undefined, onExpire: (waitedMs: number) => T, onAbort: () => T, after: () => void): Promise<T> {
    return new Promise<T>((resolve) => {
      const started = Date.now();
      const waiter: Waiter<T> = {
        settle: (value) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', abort);
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(value);
        },
      };
      const abort = () => {
        waiter.settle(onAbort());
        after();
      };
      const timer = setTimeout(() => {
        waiter.settle(onExpire(Date.now() - started));
        after();
      }, timerMs(until - started));
      signal?.addEventListener('abort', abort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Hands `value` to the oldest waiter; false when nobody waits. */
  grantNext(value: T): boolean {
    const head = this.waiters[0];
    if (!head) return false;
    head.settle(value);
    return true;
  }

  settleAll(value: T): void {
    for (const w of [...this.waiters]) w.settle(value);
  }
}
