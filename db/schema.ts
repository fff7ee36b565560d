// The database schema (Drizzle, SQLite dialect for libSQL). `npm run db:generate` turns changes here
// into a new migration under db/migrations; the gateway applies pending migrations at start-up.
import { sqliteTable, text, integer, blob, primaryKey, index } from 'drizzle-orm/sqlite-core';

export const apps = sqliteTable('apps', {
  name: text('name').primaryKey(),
  /** JSON object of string -> string */
  config: text('config', { mode: 'json' }).$type<Record<string, string>>().notNull().default({}),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  /** Function URLs: JSON array of host names or *.suffix wildcards; host_claims holds them, unique */
  hosts: text('hosts', { mode: 'json' }).$type<string[]>().notNull().default([]),
});

export const routes = sqliteTable(
  'routes',
  {
    appName: text('app_name')
      .notNull()
      .references(() => apps.name),
    path: text('path').notNull(),
    image: text('image').notNull(),
    memory: integer('memory').notNull(),
    /** JSON object of header name -> values */
    headers: text('headers', { mode: 'json' }).$type<Record<string, string[]>>().notNull().default({}),
    type: text('type', { enum: ['sync', 'async'] }).notNull(),
    format: text('format', { enum: ['default', 'http', 'json'] }).notNull(),
    maxConcurrency: integer('max_concurrency').notNull(),
    timeout: integer('timeout').notNull(),
    idleTimeout: integer('idle_timeout').notNull(),
    config: text('config', { mode: 'json' }).$type<Record<string, string>>().notNull().default({}),
    /** HS256 key: when set, /r calls of this route need a JWT signed with it (IronFunctions' jwt_key) */
    jwtKey: text('jwt_key'),
    /** JSON array of the app's secret names this route's containers get as /run/secrets/<name> */
    secrets: text('secrets', { mode: 'json' }).$type<string[]>().notNull().default([]),
    /** cron expression (UTC): an async call is enqueued at each tick (src/queue/scheduler.ts) */
    schedule: text('schedule'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Function URLs: JSON array of host names; host_claims holds them, unique */
    hosts: text('hosts', { mode: 'json' }).$type<string[]>().notNull().default([]),
  },
  (t) => [primaryKey({ columns: [t.appName, t.path] }), index('routes_image').on(t.image)],
);

/**
 * The last definitions of each route (HISTORY_KEEP, 10), newest version highest: every create, update
 * and rollback writes one in the same transaction as the route row (src/store/routes.ts), so
 * `podfn rollback` can restore any of them. `definition` is the stored route (the model's JSON, jwt_key
 * included: it must restore exactly); a trigger (migration 0003) removes a route's history with it.
 */
export const routeHistory = sqliteTable(
  'route_history',
  {
    appName: text('app_name').notNull(),
    path: text('path').notNull(),
    /** 1, 2, 3... per route */
    version: integer('version').notNull(),
    action: text('action', { enum: ['create', 'update', 'rollback'] }).notNull(),
    /** for a rollback: the version it restored */
    restoredFrom: integer('restored_from'),
    definition: text('definition', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appName, t.path, t.version] })],
);

/**
 * Every call, sync and async. Async calls are also the durable queue: status `queued` rows are claimed
 * by setting lease_owner/lease_until atomically.
 */
