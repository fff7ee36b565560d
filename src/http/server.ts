// The node HTTP server, where every request enters: /r goes to the plain-node gateway handler
// (src/gateway/handler.ts, handed in by src/main.ts), everything else to the Hono admin app (app.ts).
// Function URLs come first: a request whose Host a route or app claims goes to the gateway whatever its
// path (/v1 and /r included: a claimed host serves only its function); an unclaimed host goes on as
// above. A malformed Host header is refused (400) before either.
// Also the request-header limits: node itself refuses headers over maxHeaderSize (431); this file
// refuses more than maxHeaders header fields (431) and turns node's parser errors into clean JSON
// answers instead of node's bodiless default.
// And the defences against slow and greedy clients, which would otherwise hold connections (and file
// descriptors) for minutes at no cost to themselves: a deadline for the request line and headers, one
// for the body (src/request/body.ts), and a cap on the connections one client address may hold open.
import http from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Hono } from 'hono';
import { setBodyTimeout } from '../request/body.ts';
import { requestHostName } from '../request/host.ts';

export interface ServerLimits {
  /** max header fields per request (431 above) */
  maxHeaders?: number;
  /** max bytes of request line + headers, node's maxHeaderSize (431 above) */
  maxHeaderBytes?: number;
  /** ms for the request line and headers to arrive, counted from the connection's opening or the
   * request's first byte (408 and close after); idle keep-alive time between requests does not count */
  headersTimeoutMs?: number;
  /** ms for a request body to arrive once the handler starts reading it (408 and close after) */
  bodyTimeoutMs?: number;
  /** connections one client address may hold open at once; more are closed unanswered (0 = no cap) */
  maxConnectionsPerClient?: number;
  /** told of each connection closed by that cap (podfn_connections_refused_total) */
  onConnectionRefused?: (cause: 'per_client') => void;
}

function rawAnswer(status: number, reason: string, message: string): string {
  const body = JSON.stringify({ error: { message } });
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** node's parser refused the request (malformed, headers too large) or it timed out: answer once, then close. */
function onClientError(err: Error & { code?: string }, socket: Socket): void {
  // as node's own handler: no raw answer into a response that has already started going out
  const inFlight = (socket as Socket & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) return void socket.destroy();
  const answer =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? rawAnswer(431, 'Request Header Fields Too Large', 'Request headers too large')
      : err.code === 'HPE_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? rawAnswer(408, 'Request Timeout', 'Request timed out: the request did not arrive in time')
        : rawAnswer(400, 'Bad Request', 'Bad request: malformed HTTP');
  socket.end(answer);
}

/**
 * At most `max` open connections per client address. A connection over the cap is destroyed as soon as
 * it is accepted, before node's parser sees it, without an answer: an answer written before the request
 * is read is usually lost anyway (closing with the unread request queued makes the kernel send a reset),
 * and reading the request first would spend on the greedy client what the cap exists to save. IPv6
 * clients are counted per full address.
 */
function capConnectionsPerClient(server: http.Server, max: number, onRefused?: (cause: 'per_client') => void): void {
  const open = new Map<string, number>();
  const release = (address: string) => {
    const n = (open.get(address) ?? 1) - 1;
    if (n > 0) open.set(address, n);
    else open.delete(address);
  };
  // prepended: runs before node's own 'connection' listener attaches the HTTP parser
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return; // already gone
    const n = open.get(address) ?? 0;
    if (n >= max) {
      onRefused?.('per_client');
      return void socket.destroy();
    }
    open.set(address, n + 1);
    socket.once('close', () => release(address));
  });
}

/** True for the targets the gateway handler owns: /r and /r/... (the rest is the admin app's). */
function isGatewayTarget(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/r') && (url.length === 2 || url[2] === '/' || url[2] === '?');
}

