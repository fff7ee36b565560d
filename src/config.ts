// Every setting podfn reads from the environment, validated once at start-up, with its default.
// A bad value stops start-up with a message naming the variable (see loadConfig). Also where those
// settings become the runner's and the queue's options (runnerOptionsFrom, queueOptionsFrom): the
// runner may import nothing outside src/runner, so the mapping cannot live beside it, and keeping both
// mappings here puts every env variable and the option it feeds in one file.
// May import only node built-ins, zod, and the option *types* of runner and queue (type-only, so the
// CLI, which reads this file for the socket default, loads no runner or queue code); everything else
// receives a Config.
import os from 'node:os';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { z } from 'zod';
import type { RunnerOptions } from './runner/options.ts';
import type { QueueOptions } from './queue/options.ts';

const MiB = 1024 * 1024;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v));
/** '' or an http(s) origin with an optional base path (a reverse proxy's mount), kept without a trailing slash. */
const baseUrl = z.string().transform((v, ctx) => {
  if (v === '') return '';
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    /* reported below */
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash || v.includes('?') || v.includes('#')) {
    ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL such as https://fn.example.com or https://example.com/fn (no user, query or fragment)' });
    return z.NEVER;
  }
  return u.origin + u.pathname.replace(/\/+$/, '');
});

/** One PODFN_CALLBACK_ALLOW entry: a host name, an IPv4/IPv6 address ([...] allowed) or a CIDR range. */
function allowEntry(raw: string): boolean {
  const e = raw.replace(/^\[|\]$/g, '');
  const slash = e.indexOf('/');
  if (slash > 0) {
    const family = net.isIP(e.slice(0, slash));
    const bits = e.slice(slash + 1);
    return family !== 0 && /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32);
  }
  return net.isIP(e) !== 0 || /^(?=.{1,253}\.?$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(e);
}
const allowList = z.string().transform((v, ctx) => {
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !allowEntry(e));
  if (bad.length) {
    ctx.addIssue({ code: 'custom', message: `not a host name, IP address or CIDR range: ${bad.join(', ')}` });
    return z.NEVER;
  }
  return entries;
});

