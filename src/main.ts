// podfn's entry point: read the configuration, open the store (migrations), start the runner, serve
// HTTP, and shut down gracefully on SIGTERM/SIGINT. Wiring only; every part lives in its own folder.
import { serve } from '@hono/node-server';
import { loadConfig, ConfigError } from './config.ts';
import { createLogger } from './log.ts';
import { openStore } from './store/db.ts';
import { buildApp } from './http/app.ts';
import { VERSION } from './version.ts';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`podfn: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.PODFN_LOG_LEVEL);
  const store = await openStore(config.PODFN_DB_URL, config.PODFN_DB_AUTH_TOKEN);
  const app = buildApp({
    store,
    config,
    log,
    changes: { appChanged: async () => {}, routeChanged: async () => {} },
    limits: { maxMemoryMb: config.PODFN_MAX_MEMORY_MB, maxTimeout: config.PODFN_MAX_TIMEOUT, maxIdleTimeout: config.PODFN_MAX_IDLE_TIMEOUT },
  });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    log.info({ port: info.port, db: config.PODFN_DB_URL, version: VERSION }, 'podfn listening');
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close(() => {
      store.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e) => {
  process.stderr.write(`podfn: failed to start: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
