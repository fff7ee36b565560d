// Ping, version, liveness and readiness.
import { Hono } from 'hono';
import type { HttpDeps } from './deps.ts';
import { VERSION } from '../version.ts';
import { pingStore } from '../store/db.ts';
import { writeHealth } from '../store/sql-errors.ts';

export function systemApi(deps: HttpDeps) {
  const api = new Hono();
  api.get('/', (c) => c.json({ hello: 'world!', goto: 'https://github.com/iron-io/functions', podfn: VERSION }));
  api.get('/version', (c) => c.json({ version: VERSION }));
  api.get('/healthz', (c) => c.json({ status: 'ok' }));
  api.get('/readyz', async (c) => {
    // a database that reads but cannot take writes (read-only, disk full) stays "ok": reads and /r
    // calls on existing routes still work; the detail says so until a write works again
    const readable = await pingStore(deps.store);
    const writes = readable ? await writeHealth(deps.store.client) : undefined;
    const checks: Record<string, { ok: boolean; detail?: unknown }> = {
      database: writes && !writes.writable ? { ok: true, detail: { ...writes, since: new Date(writes.since).toISOString() } } : { ok: readable },
      ...(deps.readiness ? await deps.readiness() : {}),
    };
    const ok = Object.values(checks).every((x) => x.ok);
    return c.json({ status: ok ? 'ready' : 'not ready', checks }, ok ? 200 : 503);
  });
  return api;
}