/** name -> [schema, default, description]; docs/configuration.md's table is generated from this list. */
export const settings = {
  PORT: [int(0, 65535), '8080', 'HTTP port of the gateway and admin API'],
  HOST: [z.string().min(1), '0.0.0.0', 'address to listen on'],
  PODFN_DB_URL: [
    z.string().regex(/^(file:|https?:\/\/|libsql:\/\/|wss?:\/\/)/, 'must be a libSQL URL (file:, http(s)://, libsql://, ws(s)://)'),
    'file:./data/podfn.db',
    'libSQL database URL; file: is the embedded database',
  ],
  PODFN_DB_AUTH_TOKEN: [z.string(), '', 'auth token for a remote libSQL server'],
  PODFN_LOG_LEVEL: [z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'log level (pino)'],
  PODFN_ADMIN_BODY_LIMIT: [int(1024, 64 * MiB), String(MiB), 'max bytes of an admin API request body (413 above)'],
  PODFN_ADMIN_TOKEN: [
    z.string().regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces (several tokens: comma-separated)'),
    '',
    'bearer token(s) required on /v1 and /tasks, comma-separated (empty = admin API open)',
  ],
  PODFN_JWT_KEY: [z.string(), '', 'HS256 key: a JWT signed with it is accepted on /v1 and /tasks as well as the token (empty = off)'],
  PODFN_ADMIN_TOKEN_FILE: [
    z.string(),
    '',
    'admin token file, one token per line; generated (mode 0600, printed once) when missing; auto = admin-token next to the embedded database; ignored when PODFN_ADMIN_TOKEN or PODFN_JWT_KEY is set (empty = off; npm start and the gateway image set it)',
  ],
  PODFN_SECRETS_KEY: [
    z.string().regex(/^(|\s*[0-9a-fA-F]{64}\s*|\s*[A-Za-z0-9+/_-]{43}=?\s*)$/, 'must be 32 bytes as 64 hex digits or base64 (openssl rand -base64 32)'),
    '',
    'key (32 bytes: 64 hex digits or base64) that encrypts app secrets at rest (AES-256-GCM); every node sharing a database needs the same key (empty = the key file)',
  ],
  PODFN_SECRETS_KEY_FILE: [
    z.string().min(1),
    'auto',
    'secrets key file when PODFN_SECRETS_KEY is empty: generated (mode 0600) on first start when missing; auto = secrets-key next to the embedded database (./data/secrets-key with a remote one); copy it to every node sharing the database',
  ],
  PODFN_SECRET_MAX_BYTES: [int(1, MiB), '65536', 'largest secret value (bytes) the API accepts (413 above)'],
  PODFN_SECRETS_DIR: [
    z
      .string()
      .regex(/^(\/.*)?$/, 'must be an absolute path')
      .max(200),
    '',
    "host folder (on a tmpfs) holding each function container's secret files, bind-mounted read-only at /run/secrets (empty = .secrets in PODFN_SOCKET_DIR)",
  ],
  PODFN_MAX_HEADERS: [int(1, 10_000), '100', 'max request header fields (431 above)'],
  PODFN_MAX_HEADER_BYTES: [int(1024, 1024 * 1024), '16384', 'max bytes of the request line and headers (431 above, answered by node)'],
  PODFN_MAX_INFLIGHT: [int(1, 1_000_000), '512', '/r calls in progress at once on this node, counted once the request body is in (503 with Retry-After above)'],
  PODFN_HEADERS_TIMEOUT_MS: [
    int(100, 3_600_000),
    '10000',
    "how long a client may take to send the request line and headers, from the connection's opening or the request's first byte (408 and close after; idle keep-alive time does not count)",
  ],
  PODFN_BODY_TIMEOUT_MS: [int(100, 3_600_000), '10000', 'how long a client may take to send a whole request body, /r and admin API (408 and close after)'],
  PODFN_MAX_CONNECTIONS_PER_CLIENT: [
    int(0, 1_000_000),
    '256',
    'open connections per client IP address; more are closed at once, unanswered (0 = no cap; behind a reverse proxy all clients share its address)',
  ],
  PODFN_SYNC_BODY_LIMIT: [int(0, 1024 * MiB), String(6 * MiB), 'max bytes of a /r request body for sync routes (413 above)'],
  PODFN_ASYNC_BODY_LIMIT: [int(0, 1024 * MiB), String(MiB), 'max bytes of a /r request body for async routes (413 above)'],
  PODFN_MAX_MEMORY_MB: [int(1, 1024 * 1024), '8192', 'largest route memory (MiB) the API accepts'],
  PODFN_MAX_TIMEOUT: [int(1, 86400), '3600', 'largest route timeout (s) the API accepts'],
  PODFN_MAX_IDLE_TIMEOUT: [int(1, 86400), '3600', 'largest route idle_timeout (s) the API accepts'],
  PODFN_APP_DELETE: [
    z.enum(['refuse', 'cascade']),
    'refuse',
    'DELETE /v1/apps/{app} of an app that has routes: refuse (400 Cannot remove apps with routes, as IronFunctions 0.1.x) or cascade (deletes its routes too and ends its queued async calls with status error, as fn does); ?cascade=true asks for cascade on one request',
  ],
  PODFN_RUN_AS: [
    z.string().regex(/^([a-z_][a-z0-9_-]{0,31})?$/, 'must be a user name'),
    '',
    'started as root: switch to this user (after preparing the data and socket folders for it) before serving; npm start sets podfn (empty = keep running as whoever started it)',
  ],
  PODFN_CONTAINER_HOST: [
    z.string(),
    '',
    'Podman (or Docker-compatible) API socket, unix:///path; default: the rootless socket of user podfn when run as root, else $XDG_RUNTIME_DIR/podman/podman.sock',
  ],
  PODFN_NODE_ID: [
    z.string().regex(/^([a-z0-9-]{1,32})?$/, 'must be 1-32 of a-z, 0-9, -'),
    '',
    "this node's id (labels, records); default: derived from the host name",
  ],
  PODFN_ADVERTISE_URL: [
    z.union([z.literal(''), z.string().url()]),
    '',
    'address this node is reached at, listed by GET /v1/nodes; default: http://<host name>:<PORT>',
  ],
  PODFN_PUBLIC_URL: [
    baseUrl,
    '',
    'public base URL of the gateway (https://fn.example.com, or with the base path a reverse proxy mounts it at): REQUEST_URL, Fn-Request-Url and request_url are built from it (empty = from the Host header the client sent, which the client controls)',
  ],
  PODFN_HEARTBEAT_MS: [int(100, 600_000), '5000', 'how often this node refreshes its row in GET /v1/nodes (dead after 3 missed beats)'],
  PODFN_STATS_INTERVAL_MS: [
    int(500, 60_000),
    '5000',
    'how often the time series of GET /v1/stats/timeseries (the console charts) is sampled; 30 minutes of samples are kept in memory',
  ],
  PODFN_CONSOLE: [z.enum(['on', 'off']), 'on', 'the web console at /ui/ (off: /ui answers 404)'],
  PODFN_CONSOLE_SESSION_MS: [
    int(60_000, 7 * 86_400_000),
    '28800000',
    'how long a console login lasts (its session cookie and the server-side session expire together; a gateway restart ends every session)',
  ],
  PODFN_CACHE_POLL_MS: [int(20, 60_000), '500', 'how often the route cache picks up app/route writes made through other nodes (the coherence bound)'],
  PODFN_CACHE_CHANGES_KEEP_MS: [
    int(60_000, 7 * 86_400_000),
    '600000',
    'app/route change log kept for other nodes; a node out of touch longer reloads every route',
  ],
  PODFN_DB_REPLICA: [
    z.string().regex(/^(file:.+)?$/, 'must be file:<path>'),
    '',
    'embedded replica of a remote PODFN_DB_URL (file:<path>): reads are local, writes go to the server (empty = off)',
  ],
  PODFN_DB_REPLICA_SYNC_MS: [int(100, 3_600_000), '1000', 'how often the embedded replica pulls from the server'],
  PODFN_FUNCTION_NETWORK: [z.string().regex(/^[a-zA-Z0-9_.-]+$/), 'none', 'network mode of function containers'],
  PODFN_FUNCTION_READONLY: [bool, 'true', 'read-only root file system for functions'],
  PODFN_FUNCTION_TMPFS_MB: [
    int(0, 65536),
    '64',
    "size (MiB) of the writable /tmp tmpfs in functions with a read-only root (0 = read-only); counted in the memory a call reserves and in its container's memory limit",
  ],
  PODFN_FUNCTION_RUN_TMPFS_MB: [
    int(0, 65536),
    '1',
    'size (MiB) of each of the writable /run and /var/tmp tmpfs in functions with a read-only root (0 = read-only); counted like PODFN_FUNCTION_TMPFS_MB',
  ],
  PODFN_FUNCTION_SHM_MB: [int(0, 65536), '1', 'size (MiB) of the /dev/shm tmpfs in functions (0 = read-only); counted like PODFN_FUNCTION_TMPFS_MB'],
  PODFN_FUNCTION_PIDS_LIMIT: [int(0, 1_000_000), '256', 'pids limit per function container (0 = unlimited)'],
  PODFN_FUNCTION_NOFILE: [int(16, 1_048_576), '1024', 'nofile ulimit of function containers'],
  PODFN_FUNCTION_NPROC: [int(16, 1_048_576), '1024', 'nproc ulimit of function containers'],
  PODFN_ENV_UNDERSCORE_HEADERS: [
    bool,
    'false',
    'pass request headers whose names contain _ to cold functions as HEADER_* variables (off: dropped, as nginx and CGI servers do, since X_Remote_User and X-Remote-User map to the same HEADER_X_REMOTE_USER)',
  ],
  PODFN_HOT_MAX_CONCURRENCY: [int(1, 10000), '8', 'hot containers per route when the route says max_concurrency 0'],
  PODFN_HOT_QUEUE_SIZE: [int(0, 1_000_000), '100', 'calls that may wait per hot route when all its containers are busy'],
  PODFN_HOT_QUEUE_WAIT_MS: [int(0, 3_600_000), '10000', 'how long a call may wait for a hot container'],
  PODFN_HOT_QUEUE_TARGET_MS: [
    z.union([z.literal('auto'), int(0, 60_000)]),
    'auto',
    "load shedding: while a route's queue keeps growing (since it formed, more calls came to it than twice those its containers took, plus 4; never for a closed loop of clients, each waiting for its answer), a queued call waits at most this long (ms) for a hot container, then 429 + Retry-After, so admitted calls stay fast under overload; auto = half the route's recent call time, at least 10 ms (0 = off: calls queue up to PODFN_HOT_QUEUE_WAIT_MS, as in fn)",
  ],
  PODFN_HOT_START_TIMEOUT_MS: [int(100, 600_000), '5000', 'how long a hot container may take to open its socket'],
  PODFN_SOCKET_DIR: [
    z.string().startsWith('/').max(60),
    '/run/podfn/sockets',
    "host folder for hot containers' sockets (short: socket paths must stay < 107 bytes)",
  ],
  PODFN_MAX_RESPONSE_BYTES: [int(1024, 1024 * MiB), String(6 * MiB), 'max function response size (502 above; a streamed `http` answer is cut short there)'],
  PODFN_MAX_LOG_BYTES: [int(0, 1024 * MiB), String(MiB), 'max log bytes kept per call (truncated above)'],
  PODFN_TOTAL_MEMORY_MB: [int(0, 1024 * 1024 * 1024), '0', "memory (MiB) the runner may promise to containers (0 = the host's total)"],
  PODFN_MEMORY_WAIT_MS: [
    int(0, 3_600_000),
    '10000',
    'how long a call waits for memory before 503 (idle hot containers of other routes are evicted for it first)',
  ],
  PODFN_ASYNC_WORKERS: [int(0, 1000), '4', 'async calls this gateway runs at once (0 = none; only /tasks consumers run them)'],
  PODFN_ASYNC_MAX_ATTEMPTS: [int(1, 100), '3', 'attempts per async call for platform failures and lost workers (then status error)'],
  PODFN_ASYNC_RETRY_BASE_MS: [int(0, 3_600_000), '1000', 'backoff before async retry n: base * 2^(n-1), +-20% jitter'],
  PODFN_ASYNC_RETRY_MAX_MS: [int(0, 86_400_000), '60000', 'cap of the async retry backoff'],
  PODFN_QUEUE_LEASE_MS: [int(200, 3_600_000), '30000', "lease of a claimed async call; a dead gateway's calls are re-queued after it"],
  PODFN_QUEUE_POLL_MS: [int(10, 60_000), '500', 'how often idle async workers look for calls queued by other gateways or due retries'],
  PODFN_TASK_LEASE_MS: [int(200, 86_400_000), '60000', 'a task handed out by GET /tasks returns to the queue when not acknowledged within this'],
  PODFN_RECORD_SYNC_CALLS: [bool, 'true', 'record sync calls (batched off the request path)'],
  PODFN_RECORD_FLUSH_MS: [int(10, 60_000), '200', 'sync call records are written at least this often (a crash can lose this much)'],
  PODFN_RECORD_BUFFER_MAX: [int(100, 10_000_000), '20000', 'sync call records kept in memory while the database is unavailable (oldest dropped above)'],
  PODFN_CALL_LOG_MAX_BYTES: [int(0, 64 * MiB), '65536', 'stored log bytes per call (head kept)'],
  PODFN_CALL_RETENTION_S: [int(0, 10 * 365 * 86400), '604800', 'finished call records and logs older than this are purged (0 = keep)'],
  PODFN_RETENTION_INTERVAL_MS: [int(1000, 86_400_000), '60000', 'how often the retention purge runs'],
  PODFN_SHUTDOWN_GRACE_MS: [int(0, 3_600_000), '10000', 'on SIGTERM: how long in-flight sync and async calls may finish'],
  PODFN_CALLBACK_ALLOW: [
    allowList,
    '',
    "where X-Callback-Url of async calls may point: comma-separated host names (trusted by name), IP addresses and CIDR ranges (a name not listed is resolved and must resolve into one); a call asking for a callback elsewhere gets 400 (empty = callbacks off). A callback is a request the gateway makes on the caller's behalf from inside your network: list only receivers you mean",
  ],
  PODFN_CALLBACK_TIMEOUT_MS: [int(100, 600_000), '10000', "one callback try: connect, send, and the receiver's status line (a failed try after it)"],
  PODFN_CALLBACK_MAX_TRIES: [
    int(1, 100),
    '5',
    'callback tries in all; a non-2xx answer (redirects are not followed), refusal or timeout is retried with backoff until then (then failed)',
  ],
  PODFN_CALLBACK_RETRY_BASE_MS: [
    int(0, 3_600_000),
    '1000',
    'backoff before callback retry n: base * 2^(n-1), +-20% jitter, capped at PODFN_ASYNC_RETRY_MAX_MS',
  ],
  PODFN_SCHEDULE_CATCH_UP: [
    z.enum(['once', 'none']),
    'once',
    'route schedules: ticks missed while no node ran (enqueued more than 5 s late): once = one catch-up call for all of them (Fn-Schedule-Catch-Up: true, Fn-Schedule-Missed: n), none = skip them',
  ],
} as const satisfies Record<string, readonly [z.ZodType, string, string]>;

