// Maps the validated Config onto the queue's own options object (src/queue never reads env vars).
import type { Config } from './config.ts';
import { defaultQueueOptions, type QueueOptions } from './queue/options.ts';

export function queueOptionsFrom(config: Config): QueueOptions {
  return defaultQueueOptions({
    nodeId: config.nodeId,
    workers: config.PODFN_ASYNC_WORKERS,
    maxAttempts: config.PODFN_ASYNC_MAX_ATTEMPTS,
    retryBaseMs: config.PODFN_ASYNC_RETRY_BASE_MS,
    retryMaxMs: config.PODFN_ASYNC_RETRY_MAX_MS,
    leaseMs: config.PODFN_QUEUE_LEASE_MS,
    pollMs: config.PODFN_QUEUE_POLL_MS,
    taskLeaseMs: config.PODFN_TASK_LEASE_MS,
    recordSync: config.PODFN_RECORD_SYNC_CALLS,
    recordFlushMs: config.PODFN_RECORD_FLUSH_MS,
    recordBufferMax: config.PODFN_RECORD_BUFFER_MAX,
    logMaxBytes: config.PODFN_CALL_LOG_MAX_BYTES,
    retentionMs: config.PODFN_CALL_RETENTION_S * 1000,
    retentionIntervalMs: config.PODFN_RETENTION_INTERVAL_MS,
    shutdownGraceMs: config.PODFN_SHUTDOWN_GRACE_MS,
  });
}
