// src/gateway: the /r path, from the request to the runner or the queue: this handler, the route cache
// (route-cache.ts, no DB on the call path), call ids (call-id.ts), its cancellation (call-cancel.ts), call building and the response
// policy (invoke.ts, pure), and what it needs from the runner and the queue (types.ts).
// May import: request, models, store, runner (types only), metrics (types only), log (types only), node
// built-ins. Never http: the node server hands /r to this handler, not the other way round.
//
// ANY /r/{app}/{path...}: the invocation gateway, as a plain node request handler (src/http/server.ts
// hands it every /r target). It is the hot path, so it skips Hono's web Request/Response layers
// (measured: ~25% of the gateway's CPU per hot call); the admin API stays on Hono. Reads top to
// bottom: route lookup (cache, no DB) -> input -> runner (sync) or durable queue (async) -> response
// with Fn-Call-Id -> call record (batched, off the path) -> metrics. A node-wide cap on calls in flight
// sheds load with an immediate 503; a route whose hot containers and queue are full answers 429; both
// carry Retry-After. A call counts against the cap only once its body is in: a client that sends its
// body slowly holds a connection (bounded by the body deadline and the per-client connection cap,
// src/http/server.ts), never a slot of the cap. Hot `http` calls stream: their answer goes to the
// client as the function writes it (the runner writes through a ResponseSink), and a body still
// arriving past STREAM_BODY_AFTER flows into the function (it counts from then on, bounded by the
// body deadline). A failure answers through the same error mapping as the admin API
// (src/request/errors.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostHit, RouteCache } from './route-cache.ts';
import { newCallId } from './call-id.ts';
import { CallCancel } from './call-cancel.ts';
import { buildCall, rawHeaderMap, responseOf, streamedHeaders, usesPayloadParam } from './invoke.ts';
import type { CallSink, Invoker } from './types.ts';
import type { ResponseSink } from '../runner/types.ts';
import { hasDotSegment } from '../request/dot-segments.ts';
import { readIncoming, readOrStream, StreamedBody } from '../request/body.ts';
import { bearer, verifyHs256 } from '../request/jwt.ts';
import { errorResponse, noteError } from '../request/errors.ts';
import type { Logger } from '../log.ts';
import type { ErrorKind } from '../metrics/podfn.ts';
import type { App } from '../models/app.ts';
import type { Route } from '../models/route.ts';

export interface GatewayDeps {
  cache: RouteCache;
  runner: Invoker;
  calls: CallSink;
  log: Logger;
  syncBodyLimit: number;
  asyncBodyLimit: number;
  /** /r calls in progress at once on this node, counted from when the body is in; above it: 503 + Retry-After (default: no cap) */
  maxInflight?: number;
  metrics?: GatewayMetrics;
  /** PODFN_PUBLIC_URL (no trailing slash): the base of call URLs; else the client's Host, which it controls */
  publicUrl?: string;
}

/** The recorders the gateway calls (src/metrics/podfn.ts); O(1) each. */
export interface GatewayMetrics {
  call(routeKey: object, app: string, path: string, format: string, status: number, durationMs: number, coldStart?: boolean, startMs?: number): void;
  error(kind: ErrorKind): void;
}

/**
 * A node request listener for /r targets, plus its count of calls in flight (for metrics and nodes),
 * and the entry for Function URLs: `byHost` takes a request whose host name (request/host.ts) a route
 * or app claims and serves it as that route, answering true; false (nothing claims it) leaves the
 * request to the caller.
 */
export type GatewayHandler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  inflight: () => number;
  byHost: (req: IncomingMessage, res: ServerResponse, host: string) => boolean;
};

/** How a Function URL call differs from an /r one: its URL and the target the function sees. */
interface Via {
  url: string;
  target: string;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: string[] = []): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, ['Content-Type', 'application/json', 'Content-Length', String(buf.length), ...headers]);
  res.end(buf);
}

const sendError = (res: ServerResponse, status: number, message: string, headers: string[] = []) => sendJson(res, status, { error: { message } }, headers);

const errorKind = (status: number): ErrorKind =>
  status === 401
    ? 'unauthorized'
    : status === 404
      ? 'not_found'
      : status === 413
        ? 'body_too_large'
        : status === 429
          ? 'throttled'
          : status === 503
            ? 'overloaded'
            : status >= 500
              ? 'internal'
              : 'bad_request';

const EMPTY = Buffer.alloc(0);

/**
 * A body still arriving after this many bytes streams into a hot `http` function instead of being read
 * whole first. Below it (most bodies: one or a few packets) the call starts only once the body is in,
 * so a slow client holds a connection, never a container; above it the call starts at once and a slow
 * client may hold its container, for at most the body deadline (PODFN_BODY_TIMEOUT_MS, counted from
 * the body's first byte) and at the price of 64 KiB sent.
 */
const STREAM_BODY_AFTER = 64 * 1024;

/**
 * The call is over but its streamed body is not all in: nobody reads the rest, so the connection ends
 * with this answer (Connection: close, or ended after a streamed answer that already went out).
 */
