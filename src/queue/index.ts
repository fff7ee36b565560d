// src/queue: everything about call records and asynchronous execution. The durable queue is the
// `calls` table in libSQL (no broker): accepted async calls are committed before their 202, workers
// of every gateway process claim them atomically under a lease, run them through the runner, retry
// platform failures with backoff, and record outcomes and logs. Sync calls are recorded in batches off
// the request path (on an embedded file, by a worker thread: store/record-writer.ts). /tasks consumers reserve and acknowledge calls from the same queue. Retention
// purges old records; stop() gives running calls a grace period and returns the rest to the queue.
//
// May import: src/store (all SQL lives there), runner/types and runner/call-env (pure), gateway's
// route cache type, functionSpec (pure) and the Invoker/CallSink it serves (gateway/types.ts), log
// (types), db/schema types, node built-ins. Never Podman or HTTP.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/db.ts';
import { countByStatus } from '../store/calls.ts';
import { queueDepth } from '../store/queue.ts';
import { recordWriterFor } from '../store/record-writer.ts';
import type { RouteLookup } from './call-from-row.ts';
import { Enqueuer } from './enqueue.ts';
import type { QueueOptions } from './options.ts';
import { SyncRecorder, type RecorderStats } from './recorder.ts';
import { Retention } from './retention.ts';
import { Sweeper } from './sweeper.ts';
import { TaskBroker } from './tasks.ts';
import type { CallSink, Invoker } from '../gateway/types.ts';
import type { Logger } from '../log.ts';
import { Workers } from './worker.ts';
import { CallbackDelivery } from './callbacks.ts';
import { allowList } from './callback-target.ts';
import { Scheduler } from './scheduler.ts';
import type { RouteCache } from '../gateway/route-cache.ts';

export { defaultQueueOptions, type QueueOptions } from './options.ts';
export { TaskBroker, type TaskReport, type AckResult } from './tasks.ts';
export { RETRY_ON_FAILURE_KEY } from './outcome.ts';

export interface QueueDeps {
  store: Store;
  /** the gateway's route cache: async calls run with the route as it is when they start */
  routes: RouteLookup;
  /** the routes to schedule (the route cache); absent: this process enqueues no scheduled calls */
  scheduled?: Pick<RouteCache, 'entries'>;
  invoker: Invoker;
  log: Logger;
  options: QueueOptions;
}

export interface QueueStats {
  queued: number;
  running: number;
  workers: { workers: number; busy: number; completed: number };
  recorder: RecorderStats;
}

export interface QueueHandle {
  /** where the /r handler sends finished sync calls and accepted async calls */
  sink: CallSink;
  tasks: TaskBroker;
  /** calls waiting in the queue (due or backing off), all nodes */
  depth(): Promise<number>;
  stats(): Promise<QueueStats>;
  /** graceful: stop claiming, let running calls finish up to graceMs, re-queue the rest, flush records */
  stop(graceMs?: number): Promise<void>;
}

export async function startQueue(deps: QueueDeps): Promise<QueueHandle> {
  const { store, routes, invoker, log, options, scheduled } = deps;
  const db = store.db;
  const owner = `${options.nodeId}/${process.pid}/${randomBytes(4).toString('hex')}`;
  const allow = allowList(options.callbackAllow);
  const callbacks = new CallbackDelivery(
    db,
    allow,
    owner,
    {
      concurrency: options.callbackConcurrency,
      timeoutMs: options.callbackTimeoutMs,
      maxTries: options.callbackMaxTries,
      retryBaseMs: options.callbackRetryBaseMs,
      retryMaxMs: options.retryMaxMs,
      pollMs: options.pollMs,
    },
    log,
  );
  const workers = new Workers({ db, invoker, routes, log, options, owner, onCallbackDue: () => callbacks.notify() });
  const enqueuer = new Enqueuer(store.client, options.maxAttempts, () => workers.notify(), allow);
  const recorder = new SyncRecorder(
    recordWriterFor(store, log),
    {
      flushMs: options.recordFlushMs,
      batch: options.recordBatch,
      bufferMax: options.recordBufferMax,
      logMaxBytes: options.logMaxBytes,
      nodeId: options.nodeId,
    },
    log,
  );
  const sweeper = new Sweeper(db, Math.max(100, Math.floor(Math.min(options.leaseMs, options.taskLeaseMs) / 4)), log, () => workers.notify());
  const retention = new Retention(db, options.retentionMs, options.retentionIntervalMs, log);

  const scheduler = scheduled
    ? new Scheduler(
        store,
        scheduled,
        {
          catchUp: options.scheduleCatchUp,
          onTimeMs: options.scheduleOnTimeMs,
          checkMs: options.scheduleCheckMs,
          maxAttempts: options.maxAttempts,
          baseUrl: options.scheduleBaseUrl,
        },
        log,
        () => workers.notify(),
      )
    : undefined;

  await sweeper.start();
  workers.start();
  callbacks.start();
  scheduler?.start();
  retention.start();
  let stopped: Promise<void> | undefined;

  return {
    sink: {
      recordSync: options.recordSync ? (call, result, createdAt) => recorder.record(call, result, createdAt) : () => {},
      enqueue: (call, createdAt) => enqueuer.enqueue(call, createdAt),
    },
    tasks: new TaskBroker(db, routes, options),
    depth: () => queueDepth(db),
    async stats() {
      return { queued: await queueDepth(db), running: await countByStatus(db, 'running'), workers: workers.stats(), recorder: recorder.stats() };
    },
    stop(graceMs = options.shutdownGraceMs) {
      stopped ??= (async () => {
        await scheduler?.stop();
        const { aborted } = await workers.stop(graceMs);
        if (aborted) log.warn({ aborted }, 'async queue: calls still running at shutdown were returned to the queue');
        sweeper.stop();
        await callbacks.stop();
        await retention.stop();
        await recorder.close();
      })();
      return stopped;
    },
  };
}
