// The in-memory route table of /r, so a call never queries the database: it is loaded whole at
// start-up, each admin write on this node reloads what it touched (write-through), and
// src/cluster/cache-sync.ts applies other nodes' writes from the change log. Reloads say whether
// anything really changed, so a change seen twice (own write, then the log) drains a hot pool only once.
// It also holds each app's secrets, decrypted at load with the node's secrets key (values live only in
// this process's memory): a secret write reloads the app's secrets and reports the routes that list a
// changed one, so their containers roll.
import type { Queryable } from '../store/db.ts';
import { listApps, getApp } from '../store/apps.ts';
import { listRoutes, getRoute } from '../store/routes.ts';
import { loadSecrets, type StoredSecret } from '../store/secrets.ts';
import type { App } from '../models/app.ts';
import type { Route } from '../models/route.ts';

/** A decrypted secret; `value` undefined when the stored row does not decrypt (`error` says why). */
export interface CachedSecret {
  version: string;
  value?: Buffer;
  error?: string;
}

/** An app's secrets by name; a new Map object after every reload (function specs are cached per snapshot). */
export type SecretsSnapshot = ReadonlyMap<string, CachedSecret>;

export interface CachedApp {
  app: App;
  routes: Map<string, Route>;
  secrets: SecretsSnapshot;
}

export type Lookup = { ok: true; app: App; route: Route; secrets: SecretsSnapshot } | { ok: false; missing: 'app' | 'route' };

/** What the cache needs of the secrets key (src/models/secret-crypto.ts SecretsKey). */
export interface SecretOpener {
  decrypt(app: string, name: string, stored: Buffer): Buffer;
}

const NO_SECRETS: SecretsSnapshot = new Map();

/** A request's host name claimed by a route (served as that route) or by an app (the path selects the route). */
export type HostHit = { app: App; route: Route } | { app: App; route?: undefined };

export class RouteCache {
  private apps = new Map<string, CachedApp>();
  /** bumped on every reload; lets callers tell a route snapshot is stale */
  version = 0;
  /** Function URLs, rebuilt after every reload (never on the call path): see matchHost */
  private hosts: HostIndex = EMPTY_HOSTS;

  /** Without a key, secrets are not loaded (tests of routes alone); a route listing one then fails its calls. */
  constructor(
    private readonly db: Queryable,
    private readonly key?: SecretOpener,
  ) {}

  private open(rows: StoredSecret[]): Map<string, Map<string, CachedSecret>> {
    const out = new Map<string, Map<string, CachedSecret>>();
    for (const r of rows) {
      let entry: CachedSecret;
      try {
        entry = { version: r.version, value: this.key!.decrypt(r.appName, r.name, r.value) };
      } catch (e) {
        entry = { version: r.version, error: (e as Error).message };
      }
      let m = out.get(r.appName);
      if (!m) out.set(r.appName, (m = new Map<string, CachedSecret>()));
      m.set(r.name, entry);
    }
    return out;
  }

  private async loadSecretsOf(appName?: string): Promise<Map<string, Map<string, CachedSecret>>> {
    return this.key ? this.open(await loadSecrets(this.db, appName)) : new Map();
  }

  /** An app's secrets as cached now (empty when none or the app is unknown). */
  secretsOf(appName: string): SecretsSnapshot {
    return this.apps.get(appName)?.secrets ?? NO_SECRETS;
  }

  /**
   * Re-reads one app's secrets after a secret write (here or, through the change log, on another
   * node). Returns the paths of the app's routes that list a secret whose value changed, appeared or
   * went: their containers must roll.
   */
  async reloadSecrets(appName: string): Promise<string[]> {
    const next = (await this.loadSecretsOf(appName)).get(appName) ?? new Map<string, CachedSecret>();
    const entry = this.apps.get(appName);
    if (!entry) {
      // the write created the app (a secret set before any route)
      const app = await getApp(this.db, appName);
      if (!app) return [];
      this.apps.set(appName, { app, routes: new Map(), secrets: next });
      this.indexHosts();
      this.version++;
      return [];
    }
    const old = entry.secrets;
    const changed = new Set<string>();
    for (const [name, s] of old) if (next.get(name)?.version !== s.version) changed.add(name);
    for (const name of next.keys()) if (!old.has(name)) changed.add(name);
    entry.secrets = next;
    this.version++;
    if (changed.size === 0) return [];
    return [...entry.routes.values()].filter((r) => r.secrets?.some((n) => changed.has(n))).map((r) => r.path);
  }

