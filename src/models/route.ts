// Route model: parsing of route bodies and URL paths (the rules live in the zod schemas of
// ./schemas/route.ts), defaults (seed rules), the update merge, and the JSON shape clients see.
// Pure: no I/O. May import only ./errors, ./config-map, ./schedule and ./schemas.
import { badRequest } from './errors.ts';
import { mergeConfig, mergeHeaders } from './config-map.ts';
import { parseOr400 } from './schemas/kit.ts';
import { nextTick } from './schedule.ts';
import { routePath, routeBody, DEFAULTS, JWT_KEY_MIN_BYTES, type RouteLimits, type RouteType, type RouteFormat, type RouteJson } from './schemas/route.ts';

export { DEFAULTS, ROUTE_PATH_MAX, IMAGE_MAX, JWT_KEY_MAX, JWT_KEY_MIN_BYTES, ROUTE_HISTORY_KEEP } from './schemas/route.ts';
export type { RouteLimits, RouteType, RouteFormat, RouteJson } from './schemas/route.ts';

export interface Route {
  appName: string;
  path: string;
  image: string;
  memory: number;
  headers: Record<string, string[]>;
  type: RouteType;
  format: RouteFormat;
  maxConcurrency: number;
  timeout: number;
  idleTimeout: number;
  config: Record<string, string>;
  /** HS256 key for per-route JWT on /r (IronFunctions' jwt_key); write-only, never returned */
  jwtKey?: string;
  /** Function URLs: host names this route answers on at / (normalised, see schemas/hosts.ts); absent when none */
  hosts?: string[];
  /** names of the app's secrets its containers get as /run/secrets/<name>; left out when none */
  secrets?: string[];
  /** cron expression (UTC): an async call is enqueued at each tick (src/queue/scheduler.ts) */
  schedule?: string;
}

/** Route fields as given in a body, before defaults. Absent fields are left out. */
export interface RoutePatch {
  path?: string;
  image?: string;
  memory?: number;
  headers?: Record<string, string[]>;
  type?: RouteType;
  format?: RouteFormat;
  maxConcurrency?: number;
  timeout?: number;
  idleTimeout?: number;
  config?: Record<string, string>;
  /** "" removes the key */
  jwtKey?: string;
  /** replaces the claimed host names; [] removes them */
  hosts?: string[];
  /** replaces the list; [] removes them all */
  secrets?: string[];
  /** "" removes the schedule */
  schedule?: string;
}

/** Validates a route path (see routePath); returns it without a trailing slash. */
export function validateRoutePath(p: unknown): string {
  return parseOr400(routePath, p);
}

/**
 * A route path taken from a URL (/v1/apps/a/routes/<path>): percent-decoded, doubled slashes collapsed
 * (the 0.1.x CLI sends `routes//hello` for `/hello`), then validated as above.
 */
export function routePathFromUrl(rawTail: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawTail);
  } catch {
    throw badRequest('Path malformed: bad percent-encoding');
  }
  const collapsed = ('/' + decoded).replace(/\/{2,}/g, '/');
  return validateRoutePath(collapsed);
}

// One body schema per limits object (the server has one): building a zod schema costs far more than running it.
const bodySchemas = new WeakMap<RouteLimits, ReturnType<typeof routeBody>>();