function dropRest(body: StreamedBody, res: ServerResponse): void {
  body.destroy();
  if (!res.headersSent) res.shouldKeepAlive = false;
  else if (!res.writableFinished) res.once('finish', () => res.socket?.end());
  else res.socket?.end();
}

/** Adds Retry-After to the flat header list of a shed call (429 route busy, 503 platform busy). */
function withRetryAfter(status: number, headers: string[]): string[] {
  return status === 429 || status === 503 ? [...headers, 'Retry-After', '1'] : headers;
}

export function gatewayHandler(deps: GatewayDeps): GatewayHandler {
  const metrics = deps.metrics;
  const fail = (res: ServerResponse, status: number, message: string, headers: string[] = [], kind = errorKind(status)) => {
    metrics?.error(kind);
    sendError(res, status, message, headers);
  };
  let inflight = 0;
  const max = deps.maxInflight ?? Infinity;
  const shed = (res: ServerResponse) => fail(res, 503, `Server busy: ${max} calls in progress on this node`, ['Retry-After', '1']);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const target = req.url ?? '/r';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    const search = q < 0 ? '' : target.slice(q);
    if (hasDotSegment(pathname)) return fail(res, 400, 'Path malformed: . and .. segments are not allowed');
    const m = /^\/r\/([^/]+)(\/.*)?$/.exec(pathname);
    if (!m) return fail(res, 404, 'App not found');
    let appName: string;
    let routePath: string;
    try {
      appName = decodeURIComponent(m[1]!);
      routePath = decodeURIComponent(m[2] ?? '/');
    } catch {
      return fail(res, 400, 'Path malformed: bad percent-encoding');
    }
    const found = deps.cache.lookup(appName, routePath);
    if (!found.ok) return fail(res, 404, found.missing === 'app' ? 'App not found' : 'Route not found');
    return serve(req, res, started, target, search, found.app, found.route);
  }

  /** One call of a resolved route, from the JWT check on: an /r call (above) or a Function URL call (`via`, below). */
  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    target: string,
    search: string,
    app: App,
    route: Route,
    via?: Via,
  ): Promise<void> {
    // per-route JWT (IronFunctions' jwt_key): checked before the body is read
    if (route.jwtKey) {
      const token = bearer(req.headers.authorization);
      if (!token || !verifyHs256(token, Buffer.from(route.jwtKey, 'utf8'), Date.now())) {
        req.resume();
        return fail(res, 401, "Unauthorized: this route needs a valid JWT (Authorization: Bearer <token> signed with the route's jwt_key)", [
          'WWW-Authenticate',
          'Bearer',
        ]);
      }
    }

    const method = req.method ?? 'GET';
    const limit = route.type === 'async' ? deps.asyncBodyLimit : deps.syncBodyLimit;
    // hot `http` calls stream both ways; `default` and `json` need the whole answer (exit code,
    // envelope), async calls a stored body, HEAD has no body to stream
    const streams = route.format === 'http' && route.type !== 'async' && method !== 'HEAD';
    let body: Buffer;
    let bodyStream: StreamedBody | undefined;
    let declared = NaN;
    if (usesPayloadParam(method)) {
      body = Buffer.from(new URLSearchParams(search).get('payload') ?? '');
      req.resume();
    } else {
      declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > limit) {
        req.resume();
        return fail(res, 413, `Request body too large: the limit is ${limit} bytes`, ['Connection', 'close']);
      }
      const got = streams ? await readOrStream(req, limit, STREAM_BODY_AFTER) : await readIncoming(req, limit);
      if (got instanceof StreamedBody) {
        bodyStream = got;
        body = EMPTY;
      } else body = got;
    }
    if (body.length > limit) return fail(res, 413, `Request body too large: the limit is ${limit} bytes`);

    // counted from here, not from the request's arrival: slow or unfinished bodies must not fill the
    // cap (a streamed body counts from its first STREAM_BODY_AFTER bytes, when it starts to flow)
    if (inflight >= max) {
      if (bodyStream) dropRest(bodyStream, res);
      return shed(res);
    }
    inflight++;
    try {
      const now = Date.now();
      const id = newCallId(now);
      const url = via ? via.url : `${deps.publicUrl || `http://${req.headers.host ?? 'localhost'}`}${target}`;
      // the client going away cancels the call and frees its container
      const cancel = new CallCancel();
      const onClose = () => {
        if (!res.writableEnded) cancel.abort();
      };
      res.once('close', onClose);
      const sink: ResponseSink | undefined = streams
        ? {
            start(status, fnHeaders, length) {
              const headers = withRetryAfter(status, streamedHeaders(fnHeaders, route, id));
              if (length !== undefined) headers.push('Content-Length', String(length));
              // no length: node sends it chunked (HTTP/1.1) or closes the connection at its end (1.0)
              res.writeHead(status, headers);
              return res;
            },
          }
        : undefined;
      const call = buildCall({
        id,
        app,
        route,
        // the app's secrets, only for a route that lists some (one Map lookup)
        secrets: route.secrets?.length ? deps.cache.secretsOf(app.name) : undefined,
        method,
        url,
        headers: rawHeaderMap(req.rawHeaders),
        body,
        bodyStream,
        bodyLength: bodyStream && Number.isFinite(declared) ? declared : undefined,
        sink,
        now,
        signal: cancel,
        target: via?.target,
      });

      if (route.type === 'async') {
        await deps.calls.enqueue(call, now);
        sendJson(res, 202, { call_id: id }, ['Fn-Call-Id', id]);
        metrics?.call(route, app.name, route.path, route.format, 202, Date.now() - started);
        return;
      }
      const ran = await deps.runner.run(call);
      // the route's own cap (hot containers + queue) is a client-side "slow down", not a server fault
      let result = ran.throttled ? { ...ran, status: 429 } : ran;
      const bodyFault = bodyStream?.failure;
      // the client's body failed while it streamed (cap, deadline, gone): its status, not the runner's
      if (bodyFault) result = { ...result, status: bodyFault.status, error: bodyFault.message, outcome: 'error', reason: undefined };
      if (bodyStream && !bodyStream.complete) dropRest(bodyStream, res);
      let status = result.status;
      if (!result.streamed) {
        const out = responseOf(result, route, id);
        status = out.status;
        if (!res.destroyed && !res.headersSent) {
          res.writeHead(out.status, [...withRetryAfter(out.status, out.headers), 'Content-Length', String(out.body.length)]);
          res.end(method === 'HEAD' ? undefined : out.body);
        } else if (!res.writableEnded) res.destroy(); // a streamed answer cut short before the runner knew
      }
      deps.calls.recordSync(call, result, now);
      if (metrics) {
        const startMs = result.coldStart && result.startedAt !== undefined ? result.startedAt - now : -1;
        metrics.call(route, app.name, route.path, route.format, status, Date.now() - started, result.coldStart === true, startMs);
        if (bodyFault) metrics.error(errorKind(bodyFault.status));
        else if (result.error)
          metrics.error(
            result.throttled
              ? 'throttled'
              : result.status === 499
                ? 'cancelled'
                : result.streamed
                  ? 'truncated'
                  : result.status === 504
                    ? 'timeout'
                    : result.platformError
                      ? 'platform'
                      : 'function',
          );
      }
    } finally {
      inflight--;
    }
  }

  function crashed(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (res.headersSent) return void res.destroy();
    const answer = errorResponse(err);
    noteError(deps.log, err, answer, { url: req.url });
    // an ApiError's headers go out with it (e.g. 408 body timeout: Connection: close); a database
    // that cannot take the async call is the platform's fault, not an overloaded node
    fail(res, answer.status, answer.message, Object.entries(answer.headers).flat(), answer.cause === 'database' ? 'platform' : errorKind(answer.status));
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (inflight >= max) {
      // already full: shed at once, before reading the body or looking anything up (the cheapest answer);
      // handle() checks again once the body is in, which is where a call starts to count
      req.resume();
      return shed(res);
    }
    handle(req, res).catch((err: unknown) => crashed(req, res, err));
  };

  // ---- Function URLs: a host name claimed by a route (served at / and below) or an app (the path selects the route)
  const scheme = deps.publicUrl?.startsWith('https:') ? 'https' : 'http';

  async function handleHost(req: IncomingMessage, res: ServerResponse, hit: HostHit): Promise<void> {
    const started = Date.now();
    const target = req.url!;
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    const search = q < 0 ? '' : target.slice(q);
    if (hasDotSegment(pathname)) return fail(res, 400, 'Path malformed: . and .. segments are not allowed');
    // the URL the client used (the proxy in front terminates TLS: PODFN_PUBLIC_URL's scheme says which)
    const via: Via = { url: `${scheme}://${req.headers.host}${target}`, target };
    if (hit.route) return serve(req, res, started, target, search, hit.app, hit.route, via);
    let routePath: string;
    try {
      routePath = decodeURIComponent(pathname);
    } catch {
      return fail(res, 400, 'Path malformed: bad percent-encoding');
    }
    const found = deps.cache.lookup(hit.app.name, routePath);
    if (!found.ok) return fail(res, 404, found.missing === 'app' ? 'App not found' : 'Route not found');
    return serve(req, res, started, target, search, found.app, found.route, via);
  }

  const byHost = (req: IncomingMessage, res: ServerResponse, host: string): boolean => {
    // origin-form targets only (`*` and absolute forms stay with the caller's usual answer)
    if (!deps.cache.hasHosts || req.url?.[0] !== '/') return false;
    const hit = deps.cache.matchHost(host);
    if (!hit) return false;
    if (inflight >= max) {
      req.resume();
      shed(res);
      return true;
    }
    handleHost(req, res, hit).catch((err: unknown) => crashed(req, res, err));
    return true;
  };
  return Object.assign(handler, { inflight: () => inflight, byHost });
}
