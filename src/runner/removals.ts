// Container removal that survives the runtime going away. When Podman is unreachable mid-call, the
// container lives on under conmon: its removal is remembered (with what must wait for it, such as
// deleting a hot container's socket folder, which the container could still write to) and retried
// once the Runner sees the runtime back, and on a timer meanwhile in case nothing else notices. Kept
// apart from any runtime so the policy is the same against Podman and against the fake.
import type { ContainerRuntime } from './runtime.ts';

/** what to do once the container is gone */
export type AfterRemoval = () => Promise<void>;

export const REMOVAL_RETRY_MS = 2000;

export class Removals {
  /** container id -> its follow-up, for removals that failed */
  private readonly pending = new Map<string, AfterRemoval | undefined>();
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly retryMs = REMOVAL_RETRY_MS,
  ) {}

  /** removals still to do */
  get count(): number {
    return this.pending.size;
  }

  /**
   * Removes the container, then runs `afterRemoval`; when the removal fails, remembers both for
   * retry(). Never throws; true when removed now.
   */
  async removeOrDefer(id: string, afterRemoval?: AfterRemoval): Promise<boolean> {
    try {
      await this.runtime.remove(id);
      this.pending.delete(id);
    } catch {
      this.pending.set(id, afterRemoval);
      this.scheduleRetry();
      return false;
    }
    await afterRemoval?.().catch(() => undefined);
    return true;
  }

  /** Retries the removals that failed (then their follow-ups); resolves with how many are still pending. */
  async retry(): Promise<number> {
    for (const [id, after] of [...this.pending]) {
      const removed = await this.runtime.remove(id).then(
        () => true,
        () => false,
      );
      // a concurrent retry (timer and reconnect) may have done it already: follow up once
      if (!removed || !this.pending.delete(id)) continue;
      await after?.().catch(() => undefined);
    }
    return this.pending.size;
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      void this.retry().then((left) => {
        this.retryTimer = undefined;
        if (left > 0) this.scheduleRetry();
      });
    }, this.retryMs);
    this.retryTimer.unref();
  }
}

/** Removes this node's containers left over from an earlier process (start-up only); resolves with how many. */
export async function removeStrays(runtime: ContainerRuntime, nodeId: string): Promise<number> {
  const strays = await runtime.listManaged(nodeId);
  const results = await Promise.allSettled(strays.map((c) => runtime.remove(c.id)));
  return results.filter((r) => r.status === 'fulfilled').length;
}
