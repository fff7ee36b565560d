// The node HTTP server: /r goes to the plain-node gateway handler, everything else to the Hono app.
// Also the request-header limits: node itself refuses headers over maxHeaderSize (431); this file
// refuses more than maxHeaders header fields (431) and turns node's parser errors into clean JSON
// answers instead of node's bodiless default.
import http from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Hono } from 'hono';
import { isGatewayTarget, type NodeHandler } from './gateway.ts';

export interface ServerLimits {
  /** max header fields per request (431 above) */
  maxHeaders?: number;
  /** max bytes of request line + headers, node's maxHeaderSize (431 above) */
  maxHeaderBytes?: number;
}

function rawAnswer(status: number, reason: string, message: string): string {
  const body = JSON.stringify({ error: { message } });
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** node's parser refused the request (malformed, headers too large): answer once, then close. */
function onClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const answer =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? rawAnswer(431, 'Request Header Fields Too Large', 'Request headers too large')
      : err.code === 'HPE_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? rawAnswer(408, 'Request Timeout', 'Request timed out')
        : rawAnswer(400, 'Bad Request', 'Bad request: malformed HTTP');
  socket.end(answer);
}

/** node-server could not turn the request into a URL (bad or missing Host, `*` or `\` targets): JSON, not a bare 400. */
function requestErrorAnswer(err: unknown): Response {
  const [status, message] = err instanceof RequestError ? [400, `Bad request: ${err.message}`] : [500, 'internal server error'];
  return new Response(JSON.stringify({ error: { message } }), { status, headers: { 'Content-Type': 'application/json' } });
}

export function createHttpServer(app: Hono, gateway: NodeHandler, limits: ServerLimits = {}): http.Server {
  const admin = getRequestListener(app.fetch, { errorHandler: requestErrorAnswer });
  const maxHeaders = limits.maxHeaders ?? 100;
  const tooMany = Buffer.from(JSON.stringify({ error: { message: `Too many request headers: the limit is ${maxHeaders}` } }));
  const noHost = Buffer.from(JSON.stringify({ error: { message: 'Bad request: missing Host header' } }));
  // requireHostHeader off: node's own refusal has no body; the same rule is applied here, as JSON
  const server = http.createServer({ maxHeaderSize: limits.maxHeaderBytes ?? 16 * 1024, requireHostHeader: false }, (req, res) => {
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
  server.headersTimeout = 66_000;
  return server;
}
