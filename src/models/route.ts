// Route model: parsing and validation of route bodies, defaults (seed rules), the update merge, and the
// JSON shape clients see. Pure: no I/O. May import only ./errors, ./config-map, ./app.
import { badRequest } from './errors.ts';
import { parseConfigMap, parseHeaders, mergeConfig, mergeHeaders } from './config-map.ts';
import { asObject } from './app.ts';

export type RouteType = 'sync' | 'async';
export type RouteFormat = 'default' | 'http' | 'json';

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
}

export interface RouteLimits {
  maxMemoryMb: number;
  maxTimeout: number;
  maxIdleTimeout: number;
}

export const ROUTE_PATH_MAX = 256;
export const IMAGE_MAX = 512;
export const DEFAULTS = { memory: 128, type: 'sync', format: 'default', timeout: 30, idleTimeout: 30 } as const;

/** Route fields as given in a body, before defaults. Absent fields are undefined. */
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
}

export const JWT_KEY_MAX = 512;
/** RFC 7518 3.2: an HS256 key must be at least as long as the hash (256 bits); shorter ones can be guessed offline from one token. */
export const JWT_KEY_MIN_BYTES = 32;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Validates a route path: absolute, no `..` or `.` segments, no `//`, no control characters (C0, DEL,
 * C1), well-formed Unicode, no `:` (the seed's "Dynamic URL is not allowed"), bounded length. Returns it without a trailing slash.
 */
export function validateRoutePath(p: unknown): string {
  if (p === undefined || p === null || p === '') throw badRequest('Missing route Path');
  if (typeof p !== 'string') throw badRequest('Invalid Path format');
  if (!p.startsWith('/')) throw badRequest('Invalid Path format');
  if (p.length > ROUTE_PATH_MAX) throw badRequest(`Invalid Path format: at most ${ROUTE_PATH_MAX} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(p)) throw badRequest('Path malformed: control characters are not allowed');
  // a lone UTF-16 surrogate cannot be stored as UTF-8 (it would come back as U+FFFD, a different path)
  if (LONE_SURROGATE.test(p)) throw badRequest('Path malformed: not valid Unicode');
  if (p.includes(':')) throw badRequest('Dynamic URL is not allowed');
  if (/[?#%\\\s]/.test(p)) throw badRequest('Path malformed: ?, #, %, \\ and spaces are not allowed');
  if (p.includes('//')) throw badRequest('Path malformed: empty segments (//) are not allowed');
  const segments = p.split('/');
  if (segments.some((s) => s === '..' || s === '.')) throw badRequest('Path malformed: . and .. segments are not allowed');
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
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

function intField(v: unknown, name: string, min: number, max: number, unit = ''): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`Invalid route ${name}: must be an integer`);
  if (v < min || v > max) throw badRequest(`Invalid route ${name}: must be between ${min} and ${max}${unit}`);
  return v;
}

/** Reads the fields of a {"route":{...}} body. Unknown fields are ignored (clients send extras). */
export function parseRouteBody(body: unknown, limits: RouteLimits): RoutePatch {
  const wrapper = asObject(body);
  if (!wrapper || wrapper.route === undefined || wrapper.route === null) throw badRequest('Missing new route');
  const r = asObject(wrapper.route);
  if (!r) throw badRequest('Invalid route: must be an object');
  const out: RoutePatch = {};
  if (r.path !== undefined && r.path !== null && r.path !== '') out.path = validateRoutePath(r.path);
  if (r.image !== undefined && r.image !== null && r.image !== '') out.image = validateImage(r.image);
  out.memory = intField(r.memory, 'memory', 0, limits.maxMemoryMb, ' MiB');
  if (r.type !== undefined && r.type !== null && r.type !== '') {
    if (r.type !== 'sync' && r.type !== 'async') throw badRequest('Invalid route Type');
    out.type = r.type;
  }
  if (r.format !== undefined && r.format !== null && r.format !== '') {
    if (r.format !== 'default' && r.format !== 'http' && r.format !== 'json') throw badRequest('Invalid route Format');
    out.format = r.format;
  }
  out.maxConcurrency = intField(r.max_concurrency, 'max_concurrency', 0, 10000);
  out.timeout = intField(r.timeout, 'timeout', 0, limits.maxTimeout, ' seconds');
  out.idleTimeout = intField(r.idle_timeout, 'idle_timeout', 0, limits.maxIdleTimeout, ' seconds');
  if (r.headers !== undefined && r.headers !== null) out.headers = parseHeaders(r.headers, { allowEmpty: true });
  if (r.config !== undefined && r.config !== null) out.config = parseConfigMap(r.config, 'route config', { allowEmptyValues: true });
  if (r.jwt_key !== undefined && r.jwt_key !== null) out.jwtKey = validateJwtKey(r.jwt_key);
  for (const k of Object.keys(out) as (keyof RoutePatch)[]) if (out[k] === undefined) delete out[k];
  return out;
}

function validateJwtKey(v: unknown): string {
  if (typeof v !== 'string') throw badRequest('Invalid route jwt_key: must be a string');
  if (v.length > JWT_KEY_MAX) throw badRequest(`Invalid route jwt_key: at most ${JWT_KEY_MAX} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) throw badRequest('Invalid route jwt_key: control characters are not allowed');
  if (v !== '' && Buffer.byteLength(v) < JWT_KEY_MIN_BYTES) {
    throw badRequest(`Invalid route jwt_key: at least ${JWT_KEY_MIN_BYTES} bytes (an HS256 key shorter than the hash can be guessed offline from one token), e.g. openssl rand -hex 32`);
  }
  return v;
}

/** A key stored before the length rule: it keeps working, and the API says it is weak. */
export function isWeakJwtKey(key: string): boolean {
  return Buffer.byteLength(key) < JWT_KEY_MIN_BYTES;
}

function validateImage(v: unknown): string {
  if (typeof v !== 'string') throw badRequest('Invalid route Image: must be a string');
  if (v.length > IMAGE_MAX || !/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(v)) throw badRequest('Invalid route Image');
  return v;
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
  };
}

/** Update merge: given scalars replace, config merges ("" removes), headers replace per name. */
export function applyRoutePatch(old: Route, patch: RoutePatch, urlPath: string): Route {
  if (patch.path && patch.path !== urlPath) throw badRequest('Could not update route - path is immutable');
  const { jwtKey: oldKey, ...rest } = old;
  const jwtKey = patch.jwtKey === undefined ? oldKey : patch.jwtKey || undefined;
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
export function routeJson(r: Route): Record<string, unknown> {
  const out: Record<string, unknown> = {
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
  return out;
}
