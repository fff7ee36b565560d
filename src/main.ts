// podfn's entry point: read the configuration, open the store (migrations), load the route cache,
// start the runner, serve HTTP, and shut down gracefully on SIGTERM/SIGINT. Wiring only; every part
// lives in its own folder. May import anything in src: it is the one place the parts meet.
import { loadConfig, ConfigError, queueOptionsFrom, runnerOptionsFrom, type Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { openStore } from './store/db.ts';
import { buildApp } from './http/app.ts';
import { createHttpServer } from './http/server.ts';
import { gatewayHandler } from './gateway/handler.ts';
import { RouteCache } from './gateway/route-cache.ts';
import { functionSpec } from './gateway/invoke.ts';
import type { App } from './models/app.ts';
import type { Route } from './models/route.ts';
import type { CallSink } from './gateway/types.ts';
import { Runner, defaultRunnerOptions } from './runner/index.ts';
import { VERSION } from './version.ts';
import { startQueue, defaultQueueOptions } from './queue/index.ts';
import { PodfnMetrics } from './metrics/podfn.ts';
import { TimeSeries } from './metrics/timeseries.ts';
import { CacheSync } from './cluster/cache-sync.ts';
import { NodeRegistry } from './cluster/node-registry.ts';
import os from 'node:os';
import { applyAdminToken } from './admin-token.ts';
import { dropPrivileges, PrivilegeError } from './privileges.ts';
import { keyMismatchMessage, logKeySource, resolveSecretsKey, SecretsKeyError } from './secrets-key.ts';
import { checkSecretsKey } from './store/secrets.ts';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`podfn: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

async function main() {
  const config = readConfig();
  const log = createLogger(config.PODFN_LOG_LEVEL);
  // before anything is opened or written: root only prepares the folders, then is given up
  try {
    const user = dropPrivileges(config);
    if (user) log.info({ user, uid: process.getuid?.() }, 'running as an unprivileged user');
  } catch (e) {
    if (!(e instanceof PrivilegeError)) throw e;
    process.stderr.write(`podfn: ${e.message}\n`);
    process.exit(2);
  }
  applyAdminToken(config, log); // PODFN_ADMIN_TOKEN_FILE: first-start token (src/admin-token.ts)
  const replica = config.PODFN_DB_REPLICA ? { url: config.PODFN_DB_REPLICA, syncMs: config.PODFN_DB_REPLICA_SYNC_MS } : undefined;
  const store = await openStore(config.PODFN_DB_URL, config.PODFN_DB_AUTH_TOKEN, replica, log).catch((e: Error) => {
    process.stderr.write(`podfn: cannot open the database PODFN_DB_URL=${config.PODFN_DB_URL}: ${e.message}\n`);
    process.exit(2);
  });
  // secrets key: PODFN_SECRETS_KEY or the key file (made now, as the unprivileged user, on first start);
  // a node whose key is not the one the database's secrets were written with stops here
  let secrets: ReturnType<typeof resolveSecretsKey>;
  try {
    secrets = resolveSecretsKey(config);
  } catch (e) {
    if (!(e instanceof SecretsKeyError)) throw e;
    process.stderr.write(`podfn: ${e.message}\n`);
    process.exit(2);
  }
  delete process.env.PODFN_SECRETS_KEY;
  const secretsKey = secrets.key;
  if ((await checkSecretsKey(store.db, (v) => secretsKey.matches(v), secretsKey.checkValue())) === 'mismatch') {
    process.stderr.write(`podfn: ${keyMismatchMessage(secrets.source)}\n`);
    process.exit(2);
  }
  logKeySource(log, secretsKey, secrets.source);
  const cache = new RouteCache(store.db, secretsKey);
  // typed as podfn's Logger: the runner declares its own RunnerLogger, and this keeps the two compatible
  const runnerLog: Logger = log.child({ part: 'runner' });
  // connects to Podman meanwhile (calls that come first wait for it): listening does not wait for it
  const runner = Runner.start(defaultRunnerOptions(runnerOptionsFrom(config)), runnerLog);
  // A change reaches the hot containers: an updated route (or every route of an updated app) rolls its
  // new version out without downtime (runner/rollout.ts); a deleted one drains. The spec is built as
  // the /r handler builds it (secrets only for a route that lists some), so both give the same pool key.
  const specOf = (app: App, route: Route) => functionSpec(app, route, route.secrets?.length ? cache.secretsOf(app.name) : undefined);
  const applyChange = async (app: string, path?: string) => {
    if (path !== undefined) {
      const found = cache.lookup(app, path);
      if (found.ok) runner.update(specOf(found.app, found.route));
      else await runner.drain(app, path);
      return;
    }
    const entry = cache.app(app);
    if (!entry) return runner.drain(app);
    for (const route of entry.routes.values()) runner.update(specOf(entry.app, route));
  };
  // other nodes' app/route writes reach this node's cache (and its hot pools) within the poll
  const cacheSync = new CacheSync({
    db: store.db,
    cache,
    changed: applyChange,
    log: log.child({ part: 'cache-sync' }),
    options: { pollMs: config.PODFN_CACHE_POLL_MS, keepMs: config.PODFN_CACHE_CHANGES_KEEP_MS, batch: 500 },
    refresh: replica ? () => store.client.sync() : undefined,
  });
  await cacheSync.start();

  const queue = await startQueue({
    store,
    routes: cache,
    scheduled: cache,
    invoker: runner,
    log: log.child({ part: 'queue' }),
    options: defaultQueueOptions(queueOptionsFrom(config)),
  });
  const calls: CallSink = queue.sink;
  // the gateway's in-flight count is read at scrape time; the gateway is built below
  let inflight = () => 0;
  const metrics = new PodfnMetrics(config.nodeId, VERSION, () => {
    const s = runner.state();
    return {
      hot: s.hot.totals,
      hotEvicted: s.hot.evicted,
      coldRunning: s.cold.running,
      memory: s.memory,
      inflight: inflight(),
      queueDepth: () => queue.depth(),
      listenerRefused: s.listenerRefused,
    };
  });

  // the console's charts (GET /v1/stats/timeseries): sampled by a timer from the metrics above
  const series = new TimeSeries(
    metrics,
    () => {
      const s = runner.state();
      return {
        hotByRoute: s.hot.pools.map((p) => ({ app: p.app, path: p.path, containers: p.starting + p.idle + p.busy })),
        coldRunning: s.cold.running,
        memoryUsedMb: s.memory.usedMb,
        memoryTotalMb: s.memory.totalMb,
        inflight: inflight(),
        queueDepth: () => queue.depth(),
      };
    },
    { intervalMs: config.PODFN_STATS_INTERVAL_MS },
  );
  series.start();

  const hotContainers = () => {
    const t = runner.state().hot.totals;
    return t.starting + t.idle + t.busy;
  };
  const nodes = new NodeRegistry(
    store.db,
    { id: config.nodeId, address: config.PODFN_ADVERTISE_URL || `http://${os.hostname()}:${config.PORT}`, version: VERSION },
    () => ({ hotContainers: hotContainers(), inflight: inflight() }),
    log.child({ part: 'nodes' }),
    config.PODFN_HEARTBEAT_MS,
  );
  await nodes.start();

  const app = buildApp({
    nodes,
    queue,
    store,
    config,
    log,
    changes: {
      appChanged: async (name) => {
        await cache.reloadApp(name);
        await applyChange(name);
      },
      routeChanged: async (name, path) => {
        // 'app': the app is gone (a concurrent delete): every route of it goes
        if ((await cache.reloadRoute(name, path)) === 'app') await applyChange(name);
        else await applyChange(name, path);
      },
      secretChanged: async (name) => {
        // a replaced secret changes the pool key of the routes that list it: they roll out like an update
        for (const path of await cache.reloadSecrets(name)) await applyChange(name, path);
      },
    },
    secretsKey,
    rollout: (app, path) => {
      const r = runner.rollout(app, path);
      if (!r) return undefined;
      const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
      return {
        status: r.status,
        node: config.nodeId,
        from_image: r.fromImage,
        to_image: r.toImage,
        warming: r.warming,
        started_at: iso(r.startedAt)!,
        ...(r.endedAt !== undefined ? { ended_at: iso(r.endedAt) } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.retryAt !== undefined ? { retry_at: iso(r.retryAt) } : {}),
      };
    },
    limits: { maxMemoryMb: config.PODFN_MAX_MEMORY_MB, maxTimeout: config.PODFN_MAX_TIMEOUT, maxIdleTimeout: config.PODFN_MAX_IDLE_TIMEOUT },
    metrics,
    stats: { node: config.nodeId, series },
    readiness: () => {
      const s = runner.state();
      return Promise.resolve({ runner: { ok: s.podman === 'up', detail: s } });
    },
  });
  const gateway = gatewayHandler({
    cache,
    runner,
    calls,
    log,
    syncBodyLimit: config.PODFN_SYNC_BODY_LIMIT,
    asyncBodyLimit: config.PODFN_ASYNC_BODY_LIMIT,
    maxInflight: config.PODFN_MAX_INFLIGHT,
    publicUrl: config.PODFN_PUBLIC_URL || undefined,
    metrics,
  });
  inflight = gateway.inflight;
  const server = createHttpServer(app, gateway, {
    maxHeaders: config.PODFN_MAX_HEADERS,
    maxHeaderBytes: config.PODFN_MAX_HEADER_BYTES,
    headersTimeoutMs: config.PODFN_HEADERS_TIMEOUT_MS,
    bodyTimeoutMs: config.PODFN_BODY_TIMEOUT_MS,
    maxConnectionsPerClient: config.PODFN_MAX_CONNECTIONS_PER_CLIENT,
    onConnectionRefused: (cause) => metrics.connectionRefused(cause),
  });
  server.listen(config.PORT, config.HOST, () => {
    const codeCache = loader.__podfnCodeCache; // the bundle's V8 code cache: used, refused or none (absent from the sources)
    log.info({ port: config.PORT, db: config.PODFN_DB_URL, containerSocket: config.containerSocket, version: VERSION, codeCache }, 'podfn listening');
  });
  let stopping = false;
  // SIGTERM: stop accepting; sync calls in flight finish (up to the grace); then the queue (async calls
  // finish or go back to the queue; sync records flushed); then the runner (hot containers); exit 0
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const grace = config.PODFN_SHUTDOWN_GRACE_MS;
    const deadline = Date.now() + grace;
    setTimeout(() => process.exit(0), grace + 15_000).unref();
    const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    void (async () => {
      await Promise.race([httpClosed, new Promise((r) => setTimeout(r, grace))]);
      await queue.stop(Math.max(0, deadline - Date.now())).catch((e) => log.error({ err: (e as Error).message }, 'queue stop failed'));
      series.stop();
      await cacheSync.stop();
      await runner.close().catch(() => {});
      await nodes.stop();
      store.close();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** set by the bundle's loader (scripts/gateway-loader.mjs, dist/main.js) */
const loader = globalThis as { __podfnLoadOnly?: boolean; __podfnCodeCache?: string };
// the loader's --write-code-cache (scripts/build.mjs) loads every module to record V8's code cache and
// starts nothing
if (!loader.__podfnLoadOnly) {
  main().catch((e) => {
    process.stderr.write(`podfn: failed to start: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
