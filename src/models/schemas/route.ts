// Routes on the wire: the path rule, the fields of a {"route":{...}} body (their types, ranges from the
// server's limits, and the seed's messages), and the JSON clients get back. Defaults and the update
// merge are model rules (../route.ts); this file says only what a body may contain.
import { z } from 'zod';
import { absentable, intIn, utf8Bytes, wrapped } from './kit.ts';
import { configMap, headerMap } from './maps.ts';
import { routeHosts, hostsJson } from './hosts.ts';
import { routeSecrets } from './secret.ts';
import { SCHEDULE_HELP, SCHEDULE_MAX, scheduleProblem } from '../schedule.ts';

export const ROUTE_PATH_MAX = 256;
export const IMAGE_MAX = 512;
export const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;
export const MAX_CONCURRENCY_MAX = 10_000;
export const JWT_KEY_MAX = 512;
/** RFC 7518 3.2: an HS256 key must be at least as long as the hash (256 bits); shorter ones can be guessed offline from one token. */
export const JWT_KEY_MIN_BYTES = 32;
export const ROUTE_TYPES = ['sync', 'async'] as const;
export const ROUTE_FORMATS = ['default', 'http', 'json'] as const;
export type RouteType = (typeof ROUTE_TYPES)[number];
export type RouteFormat = (typeof ROUTE_FORMATS)[number];
export const DEFAULTS = { memory: 128, type: 'sync', format: 'default', timeout: 30, idleTimeout: 30 } as const;

/** The server's configured maxima (PODFN_MAX_MEMORY_MB, PODFN_MAX_TIMEOUT, PODFN_MAX_IDLE_TIMEOUT). */
export interface RouteLimits {
  maxMemoryMb: number;
  maxTimeout: number;
  maxIdleTimeout: number;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const INVALID_PATH = 'Invalid Path format';

/**
 * A route path: absolute, no `..` or `.` segments, no `//`, no control characters (C0, DEL, C1),
 * well-formed Unicode, no `:` (the seed's "Dynamic URL is not allowed"), bounded length. Parses to the
 * path without a trailing slash.
 */
export const routePath = z
  .string({ error: (iss) => (iss.input === undefined || iss.input === null ? 'Missing route Path' : INVALID_PATH) })
  .min(1, 'Missing route Path')
  .regex(/^\//, INVALID_PATH)
  .max(ROUTE_PATH_MAX, `${INVALID_PATH}: at most ${ROUTE_PATH_MAX} characters`)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'Path malformed: control characters are not allowed')
  // a lone UTF-16 surrogate cannot be stored as UTF-8 (it would come back as U+FFFD, a different path)
  .refine((p) => !LONE_SURROGATE.test(p), 'Path malformed: not valid Unicode')
  .regex(/^[^:]*$/, 'Dynamic URL is not allowed')
  .regex(/^[^?#%\\\s]*$/, 'Path malformed: ?, #, %, \\ and spaces are not allowed')
  .regex(/^(?![\s\S]*\/\/)/, 'Path malformed: empty segments (//) are not allowed')
  .regex(/^(?![\s\S]*\/\.\.?(?:\/|$))/, 'Path malformed: . and .. segments are not allowed')
  .transform((p) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p));

export const image = z
  .string({ error: 'Invalid route Image: must be a string' })
  .max(IMAGE_MAX, 'Invalid route Image')
  .regex(IMAGE, 'Invalid route Image')
  .meta({ description: 'an image reference (localhost/name:tag); required on create' });

export const jwtKey = z
  .string({ error: 'Invalid route jwt_key: must be a string' })
  .max(JWT_KEY_MAX, `Invalid route jwt_key: at most ${JWT_KEY_MAX} characters`)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'Invalid route jwt_key: control characters are not allowed')
  .refine(
    (k) => k === '' || utf8Bytes(k) >= JWT_KEY_MIN_BYTES,
    `Invalid route jwt_key: at least ${JWT_KEY_MIN_BYTES} bytes (an HS256 key shorter than the hash can be guessed offline from one token), e.g. openssl rand -hex 32`,
  )
  .meta({
    description: `HS256 key of at least ${JWT_KEY_MIN_BYTES} bytes: /r calls need Authorization: Bearer <JWT signed with it>; "" removes it; write-only, never returned`,
  });

export const schedule = z
  .string({ error: 'Invalid route schedule: must be a string' })
  .max(SCHEDULE_MAX, `Invalid route schedule: at most ${SCHEDULE_MAX} characters`)
  .superRefine((v, ctx) => {
    const problem = v === '' ? undefined : scheduleProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `Invalid route schedule: ${problem}` });
  })
  .meta({
    description: `${SCHEDULE_HELP}: an async call is enqueued at each tick, once across all nodes (POST, empty body, Fn-Schedule-* headers); "" removes it`,
  });