/** Reads the fields of a {"route":{...}} body. Unknown fields are ignored (clients send extras). */
export function parseRouteBody(body: unknown, limits: RouteLimits): RoutePatch {
  let schema = bodySchemas.get(limits);
  if (!schema) bodySchemas.set(limits, (schema = routeBody(limits)));
  const r = parseOr400(schema, body).route;
  const out: RoutePatch = {
    path: r.path,
    image: r.image,
    memory: r.memory,
    type: r.type,
    format: r.format,
    maxConcurrency: r.max_concurrency,
    timeout: r.timeout,
    idleTimeout: r.idle_timeout,
    headers: r.headers,
    config: r.config,
    jwtKey: r.jwt_key,
    hosts: r.hosts,
    secrets: r.secrets,
    schedule: r.schedule,
  };
  for (const k of Object.keys(out) as (keyof RoutePatch)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** A key stored before the length rule: it keeps working, and the API says it is weak. */
export function isWeakJwtKey(key: string): boolean {
  return Buffer.byteLength(key) < JWT_KEY_MIN_BYTES;
}

/** A new route from a body: required fields and the seed's defaults. */
export function newRoute(appName: string, patch: RoutePatch, urlPath?: string): Route {
  const path = urlPath ?? patch.path;
  if (urlPath && patch.path && patch.path !== urlPath) throw badRequest('Could not update route - path is immutable');
  if (!path) throw badRequest('Missing route Path');
  if (!patch.image) throw badRequest('Missing route Image');
  const format = patch.format ?? DEFAULTS.format;
  return {
    appName,
    path,
    image: patch.image,
    memory: patch.memory || DEFAULTS.memory,
    headers: dropEmpty(patch.headers ?? {}),
    type: patch.type ?? DEFAULTS.type,
    format,
    // seed: http routes without a value got 1 container; 0 means "the server's default" in podfn
    maxConcurrency: patch.maxConcurrency ?? (format === 'http' ? 1 : 0),
    timeout: patch.timeout || DEFAULTS.timeout,
    idleTimeout: patch.idleTimeout || DEFAULTS.idleTimeout,
    config: mergeConfig({}, patch.config ?? {}, 'route config'),
    ...(patch.jwtKey ? { jwtKey: patch.jwtKey } : {}),
    ...(patch.hosts?.length ? { hosts: patch.hosts } : {}),
    ...(patch.secrets?.length ? { secrets: patch.secrets } : {}),
    ...(patch.schedule ? { schedule: patch.schedule } : {}),
  };
}

/** Update merge: given scalars replace, config merges ("" removes), headers replace per name. */
export function applyRoutePatch(old: Route, patch: RoutePatch, urlPath: string): Route {
  if (patch.path && patch.path !== urlPath) throw badRequest('Could not update route - path is immutable');
  const { jwtKey: oldKey, hosts: oldHosts, secrets: oldSecrets, schedule: oldSchedule, ...rest } = old;
  const jwtKey = patch.jwtKey === undefined ? oldKey : patch.jwtKey || undefined;
  const hosts = patch.hosts ?? oldHosts;
  const secrets = patch.secrets ?? oldSecrets ?? [];
  const schedule = patch.schedule === undefined ? oldSchedule : patch.schedule || undefined;
  return {
    ...rest,
    image: patch.image ?? old.image,
    memory: patch.memory || old.memory,
    type: patch.type ?? old.type,
    format: patch.format ?? old.format,
    maxConcurrency: patch.maxConcurrency ?? old.maxConcurrency,
    timeout: patch.timeout || old.timeout,
    idleTimeout: patch.idleTimeout || old.idleTimeout,
    headers: patch.headers ? mergeHeaders(old.headers, patch.headers) : old.headers,
    config: patch.config ? mergeConfig(old.config, patch.config, 'route config') : old.config,
    ...(jwtKey ? { jwtKey } : {}),
    ...(hosts?.length ? { hosts } : {}),
    ...(secrets.length ? { secrets } : {}),
    ...(schedule ? { schedule } : {}),
  };
}

function dropEmpty(h: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(h).filter(([, v]) => v.length > 0));
}

/**
 * JSON as clients expect: snake_case; `headers` left out when empty (the 0.1.32 CLI breaks on it).
 * The jwt_key is a secret: never echoed, only `jwt_protected: true` says one is set, and
 * `jwt_key_weak: true` that it is shorter than the API now accepts (stored earlier; replace it).
 */
export function routeJson(r: Route): RouteJson {
  const out: RouteJson = {
    app_name: r.appName,
    path: r.path,
    image: r.image,
    memory: r.memory,
    type: r.type,
    format: r.format,
    max_concurrency: r.maxConcurrency,
    timeout: r.timeout,
    idle_timeout: r.idleTimeout,
    config: r.config,
  };
  if (Object.keys(r.headers).length > 0) out.headers = r.headers;
  if (r.jwtKey) out.jwt_protected = true;
  if (r.jwtKey && isWeakJwtKey(r.jwtKey)) out.jwt_key_weak = true;
  if (r.hosts?.length) out.hosts = r.hosts;
  if (r.secrets?.length) out.secrets = r.secrets;
  if (r.schedule) {
    out.schedule = r.schedule;
    const next = nextTick(r.schedule, Date.now());
    if (next !== undefined) out.schedule_next = new Date(next).toISOString();
  }
  return out;
}
