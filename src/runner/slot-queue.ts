// The FIFO of calls waiting for a hot container in one pool. Each waiter resolves exactly once: with
// a value handed over by grantNext (a container, or a fault result), or with the value its expiry or
// abort produces. Bounds are the pool's business; this keeps order and timers straight, and sheds
// load when the route is overloaded.
//
// Overloaded means the queue keeps growing: calls come to it faster than its containers take them.
// A sojourn-time rule (CoDel's) cannot tell that from a closed loop of clients (each waits for its
// answer before its next call: a worker pool, a load test's 32 connections): both queues stand. So
// the queue counts the calls that came to it (joined it, or were refused because it was full) minus
// the calls it handed a container. While a queue forms (its first intervalMs, and while the pool
// starts containers for it: a cold route) the calls that came together arrive, a burst or N clients
// starting at once; the highest count then is its baseline. From then on it is overloaded once the
// count exceeds the baseline by more than GROWTH_SLACK plus the calls taken since: more calls came
// than twice those taken, plus GROWTH_SLACK. A closed loop never gets there, however many clients
// and however long they wait: each call that ends brings at most one new one, so the count stays at
// its baseline. Open-loop traffic at 4x the containers' capacity adds 3 to it per call taken (2x
// adds 1: overload below about 2x is not detected, and calls queue as in fn). After REBASE_TAKEN
// calls and REBASE_INTERVALS intervals without overload, the baseline becomes that stretch's highest
// count, so a queue that stood for long is judged on its recent growth (a highest count, not one
// moment's: clients that stall for a while and then catch up together do not look like growth).
//
// While overloaded, a sheddable waiter (one not waiting for its own container start) waits at most
// `targetMs`, and grantNext refuses waiters older than that instead of serving them, so the calls
// that are admitted see little more than the function's own time; the refused come back after
// Retry-After. The state ends when the count has not grown over EXIT_INTERVALS intervals (a second)
// in which calls were taken (they come no faster than they are served), or once the queue has stayed
// empty that long. A burst, or a queue standing behind long calls with nobody else coming, is served in
// turn however long it waits.
import { timerMs } from './transport.ts';
import type { CallSignal } from './types.ts';

export interface Shedding {
  targetMs: number;
  intervalMs: number;
}

/** growth beyond the baseline that is never overload (plus the calls taken meanwhile) */
export const GROWTH_SLACK = 4;
/** the baseline is taken again after this many calls taken without overload, and at least this many intervals */
const REBASE_TAKEN = 64;
const REBASE_INTERVALS = 4;
/**
 * overload ends after this many intervals without growth (or empty): a client that stalls (no calls
 * for a moment, then all it owes at once) must not end it, or the burst would queue as a new queue
 */
export const EXIT_INTERVALS = 10;

interface Waiter<T> {
  started: number;
  sheddable: boolean;
  settle(value: T): void;
  /** settles with the expiry value (timer or shedding) */
  expire(): void;
}

/** the queue's growth since it formed (see above) */
interface Epoch {
  start: number;
  /** the queue forms until then, and while containers are being started for its calls */
  formingUntil: number;
  /** the highest count while it formed (or of the previous epoch) */
  baseline: number;
  /** the highest count in this epoch: the next epoch's baseline */
  peak: number;
  takenAtStart: number;
  /** calls taken when it had formed (undefined while forming) */
  takenFormed: number | undefined;
}

export class SlotQueue<T> {
  private readonly waiters: Array<Waiter<T>> = [];
  /** calls that came to the queue (joined it or were refused because it was full) */
  private came = 0;
  /** calls it handed a container (or a start failure) */
  private taken = 0;
  /** while a queue stands without overload: its growth baseline */
  private epoch: Epoch | undefined;
  private standing = false;
  /** while overloaded: the count at the last check, once per interval */
  private checkAt = 0;
  private checkCount = 0;
  private checkTaken = 0;
  private emptySince = Date.now();

  constructor(
    /** read at each use: a route update may change it */
    private readonly sheddingOf: () => Shedding | undefined = () => undefined,
    /** true while the pool starts containers (a queue forms meanwhile) */
    private readonly starting: () => boolean = () => false,
  ) {}

