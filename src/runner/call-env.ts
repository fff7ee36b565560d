// Environment variables a function sees (the function contract): a base part fixed per function
// (cold and hot) and a per-call part (cold only; hot calls carry it in headers/envelope). Pure.
import type { CallRequest, FunctionSpec } from './types.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `content-type` -> `CONTENT_TYPE`; null when the result is not a valid env name. */
export function envName(key: string): string | null {
  const name = key.toUpperCase().replace(/-/g, '_');
  return ENV_NAME.test(name) ? name : null;
}

/** Values cannot carry NUL into an env var; drop it rather than fail the call. */
function clean(v: string): string {
  return v.includes('\0') ? v.replace(/\0/g, '') : v;
}

/** Base env of a function: identity, format, memory, then config (already merged, route wins). */
export function baseEnv(fn: FunctionSpec): Record<string, string> {
  const env: Record<string, string> = {
    APP_NAME: fn.appName,
    ROUTE: fn.path,
    FORMAT: fn.format,
    MEMORY_MB: String(fn.memory),
    FN_APP_NAME: fn.appName,
    FN_PATH: fn.path,
    FN_FORMAT: fn.format,
    FN_MEMORY: String(fn.memory),
  };
  for (const [key, value] of Object.entries(fn.config)) {
    const name = envName(key);
    if (name !== null) env[name] = clean(value);
  }
  return env;
}

/** Per-call env of a cold call: method, URL, ids, deadline, PARAM_*, HEADER_*. */
export function callEnv(call: CallRequest): Record<string, string> {
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
  for (const [key, values] of Object.entries(call.headers)) {
    const name = envName(key);
    if (name !== null) env[`HEADER_${name}`] = clean(values.join(', '));
  }
  return env;
}

/** Base env then per-call env (per-call wins on a clash), as `KEY=value` strings. */
export function coldEnv(call: CallRequest): string[] {
  return toEnvList({ ...baseEnv(call.fn), ...callEnv(call) });
}

export function toEnvList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