export const routeType = z.enum(ROUTE_TYPES, { error: 'Invalid route Type' });
export const routeFormat = z.enum(ROUTE_FORMATS, { error: 'Invalid route Format' });

const routeInt = (name: string, max: number, unit = '') =>
  intIn(0, max, { notInt: `Invalid route ${name}: must be an integer`, range: `Invalid route ${name}: must be between 0 and ${max}${unit}` });

/** The fields of a route body, in the order the seed judged them; null (and "" where the seed said so) is "not given". */
export function routeFields(limits: RouteLimits) {
  const given = { emptyIsAbsent: true };
  const nonNull = { emptyIsAbsent: false };
  return {
    path: absentable(routePath, given).meta({
      description: 'absolute; no .. or . segments, //, :, ?, #, %, \\, spaces, control characters or lone surrogates; required on create; cannot change',
    }),
    image: absentable(image, given),
    memory: absentable(routeInt('memory', limits.maxMemoryMb, ' MiB').meta({ default: DEFAULTS.memory, description: 'MiB; 0 = the default' }), nonNull),
    type: absentable(routeType.meta({ default: DEFAULTS.type }), given),
    format: absentable(routeFormat.meta({ default: DEFAULTS.format, description: 'default (cold), http or json (hot)' }), given),
    max_concurrency: absentable(
      routeInt('max_concurrency', MAX_CONCURRENCY_MAX).meta({
        description: 'hot containers per route on a node; 0 = the server default; 1 when left out on an http route',
      }),
      nonNull,
    ),
    timeout: absentable(
      routeInt('timeout', limits.maxTimeout, ' seconds').meta({ default: DEFAULTS.timeout, description: 'seconds per call; 0 = the default' }),
      nonNull,
    ),
    idle_timeout: absentable(
      routeInt('idle_timeout', limits.maxIdleTimeout, ' seconds').meta({
        default: DEFAULTS.idleTimeout,
        description: 'seconds a hot container may stay idle; 0 = the default',
      }),
      nonNull,
    ),
    headers: headerMap({ allowEmpty: true }),
    config: configMap('route config', { allowEmpty: true }),
    jwt_key: absentable(jwtKey, nonNull),
    hosts: absentable(routeHosts, nonNull),
    secrets: absentable(routeSecrets, nonNull),
    schedule: absentable(schedule, nonNull),
  };
}

/** POST /v1/apps/{app}/routes, PUT and PATCH /v1/apps/{app}/routes/{route}: {"route":{...}}. Unknown fields are ignored. */
export function routeBody(limits: RouteLimits) {
  return wrapped('route', routeFields(limits), { missing: 'Missing new route', notObject: 'Invalid route: must be an object' });
}
export type RouteBody = z.output<ReturnType<typeof routeBody>>;

const count = z.number().int().nonnegative();

