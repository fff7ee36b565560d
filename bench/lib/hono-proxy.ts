// The "bare Hono proxy" baseline (docs/benchmarks.md): a Hono app on @hono/node-server that forwards every
// request to one function's Unix socket over a keep-alive agent with a single connection (the same
// one-connection-per-container shape as the gateway), copying method, path, headers and body both
// ways. No route lookup, call ids, pools or limits: what any Hono-on-Node proxy costs.
// Usage: node --import tsx bench/lib/hono-proxy.ts <socket path> [port]; prints {"port":N} when ready.
import http from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const socketPath = process.argv[2];
if (!socketPath) throw new Error('usage: hono-proxy.ts <socket path> [port]');
const port = Number(process.argv[3] ?? 0);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

interface Upstream {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

function forward(method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, socketPath, method, path, headers: { ...headers, host: 'localhost', 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Array<[string, string]> = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          if (!HOP.has(res.rawHeaders[i]!.toLowerCase())) out.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        }
        resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const app = new Hono();
app.all('*', async (c) => {
  const url = new URL(c.req.url);
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((v, k) => {
    if (!HOP.has(k)) headers[k] = v;
  });
  const body = Buffer.from(await c.req.arrayBuffer());
  try {
    const up = await forward(c.req.method, url.pathname + url.search, headers, body);
    return new Response(new Uint8Array(up.body.buffer, up.body.byteOffset, up.body.byteLength), { status: up.status, headers: up.headers });
  } catch (err) {
    return c.json({ error: { message: (err as Error).message } }, 502);
  }
});

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ port: info.port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