export const calls = sqliteTable(
  'calls',
  {
    id: text('id').primaryKey(),
    appName: text('app_name').notNull(),
    path: text('path').notNull(),
    image: text('image').notNull(),
    type: text('type', { enum: ['sync', 'async'] }).notNull(),
    format: text('format').notNull(),
    status: text('status', { enum: ['queued', 'running', 'success', 'error', 'timeout', 'cancelled'] }).notNull(),
    reason: text('reason'),
    error: text('error'),
    method: text('method').notNull(),
    url: text('url').notNull(),
    /** JSON: request headers (async replay) */
    headers: text('headers', { mode: 'json' }).$type<Record<string, string[]>>(),
    payload: blob('payload', { mode: 'buffer' }),
    statusCode: integer('status_code'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(1),
    notBefore: integer('not_before'),
    leaseOwner: text('lease_owner'),
    leaseUntil: integer('lease_until'),
    nodeId: text('node_id'),
    createdAt: integer('created_at').notNull(),
    startedAt: integer('started_at'),
    completedAt: integer('completed_at'),
    /** X-Callback-Url of an async call: where its result is POSTed when it ends (src/queue/callbacks.ts) */
    callbackUrl: text('callback_url'),
    /** null: no callback, or the call has not ended yet; then pending -> delivering (leased) -> delivered | failed */
    callbackState: text('callback_state', { enum: ['pending', 'delivering', 'delivered', 'failed'] }),
    /** JSON: every delivery try so far */
    callbackTries: text('callback_tries', { mode: 'json' }).$type<CallbackTry[]>(),
    callbackNextAt: integer('callback_next_at'),
    callbackLeaseOwner: text('callback_lease_owner'),
    callbackLeaseUntil: integer('callback_lease_until'),
    /** what the callback POSTs: the answer a sync caller would have had (body, content type, status) */
    callbackBody: blob('callback_body', { mode: 'buffer' }),
    callbackContentType: text('callback_content_type'),
  },
  (t) => [
    index('calls_app_created').on(t.appName, t.createdAt),
    index('calls_callback').on(t.callbackState, t.callbackNextAt),
    index('calls_queue').on(t.status, t.notBefore),
    index('calls_lease').on(t.status, t.leaseUntil),
    // retention purges by age across all apps
    index('calls_created').on(t.createdAt),
  ],
);

export const callLogs = sqliteTable(
  'call_logs',
  {
    callId: text('call_id').primaryKey(),
    log: blob('log', { mode: 'buffer' }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('call_logs_created').on(t.createdAt)],
);

/**
 * Every app or route write, appended by triggers (migration 0002), so each gateway node can keep its
 * route cache coherent by polling for rows past the last seq it applied. path NULL = the app row.
 * Old rows are pruned; a node that fell further behind than the pruning reloads everything.
 */
export const cacheChanges = sqliteTable('cache_changes', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  appName: text('app_name').notNull(),
  path: text('path'),
  /** a secret of the app was created, replaced or deleted (path is then NULL); migration 0006 */
  secret: text('secret'),
  at: integer('at').notNull(),
});

/**
 * Function URLs: every host name claimed by a route (path set) or an app (path NULL, names or *.suffix
 * wildcards), one row per name. The primary key is what makes a claim exclusive across apps and nodes:
 * triggers (migration function_urls) keep it in step with the `hosts` columns of routes and apps inside the very
 * statement that writes them, so of two writes racing for one name (on any nodes) exactly one commits.
 */
export const hostClaims = sqliteTable(
  'host_claims',
  {
    host: text('host').primaryKey(),
    appName: text('app_name').notNull(),
    path: text('path'),
  },
  (t) => [index('host_claims_owner').on(t.appName, t.path)],
);

/**
 * App secrets (src/models/secret-crypto.ts): the value encrypted with AES-256-GCM under the node's
 * secrets key, the app and name bound as associated data; `version` (random, new on every write) is
 * what routes' containers are keyed by, so a replacement rolls them. Triggers (migration 0006) keep
 * a secret a route lists from being deleted and log every write in cache_changes.
 */
export const secrets = sqliteTable(
  'secrets',
  {
    appName: text('app_name')
      .notNull()
      .references(() => apps.name),
    name: text('name').notNull(),
    /** format byte, nonce, tag, ciphertext */
    value: blob('value', { mode: 'buffer' }).notNull(),
    version: text('version').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appName, t.name] })],
);

/** Small key/value facts about the database itself; `secrets_key_check` proves which secrets key it is used with. */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Where each scheduled route's ticks stand, shared by every node: ticks up to last_tick are done. A node
 * enqueues the calls of the next ticks only by advancing last_tick with a compare-and-set (WHERE
 * last_tick = the value it read) in the transaction that inserts those calls, so each tick is enqueued
 * once across all nodes. A route write that sets or changes the schedule resets last_tick to its time
 * (ticks before it are not owed); `schedule` is the expression last_tick counts for. Rows go with the
 * route (a trigger, migration 0007).
 */
export const scheduleState = sqliteTable(
  'schedule_state',
  {
    appName: text('app_name').notNull(),
    path: text('path').notNull(),
    schedule: text('schedule').notNull(),
    /** epoch ms: the last tick enqueued (or the baseline when the schedule was set) */
    lastTick: integer('last_tick').notNull(),
    /** the compare-and-set's token of the transaction that last advanced it */
    claim: text('claim').notNull().default(''),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appName, t.path] })],
);

/** Gateway nodes sharing this database: each upserts its row on a heartbeat (GET /v1/nodes). */
export const nodes = sqliteTable('nodes', {
  id: text('id').primaryKey(),
  /** a random id per process: tells a restart (or a second process with the same id) apart */
  instance: text('instance').notNull(),
  address: text('address').notNull(),
  version: text('version').notNull(),
  pid: integer('pid').notNull(),
  startedAt: integer('started_at').notNull(),
  heartbeatAt: integer('heartbeat_at').notNull(),
  hotContainers: integer('hot_containers').notNull().default(0),
  inflight: integer('inflight').notNull().default(0),
});

/** One delivery try of a callback, as the call record shows it. */
export interface CallbackTry {
  /** epoch ms the try started */
  at: number;
  /** the receiver's answer; absent when none came (refused, timeout, address not allowed) */
  statusCode?: number;
  error?: string;
  durationMs: number;
}

export type AppRow = typeof apps.$inferSelect;
export type RouteRow = typeof routes.$inferSelect;
export type CallRow = typeof calls.$inferSelect;
export type NodeRow = typeof nodes.$inferSelect;
export type RouteHistoryRow = typeof routeHistory.$inferSelect;
export type SecretRow = typeof secrets.$inferSelect;
