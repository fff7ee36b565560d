// Config maps (app and route `config`) and route `headers`: JSON objects used as maps. Config becomes
// environment variables and headers become HTTP headers, so both refuse what would corrupt those (NUL
// anywhere; CR/LF in headers). A config key being set must also make a usable variable: a valid name,
// not one podfn sets or the loader reads, not the same variable as another key of the map. Only keys
// being set are judged, so rows stored before these rules keep loading and updating, and a "" removal
// of such a key is always allowed.
import { z } from 'zod';
import { envName, reservedEnvName } from '../../runner/call-env.ts';
import { firstMessage, isPlainObject, setOwn, utf8Bytes } from './kit.ts';

export const CONFIG_MAX_KEYS = 100;
export const CONFIG_KEY_MAX = 128;
export const CONFIG_VALUE_MAX = 4096;
export const HEADER_NAME_MAX = 256;
export const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** RFC 9110 token: what a header name may be. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by the gateway itself or framing the response: a route header must not duplicate or contradict them. */
export const RESERVED_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'fn-call-id',
]);

/** How the OpenAPI document shows a map, built from the same value schema the parser runs. */
function mapDoc(value: z.ZodType, maxKeys: number, description: string): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(z.record(z.string(), value), { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
  return { ...json, maxProperties: maxKeys, description };
}

interface MapRules<V> {
  notObject: string;
  maxKeys: number;
  tooMany: string;
  /** a key's rules; their messages name the key (they get it as the issue's input) */
  key: z.ZodType<string>;
  /** a value's rules; `valueMessage` puts the key into their messages */
  value: z.ZodType<V>;
  valueMessage: (key: string, message: string) => string;
  /** after key and value passed: a refusal of the entry (config: the env-name rule) */
  entry?: (key: string, value: V) => string | undefined;
  /** false: the entry is left out of the result (empty values on create) */
  keep: (value: V) => boolean;
  /** after every entry passed: a refusal of the map as a whole (config: two keys, one variable) */
  whole?: (map: Record<string, V>) => string | undefined;
  /** the OpenAPI document's view of the map */
  doc: Record<string, unknown>;
}

/**
 * A JSON object used as a map; null or absent parses to undefined. Not z.record: zod drops a
 * `__proto__` key, which is ordinary data here. Entries are judged in body order, key then value then
 * entry rule, and the first problem refuses the map, as the seed did.
 */
function jsonMap<V>(rules: MapRules<V>) {
  return z
    .unknown()
    .transform((input, ctx): Record<string, V> | undefined => {
      if (input === undefined || input === null) return undefined;
      const fail = (message: string) => {
        ctx.addIssue({ code: 'custom', message, input });
        return z.NEVER;
      };
      if (!isPlainObject(input)) return fail(rules.notObject);
      const entries = Object.entries(input);
      if (entries.length > rules.maxKeys) return fail(rules.tooMany);
      const out: Record<string, V> = {};
      for (const [k, raw] of entries) {
        const key = rules.key.safeParse(k);
        if (!key.success) return fail(firstMessage(key.error));
        const value = rules.value.safeParse(raw);
        if (!value.success) return fail(rules.valueMessage(k, firstMessage(value.error)));
        const refusal = rules.entry?.(k, value.data);
        if (refusal) return fail(refusal);
        if (rules.keep(value.data)) setOwn(out, k, value.data);
      }
      const refusal = rules.whole?.(out);
      return refusal ? fail(refusal) : out;
    })
    .optional()
    .meta(rules.doc);
}

// ---------- config ----------

export function configKey(what: string) {
  const error = (iss: { input?: unknown }) =>
    `Invalid ${what} key ${JSON.stringify(String(iss.input).slice(0, 64))}: use letters, digits, _, - and . (max ${CONFIG_KEY_MAX})`;
  return z.string().max(CONFIG_KEY_MAX, { error }).regex(CONFIG_KEY, { error });
}

export const configValue = z
  .string({ error: 'must be a string' })
  .max(CONFIG_VALUE_MAX, `at most ${CONFIG_VALUE_MAX} bytes`)
  .refine((v) => utf8Bytes(v) <= CONFIG_VALUE_MAX, `at most ${CONFIG_VALUE_MAX} bytes`)
  .regex(/^[^\0]*$/, 'NUL is not allowed');

/** Why `key` cannot be set (it becomes no variable of its own), or undefined when it can. */
export function configNameProblem(key: string, what: string): string | undefined {
  const name = envName(key);
  const bad = (why: string) => `Invalid config key ${JSON.stringify(key)} in ${what}: ${why}`;
  if (name === null) return bad('it cannot become an environment variable name (use letters, digits, _ and -; - becomes _)');
  const reserved = reservedEnvName(name);
  if (reserved === 'podfn')
    return bad(
      `${name} is set by podfn (APP_NAME, ROUTE, FORMAT, MEMORY_MB, METHOD, REQUEST_URL, CALL_ID, TASK_ID and names starting with FN_, HEADER_ or PARAM_)`,
    );
  if (reserved === 'loader') return bad(`${name} decides which programs and libraries run (PATH and LD_* cannot be set through config)`);
  return undefined;
}

/**
 * Each key set in `update` (non-empty) against the other keys of `map`: one variable, one key. Taken
 * last first, so of two keys in one body the message names the later one as the offender.
 */
export function configCollision(map: Record<string, string>, update: Record<string, string>, what: string): string | undefined {
  for (const [k, v] of Object.entries(update).reverse()) {
    if (v === '') continue;
    const name = envName(k);
    if (name === null) continue;
    const other = Object.keys(map).find((o) => o !== k && map[o] !== '' && envName(o) === name); // "" = being removed
    if (other !== undefined) {
      return `Invalid config key ${JSON.stringify(k)} in ${what}: it becomes the environment variable ${name}, as ${JSON.stringify(other)} does (remove one: set it to "")`;
    }
  }
  return undefined;
}

const CONFIG_DOC =
  `string values; a key set to a value becomes an environment variable (upper-cased, - -> _): keys of letters, digits, _ and - (at most ${CONFIG_KEY_MAX}), ` +
  'not PATH, LD_*, FN_*, HEADER_*, PARAM_* or the names podfn sets (APP_NAME, ROUTE, FORMAT, MEMORY_MB, METHOD, REQUEST_URL, CALL_ID, TASK_ID), ' +
  `and no two keys of one map may give the same variable (400 naming the key); values at most ${CONFIG_VALUE_MAX} bytes, no NUL; on update "" removes a key`;

/**
 * A config map, `what` naming it in messages ("app config", "route config"). Without `allowEmpty`
 * (creating) keys set to "" are left out; with it (updating) they are kept as removal marks.
 */
export function configMap(what: string, opts: { allowEmpty: boolean }) {
  return jsonMap<string>({
    notObject: `Invalid ${what}: must be an object of strings`,
    maxKeys: CONFIG_MAX_KEYS,
    tooMany: `Invalid ${what}: at most ${CONFIG_MAX_KEYS} keys`,
    key: configKey(what),
    value: configValue,
    valueMessage: (k, m) => `Invalid ${what} value for ${k}: ${m}`,
    entry: (k, v) => (v === '' ? undefined : configNameProblem(k, what)),
    keep: (v) => v !== '' || opts.allowEmpty,
    whole: (map) => configCollision(map, map, what),
    doc: mapDoc(configValue, CONFIG_MAX_KEYS, CONFIG_DOC),
  });
}

// ---------- headers ----------

const headerNameMessage = (name: unknown) => `Invalid route header name ${JSON.stringify(String(name).slice(0, 64))}`;

export const headerName = z
  .string()
  .max(HEADER_NAME_MAX, { error: (iss) => headerNameMessage(iss.input) })
  .regex(HEADER_NAME, { error: (iss) => headerNameMessage(iss.input) })
  .refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), {
    error: (iss) => `Invalid route header ${String(iss.input)}: set by the gateway, a route cannot set it`,
  });

