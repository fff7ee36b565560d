// podfn's entry point: read the configuration, open the store (migrations), load the route cache,
// start the runner, serve HTTP, and shut down gracefully on SIGTERM/SIGINT. Wiring only; every part
// lives in its own folder.
import { loadConfig, ConfigError, type Config } from './config.ts';
import { createLogger } from './log.ts';
import { openStore } from './store/db.ts';
import { buildApp } from './http/app.ts';
import { gatewayHandler, type CallSink } from './http/gateway.ts';
import { createHttpServer } from './http/server.ts';
import { RouteCache } from './gateway/route-cache.ts';
import { Runner } from './runner/index.ts';
import { runnerOptionsFrom } from './runner-options.ts';
import { VERSION } from './version.ts';

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
  const store = await openStore(config.PODFN_DB_URL, config.PODFN_DB_AUTH_TOKEN).catch((e: Error) => {
    process.stderr.write(`podfn: cannot open the database PODFN_DB_URL=${config.PODFN_DB_URL}: ${e.message}\n`);
    process.exit(2);
  });
  const cache = new RouteCache(store.db);
  await cache.loadAll();
  const runner = await Runner.create(runnerOptionsFrom(config), log.child({ part: 'runner' }));

  const calls: CallSink = {
    recordSync: () => {},
    enqueue: async () => {
      throw new Error('async queue not wired');
    },
  };

  const app = buildApp({
    store,
    config,
    log,
    changes: {
      appChanged: async (name) => {
        await cache.reloadApp(name);
        await runner.drain(name);
      },
      routeChanged: async (name, path) => {
        await cache.reloadRoute(name, path);
        await runner.drain(name, path);
      },
    },
    limits: { maxMemoryMb: config.PODFN_MAX_MEMORY_MB, maxTimeout: config.PODFN_MAX_TIMEOUT, maxIdleTimeout: config.PODFN_MAX_IDLE_TIMEOUT },
    readiness: async () => {
      const s = runner.state();
      return { runner: { ok: s.podman === 'up', detail: s } };
    },
  });
  const gateway = gatewayHandler({
    cache,
    runner,
    calls,
    log,
    syncBodyLimit: config.PODFN_SYNC_BODY_LIMIT,
    asyncBodyLimit: config.PODFN_ASYNC_BODY_LIMIT,
  });
  const server = createHttpServer(app, gateway);
  server.listen(config.PORT, config.HOST, () => {
    log.info({ port: config.PORT, db: config.PODFN_DB_URL, containerSocket: config.containerSocket, version: VERSION }, 'podfn listening');
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(0), 15_000).unref();
    server.close(async () => {
      await runner.close().catch(() => {});
      store.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e) => {
  process.stderr.write(`podfn: failed to start: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
