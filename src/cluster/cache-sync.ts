// Keeps this node's route cache (src/gateway/route-cache.ts) coherent with writes made through other
// nodes sharing the database.
// Triggers append every app/route/secret write to `cache_changes`; this polls for rows past the last seq it
// applied (one indexed query per interval, never on the call path), reloads what they name and drains
// the hot pools of routes that really changed. A node that could not poll for longer than the log is
// kept, or that finds more changes than one batch, reloads its whole table instead.
// Bound: a write on any node is served everywhere within pollMs plus one query (documented: <= 1 s
// with the default 500 ms).
import type { Queryable } from '../store/db.ts';
import { changesSince, latestChangeSeq, pruneChanges, type CacheChange } from '../store/cluster.ts';
import type { RouteCache } from '../gateway/route-cache.ts';
import type { Logger } from '../log.ts';

export interface CacheSyncOptions {
  pollMs: number;
  /** change rows older than this are pruned; a node silent longer reloads everything */
  keepMs: number;
  /** changes applied one by one per poll; more than this reloads everything */
  batch: number;
}

export interface CacheSyncDeps {
  db: Queryable;
  cache: RouteCache;
  /** a route (path) or a whole app (no path) changed: drain its hot containers */
  changed: (app: string, path?: string) => Promise<void>;
  log: Logger;
  options: CacheSyncOptions;
  now?: () => number;
  /** embedded replica: pull from the server before each poll, so the bound does not add the replica's own sync interval */
  refresh?: () => Promise<unknown>;
}

const PRUNE_EVERY_MS = 60_000;

export class CacheSync {
  private seq = 0;
  private lastPoll = 0;
  private lastPrune = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failing = false;
  private readonly now: () => number;

  constructor(private readonly d: CacheSyncDeps) {
    this.now = d.now ?? Date.now;
  }

  /** Loads the cache and starts polling. The seq is read first, so no write falls between the two. */
  async start(): Promise<void> {
    this.seq = await latestChangeSeq(this.d.db);
    await this.d.cache.loadAll();
    this.lastPoll = this.now();
    this.schedule();
  }

  /** One poll now (tests; also what the timer runs). */
  async poll(): Promise<void> {
    this.running ??= this.pollOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** The last change seq applied (GET /v1/nodes shows it; tests compare nodes). */
  get appliedSeq(): number {
    return this.seq;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule());
    }, this.d.options.pollMs);
    this.timer.unref();
  }

  private async pollOnce(): Promise<void> {
    const { db, options } = this.d;
    try {
      const now = this.now();
      await this.d.refresh?.();
      if (now - this.lastPoll > options.keepMs / 2) {
        // the log may have been pruned past us while we could not read it
        await this.reloadEverything('was out of touch with the database');
      } else {
        const changes = await changesSince(db, this.seq, options.batch + 1);
        if (changes.length > options.batch) await this.reloadEverything(`${changes.length}+ changes at once`);
        else await this.apply(changes);
      }
      this.lastPoll = now;
      if (now - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = now;
        await pruneChanges(db, now - options.keepMs);
      }
      if (this.failing) this.d.log.info({}, 'route cache sync recovered');
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.d.log.warn({ err: (e as Error).message }, 'route cache sync failed; serving the cached routes, retrying');
      this.failing = true;
    }
  }

  private async apply(changes: CacheChange[]): Promise<void> {
    const seen = new Set<string>();
    for (const c of changes) {
      // a secret write reloads all of the app's secrets: once per app per poll is enough
      const key = c.secret !== null ? `${c.appName}\u0000\u0000secrets` : `${c.appName}\u0000${c.path ?? ''}`;
      if (c.secret !== null && !seen.has(key)) {
        seen.add(key);
        // the routes that list a replaced (or new, or deleted) secret roll onto new containers
        for (const path of await this.d.cache.reloadSecrets(c.appName)) await this.d.changed(c.appName, path);
      } else if (!seen.has(key)) {
        seen.add(key);
        const changed = c.path === null ? await this.d.cache.reloadApp(c.appName) : await this.d.cache.reloadRoute(c.appName, c.path);
        // 'app': the app itself is gone, so every route of it goes (not only this path)
        if (changed === 'app') await this.d.changed(c.appName);
        else if (changed) await this.d.changed(c.appName, c.path ?? undefined);
      }
      this.seq = c.seq;
    }
  }

  private async reloadEverything(why: string): Promise<void> {
    const seq = await latestChangeSeq(this.d.db);
    const changed = await this.d.cache.loadAll();
    this.seq = seq;
    this.d.log.info({ why, apps: changed.apps.length, routes: changed.routes.length }, 'route cache reloaded');
    for (const app of changed.apps) await this.d.changed(app);
    for (const [app, path] of changed.routes) await this.d.changed(app, path);
  }
}
