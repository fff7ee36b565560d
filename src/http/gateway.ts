// ANY /r/{app}/{path...}: the invocation gateway. Reads top to bottom: route lookup (cache, no DB) ->
// input -> call record -> runner (sync) or durable queue (async) -> response with Fn-Call-Id.
import { Hono, type Context } from 'hono';
import type { RouteCache } from '../gateway/route-cache.ts';
import { newCallId } from '../gateway/call-id.ts';
import { buildCall, rawHeaderMap, responseOf, usesPayloadParam } from '../gateway/invoke.ts';
import type { CallRequest, CallResult } from '../runner/types.ts';
import { nodeIncoming, readBody } from './body.ts';
import { rawPathname } from './raw-path.ts';
import { jsonError } from './errors.ts';
import type { Logger } from '../log.ts';

export interface Invoker {
  run(call: CallRequest): Promise<CallResult>;
}

/** Where finished sync calls and accepted async calls go (src/queue). */
export interface CallSink {
  /** sync: recorded off the request path (batched); never throws */
  recordSync(call: CallRequest, result: CallResult, createdAt: number): void;
  /** async: committed before it resolves, so a 202 is never a lost call */
  enqueue(call: CallRequest, createdAt: number): Promise<void>;
}

export interface GatewayDeps {
  cache: RouteCache;
  runner: Invoker;
  calls: CallSink;
  log: Logger;
  syncBodyLimit: number;
  asyncBodyLimit: number;
}

export function gatewayApi(deps: GatewayDeps) {
  const api = new Hono();
  const handle = async (c: Context) => {
    const url = new URL(c.req.url);
    // /r/{app}/{rest}: taken from the raw path so encoded characters reach the lookup unchanged
    const m = /^\/r\/([^/]+)(\/.*)?$/.exec(rawPathname(c));
    if (!m) return jsonError(c, 404, 'App not found');
    let appName: string;
    let routePath: string;
    try {
      appName = decodeURIComponent(m[1]!);
      routePath = decodeURIComponent(m[2] ?? '/');
    } catch {
      return jsonError(c, 400, 'Path malformed: bad percent-encoding');
    }
    const found = deps.cache.lookup(appName, routePath);
    if (!found.ok) return jsonError(c, 404, found.missing === 'app' ? 'App not found' : 'Route not found');
    const { app, route } = found;

    const method = c.req.method;
    const limit = route.type === 'async' ? deps.asyncBodyLimit : deps.syncBodyLimit;
    const body = usesPayloadParam(method) ? Buffer.from(url.searchParams.get('payload') ?? '') : await readBody(c, limit);
    if (body.length > limit) return jsonError(c, 413, `Request body too large: the limit is ${limit} bytes`);

    const now = Date.now();
    const id = newCallId(now);
    // node's raw header list when we have it: c.req.raw.headers would build an undici Headers per call
    const incoming = nodeIncoming(c);
    const headers = incoming ? rawHeaderMap(incoming.rawHeaders) : c.req.raw.headers;
    const call = buildCall({ id, app, route, method, url: c.req.url, headers, body, now, signal: c.req.raw.signal });

    if (route.type === 'async') {
      await deps.calls.enqueue(call, now);
      c.header('Fn-Call-Id', id);
      return c.json({ call_id: id }, 202);
    }
    const result = await deps.runner.run(call);
    deps.calls.recordSync(call, result, now);
    const res = responseOf(result, route, id);
    return new Response(method === 'HEAD' ? null : new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength), {
      status: res.status,
      headers: res.headers,
    });
  };
  api.all('/:app', handle);
  api.all('/:app/*', handle);
  return api;
}
