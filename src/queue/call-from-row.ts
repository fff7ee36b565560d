// An async call runs later, so its CallRequest is rebuilt from the stored row (method, URL, headers,
// payload) and the route as it is NOW (image, memory, format, config, timeout from the route cache).
// A route deleted meanwhile is reported, not guessed at: the call ends as status error with
// deletedBeforeRun's message when a worker or /tasks consumer claims it (a cascading app delete ends
// the app's queued calls with the same message at once). Pure apart from reading the cache.
import type { RouteCache } from '../gateway/route-cache.ts';
import { functionSpec } from '../gateway/invoke.ts';
import type { CallRequest } from '../runner/types.ts';
import type { Route } from '../models/route.ts';
import type { CallRow } from '../../db/schema.ts';
import { retryOnFailure } from './outcome.ts';

export type RouteLookup = Pick<RouteCache, 'lookup'>;

export type Rebuilt = { ok: true; call: CallRequest; route: Route; retryOnFailure: boolean } | { ok: false; error: string };

/** The error of a queued call whose app (no path) or route was deleted before it ran. */
export function deletedBeforeRun(appName: string, path?: string): string {
  return path === undefined ? `app ${appName} was deleted before the call ran` : `route ${path} of app ${appName} was deleted before the call ran`;
}

export function callFromRow(row: CallRow, routes: RouteLookup, now: number, signal?: AbortSignal): Rebuilt {
  const found = routes.lookup(row.appName, row.path);
  if (!found.ok) {
    return {
      ok: false,
      error: found.missing === 'app' ? deletedBeforeRun(row.appName) : deletedBeforeRun(row.appName, row.path),
    };
  }
  const fn = functionSpec(found.app, found.route, found.secrets);
  return {
    ok: true,
    route: found.route,
    retryOnFailure: retryOnFailure(fn.config),
    call: {
      id: row.id,
      fn,
      method: row.method,
      url: row.url,
      headers: row.headers ?? {},
      body: row.payload ?? Buffer.alloc(0),
      params: {},
      // async: the timeout counts from the start of this attempt, not from the 202
      deadline: now + fn.timeout * 1000,
      signal,
    },
  };
}
