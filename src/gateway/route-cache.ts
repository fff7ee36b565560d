// Gateway: what /r needs before the runner. This module is the in-memory route table, so a call never
// queries the database: it is loaded whole at start-up and each admin write reloads the app it touched
// (write-through). May import: models, store, runner/types.
import type { Queryable } from '../store/db.ts';
import { listApps, getApp } from '../store/apps.ts';
import { listRoutes, getRoute } from '../store/routes.ts';
import type { App } from '../models/app.ts';
import type { Route } from '../models/route.ts';

export interface CachedApp {
  app: App;
  routes: Map<string, Route>;
}

export type Lookup =
  | { ok: true; app: App; route: Route }
  | { ok: false; missing: 'app' | 'route' };

export class RouteCache {
  private apps = new Map<string, CachedApp>();
  /** bumped on every reload; lets callers tell a route snapshot is stale */
  version = 0;

  constructor(private readonly db: Queryable) {}

  async loadAll(): Promise<void> {
    const [apps, routes] = await Promise.all([listApps(this.db), listRoutes(this.db)]);
    const next = new Map<string, CachedApp>();
    for (const app of apps) next.set(app.name, { app, routes: new Map() });
    for (const r of routes) next.get(r.appName)?.routes.set(r.path, r);
    this.apps = next;
    this.version++;
  }

  /** Re-reads one app row after an app write; its routes stay as they are. */
  async reloadApp(name: string): Promise<void> {
    const app = await getApp(this.db, name);
    if (!app) this.apps.delete(name);
    else {
      const entry = this.apps.get(name);
      if (entry) entry.app = app;
      else this.apps.set(name, { app, routes: new Map() });
    }
    this.version++;
  }

  /** Re-reads one route (and its app, which a route create may have made) after a route write. */
  async reloadRoute(appName: string, path: string): Promise<void> {
    const [app, route] = await Promise.all([getApp(this.db, appName), getRoute(this.db, appName, path)]);
    if (!app) {
      this.apps.delete(appName);
    } else {
      let entry = this.apps.get(appName);
      if (!entry) this.apps.set(appName, (entry = { app, routes: new Map() }));
      entry.app = app;
      if (route) entry.routes.set(path, route);
      else entry.routes.delete(path);
    }
    this.version++;
  }

  /** Exact match on the cleaned request path; `/r/app` alone addresses route `/`. */
  lookup(appName: string, requestPath: string): Lookup {
    const entry = this.apps.get(appName);
    if (!entry) return { ok: false, missing: 'app' };
    const route = entry.routes.get(cleanPath(requestPath));
    if (!route) return { ok: false, missing: 'route' };
    return { ok: true, app: entry.app, route };
  }

  get size(): { apps: number; routes: number } {
    let routes = 0;
    for (const a of this.apps.values()) routes += a.routes.size;
    return { apps: this.apps.size, routes };
  }
}

/** path.Clean-like: collapse `//`, drop a trailing slash, keep a leading one. */
export function cleanPath(p: string): string {
  let out = ('/' + p).replace(/\/{2,}/g, '/');
  if (out.length > 1 && out.endsWith('/')) out = out.slice(0, -1);
  return out;
}
