// Settings of the async queue, the call recorder and retention in one typed object with defaults. The
// lead maps env vars onto it (src/config.ts); src/queue reads only this, so tests build queues freely.

export interface QueueOptions {
  /** this node's id: recorded on calls it runs and part of its lease owner */
  nodeId: string;
  /** async calls this process runs at once; 0 = none (only /tasks consumers run async calls) */
  workers: number;
  /** attempts per async call (first run + retries) for platform failures and lost workers */
  maxAttempts: number;
  /** backoff before retry n: base * 2^(n-1), capped, with +-20% jitter */
  retryBaseMs: number;
  retryMaxMs: number;
  /** a worker's claim lasts this long without a heartbeat; a killed worker's calls are re-queued after it */
  leaseMs: number;
  /** idle workers look for work this often (local enqueues wake them at once) */
  pollMs: number;
  /** a task handed out by GET /tasks returns to the queue when not acknowledged within this */
  taskLeaseMs: number;
  /** record sync calls (batched, off the request path) */
  recordSync: boolean;
  /** sync records are written at least this often */
  recordFlushMs: number;
  /** ... or as soon as this many are waiting */
  recordBatch: number;
  /** records waiting beyond this (database down) are dropped, oldest first, and counted */
  recordBufferMax: number;
  /** stored log bytes per call (the head is kept, a marker says what was cut) */
  logMaxBytes: number;
  /** finished calls and logs older than this are purged; 0 = keep forever */
  retentionMs: number;
  /** how often the purge runs */
  retentionIntervalMs: number;
  /** on stop(): how long running async calls may finish before they are aborted and re-queued */
  shutdownGraceMs: number;
  /** /tasks env_vars: pass request headers with `_` in their names as HEADER_* (the runner's PODFN_ENV_UNDERSCORE_HEADERS) */
  envUnderscoreHeaders: boolean;
  /** PODFN_CALLBACK_ALLOW: host names, addresses and CIDR ranges X-Callback-Url may point at (empty: none) */
  callbackAllow: string[];
  /** one callback try: connect, send, the status line */
  callbackTimeoutMs: number;
  /** callback tries in all (first + retries); backoff as async retries (callbackRetryBaseMs, retryMaxMs) */
  callbackMaxTries: number;
  callbackRetryBaseMs: number;
  /** callback deliveries this process makes at once */
  callbackConcurrency: number;
  /** PODFN_SCHEDULE_CATCH_UP: ticks missed while no node ran: one call for all (once) or none */
  scheduleCatchUp: 'once' | 'none';
  /** a schedule tick enqueued within this of its time is on time; older ones count as missed */
  scheduleOnTimeMs: number;
  /** how often the scheduler checks for due ticks (in memory; the database only when one is due) */
  scheduleCheckMs: number;
  /** base URL of scheduled calls' request URL (PODFN_PUBLIC_URL, else this node's own address) */
  scheduleBaseUrl: string;
}

export function defaultQueueOptions(overrides: Partial<QueueOptions> = {}): QueueOptions {
  return {
    nodeId: 'node',
    workers: 4,
    maxAttempts: 3,
    retryBaseMs: 1000,
    retryMaxMs: 60_000,
    leaseMs: 30_000,
    pollMs: 500,
    taskLeaseMs: 60_000,
    recordSync: true,
    recordFlushMs: 200,
    recordBatch: 200,
    recordBufferMax: 20_000,
    logMaxBytes: 64 * 1024,
    retentionMs: 7 * 24 * 3600 * 1000,
    retentionIntervalMs: 60_000,
    shutdownGraceMs: 10_000,
    envUnderscoreHeaders: false,
    callbackAllow: [],
    callbackTimeoutMs: 10_000,
    callbackMaxTries: 5,
    callbackRetryBaseMs: 1000,
    callbackConcurrency: 8,
    scheduleCatchUp: 'once',
    scheduleOnTimeMs: 5000,
    scheduleCheckMs: 200,
    scheduleBaseUrl: 'http://localhost:8080',
    ...overrides,
  };
}