  /**
   * (Re)loads everything. Returns what differs from the previous table: apps whose row changed or
   * went, and routes that changed or went (a node that fell behind the change log drains those).
   */
  async loadAll(): Promise<{ apps: string[]; routes: Array<[string, string]> }> {
    const [apps, routes, secrets] = await Promise.all([listApps(this.db), listRoutes(this.db), this.loadSecretsOf()]);
    const next = new Map<string, CachedApp>();
    for (const app of apps) next.set(app.name, { app, routes: new Map(), secrets: secrets.get(app.name) ?? new Map() });
    for (const r of routes) next.get(r.appName)?.routes.set(r.path, r);
    const changed = { apps: [] as string[], routes: [] as Array<[string, string]> };
    for (const [name, old] of this.apps) {
      const now = next.get(name);
      if (!same(old.app, now?.app)) changed.apps.push(name);
      for (const [path, r] of old.routes) {
        const n = now?.routes.get(path);
        if (!same(r, n) || secretVersions(r, old.secrets) !== secretVersions(n, now?.secrets)) changed.routes.push([name, path]);
      }
    }
    this.apps = next;
    this.indexHosts();
    this.version++;
    return changed;
  }

  /** Re-reads one app row after an app write; its routes stay as they are. true when it changed. */
  async reloadApp(name: string): Promise<boolean> {
    const app = await getApp(this.db, name);
    const entry = this.apps.get(name);
    const changed = !same(entry?.app, app);
    if (!app) this.apps.delete(name);
    else if (entry) entry.app = app;
    else this.apps.set(name, { app, routes: new Map(), secrets: (await this.loadSecretsOf(name)).get(name) ?? NO_SECRETS });
    this.indexHosts();
    this.version++;
    return changed;
  }

  /**
   * Re-reads one route (and its app, which a route create may have made) after a route write.
   * true when the route changed (created, updated or deleted).
   */
  /**
   * Re-reads one route. True when it changed; 'app' when its app is gone from the database while this
   * cache still held routes of it: the caller must then retire the whole app, since the app's later
   * route changes find no entry left to compare with.
   */
  async reloadRoute(appName: string, path: string): Promise<boolean | 'app'> {
    const [app, route] = await Promise.all([getApp(this.db, appName), getRoute(this.db, appName, path)]);
    const entry0 = this.apps.get(appName);
    const changed = !same(entry0?.routes.get(path), route);
    if (!app) {
      this.apps.delete(appName);
      if (entry0 && entry0.routes.size > 0) {
        this.indexHosts();
        this.version++;
        return 'app';
      }
    } else {
      // the app row is only taken when the entry is new: an app config change is applied (and its
      // containers drained) through reloadApp, never silently here
      let entry = this.apps.get(appName);
      if (!entry) this.apps.set(appName, (entry = { app, routes: new Map(), secrets: (await this.loadSecretsOf(appName)).get(appName) ?? NO_SECRETS }));
      if (route) entry.routes.set(path, route);
      else entry.routes.delete(path);
    }
    this.indexHosts();
    this.version++;
    return changed;
  }

  /** An app and its routes as cached (undefined when unknown): an app change reaches each route's containers. */
  app(name: string): CachedApp | undefined {
    return this.apps.get(name);
  }

  /** Exact match on the cleaned request path; `/r/app` alone addresses route `/`. */
  lookup(appName: string, requestPath: string): Lookup {
    const entry = this.apps.get(appName);
    if (!entry) return { ok: false, missing: 'app' };
    const route = entry.routes.get(cleanPath(requestPath));
    if (!route) return { ok: false, missing: 'route' };
    return { ok: true, app: entry.app, route, secrets: entry.secrets };
  }

