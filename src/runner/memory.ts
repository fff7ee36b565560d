// Memory admission: the node promises memory to running containers up to a total and makes calls
// wait (FIFO) for room, failing after the wait with the seed's message. Without it a burst of calls
// would overcommit the host and let the kernel OOM-kill arbitrary functions.
//
// Memory follows demand: idle hot containers keep their reservation until their idle_timeout (up to
// an hour), so a call that finds no room first asks the evictor (the hot pools, wired by the Runner)
// to close least recently used idle containers of other routes, and waits for their memory instead
// of for the timeout. Like fn's agent's evictor, it evicts only when that frees enough for the head of
// the queue, never more than the waiters need, and asks again whenever a container turns idle.
import { reservedMemoryMb, type MountOptions } from './container-spec.ts';
import { NoMemoryError } from './errors.ts';
import type { CallSignal } from './types.ts';

export type Release = () => void;

export interface AcquireOptions {
  /** ms to wait for room; 0 = fail at once when there is none */
  waitMs?: number;
  signal?: CallSignal;
  /** who asks (a hot pool's id): its own idle containers are not evicted for it */
  owner?: string;
}

/** one idle container being closed for memory: its reservation, and when it is gone */
export interface Eviction {
  mb: number;
  done: Promise<void>;
}

/**
 * Closes idle containers, least recently used first, until `needMb` is freed or none is left, but only
 * when at least `minMb` can be freed (else none). `exceptOwner`'s containers are left alone.
 */
export type Evictor = (needMb: number, minMb: number, exceptOwner: string | undefined) => Eviction[];

interface Waiter {
  mb: number;
  owner: string | undefined;
  grant: (release: Release) => void;
  fail: (err: Error) => void;
}

export class MemoryAdmission {
  private usedMb = 0;
  private readonly waiters: Waiter[] = [];
  private evictor: Evictor | undefined;
  /** reservations of evicted containers not yet handed back */
  private freeingMb = 0;

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

  /** The hot pools' idle containers, closed for memory before anyone waits (Runner wires it). */
  setEvictor(evictor: Evictor | undefined): void {
    this.evictor = evictor;
  }

  /**
   * When calls wait for memory: evicts idle containers for them (no-op otherwise, or while evictions
   * already under way cover them). Called on every wait and whenever a hot container turns idle.
   */
  reclaim(): void {
    if (this.waiters.length === 0 || !this.evictor) return;
    const available = this.totalMb - this.usedMb + this.freeingMb;
    // the first waiter that what is free (or being freed) does not cover decides whether to evict
    let demand = 0;
    let first: Waiter | undefined;
    let min = 0;
    for (const w of this.waiters) {
      demand += w.mb;
      if (!first && demand > available) {
        first = w;
        min = demand - available;
      }
    }
    if (!first) return;
    for (const e of this.evictor(demand - available, min, first.owner)) {
      this.freeingMb += e.mb;
      void e.done
        .catch(() => undefined)
        .then(() => {
          this.freeingMb -= e.mb;
          this.reclaim(); // a removal that freed less than hoped, or new waiters meanwhile
        });
    }
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
        owner: opts.owner,
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
      this.reclaim();
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
