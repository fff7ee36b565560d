// Memory admission: the node promises memory to running containers up to a total and makes calls
// wait (FIFO) for room, failing after the wait with the seed's message. Without it a burst of calls
// would overcommit the host and let the kernel OOM-kill arbitrary functions.
import { reservedMemoryMb, type MountOptions } from './container-spec.ts';
import { NoMemoryError } from './errors.ts';

export type Release = () => void;

export interface AcquireOptions {
  /** ms to wait for room; 0 = fail at once when there is none */
  waitMs?: number;
  signal?: AbortSignal;
}

interface Waiter {
  mb: number;
  grant: (release: Release) => void;
  fail: (err: Error) => void;
}

export class MemoryAdmission {
  private usedMb = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly totalMb: number,
    private readonly defaultWaitMs = 10_000,
  ) {}

  get used(): number {
    return this.usedMb;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Reserves what a function container may take: its route's `memoryMb` plus the writable tmpfs it
   * can fill (container-spec's reservedMemoryMb, also the container's memory limit). Cold calls and
   * hot containers both come through here, so neither can promise the tmpfs twice or forget it.
   */
  acquireContainer(memoryMb: number, mounts: MountOptions, opts: AcquireOptions = {}): Promise<Release> {
    return this.acquire(reservedMemoryMb(memoryMb, mounts), opts);
  }

  /** Resolves with a release function (idempotent) once `mb` is reserved. */
  acquire(mb: number, opts: AcquireOptions = {}): Promise<Release> {
    const need = Math.max(0, mb);
    if (need > this.totalMb) {
      return Promise.reject(new NoMemoryError(`Task timed out. No available memory. (needs ${need} MiB, node has ${this.totalMb} MiB)`));
    }
    if (opts.signal?.aborted) return Promise.reject(abortError());
    // FIFO: nobody overtakes an earlier waiter, even if they would fit.
    if (this.waiters.length === 0 && this.usedMb + need <= this.totalMb) {
      return Promise.resolve(this.take(need));
    }
    const waitMs = opts.waitMs ?? this.defaultWaitMs;
    if (waitMs <= 0) return Promise.reject(new NoMemoryError());
    return new Promise<Release>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      const waiter: Waiter = {
        mb: need,
        grant: (release) => {
          cleanup();
          resolve(release);
        },
        fail: (err) => {
          cleanup();
          reject(err);
          this.drain();
        },
      };
      const onAbort = () => waiter.fail(abortError());
      const timer = setTimeout(() => waiter.fail(new NoMemoryError()), waitMs);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private take(mb: number): Release {
    this.usedMb += mb;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.usedMb -= mb;
      this.drain();
    };
  }

  /** Grants waiters in order while the head fits. */
  private drain(): void {
    for (;;) {
      const head = this.waiters[0];
      if (!head || this.usedMb + head.mb > this.totalMb) return;
      head.grant(this.take(head.mb));
    }
  }
}

function abortError(): Error {
  const err = new Error('Call aborted while waiting for memory');
  err.name = 'AbortError';
  return err;
}