/** node-server could not turn the request into a URL (bad or missing Host, `*` or `\` targets): JSON, not a bare 400. */
function requestErrorAnswer(err: unknown): Response {
  const [status, message] = err instanceof RequestError ? [400, `Bad request: ${err.message}`] : [500, 'internal server error'];
  return new Response(JSON.stringify({ error: { message } }), { status, headers: { 'Content-Type': 'application/json' } });
}

/** The gateway as the server uses it: /r targets, and Function URLs (GatewayHandler's byHost). */
export type GatewayListener = http.RequestListener & { byHost?: (req: http.IncomingMessage, res: http.ServerResponse, host: string) => boolean };

export function createHttpServer(app: Hono, gateway: GatewayListener, limits: ServerLimits = {}): http.Server {
  const admin = getRequestListener(app.fetch, { errorHandler: requestErrorAnswer });
  const maxHeaders = limits.maxHeaders ?? 100;
  const tooMany = Buffer.from(JSON.stringify({ error: { message: `Too many request headers: the limit is ${maxHeaders}` } }));
  const noHost = Buffer.from(JSON.stringify({ error: { message: 'Bad request: missing Host header' } }));
  const badHost = Buffer.from(JSON.stringify({ error: { message: 'Bad request: invalid Host header' } }));
  const headersTimeout = limits.headersTimeoutMs ?? 10_000;
  const bodyTimeout = limits.bodyTimeoutMs ?? 10_000;
  setBodyTimeout(bodyTimeout);
  const options: http.ServerOptions = {
    maxHeaderSize: limits.maxHeaderBytes ?? 16 * 1024,
    // requireHostHeader off: node's own refusal has no body; the same rule is applied here, as JSON
    requireHostHeader: false,
    // node (>= 18) counts this from the connection's opening or from a request's first byte, never
    // across the idle time between keep-alive requests (so it may be far below keepAliveTimeout)
    headersTimeout,
    // node's limit on receiving a whole request; a backstop for bodies nobody reads (a handler that
    // answered without reading it): the body deadline of src/request/body.ts answers first, in JSON
    requestTimeout: headersTimeout + bodyTimeout + 5_000,
    // how often node looks for requests over those two deadlines (its default, 30 s, would let a
    // slow client keep its connection up to 30 s past them)
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
  };
  const server = http.createServer(options, (req, res) => {
    if (req.rawHeaders.length > maxHeaders * 2) {
      req.resume();
      res.writeHead(431, ['Content-Type', 'application/json', 'Content-Length', String(tooMany.length), 'Connection', 'close']);
      return void res.end(tooMany);
    }
    if (req.headers.host === undefined && req.httpVersion === '1.1') {
      req.resume();
      res.writeHead(400, ['Content-Type', 'application/json', 'Content-Length', String(noHost.length), 'Connection', 'close']);
      return void res.end(noHost);
    }
    const host = requestHostName(req.headers.host);
    if (host === null) {
      req.resume();
      res.writeHead(400, ['Content-Type', 'application/json', 'Content-Length', String(badHost.length), 'Connection', 'close']);
      return void res.end(badHost);
    }
    if (host !== '' && gateway.byHost?.(req, res, host)) return;
    if (isGatewayTarget(req.url)) gateway(req, res);
    else void admin(req, res);
  });
  // node parses at most this many header fields; one over the cap is enough to see it was exceeded
  server.maxHeadersCount = maxHeaders + 1;
  server.on('clientError', onClientError);
  // an Expect other than 100-continue: node's own 417 has no body
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = JSON.stringify({ error: { message: `Expectation failed: unsupported Expect ${JSON.stringify(req.headers.expect)}` } });
    req.resume();
    res.writeHead(417, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' }).end(body);
  });
  // keep-alive clients (load balancers, SDKs) reuse connections longer than node's 5 s default
  server.keepAliveTimeout = 65_000;
  const maxPerClient = limits.maxConnectionsPerClient ?? 256;
  if (maxPerClient > 0) capConnectionsPerClient(server, maxPerClient, limits.onConnectionRefused);
  return server;
}