  private get shedding(): Shedding | undefined {
    const s = this.sheddingOf();
    return s && s.targetMs > 0 ? s : undefined;
  }

  get length(): number {
    return this.waiters.length;
  }

  /** true while an overloaded queue is being shed (tests, metrics) */
  get overloaded(): boolean {
    return this.standing;
  }

  /** A call that found the queue full (and was refused): it counts toward the queue's growth. */
  refused(): void {
    this.came++;
    this.observe(Date.now(), true);
  }

  /**
   * Waits until granted, until `until` (epoch ms; then `onExpire(waitedMs)`), or until `signal`
   * aborts (then `onAbort()`). `after` runs after an expiry or abort settled the waiter. A sheddable
   * waiter may also end with `onExpire` early, under sustained overload (see above).
   */
  wait(until: number, signal: CallSignal | undefined, onExpire: (waitedMs: number) => T, onAbort: () => T, after: () => void, sheddable = false): Promise<T> {
    return new Promise<T>((resolve) => {
      const started = Date.now();
      this.came++;
      this.observe(started, true);
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
            this.emptySince = Date.now();
            if (!this.standing) this.epoch = undefined; // the next queue forms anew
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
      this.waiters.push(waiter);
    });
  }

  /** Hands `value` to the oldest waiter still worth serving; false when nobody (left) waits. */
  grantNext(value: T): boolean {
    const now = Date.now();
    this.observe(now, false);
    const shedding = this.shedding;
    for (let head = this.waiters[0]; head; head = this.waiters[0]) {
      if (this.standing && shedding && head.sheddable && now - head.started > shedding.targetMs) {
        head.expire();
        continue;
      }
      head.settle(value);
      this.taken++;
      this.observe(now, false);
      return true;
    }
    return false;
  }

  settleAll(value: T): void {
    for (const w of [...this.waiters]) w.settle(value);
  }

  /** Updates the overload state after a call came (`arriving`) or was taken; see the head comment. */
  private observe(now: number, arriving: boolean): void {
    const shedding = this.shedding;
    if (!shedding) {
      this.standing = false;
      this.epoch = undefined;
      return;
    }
    const { intervalMs } = shedding;
    const count = this.came - this.taken;
    if (this.standing) {
      const exitMs = EXIT_INTERVALS * intervalMs;
      if (this.waiters.length === 0 && now - this.emptySince >= exitMs) this.standing = false;
      else if (now - this.checkAt >= exitMs) {
        // no growth over that time while calls were taken: they come no faster than they are served
        if (count <= this.checkCount && this.taken > this.checkTaken) this.standing = false;
        else [this.checkAt, this.checkCount, this.checkTaken] = [now, count, this.taken];
      }
      if (this.standing) return;
    }
    if (!this.epoch) {
      if (arriving || this.waiters.length > 0) {
        this.epoch = { start: now, formingUntil: now + intervalMs, baseline: count, peak: count, takenAtStart: this.taken, takenFormed: undefined };
      }
      return;
    }
    const e = this.epoch;
    e.peak = Math.max(e.peak, count);
    if (e.takenFormed === undefined) {
      if (now < e.formingUntil || this.starting()) {
        e.baseline = e.peak;
        return;
      }
      e.takenFormed = this.taken;
    }
    // more calls came since it formed than twice those taken, plus GROWTH_SLACK
    if (count - e.baseline > GROWTH_SLACK + (this.taken - e.takenFormed)) {
      this.standing = true;
      this.epoch = undefined;
      [this.checkAt, this.checkCount, this.checkTaken] = [now, count, this.taken];
    } else if (this.taken - e.takenAtStart >= REBASE_TAKEN && now - e.start >= REBASE_INTERVALS * intervalMs) {
      // judged on recent growth from now on, against the highest count of the epoch that ends
      this.epoch = { start: now, formingUntil: now, baseline: e.peak, peak: count, takenAtStart: this.taken, takenFormed: this.taken };
    }
  }
}
