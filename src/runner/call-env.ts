// Environment variables a function sees (the function contract): a base part fixed per function
// (cold and hot) and a per-call part (cold only; hot calls carry it in headers/envelope). Also the
// names podfn owns, which config may not set (src/models/config-map.ts refuses them on write). Pure.
import type { CallRequest, FunctionSpec } from './types.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `content-type` -> `CONTENT_TYPE`; null when the result is not a valid env name. */
export function envName(key: string): string | null {
  const name = key.toUpperCase().replace(/-/g, '_');
  return ENV_NAME.test(name) ? name : null;
}

/** Names podfn sets itself (base and per-call env, the hot launcher, /tasks envelopes). */
const PODFN_NAMES = new Set(['APP_NAME', 'ROUTE', 'FORMAT', 'MEMORY_MB', 'METHOD', 'REQUEST_URL', 'CALL_ID', 'TASK_ID']);
/** Prefixes of names podfn sets: FN_, and the per-call HEADER_ and PARAM_ families. */
const PODFN_PREFIXES = ['FN_', 'HEADER_', 'PARAM_'];

/**
 * Why config may not set the env var `name` (already mapped by envName), or null when it may.
 * 'podfn': podfn sets it (config would be overwritten, or would pose as call data);
 * 'loader': it changes which programs and libraries run (PATH, the dynamic loader's LD_*).
 */
export function reservedEnvName(name: string): 'podfn' | 'loader' | null {
  if (PODFN_NAMES.has(name) || PODFN_PREFIXES.some((p) => name.startsWith(p))) return 'podfn';
  if (name === 'PATH' || name.startsWith('LD_')) return 'loader';
  return null;
}

/** Values cannot carry NUL into an env var; drop it rather than fail the call. */
function clean(v: string): string {
  return v.includes('\0') ? v.replace(/\0/g, '') : v;
}

/**
 * Base env of a function: config (already merged, route wins), then identity, format, memory. Config
 * keys naming podfn's own variables are refused by the API, but rows stored before that rule keep
 * loading: their value is dropped here so they can never pose as podfn's (or a call's) data.
 */
export function baseEnv(fn: FunctionSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(fn.config)) {
    const name = envName(key);
    if (name !== null && reservedEnvName(name) !== 'podfn') env[name] = clean(value);
  }
  return Object.assign(env, {
    APP_NAME: fn.appName,
    ROUTE: fn.path,
    FORMAT: fn.format,
    MEMORY_MB: String(fn.memory),
    FN_APP_NAME: fn.appName,
    FN_PATH: fn.path,
    FN_FORMAT: fn.format,
    FN_MEMORY: String(fn.memory),
  });
}

export interface CallEnvOptions {
  /**
   * Pass request headers whose names contain `_` as HEADER_* (PODFN_ENV_UNDERSCORE_HEADERS). Off by
   * default: `X_Remote_User` and `X-Remote-User` both map to HEADER_X_REMOTE_USER, so a client could
   * overwrite an identity header a front proxy set (nginx and CGI servers drop such names too).
   */
  envUnderscoreHeaders?: boolean;
}

/** Per-call env of a cold call: method, URL, ids, deadline, PARAM_*, HEADER_*. */
export function callEnv(call: CallRequest, opts: CallEnvOptions = {}): Record<string, string> {
  const deadline = new Date(call.deadline).toISOString();
  const env: Record<string, string> = {
    METHOD: call.method,
    REQUEST_URL: call.url,
    CALL_ID: call.id,
    FN_CALL_ID: call.id,
    FN_METHOD: call.method,
    FN_REQUEST_URL: call.url,
    FN_DEADLINE: deadline,
  };
  for (const [key, value] of Object.entries(call.params)) {
    const name = envName(key);
    if (name !== null) env[`PARAM_${name}`] = clean(value);
  }
  // With underscore names allowed, they go first: a name spelled with `-` still wins a collision.
  const headers = Object.entries(call.headers);
  const underscored = opts.envUnderscoreHeaders ? headers.filter(([k]) => k.includes('_')) : [];
  for (const [key, values] of [...underscored, ...headers.filter(([k]) => !k.includes('_'))]) {
    const name = envName(key);
    if (name !== null) env[`HEADER_${name}`] = clean(values.join(', '));
  }
  return env;
}

/** Base env then per-call env (per-call wins on a clash), as `KEY=value` strings. */
export function coldEnv(call: CallRequest, opts: CallEnvOptions = {}): string[] {
  return toEnvList({ ...baseEnv(call.fn), ...callEnv(call, opts) });
}

export function toEnvList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
