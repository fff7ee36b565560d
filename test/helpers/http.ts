// A small HTTP client for black-box API tests, on node:http so the request target goes out byte for
// byte (fetch/URL would resolve `..`, `%2e%2e` and `//` before sending, hiding exactly the inputs the
// tests are about). Also: the API's JSON shapes, error assertions and a "nothing stored changed" check.
import http from 'node:http';
import * as assert from 'uvu/assert';

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** parsed body; throws when it is not JSON */
  json<T = Record<string, unknown>>(): T;
}

export interface ReqOptions {
  headers?: Record<string, string>;
  /** send the body with Transfer-Encoding: chunked (no Content-Length) */
  chunked?: boolean;
  timeoutMs?: number;
  agent?: http.Agent | false;
}

export type Body = string | Buffer | object | undefined;

/** keep-alive sockets are reused: guard each one once */
const guarded = new WeakSet<object>();

export function request(base: string, method: string, target: string, body?: Body, opts: ReqOptions = {}): Promise<Res> {
  const u = new URL(base);
  const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { ...opts.headers };
  if (payload && !opts.chunked) headers['content-length'] = String(payload.length);
  if (payload && opts.chunked) headers['transfer-encoding'] = 'chunked';
  if (payload && !headers['content-type']) headers['content-type'] = 'application/json';
  return new Promise<Res>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: target, headers, agent: opts.agent, timeout: opts.timeoutMs ?? 60_000 });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json<T>() {
            try {
              return JSON.parse(text) as T;
            } catch {
              throw new Error(`${method} ${target}: body is not JSON (${res.statusCode}): ${text.slice(0, 200)}`);
            }
          },
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${target}: timed out`)));
    // a reset after the answer (server closed while the body was still going out) must not crash the run
    req.on('socket', (s) => {
      if (guarded.has(s)) return;
      guarded.add(s);
      s.on('error', () => {});
    });
    // A server may answer (413) and close before a large body is fully written; the answer counts.
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    if (payload && opts.chunked) {
      for (let i = 0; i < payload.length; i += 64 * 1024) req.write(payload.subarray(i, i + 64 * 1024));
      req.end();
    } else {
      req.end(payload);
    }
  });
}

export interface Client {
  base: string;
  req(method: string, target: string, body?: Body, opts?: ReqOptions): Promise<Res>;
  get(target: string): Promise<Res>;
  post(target: string, body?: Body, opts?: ReqOptions): Promise<Res>;
  put(target: string, body?: Body, opts?: ReqOptions): Promise<Res>;
  patch(target: string, body?: Body, opts?: ReqOptions): Promise<Res>;
  del(target: string): Promise<Res>;
}

export function client(base: string): Client {
  const req = (method: string, target: string, body?: Body, opts?: ReqOptions) => request(base, method, target, body, opts);
  return {
    base,
    req,
    get: (t) => req('GET', t),
    post: (t, b, o) => req('POST', t, b, o),
    put: (t, b, o) => req('PUT', t, b, o),
    patch: (t, b, o) => req('PATCH', t, b, o),
    del: (t) => req('DELETE', t),
  };
}

// The API's JSON shapes (swagger definitions, docs/api.md, Admin API).
export interface ApiApp {
  name: string;
  config: Record<string, string>;
}
export interface ApiRoute {
  app_name: string;
  path: string;
  image: string;
  memory: number;
  type: string;
  format: string;
  max_concurrency: number;
  timeout: number;
  idle_timeout: number;
  config: Record<string, string>;
  headers?: Record<string, string[]>;
}
export interface AppBody {
  message: string;
  app: ApiApp;
}
export interface AppsBody {
  message: string;
  apps: ApiApp[];
}
export interface RouteBody {
  message: string;
  route: ApiRoute;
}
export interface RoutesBody {
  message: string;
  routes: ApiRoute[];
}
export interface ErrorBody {
  error: { message: string };
}

/** Asserts a status and a JSON error body `{"error":{"message":...}}` whose message equals (or matches) `message`. */
export function expectError(res: Res, status: number, message?: string | RegExp, what = ''): void {
  const ctx = `${what ? what + ': ' : ''}${res.status} ${res.text.slice(0, 300)}`;
  assert.is(res.status, status, `status: ${ctx}`);
  assert.match(String(res.headers['content-type']), /application\/json/, `content-type: ${ctx}`);
  const body = res.json<ErrorBody>();
  assert.type(body.error, 'object', `error object: ${ctx}`);
  assert.type(body.error.message, 'string', `error.message: ${ctx}`);
  assert.equal(Object.keys(body), ['error'], `only "error" at top level: ${ctx}`);
  if (typeof message === 'string') assert.is(body.error.message, message, `message: ${ctx}`);
  else if (message) assert.match(body.error.message, message, `message: ${ctx}`);
}

/** Asserts a status and returns the JSON body. */
export function expectOk<T>(res: Res, status = 200, what = ''): T {
  assert.is(res.status, status, `${what ? what + ': ' : ''}${res.status} ${res.text.slice(0, 300)}`);
  assert.match(String(res.headers['content-type']), /application\/json/);
  return res.json<T>();
}

export interface Snapshot {
  apps: ApiApp[];
  routes: ApiRoute[];
}

/** Everything stored, as the API shows it. */
export async function snapshot(c: Client): Promise<Snapshot> {
  const apps = expectOk<AppsBody>(await c.get('/v1/apps')).apps;
  const routes = expectOk<RoutesBody>(await c.get('/v1/routes')).routes;
  const key = (r: ApiRoute) => `${r.app_name}\u0000${r.path}`;
  return {
    apps: [...apps].sort((a, b) => a.name.localeCompare(b.name)),
    routes: [...routes].sort((a, b) => key(a).localeCompare(key(b))),
  };
}

/** Runs `fn` (which sends a bad request and checks the answer) and asserts nothing stored changed. */
export async function expectNoChange(c: Client, what: string, fn: () => Promise<void>): Promise<void> {
  const before = await snapshot(c);
  await fn();
  const after = await snapshot(c);
  assert.equal(after, before, `stored data changed after: ${what}`);
}
