// The CLI's client of the podfn admin API and /r: plain node:http (no dockerode, no fetch quirks with
// raw bodies), target from PODFN_API_URL (default http://127.0.0.1:8080), Authorization: Bearer
// PODFN_ADMIN_TOKEN when set. Maps transport failures and error statuses to CliErrors with exit codes.
import http from 'node:http';
import https from 'node:https';
import { CliError, EXIT } from './errors.ts';

export interface ApiResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function apiBase(env: NodeJS.ProcessEnv = process.env): URL {
  const raw = env.PODFN_API_URL || 'http://127.0.0.1:8080';
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    return u;
  } catch {
    throw new CliError(`PODFN_API_URL=${JSON.stringify(raw)} is not an http(s) URL`, EXIT.USAGE, 'set it like PODFN_API_URL=http://127.0.0.1:8080');
  }
}

export interface RequestOptions {
  method?: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
}

/** One request to `path` (already escaped) on the gateway; resolves with any status. */
export function request(path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
  const base = apiBase();
  const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
  const headers: Record<string, string> = { ...opts.headers };
  // The gateway's PODFN_ADMIN_TOKEN may list several tokens: the CLI presents the first.
  const token = (process.env.PODFN_ADMIN_TOKEN ?? '')
    .split(',')
    .map((t) => t.trim())
    .find((t) => t);
  if (token) headers.Authorization = `Bearer ${token}`;
  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
  if (body) headers['Content-Length'] = String(body.length);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: opts.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', (e) =>
      reject(
        new CliError(
          `cannot reach the podfn gateway at ${base.origin} (${(e as NodeJS.ErrnoException).code ?? e.message})`,
          EXIT.UNAVAILABLE,
          'start it with `podfn server start`, or set PODFN_API_URL to where it runs',
        ),
      ),
    );
    req.end(body);
  });
}

/** The gateway's error message ({"error":{"message"}}), else the body text. */
export function errorMessage(res: ApiResponse): string {
  const text = res.body.toString('utf8');
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    if (typeof j.error?.message === 'string') return j.error.message;
    if (typeof j.message === 'string') return j.message;
  } catch {
    /* not JSON */
  }
  return text.trim() || `HTTP ${res.status}`;
}

export function exitCodeFor(status: number) {
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 401 || status === 403) return EXIT.UNAUTHORIZED;
  if (status >= 500 || status === 0) return EXIT.UNAVAILABLE;
  if (status >= 400) return EXIT.REJECTED;
  return EXIT.FAILED;
}

/** An admin API call that must succeed (2xx): returns the parsed JSON, throws a CliError otherwise. */
export async function admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown, hint?: string): Promise<T> {
  const res = await request(path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
  });
  if (res.status < 200 || res.status > 299) {
    throw new CliError(`${errorMessage(res)} (${method} ${path}: ${res.status})`, exitCodeFor(res.status), hintFor(res.status, hint));
  }
  try {
    return JSON.parse(res.body.toString('utf8')) as T;
  } catch {
    throw new CliError(`the gateway answered ${method} ${path} with something that is not JSON`, EXIT.FAILED);
  }
}

const AUTH_HINT = "set PODFN_ADMIN_TOKEN to one of the gateway's admin tokens (or a JWT signed with its PODFN_JWT_KEY)";

/** The hint for an error status: the caller's for 404, the token one for 401/403. */
export function hintFor(status: number, notFound?: string): string | undefined {
  if (status === 404) return notFound;
  if (status === 401 || status === 403) return AUTH_HINT;
  return undefined;
}

export const enc = encodeURIComponent;

/** "/hello/world" -> "hello/world" with each segment escaped (the API accepts slashes in route paths). */
export function routeSegment(path: string): string {
  return path.replace(/^\/+/, '').split('/').map(enc).join('/');
}