const NOT_STRINGS = 'must be a string or an array of strings';

/** One header value: what an HTTP/1.1 field value can carry (RFC 9110 field-vchar, SP, HTAB, obs-text); node refuses the rest. */
export const headerFieldValue = z
  .string({ error: NOT_STRINGS })
  .regex(/^[^\r\n\0]*$/, 'CR, LF and NUL are not allowed')
  .regex(/^[\t\u0020-\u007e\u0080-\u00ff]*$/, 'control characters and characters above U+00FF are not allowed')
  .max(CONFIG_VALUE_MAX, `at most ${CONFIG_VALUE_MAX} bytes`)
  .refine((v) => utf8Bytes(v) <= CONFIG_VALUE_MAX, `at most ${CONFIG_VALUE_MAX} bytes`);

/**
 * A header's values, `"v"` or `["v1","v2"]` (Go's http.Header, what the seed returned), as an array;
 * "" is []. Every element's type is judged before any element's content, as the seed did.
 */
export const headerValues = z.preprocess(
  (v) => (typeof v === 'string' ? (v === '' ? [] : [v]) : v),
  z.array(z.string({ error: NOT_STRINGS }), { error: NOT_STRINGS }).pipe(z.array(headerFieldValue)),
);

const HEADERS_DOC =
  'response headers of the route, {"X-A":["v"]} or {"X-A":"v"}; returned as arrays and left out when empty; on update a header given replaces that header, [] or "" removes it. ' +
  `Names are HTTP tokens (at most ${HEADER_NAME_MAX}); ${[...RESERVED_HEADERS].join(', ')} are set by the gateway and refused`;

/** Route headers; with `allowEmpty` (updating) an empty value is kept as a removal mark. */
export function headerMap(opts: { allowEmpty: boolean }) {
  return jsonMap<string[]>({
    notObject: 'Invalid route headers: must be an object of string arrays',
    maxKeys: CONFIG_MAX_KEYS,
    tooMany: `Invalid route headers: at most ${CONFIG_MAX_KEYS} headers`,
    key: headerName,
    value: headerValues,
    valueMessage: (name, m) => `Invalid route header ${name}: ${m}`,
    keep: (v) => v.length > 0 || opts.allowEmpty,
    doc: mapDoc(z.union([headerFieldValue, z.array(headerFieldValue)]), CONFIG_MAX_KEYS, HEADERS_DOC),
  });
}