type Settings = typeof settings;
export type RawConfig = { [K in keyof Settings]: z.output<Settings[K][0]> };

export interface Config extends RawConfig {
  /** resolved unix socket path of the container API */
  containerSocket: string;
  nodeId: string;
  totalMemoryMb: number;
}

export class ConfigError extends Error {}

/** Settings whose values an error message must not repeat. */
const REDACTED = new Set(['PODFN_SECRETS_KEY']);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, [schema, def]] of Object.entries(settings)) {
    const value = env[name] === undefined || env[name] === '' ? def : env[name];
    const parsed = schema.safeParse(value);
    if (parsed.success) raw[name] = parsed.data;
    // a key's value is never echoed, not even a malformed one
    else problems.push(`${name}=${REDACTED.has(name) ? '<not shown>' : JSON.stringify(value)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  const cfg = raw as RawConfig;
  let containerSocket: string;
  try {
    containerSocket = resolveContainerSocket(cfg.PODFN_CONTAINER_HOST, env);
  } catch (e) {
    throw new ConfigError(`invalid configuration:\n  PODFN_CONTAINER_HOST=${JSON.stringify(cfg.PODFN_CONTAINER_HOST)}: ${(e as Error).message}`);
  }
  const nodeId =
    cfg.PODFN_NODE_ID ||
    os
      .hostname()
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 32) ||
    'node';
  const totalMemoryMb = cfg.PODFN_TOTAL_MEMORY_MB || Math.floor(os.totalmem() / MiB);
  return { ...cfg, containerSocket, nodeId, totalMemoryMb };
}

/** unix:///path or a bare absolute path; empty = the rootless default. */
export function resolveContainerSocket(value: string, env: NodeJS.ProcessEnv): string {
  if (value) {
    const path = value.startsWith('unix://') ? value.slice('unix://'.length) : value;
    if (!path.startsWith('/')) throw new Error('must be unix:///absolute/path (tcp is not supported)');
    return path;
  }
  return defaultRootlessSocket(env);
}

/** Rootless by default: as root, the socket of the unprivileged runner user that `npm run setup` made. */
function defaultRootlessSocket(env: NodeJS.ProcessEnv): string {
  if (process.getuid?.() === 0) {
    const uid = uidOf('podfn');
    if (uid !== undefined) return `/run/user/${uid}/podman/podman.sock`;
    return '/run/podman/podman.sock';
  }
  const runtime = env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`;
  return `${runtime}/podman/podman.sock`;
}

function uidOf(user: string): number | undefined {
  try {
    const line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${user}:`));
    const uid = line?.split(':')[2];
    return uid === undefined ? undefined : Number(uid);
  } catch {
    try {
      return Number(execFileSync('id', ['-u', user]).toString().trim());
    } catch {
      return undefined;
    }
  }
}

// ---- Config onto the parts' own options (the parts never read env vars) ----
// Each returns only what the environment sets; src/main.ts completes it with the part's defaults
// (defaultRunnerOptions, defaultQueueOptions), which stay beside the options they describe.

export function runnerOptionsFrom(config: Config): Partial<RunnerOptions> {
  return {
    socketPath: config.containerSocket,
    nodeId: config.nodeId,
    network: config.PODFN_FUNCTION_NETWORK,
    readOnlyRootfs: config.PODFN_FUNCTION_READONLY,
    tmpfsSizeMb: config.PODFN_FUNCTION_TMPFS_MB,
    runTmpfsMb: config.PODFN_FUNCTION_RUN_TMPFS_MB,
    shmSizeMb: config.PODFN_FUNCTION_SHM_MB,
    pidsLimit: config.PODFN_FUNCTION_PIDS_LIMIT,
    nofile: config.PODFN_FUNCTION_NOFILE,
    nproc: config.PODFN_FUNCTION_NPROC,
    maxResponseBytes: config.PODFN_MAX_RESPONSE_BYTES,
    maxLogBytes: config.PODFN_MAX_LOG_BYTES,
    hotDefaultMaxConcurrency: config.PODFN_HOT_MAX_CONCURRENCY,
    hotQueueSize: config.PODFN_HOT_QUEUE_SIZE,
    hotQueueWaitMs: config.PODFN_HOT_QUEUE_WAIT_MS,
    hotQueueTargetMs: config.PODFN_HOT_QUEUE_TARGET_MS,
    hotStartTimeoutMs: config.PODFN_HOT_START_TIMEOUT_MS,
    socketDir: config.PODFN_SOCKET_DIR,
    totalMemoryMb: config.totalMemoryMb,
    memoryWaitMs: config.PODFN_MEMORY_WAIT_MS,
    envUnderscoreHeaders: config.PODFN_ENV_UNDERSCORE_HEADERS,
    secretsDir: config.PODFN_SECRETS_DIR || `${config.PODFN_SOCKET_DIR.replace(/\/+$/, '')}/.secrets`,
  };
}

export function queueOptionsFrom(config: Config): Partial<QueueOptions> {
  return {
    nodeId: config.nodeId,
    workers: config.PODFN_ASYNC_WORKERS,
    maxAttempts: config.PODFN_ASYNC_MAX_ATTEMPTS,
    retryBaseMs: config.PODFN_ASYNC_RETRY_BASE_MS,
    retryMaxMs: config.PODFN_ASYNC_RETRY_MAX_MS,
    leaseMs: config.PODFN_QUEUE_LEASE_MS,
    pollMs: config.PODFN_QUEUE_POLL_MS,
    taskLeaseMs: config.PODFN_TASK_LEASE_MS,
    envUnderscoreHeaders: config.PODFN_ENV_UNDERSCORE_HEADERS,
    recordSync: config.PODFN_RECORD_SYNC_CALLS,
    recordFlushMs: config.PODFN_RECORD_FLUSH_MS,
    recordBufferMax: config.PODFN_RECORD_BUFFER_MAX,
    logMaxBytes: config.PODFN_CALL_LOG_MAX_BYTES,
    retentionMs: config.PODFN_CALL_RETENTION_S * 1000,
    retentionIntervalMs: config.PODFN_RETENTION_INTERVAL_MS,
    shutdownGraceMs: config.PODFN_SHUTDOWN_GRACE_MS,
    callbackAllow: config.PODFN_CALLBACK_ALLOW,
    callbackTimeoutMs: config.PODFN_CALLBACK_TIMEOUT_MS,
    callbackMaxTries: config.PODFN_CALLBACK_MAX_TRIES,
    callbackRetryBaseMs: config.PODFN_CALLBACK_RETRY_BASE_MS,
    scheduleCatchUp: config.PODFN_SCHEDULE_CATCH_UP,
    scheduleBaseUrl: config.PODFN_PUBLIC_URL || `http://localhost:${config.PORT}`,
  };
}
