// The policy of one /r call, free of I/O: which bytes are the function's input, the FunctionSpec the
// runner gets (app config then route config), and how a CallResult becomes the client's response.
import type { App } from '../models/app.ts';
import type { Route } from '../models/route.ts';
import type { Readable } from 'node:stream';
import type { CallRequest, CallResult, CallSignal, FunctionSpec, ResponseSink, SecretFile } from '../runner/types.ts';
import type { SecretsSnapshot } from './route-cache.ts';
import { createHash } from 'node:crypto';

const NO_SECRETS: SecretsSnapshot = new Map();
const specs = new WeakMap<Route, { app: App; secrets: SecretsSnapshot; spec: FunctionSpec }>();

/**
 * One spec object per (app, route, secrets) snapshot of the route cache: the runner hashes a spec into
 * its pool key once per object (hot-pool.ts poolKey), so a fresh object per call meant a sha256 per call.
 */
export function functionSpec(app: App, route: Route, secrets: SecretsSnapshot = NO_SECRETS): FunctionSpec {
  const hit = specs.get(route);
  if (hit && hit.app === app && hit.secrets === secrets) return hit.spec;
  const spec = newFunctionSpec(app, route, secrets);
  specs.set(route, { app, secrets, spec });
  return spec;
}

/**
 * The route's secret files. A value is handed over as a closure, never as a property: a spec that
 * reaches a log line or JSON shows names only. A secret this node cannot provide (not loaded yet, or
 * not decrypting) fails the call when the runner asks for it, naming the secret, never a value.
 */
function secretFiles(route: Route, secrets: SecretsSnapshot): { secrets?: SecretFile[]; secretsVersion?: string } {
  const names = route.secrets ?? [];
  if (names.length === 0) return {};
  const files = names.map((name): SecretFile => {
    const s = secrets.get(name);
    const value = s?.value;
    const problem = s
      ? (s.error ?? `secret ${name} of app ${route.appName} cannot be read`)
      : `secret ${name} of app ${route.appName} is not loaded on this node`;
    return {
      name,
      value: () => {
        if (!value) throw new Error(problem);
        return value;
      },
    };
  });
  const versions = names.map((n) => `${n}=${secrets.get(n)?.version ?? ''}`).join('\n');
  return { secrets: files, secretsVersion: createHash('sha256').update(versions).digest('hex').slice(0, 16) };
}

function newFunctionSpec(app: App, route: Route, secrets: SecretsSnapshot): FunctionSpec {
  return {
    appName: route.appName,
    path: route.path,
    image: route.image,
    memory: route.memory,
    format: route.format,
    timeout: route.timeout,
    idleTimeout: route.idleTimeout,
    maxConcurrency: route.maxConcurrency,
    config: { ...app.config, ...route.config },
    ...secretFiles(route, secrets),
  };
}

/** Seed rule: GET (and HEAD) send the `payload` query parameter; other methods send the body. */
export function usesPayloadParam(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** Same map from node's rawHeaders (name, value, name, value, ...), skipping the Headers object. */
export function rawHeaderMap(raw: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const list = (out[name] ??= []);
    // as Headers does: one value joined with ", ", except set-cookie
    if (list.length === 0 || name === 'set-cookie') list.push(raw[i + 1]!);
    else list[0] = `${list[0]}, ${raw[i + 1]!}`;
  }
  return out;
}

export interface BuildCall {
  id: string;
  app: App;
  route: Route;
  /** the app's secrets as the route cache holds them (lookup's `secrets`) */
  secrets?: SecretsSnapshot;
  method: string;
  url: string;
  /** request headers as rawHeaderMap builds them */
  headers: Record<string, string[]>;
  body: Buffer;
  /** a large body still arriving, streamed to a hot `http` function (`body` then empty) */
  bodyStream?: Readable;
  bodyLength?: number;
  /** stream the answer here (hot `http` calls) */
  sink?: ResponseSink;
  now: number;
  signal?: CallSignal;
  /** a Function URL call: the path and query the function sees (the http format's target) */
  target?: string;
}

export function buildCall(b: BuildCall): CallRequest {
  return {
    id: b.id,
    fn: functionSpec(b.app, b.route, b.secrets),
    method: b.method,
    url: b.url,
    headers: b.headers,
    body: b.body,
    bodyStream: b.bodyStream,
    bodyLength: b.bodyLength,
    sink: b.sink,
    params: {},
    deadline: b.now + b.route.timeout * 1000,
    signal: b.signal,
    target: b.target,
  };
}

/** Headers the gateway owns on a function response. */
const DROP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'fn-call-id']);

/**
 * Response headers as node's flat [name, value, ...] list: the function's own (http/json formats),
 * then the route's `headers` (they win, as configured by the operator), then Fn-Call-Id. Errors are
 * JSON bodies with the runner's message.
 */
export function responseOf(result: CallResult, route: Route, callId: string): { status: number; headers: string[]; body: Buffer } {
  const ok = !result.error;
  const headers = ok ? functionHeaders(result.headers, route) : ['Content-Type', 'application/json'];
  headers.push('Fn-Call-Id', callId);
  const body = ok ? result.body : Buffer.from(JSON.stringify({ error: { message: result.error } }));
  return { status: result.status, headers, body };
}

/** The head of a streamed answer, by the same rules as responseOf's (no Content-Length: the caller's). */
export function streamedHeaders(fn: ReadonlyArray<[string, string]>, route: Route, callId: string): string[] {
  const headers = functionHeaders(fn, route);
  headers.push('Fn-Call-Id', callId);
  return headers;
}

function functionHeaders(fn: ReadonlyArray<[string, string]>, route: Route): string[] {
  const headers: string[] = [];
  // the API refuses these names now; rows stored before that must not break every call
  const routeHeaders = Object.entries(route.headers).filter(([k]) => !DROP.has(k.toLowerCase()));
  const overridden = new Set(routeHeaders.map(([k]) => k.toLowerCase()));
  for (const [k, v] of fn) {
    const lower = k.toLowerCase();
    if (!DROP.has(lower) && !overridden.has(lower)) headers.push(k, v);
  }
  for (const [k, values] of routeHeaders) for (const v of values) headers.push(k, v);
  return headers;
}
