// Ping, version, liveness and readiness.
import { Hono } from 'hono';
import type { HttpDeps } from './deps.ts';
import { VERSION } from '../version.ts';
import { pingStore } from '../store/db.ts';

export function systemApi(deps: HttpDeps) {
  const api = new Hono();
  api.get('/', (c) => c.json({ hello: 'world!', goto: 'https://github.com/iron-io/functions', podfn: VERSION }));
  api.get('/version', (c) => c.json({ version: VERSION }));
  api.get('/healthz', (c) => c.json({ status: 'ok' }));
  api.get('/readyz', async (c) => {
    const checks: Record<string, { ok: boolean; detail?: unknown }> = {
      database: { ok: await pingStore(deps.store) },
      ...(deps.readiness ? await deps.readiness() : {}),
    };
    const ok = Object.values(checks).every((x) => x.ok);
    return c.json({ status: ok ? 'ready' : 'not ready', checks }, ok ? 200 : 503);
  });
  return api;
}