/** What clients get back: snake_case; `headers` left out when empty (the 0.1.32 CLI breaks on it); the jwt_key never. */
export const routeJson = z.object({
  app_name: z.string(),
  path: z.string(),
  image: z.string(),
  memory: count.meta({ description: 'MiB' }),
  type: z.enum(ROUTE_TYPES),
  format: z.enum(ROUTE_FORMATS),
  max_concurrency: count,
  timeout: count.meta({ description: 'seconds' }),
  idle_timeout: count.meta({ description: 'seconds' }),
  config: z.record(z.string(), z.string()),
  headers: z.record(z.string(), z.array(z.string())).optional().meta({ description: 'left out when empty' }),
  jwt_protected: z.literal(true).optional().meta({ description: 'present when the route has a jwt_key' }),
  jwt_key_weak: z
    .literal(true)
    .optional()
    .meta({ description: 'present when the jwt_key is shorter than 32 bytes (stored before that rule; it still works: replace it)' }),
  hosts: hostsJson,
  secrets: z
    .array(z.string())
    .optional()
    .meta({ description: "names of the app's secrets mounted at /run/secrets/<name>; left out when none (values are never returned)" }),
  schedule: z.string().optional().meta({ description: 'cron expression (UTC); present when the route has one' }),
  schedule_next: z.iso.datetime().optional().meta({ description: "the schedule's next tick (UTC) after the time of the answer" }),
});
export type RouteJson = z.infer<typeof routeJson>;

export const routeAnswer = z.object({ message: z.string(), route: routeJson });
export const routesAnswer = z.object({ message: z.string(), routes: z.array(routeJson) });

/** definitions kept per route: GET .../history lists them, a rollback restores one (src/store/route-history.ts keeps the same number) */
export const ROUTE_HISTORY_KEEP = 10;

/** One kept definition of a route. */
export const routeVersionJson = z.object({
  version: count.meta({ description: '1, 2, 3... per route; each create, update and rollback that changes the route adds one' }),
  action: z.enum(['create', 'update', 'rollback']),
  restored_from: count.optional().meta({ description: 'a rollback: the version it restored' }),
  current: z.boolean().meta({ description: 'true for the definition the route has now (the newest)' }),
  created_at: z.iso.datetime(),
  route: routeJson,
});
export const routeHistoryAnswer = z.object({
  message: z.string(),
  history: z.array(routeVersionJson).meta({ description: `newest first; the last ${ROUTE_HISTORY_KEEP} definitions of the route` }),
});

const rollbackInt = (name: string, min: number, max: number) =>
  intIn(min, max, { notInt: `Invalid rollback ${name}: must be an integer`, range: `Invalid rollback ${name}: must be between ${min} and ${max}` });

/** POST /v1/apps/{app}/routes/{route}/rollback: which kept definition to restore (no body: the previous one). */
export const rollbackBody = z
  .object(
    {
      back: rollbackInt('back', 1, ROUTE_HISTORY_KEEP - 1)
        .optional()
        .meta({ description: 'restore the definition this many versions before the current one (1 = the previous; the default)' }),
      version: rollbackInt('version', 1, Number.MAX_SAFE_INTEGER)
        .optional()
        .meta({ description: 'restore this version number (from GET .../history) instead' }),
    },
    { error: 'Invalid rollback: must be an object' },
  )
  .refine((b) => b.back === undefined || b.version === undefined, 'Invalid rollback: give back or version, not both');
export const rollbackAnswer = z.object({ message: z.string(), restored_from: count.meta({ description: 'the version restored' }), route: routeJson });

/** A route's rollout on the node that answers (runner/rollout.ts): GET on a route shows it. */
export const routeRolloutJson = z
  .object({
    status: z.enum(['starting', 'ready', 'done', 'failed']).meta({
      description:
        "starting: the new version's containers are starting, the old one serves; ready: one is up, the next call tries it; done: the new version serves, the old one drained; failed: the new version could not start (error), the old one keeps serving",
    }),
    node: z.string().meta({ description: 'the node this is about (rollouts are per node: each replaces its own containers)' }),
    from_image: z.string(),
    to_image: z.string(),
    warming: count.meta({ description: 'new containers started ahead of calls (as many as the old version had busy, at least one)' }),
    started_at: z.iso.datetime(),
    ended_at: z.iso.datetime().optional(),
    error: z.string().optional().meta({ description: 'failed: why the new version could not start' }),
    retry_at: z.iso.datetime().optional().meta({ description: 'failed: a call after this tries the new version again (an update of the route tries at once)' }),
  })
  .meta({ description: 'present when the route was rolled out on this node since it started (the last rollout, or the one in progress)' });
export type RouteRolloutJson = z.infer<typeof routeRolloutJson>;
export const routeWithRolloutAnswer = z.object({ message: z.string(), route: routeJson, rollout: routeRolloutJson.optional() });
