// The "minimal raw-socket proxy" baseline (docs/benchmarks.md, issue 15): node:http in, ONE raw
// net.Socket out to the function's Unix socket, the request head written by hand, the answer parsed by
// Content-Length (no chunked answers, no pipelining: one request at a time on the one connection, the
// others wait in a FIFO, as the gateway does with one container). About as lean as a Node proxy with
// one connection per container gets; the bare Hono proxy (hono-proxy.ts) is what a framework costs.
// Usage: node --import tsx bench/lib/raw-proxy.ts <socket path> [port]; prints {"port":N} when ready.
import http from 'node:http';
import net from 'node:net';

const socketPath = process.argv[2];
if (!socketPath) throw new Error('usage: raw-proxy.ts <socket path> [port]');
const port = Number(process.argv[3] ?? 0);
const CRLF2 = Buffer.from('\r\n\r\n');

interface Job {
  head: string;
  body: Buffer;
  res: http.ServerResponse;
}

let sock: net.Socket | undefined;
let busy: Job | undefined;
const queue: Job[] = [];
let buf: Buffer = Buffer.alloc(0);
let need = -1; // total bytes of the current answer (head + body) once its head is parsed
let status = 0;
let headers: Array<[string, string]> = [];
let headLen = 0;

function connect(): net.Socket {
  const s = net.connect(socketPath!);
  s.on('data', onData);
  s.on('error', () => undefined);
  s.on('close', () => {
    if (sock === s) sock = undefined;
    const j = busy;
    busy = undefined;
    buf = Buffer.alloc(0);
    need = -1;
    if (j) {
      j.res.writeHead(502).end('upstream closed');
      next();
    }
  });
  return s;
}

function onData(chunk: Buffer): void {
  buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
  if (need < 0) {
    const end = buf.indexOf(CRLF2);
    if (end < 0) return;
    const lines = buf.toString('latin1', 0, end).split('\r\n');
    status = Number(lines[0]!.slice(9, 12));
    headers = [];
    let len = 0;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const c = line.indexOf(':');
      const name = line.slice(0, c);
      const value = line.slice(c + 1).trim();
      const lower = name.toLowerCase();
      if (lower === 'content-length') len = Number(value);
      else if (lower !== 'connection' && lower !== 'keep-alive' && lower !== 'date') headers.push([name, value]);
    }
    headLen = end + 4;
    need = headLen + len;
  }
  if (buf.length < need) return;
  const body = buf.subarray(headLen, need);
  buf = buf.subarray(need);
  need = -1;
  const j = busy!;
  busy = undefined;
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of headers) out[k] = v;
  out['content-length'] = body.length;
  j.res.writeHead(status, out).end(body);
  next();
}

function next(): void {
  if (busy) return;
  const j = queue.shift();
  if (!j) return;
  busy = j;
  sock ??= connect();
  sock.write(j.body.length > 0 ? Buffer.concat([Buffer.from(j.head, 'latin1'), j.body]) : j.head);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    let head = `${req.method} ${req.url} HTTP/1.1\r\nHost: localhost\r\n`;
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const lower = raw[i]!.toLowerCase();
      if (lower === 'host' || lower === 'connection' || lower === 'content-length' || lower === 'transfer-encoding' || lower === 'keep-alive') continue;
      head += `${raw[i]}: ${raw[i + 1]}\r\n`;
    }
    head += `Content-Length: ${body.length}\r\n\r\n`;
    queue.push({ head, body, res });
    next();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as net.AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