  /**
   * Function URLs: what a request's host name (lower case, no port, no trailing dot: request/host.ts)
   * is claimed by, or undefined. A route's own name first, then an app's exact name, then the app
   * wildcard with the longest matching suffix (`*.fn.example.com` matches any name ending in
   * `.fn.example.com`, not `fn.example.com` itself). Map lookups only: one, plus one per dot of the
   * name when wildcards are claimed.
   */
  matchHost(host: string): HostHit | undefined {
    const h = this.hosts;
    const exact = h.exact.get(host);
    if (exact) return exact;
    if (h.wild.size === 0 || endsInDigit(host)) return undefined; // an IPv4 address is never claimed
    // a wildcard's suffix has two labels at least (`.example.com`): the last label alone is never tried
    for (let dot = host.indexOf('.'), next = host.indexOf('.', dot + 1); next >= 0; dot = next, next = host.indexOf('.', dot + 1)) {
      const app = h.wild.get(host.slice(dot));
      if (app) return app;
    }
    return undefined;
  }

  /** Whether any host name is claimed: when not, the server skips host matching altogether. */
  get hasHosts(): boolean {
    return this.hosts.exact.size > 0 || this.hosts.wild.size > 0;
  }

  /** Rebuilt whole from the table after each reload (a few thousand names: well under a millisecond). */
  private indexHosts(): void {
    const exact = new Map<string, HostHit>();
    const wild = new Map<string, HostHit>();
    for (const { app } of this.apps.values()) {
      for (const name of app.hosts ?? []) {
        if (name.startsWith('*.')) wild.set(name.slice(1), { app });
        else if (!exact.has(name)) exact.set(name, { app });
      }
    }
    // a route's own name wins over an app's (the database keeps names unique; this only orders a
    // moment where this node has seen one write and not yet the other)
    for (const { app, routes } of this.apps.values())
      for (const route of routes.values()) for (const name of route.hosts ?? []) exact.set(name, { app, route });
    this.hosts = exact.size || wild.size ? { exact, wild } : EMPTY_HOSTS;
  }

  /** Every cached route with its app (the scheduler walks the routes that have a schedule). */
  *entries(): IterableIterator<{ app: App; route: Route }> {
    for (const { app, routes } of this.apps.values()) for (const route of routes.values()) yield { app, route };
  }

  get size(): { apps: number; routes: number } {
    let routes = 0;
    for (const a of this.apps.values()) routes += a.routes.size;
    return { apps: this.apps.size, routes };
  }
}

/** The last label is all digits: an IPv4 address, or a name no claim can have (claims refuse such last labels). */
function endsInDigit(host: string): boolean {
  const c = host.charCodeAt(host.length - 1);
  if (c < 48 || c > 57) return false;
  for (let i = host.length - 1; i >= 0; i--) {
    const d = host.charCodeAt(i);
    if (d === 46) return true;
    if (d < 48 || d > 57) return false;
  }
  return true;
}

interface HostIndex {
  /** exact names: a route's, or an app's */
  exact: Map<string, HostHit>;
  /** app wildcards by suffix with its leading dot (`.fn.example.com`) */
  wild: Map<string, HostHit>;
}
const EMPTY_HOSTS: HostIndex = { exact: new Map(), wild: new Map() };

/**
 * Same stored content (rows are small, flat JSON: comparing their text is exact enough). The claimed
 * host names do not count: they never shape a container, so changing them drains nothing (the host
 * index is rebuilt on every reload regardless).
 */
function same(a: App | Route | undefined, b: App | Route | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const { hosts: _a, ...restA } = a;
  const { hosts: _b, ...restB } = b;
  return JSON.stringify(restA) === JSON.stringify(restB);
}

/** The versions of the secrets a route lists, as one string (what its containers are keyed by). */
function secretVersions(r: Route | undefined, secrets: SecretsSnapshot | undefined): string {
  return (r?.secrets ?? []).map((n) => `${n}=${secrets?.get(n)?.version ?? ''}`).join(',');
}

/** path.Clean-like: collapse `//`, drop a trailing slash, keep a leading one. */
export function cleanPath(p: string): string {
  let out = ('/' + p).replace(/\/{2,}/g, '/');
  if (out.length > 1 && out.endsWith('/')) out = out.slice(0, -1);
  return out;
}
