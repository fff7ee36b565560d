// The admin API's rules as an executable specification for the model-based fuzz test: what a body or
// URL means, which requests are refused (400/404/409), defaults, and the update merges.
// What a body may contain is not restated here: bodies are judged by the zod schemas the server
// validates with (src/models/schemas: the API contract, written once), so a refusal's message is
// predicted exactly. What this file adds is the behaviour around them, written from docs/api.md
// ("Admin API", the route field table) and docs/compatibility.md (Differences): URL forms, defaults, the merges
// (config "" removes, a header replaces a header), the JSON answers.
// Works on the JSON value the server parses (JSON.parse of the UTF-8 decoded body), so special number
// tokens, invalid UTF-8 and odd keys mean the same thing here as there.
import type { z } from 'zod';
import { appName as appNameSchema, newAppBody as newAppSchema, appUpdateName, appUpdateBody as appUpdateSchema } from '../../src/models/schemas/app.ts';
import { routePath as routePathSchema, routeBody as routeBodySchema, MAX_CONCURRENCY_MAX, DEFAULTS } from '../../src/models/schemas/route.ts';
import { CONFIG_MAX_KEYS } from '../../src/models/schemas/maps.ts';
import { envName } from '../../src/runner/call-env.ts';

/** The server's limits in the fuzz suite (its PODFN_MAX_* environment); max_concurrency's is the schema's own. */
export const LIMITS = { memory: 8192, maxConcurrency: MAX_CONCURRENCY_MAX, timeout: 3600, idleTimeout: 3600 } as const;

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

/** The value a schema parses `v` to, or the refusal carrying the schema's first message (the server's answer). */
function judge<S extends z.ZodType>(schema: S, v: unknown): z.output<S> | Refused {
  const res = schema.safeParse(v);
  return res.success ? res.data : bad(res.error.issues[0]?.message);
}

// ---------- bodies ----------

/** The server's view of a body: UTF-8 decoded, JSON parsed; empty or unparsable is 400 Invalid JSON. */
export function parseBody(bytes: Buffer): unknown /* or Refused */ {
  if (bytes.length === 0) return bad('Invalid JSON');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return bad('Invalid JSON');
  }
}

// ---------- names, paths ----------

export function appName(v: unknown): string | Refused {
  return judge(appNameSchema, v);
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

/** A route path as a body gives it: absent when null or "", else the schema's rule (stored without a trailing slash). */
export function routePath(p: unknown): string | Refused | undefined {
  return p === undefined || p === null || p === '' ? undefined : judge(routePathSchema, p);
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

/** docs/api.md: a key set to a value becomes an env var; two keys of one map may not give the same one. */
const collides = (keys: string[], setting: string): boolean => keys.some((o) => o !== setting && envName(o) === envName(setting));
const entriesOf = <V>(m: Record<string, V> | undefined): [string, V][] | undefined => (m === undefined ? undefined : Object.entries(m));

/** Set, "" removes; then no key set here may give the same variable as another key of the result. */
export function mergeConfig(old: Map<string, string>, entries: [string, string][]): Map<string, string> | Refused {
  const out = new Map(old);
  for (const [k, v] of entries) {
    if (v === '') out.delete(k);
    else out.set(k, v);
  }
  if (out.size > CONFIG_MAX_KEYS) return bad();
  const keys = [...out.keys()];
  return entries.some(([k, v]) => v !== '' && collides(keys, k)) ? bad() : out;
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
  const parsed = judge(newAppSchema, body);
  if (parsed instanceof Refused) return parsed;
  return { name: parsed.app.name, config: new Map(entriesOf(parsed.app.config)) };
}

/** Config entries of an update body ("" kept as removal marks); a name other than the URL's is refused before the config is judged. */
export function appUpdateBody(body: unknown, urlName: string): [string, string][] | Refused {
  const head = judge(appUpdateName, body);
  if (head instanceof Refused) return head;
  const name = head.app.name;
  if (name !== undefined && name !== '' && name !== urlName) return bad('Could not update app - name is immutable');
  const parsed = judge(appUpdateSchema, body);
  if (parsed instanceof Refused) return parsed;
  return entriesOf(parsed.app.config) ?? [];
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

const routeSchema = routeBodySchema({ maxMemoryMb: LIMITS.memory, maxTimeout: LIMITS.timeout, maxIdleTimeout: LIMITS.idleTimeout });

/** A route body's fields: those given, with null (and "" where the seed said so) as not given. */
export function routeBody(body: unknown): RoutePatch | Refused {
  const parsed = judge(routeSchema, body);
  if (parsed instanceof Refused) return parsed;
  const { headers, config, ...scalars } = parsed.route;
  const out: RoutePatch = { headers: entriesOf(headers), config: entriesOf(config) };
  Object.assign(out, scalars);
  for (const k of Object.keys(out) as (keyof RoutePatch)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** A new route (POST, or PUT creating): required path and image, the seed's defaults (the contract's DEFAULTS). */
export function newRoute(appName: string, p: RoutePatch, urlPath?: string): MRoute | Refused {
  if (urlPath !== undefined && p.path !== undefined && p.path !== urlPath) return bad('Could not update route - path is immutable');
  const path = urlPath ?? p.path;
  if (path === undefined) return bad('Missing route Path');
  if (p.image === undefined) return bad('Missing route Image');
  const config = mergeConfig(new Map(), p.config ?? []);
  if (config instanceof Refused) return config;
  const format = p.format ?? DEFAULTS.format;
  return {
    app_name: appName,
    path,
    image: p.image,
    memory: p.memory || DEFAULTS.memory,
    type: p.type ?? DEFAULTS.type,
    format,
    max_concurrency: p.max_concurrency ?? (format === 'http' ? 1 : 0),
    timeout: p.timeout || DEFAULTS.timeout,
    idle_timeout: p.idle_timeout || DEFAULTS.idleTimeout,
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
