// The admin API's rules as an executable specification for the model-based fuzz test, written from
// README.md ("Admin API", the route field table) and shared/seed/behaviour.md, not imported from src/:
// what a body or URL means, which requests are refused (400/404/409), defaults, and the update merges.
// Works on the JSON value the server parses (JSON.parse of the UTF-8 decoded body), so special number
// tokens, invalid UTF-8 and odd keys mean the same thing here as there.

export const LIMITS = { memory: 8192, maxConcurrency: 10_000, timeout: 3600, idleTimeout: 3600 } as const;

export interface MRoute {
  app_name: string;
  path: string;
  image: string;
  memory: number;
  type: string;
  format: string;
  max_concurrency: number;
  timeout: number;
  idle_timeout: number;
  config: Map<string, string>;
  headers: Map<string, string[]>;
  /** a jwt_key is set (write-only: the API only says `jwt_protected: true`) */
  jwt: boolean;
}

export interface MApp {
  config: Map<string, string>;
  routes: Map<string, MRoute>;
}

export type Model = Map<string, MApp>;

/** A refusal the spec predicts: a status (0 = any 4xx) and, when the cause is unambiguous, the message. */
export interface Refusal {
  status: number;
  message?: string;
}

export class Refused {
  constructor(readonly refusal: Refusal) {}
}
const bad = (message?: string) => new Refused({ status: 400, message });

export const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o: Record<string, unknown>, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
const absent = (v: unknown) => v === undefined || v === null;
const utf8Len = (s: string) => Buffer.byteLength(s, 'utf8');

// ---------- bodies ----------

/** The server's view of a body: UTF-8 decoded, JSON parsed; empty or unparsable is 400 Invalid JSON. */
export function parseBody(bytes: Buffer): unknown | Refused {
  if (bytes.length === 0) return bad('Invalid JSON');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return bad('Invalid JSON');
  }
}

// ---------- names, paths ----------

const APP_NAME = /^[A-Za-z0-9_-]+$/;

export function appName(v: unknown): string | Refused {
  if (v === undefined || v === null || v === '') return bad('Missing app name');
  if (typeof v !== 'string') return bad('Invalid app name');
  if (utf8Len(v) > 30) return bad('App name must be 30 characters or less');
  if (!APP_NAME.test(v)) return bad('Invalid app name');
  return v;
}

