// Shared pieces of the queue suites: an app and routes in a real temp libSQL store with a loaded
// route cache, CallRequests as the gateway builds them, scripted invokers (for the policy tests; the
// runner suite uses real Podman), quiet loggers and polling.
import { randomBytes } from 'node:crypto';
import { RouteCache } from '../../src/gateway/route-cache.ts';
import { buildCall } from '../../src/gateway/invoke.ts';
import { newCallId } from '../../src/gateway/call-id.ts';
import { newRoute, type Route } from '../../src/models/route.ts';
import * as routes from '../../src/store/routes.ts';
import type { Store } from '../../src/store/db.ts';
import type { CallRequest, CallResult } from '../../src/runner/types.ts';
import type { Logger as QueueLogger } from '../../src/log.ts';

export const quietLog: QueueLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** Collects log lines so a test can assert on warnings. */
export function memoryLog(): QueueLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (obj: object, msg: string) => void lines.push(`${level} ${msg} ${JSON.stringify(obj)}`);
  return { lines, info: push('info'), warn: push('warn'), error: push('error') };
}

export async function addRoute(store: Store, appName: string, path: string, extra: Partial<Route> = {}): Promise<Route> {
  const route: Route = { ...newRoute(appName, { path, image: 'localhost/podfn-test/echo:latest', type: 'async' }), ...extra };
  await routes.insertRoute(store.db, route);
  return route;
}

export async function loadedCache(store: Store): Promise<RouteCache> {
  const cache = new RouteCache(store.db);
  await cache.loadAll();
  return cache;
}

/** A call as the gateway would build it for the cached route. */
export function gatewayCall(cache: RouteCache, appName: string, path: string, body = '', now = Date.now()): CallRequest {
  const found = cache.lookup(appName, path);
  if (!found.ok) throw new Error(`no route ${appName} ${path}`);
  return buildCall({
    id: newCallId(now),
    app: found.app,
    route: found.route,
    method: 'POST',
    url: `http://127.0.0.1:8080/r/${appName}${path}`,
    headers: { 'content-type': ['text/plain'], 'x-test': ['yes'] },
    body: Buffer.from(body),
    now,
  });
}

export function okResult(body = 'ok', log = ''): CallResult {
  const now = Date.now();
  return { status: 200, headers: [], body: Buffer.from(body), log: Buffer.from(log), outcome: 'success', startedAt: now, completedAt: now };
}

export function faultResult(status: number, error: string, extra: Partial<CallResult> = {}): CallResult {
  return {
    status,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ error: { message: error } })),
    log: Buffer.alloc(0),
    outcome: status === 504 ? 'timeout' : 'error',
    error,
    completedAt: Date.now(),
    ...extra,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined | false;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export const uniq = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;
