// Config maps (app and route `config`) and route `headers`: shape, size caps and merge rules.
// Config becomes environment variables and headers become HTTP headers, so both refuse characters
// that would corrupt those (NUL anywhere; CR/LF in headers). A config key being set must also make a
// usable variable: a valid name, not one podfn sets or the loader reads, not the same variable as
// another key of the map. Only keys being set are judged, so rows stored before these rules keep
// loading and updating, and a "" removal of such a key is always allowed.
import { badRequest } from './errors.ts';
import { envName, reservedEnvName } from '../runner/call-env.ts';

export const CONFIG_MAX_KEYS = 100;
export const CONFIG_KEY_MAX = 128;
export const CONFIG_VALUE_MAX = 4096;
const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What an HTTP/1.1 field value can carry (RFC 9110 field-vchar, SP, HTAB, obs-text): node refuses the rest. */
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_BAD = /[^\t\u0020-\u007e\u0080-\u00ff]/;
/** Set by the gateway itself or framing the response: a route header must not duplicate or contradict them. */
export const RESERVED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection', 'fn-call-id']);

/** Sets an own property, so a key like `__proto__` is stored as data instead of replacing the prototype. */
function setOwn<V>(o: Record<string, V>, k: string, v: V): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function parseConfigMap(v: unknown, what: string, opts: { allowEmptyValues?: boolean } = {}): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`Invalid ${what}: must be an object of strings`);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > CONFIG_MAX_KEYS) throw badRequest(`Invalid ${what}: at most ${CONFIG_MAX_KEYS} keys`);
  const out: Record<string, string> = {};
  for (const [k, val] of entries) {
    if (k.length > CONFIG_KEY_MAX || !CONFIG_KEY.test(k)) {
      throw badRequest(`Invalid ${what} key ${JSON.stringify(k.slice(0, 64))}: use letters, digits, _, - and . (max ${CONFIG_KEY_MAX})`);
    }
    if (typeof val !== 'string') throw badRequest(`Invalid ${what} value for ${k}: must be a string`);
    if (Buffer.byteLength(val) > CONFIG_VALUE_MAX) throw badRequest(`Invalid ${what} value for ${k}: at most ${CONFIG_VALUE_MAX} bytes`);
    if (val.includes('\0')) throw badRequest(`Invalid ${what} value for ${k}: NUL is not allowed`);
    if (val === '' && !opts.allowEmptyValues) continue;
    if (val !== '') checkConfigName(k, what);
    setOwn(out, k, val);
  }
  checkCollisions(out, out, what);
  return out;
}

/** A key being set must become a variable of its own (see the top of this file). */
function checkConfigName(key: string, what: string): void {
  const name = envName(key);
  const bad = (why: string) => badRequest(`Invalid config key ${JSON.stringify(key)} in ${what}: ${why}`);
  if (name === null) throw bad('it cannot become an environment variable name (use letters, digits, _ and -; - becomes _)');
  const reserved = reservedEnvName(name);
  if (reserved === 'podfn') throw bad(`${name} is set by podfn (APP_NAME, ROUTE, FORMAT, MEMORY_MB, METHOD, REQUEST_URL, CALL_ID, TASK_ID and names starting with FN_, HEADER_ or PARAM_)`);
  if (reserved === 'loader') throw bad(`${name} decides which programs and libraries run (PATH and LD_* cannot be set through config)`);
}

/**
 * Each key set in `update` (non-empty) against the other keys of `map`: one variable, one key. Taken
 * last first, so of two keys in one body the message names the later one as the offender.
 */
function checkCollisions(map: Record<string, string>, update: Record<string, string>, what: string): void {
  for (const [k, v] of Object.entries(update).reverse()) {
    if (v === '') continue;
    const name = envName(k);
    if (name === null) continue;
    const other = Object.keys(map).find((o) => o !== k && map[o] !== '' && envName(o) === name); // "" = being removed
    if (other !== undefined) {
      throw badRequest(`Invalid config key ${JSON.stringify(k)} in ${what}: it becomes the environment variable ${name}, as ${JSON.stringify(other)} does (remove one: set it to "")`);
    }
  }
}

/** Seed/fn merge: keys are set, a key set to "" is removed. */
export function mergeConfig(old: Record<string, string>, update: Record<string, string>, what = 'config'): Record<string, string> {
  const out = { ...old };
  for (const [k, v] of Object.entries(update)) {
    if (v === '') delete out[k];
    else setOwn(out, k, v);
  }
  const keys = Object.keys(out);
  if (keys.length > CONFIG_MAX_KEYS) throw badRequest(`Invalid config: at most ${CONFIG_MAX_KEYS} keys`);
  checkCollisions(out, update, what);
  return out;
}

/**
 * Route headers arrive as {"Name": ["v1","v2"]} (Go's http.Header, what the seed returned) or
 * {"Name": "v"}; they are stored as string arrays. An empty array or "" marks removal on update.
 */
export function parseHeaders(v: unknown, opts: { allowEmpty?: boolean } = {}): Record<string, string[]> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest('Invalid route headers: must be an object of string arrays');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > CONFIG_MAX_KEYS) throw badRequest(`Invalid route headers: at most ${CONFIG_MAX_KEYS} headers`);
  const out: Record<string, string[]> = {};
  for (const [name, raw] of entries) {
    if (name.length > 256 || !HEADER_NAME.test(name)) throw badRequest(`Invalid route header name ${JSON.stringify(name.slice(0, 64))}`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw badRequest(`Invalid route header ${name}: set by the gateway, a route cannot set it`);
    const values = typeof raw === 'string' ? (raw === '' ? [] : [raw]) : raw;
    if (!Array.isArray(values) || values.some((x) => typeof x !== 'string')) {
      throw badRequest(`Invalid route header ${name}: must be a string or an array of strings`);
    }
    for (const val of values as string[]) {
      if (/[\r\n\0]/.test(val)) throw badRequest(`Invalid route header ${name}: CR, LF and NUL are not allowed`);
      if (HEADER_VALUE_BAD.test(val)) throw badRequest(`Invalid route header ${name}: control characters and characters above U+00FF are not allowed`);
      if (Buffer.byteLength(val) > CONFIG_VALUE_MAX) throw badRequest(`Invalid route header ${name}: at most ${CONFIG_VALUE_MAX} bytes`);
    }
    if (values.length === 0 && !opts.allowEmpty) continue;
    setOwn(out, name, values as string[]);
  }
  return out;
}

/** fn (S-Oct17) rule: a header given on update replaces that header; an empty value removes it. */
export function mergeHeaders(old: Record<string, string[]>, update: Record<string, string[]>): Record<string, string[]> {
  const out = { ...old };
  for (const [k, v] of Object.entries(update)) {
    for (const existing of Object.keys(out)) if (existing.toLowerCase() === k.toLowerCase()) delete out[existing];
    if (v.length > 0) setOwn(out, k, v);
  }
  return out;
}
