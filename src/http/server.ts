// The node HTTP server: /r goes to the plain-node gateway handler, everything else to the Hono app.
import http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { isGatewayTarget, type NodeHandler } from './gateway.ts';

export function createHttpServer(app: Hono, gateway: NodeHandler): http.Server {
  const admin = getRequestListener(app.fetch);
  const server = http.createServer((req, res) => {
    if (isGatewayTarget(req.url)) gateway(req, res);
    else void admin(req, res);
  });
  // keep-alive clients (load balancers, SDKs) reuse connections longer than node's 5 s default
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