/** A URL segment naming an app: the name it addresses, or undefined when the URL must be refused (4xx). */
export function appFromSegment(raw: string): string | undefined {
  if (raw.includes('/') || raw.includes('?') || raw.includes('#')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  const name = appName(decoded);
  return typeof name === 'string' ? name : undefined;
}

/** True when a code point is a lone UTF-16 surrogate (cannot be stored or sent as UTF-8). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * README: absolute; no `..`/`.` segments, `//`, `:`, `?`, `#`, `%`, spaces or control characters
 * (C0 and C1), at most 256 characters; stored without a trailing slash. Also `\` (refused by podfn
 * with the same message as `%`) and text that is not well-formed Unicode (lone surrogates).
 */
export function routePath(p: unknown): string | Refused | undefined {
  if (p === undefined || p === null || p === '') return undefined;
  if (typeof p !== 'string' || !p.startsWith('/')) return bad('Invalid Path format');
  if (p.length > 256) return bad();
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(p) || LONE_SURROGATE.test(p)) return bad();
  if (p.includes(':')) return bad('Dynamic URL is not allowed');
  if (/[?#%\\\s]/.test(p)) return bad();
  if (p.includes('//')) return bad();
  if (p.split('/').some((s) => s === '.' || s === '..')) return bad();
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** The route addressed by the URL tail after `/routes/`: percent-decoded, `//` collapsed, validated. */
export function pathFromTail(raw: string): string | undefined {
  if (raw.includes('?') || raw.includes('#')) return undefined;
  for (const seg of raw.split('/')) {
    let d = seg;
    try {
      d = decodeURIComponent(seg);
    } catch {
      /* judged below */
    }
    if (d.split('/').some((s) => s === '.' || s === '..')) return undefined;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  const p = routePath(('/' + decoded).replace(/\/{2,}/g, '/'));
  return typeof p === 'string' ? p : undefined;
}

// ---------- config and headers ----------

const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** README: a config key becomes an env var, upper-cased with `-` turned into `_`; null when that is no valid name. */
const envName = (k: string): string | null => {
  const n = k.toUpperCase().replace(/-/g, '_');
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) ? n : null;
};
const PODFN_NAMES = new Set(['APP_NAME', 'ROUTE', 'FORMAT', 'MEMORY_MB', 'METHOD', 'REQUEST_URL', 'CALL_ID', 'TASK_ID']);
/** README: a key being set must give a valid name that is not podfn's own, PATH or LD_*. */
const settable = (k: string): boolean => {
  const n = envName(k);
  return n !== null && !PODFN_NAMES.has(n) && !/^(FN_|HEADER_|PARAM_|LD_)/.test(n) && n !== 'PATH';
};
/** Two keys being set (or one set and one kept) giving the same variable. */
const collides = (keys: string[], setting: string): boolean => keys.some((o) => o !== setting && envName(o) === envName(setting));

/**
 * Config map entries (in body order), "" kept as a removal marker; refused per README's caps, and (for
 * keys given a value) per the env-name rules: removal markers of any well-formed key are accepted.
 */
export function configEntries(v: unknown): [string, string][] | Refused | undefined {
  if (absent(v)) return undefined;
  if (!isObj(v)) return bad();
  const entries = Object.keys(v).map((k) => [k, own(v, k)] as const);
  if (entries.length > 100) return bad();
  for (const [k, val] of entries) {
    if (k.length > 128 || !CONFIG_KEY.test(k)) return bad();
    if (typeof val !== 'string' || utf8Len(val) > 4096 || val.includes('\0')) return bad();
    if (val !== '' && !settable(k)) return bad();
  }
  const set = entries.filter(([, val]) => val !== '').map(([k]) => k);
  if (set.some((k) => collides(set, k))) return bad();
  return entries as [string, string][];
}

/** Set, "" removes; then no key set here may give the same variable as another key of the result. */
export function mergeConfig(old: Map<string, string>, entries: [string, string][]): Map<string, string> | Refused {
  const out = new Map(old);
  for (const [k, v] of entries) {
    if (v === '') out.delete(k);
    else out.set(k, v);
  }
  if (out.size > 100) return bad();
  const keys = [...out.keys()];
  return entries.some(([k, v]) => v !== '' && collides(keys, k)) ? bad() : out;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Header names the gateway itself sets or that define the message framing: a route cannot set them. */
const RESERVED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection', 'fn-call-id']);

/**
 * Route headers, `{"X":["v"]}` or `{"X":"v"}`; [] or "" is a removal marker. A value must be a valid
 * HTTP field value (tab, visible ASCII, obs-text up to U+00FF: what an HTTP/1.1 response can carry),
 * at most 4096 bytes; at most 100 names.
 */
export function headerEntries(v: unknown): [string, string[]][] | Refused | undefined {
  if (absent(v)) return undefined;
  if (!isObj(v)) return bad();
  const keys = Object.keys(v);
  if (keys.length > 100) return bad();
  const out: [string, string[]][] = [];
  for (const name of keys) {
    if (name.length > 256 || !TOKEN.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) return bad();
    const raw = own(v, name);
    const values = typeof raw === 'string' ? (raw === '' ? [] : [raw]) : raw;
    if (!Array.isArray(values) || values.some((x) => typeof x !== 'string')) return bad();
    for (const val of values as string[]) {
      // eslint-disable-next-line no-control-regex
      if (/[^\t\u0020-\u007e\u0080-\u00ff]/.test(val) || utf8Len(val) > 4096) return bad();
    }
    out.push([name, values as string[]]);
  }
  return out;
}

export function mergeHeaders(old: Map<string, string[]>, entries: [string, string[]][]): Map<string, string[]> {
  const out = new Map(old);
  for (const [k, v] of entries) {
    for (const existing of [...out.keys()]) if (existing.toLowerCase() === k.toLowerCase()) out.delete(existing);
    if (v.length > 0) out.set(k, v);
  }
  return out;
}

// ---------- apps ----------

export function newAppBody(body: unknown): { name: string; config: Map<string, string> } | Refused {
  if (!isObj(body) || absent(own(body, 'app'))) return bad('Missing new application');
  const app = own(body, 'app');
  if (!isObj(app)) return bad();
  const name = appName(own(app, 'name'));
  if (name instanceof Refused) return name;
  const config = configEntries(own(app, 'config'));
  if (config instanceof Refused) return config;
  return { name, config: new Map((config ?? []).filter(([, v]) => v !== '')) };
}

export function appUpdateBody(body: unknown, urlName: string): [string, string][] | Refused {
  if (!isObj(body) || absent(own(body, 'app'))) return bad('Missing new application');
  const app = own(body, 'app');
  if (!isObj(app)) return bad();
  const name = own(app, 'name');
  if (name !== undefined && name !== '' && name !== urlName) return bad('Could not update app - name is immutable');
  const config = configEntries(own(app, 'config'));
  if (config instanceof Refused) return config;
  return config ?? [];
}

// ---------- routes ----------

export interface RoutePatch {
  path?: string;
  image?: string;
  memory?: number;
  type?: string;
  format?: string;
  max_concurrency?: number;
  timeout?: number;
  idle_timeout?: number;
  headers?: [string, string[]][];
  config?: [string, string][];
  jwt_key?: string;
}

function intField(v: unknown, max: number): number | Refused | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) return bad();
  return v;
}

const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

export function routeBody(body: unknown): RoutePatch | Refused {
  if (!isObj(body) || absent(own(body, 'route'))) return bad('Missing new route');
  const r = own(body, 'route');
  if (!isObj(r)) return bad();
  const out: RoutePatch = {};
  const path = routePath(own(r, 'path'));
  if (path instanceof Refused) return path;
  if (path !== undefined) out.path = path;
  const image = own(r, 'image');
  if (!absent(image) && image !== '') {
    if (typeof image !== 'string' || image.length > 512 || !IMAGE.test(image)) return bad();
    out.image = image;
  }
  for (const [field, max] of [
    ['memory', LIMITS.memory],
    ['max_concurrency', LIMITS.maxConcurrency],
    ['timeout', LIMITS.timeout],
    ['idle_timeout', LIMITS.idleTimeout],
  ] as const) {
    const n = intField(own(r, field), max);
    if (n instanceof Refused) return n;
    if (n !== undefined) out[field] = n;
  }
  const type = own(r, 'type');
  if (!absent(type) && type !== '') {
    if (type !== 'sync' && type !== 'async') return bad('Invalid route Type');
    out.type = type;
  }
  const format = own(r, 'format');
  if (!absent(format) && format !== '') {
    if (format !== 'default' && format !== 'http' && format !== 'json') return bad('Invalid route Format');
    out.format = format;
  }
  const headers = headerEntries(own(r, 'headers'));
  if (headers instanceof Refused) return headers;
  if (headers) out.headers = headers;
  const config = configEntries(own(r, 'config'));
  if (config instanceof Refused) return config;
  if (config) out.config = config;
  const jwt = own(r, 'jwt_key');
  if (!absent(jwt)) {
    // eslint-disable-next-line no-control-regex
    if (typeof jwt !== 'string' || jwt.length > 512 || /[\u0000-\u001f\u007f]/.test(jwt)) return bad();
    // README: an HS256 key of at least 32 bytes ("" removes the key)
    if (jwt !== '' && utf8Len(jwt) < 32) return bad();
    out.jwt_key = jwt;
  }
  return out;
}

/** A new route (POST, or PUT creating): required path and image, the seed's defaults. */
export function newRoute(appName: string, p: RoutePatch, urlPath?: string): MRoute | Refused {
  if (urlPath !== undefined && p.path !== undefined && p.path !== urlPath) return bad('Could not update route - path is immutable');
  const path = urlPath ?? p.path;
  if (path === undefined) return bad('Missing route Path');
  if (p.image === undefined) return bad('Missing route Image');
  const config = mergeConfig(new Map(), p.config ?? []);
  if (config instanceof Refused) return config;
  const format = p.format ?? 'default';
  return {
    app_name: appName,
    path,
    image: p.image,
    memory: p.memory || 128,
    type: p.type ?? 'sync',
    format,
    max_concurrency: p.max_concurrency ?? (format === 'http' ? 1 : 0),
    timeout: p.timeout || 30,
    idle_timeout: p.idle_timeout || 30,
    config,
    headers: new Map((p.headers ?? []).filter(([, v]) => v.length > 0)),
    jwt: Boolean(p.jwt_key),
  };
}

/** Update: given scalars replace (0 keeps memory/timeouts), config merges, headers replace per name. */
export function patchRoute(old: MRoute, p: RoutePatch, urlPath: string): MRoute | Refused {
  if (p.path !== undefined && p.path !== urlPath) return bad('Could not update route - path is immutable');
  const config = p.config ? mergeConfig(old.config, p.config) : old.config;
  if (config instanceof Refused) return config;
  return {
    ...old,
    image: p.image ?? old.image,
    memory: p.memory || old.memory,
    type: p.type ?? old.type,
    format: p.format ?? old.format,
    max_concurrency: p.max_concurrency ?? old.max_concurrency,
    timeout: p.timeout || old.timeout,
    idle_timeout: p.idle_timeout || old.idle_timeout,
    config,
    headers: p.headers ? mergeHeaders(old.headers, p.headers) : old.headers,
    jwt: p.jwt_key === undefined ? old.jwt : p.jwt_key !== '',
  };
}

// ---------- the API's JSON ----------

const obj = <V>(m: Map<string, V>) => {
  const out: Record<string, V> = {};
  for (const [k, v] of m) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
};

export function appJson(name: string, a: { config: Map<string, string> }) {
  return { name, config: obj(a.config) };
}

export function routeJson(r: MRoute): Record<string, unknown> {
  const out: Record<string, unknown> = {
    app_name: r.app_name,
    path: r.path,
    image: r.image,
    memory: r.memory,
    type: r.type,
    format: r.format,
    max_concurrency: r.max_concurrency,
    timeout: r.timeout,
    idle_timeout: r.idle_timeout,
    config: obj(r.config),
  };
  if (r.headers.size > 0) out.headers = obj(r.headers);
  if (r.jwt) out.jwt_protected = true;
  return out;
}
