// The Unix-socket transport against a real node:http server on a real socket (no Podman): one
// kept-alive connection, response cap while streaming, deadline, a connection the function closed
// while idle, a function dying mid-response.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'node:net';
import { SocketTransport } from '../../src/runner/socket-transport.ts';
import { TransportError } from '../../src/runner/transport.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'podfn-st-'));
const sock = path.join(dir, 'lsnr.sock');
const connections = new Set<Socket>();
let connCount = 0;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    switch (req.url) {
      case '/big-declared':
        res.writeHead(200, { 'Content-Length': 5000 });
        res.end(Buffer.alloc(5000));
        return;
      case '/big-chunked':
        res.writeHead(200);
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000));
        res.end();
        return;
      case '/slow':
        setTimeout(() => res.end('late'), 500);
        return;
      case '/die':
        res.writeHead(200, { 'Content-Length': 100 });
        res.write('partial');
        setTimeout(() => req.socket.destroy(), 10);
        return;
      default:
        res.writeHead(201, { 'X-A': '1', 'Content-Type': 'text/plain' });
        res.end(body);
    }
  });
});
server.keepAliveTimeout = 0;
server.on('connection', (s: Socket) => {
  connCount++;
  connections.add(s);
  s.on('close', () => connections.delete(s));
});

test.before(() => new Promise<void>((r) => server.listen(sock, r)));
test.after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const req = (target: string, body = '') => ({ method: 'POST', target, headers: [['X-In', 'v']] as Array<[string, string]>, body: Buffer.from(body) });

async function rejects(p: Promise<unknown>, kind: string, re?: RegExp): Promise<void> {
  try {
    await p;
    assert.unreachable('should reject');
  } catch (err) {
    assert.instance(err, TransportError);
    assert.is((err as TransportError).kind, kind, (err as Error).message);
    if (re) assert.match((err as Error).message, re);
  }
}

test('one kept-alive connection serves call after call', async () => {
  const t = new SocketTransport(sock, 1000);
  const before = connCount;
  for (let i = 0; i < 20; i++) {
    const r = await t.roundTrip(req('/echo', `body ${i}`), Date.now() + 1000);
    assert.is(r.status, 201);
    assert.is(r.body.toString(), `body ${i}`);
    assert.ok(r.headers.some(([n, v]) => n === 'X-A' && v === '1'));
  }
  assert.is(connCount - before, 1);
  t.close();
});

test('bodies arrive whole on one connection, sent with the head (small) or after it (large), binary and empty', async () => {
  const t = new SocketTransport(sock, 1 << 20);
  const before = connCount;
  for (const size of [0, 1, 11, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 200_000]) {
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 7 + size) & 0xff; // every byte value, latin1 and beyond
    const r = await t.roundTrip({ method: 'PUT', target: '/echo', headers: [['X-Size', String(size)]], body }, Date.now() + 2000);
    assert.is(r.status, 201);
    assert.ok(r.body.equals(body), `body of ${size} bytes`);
  }
  assert.is(connCount - before, 1, 'the connection stays aligned after each size');
  t.close();
});

test('responses over the cap fail, declared or streamed', async () => {
  const t = new SocketTransport(sock, 1000);
  await rejects(t.roundTrip(req('/big-declared'), Date.now() + 1000), 'too_large', /exceeds 1000 bytes/);
  await rejects(t.roundTrip(req('/big-chunked'), Date.now() + 1000), 'too_large');
  t.close();
});

test('deadline -> timeout; past deadline fails at once', async () => {
  const t = new SocketTransport(sock, 1000);
  // /slow answers after 500 ms: a 'timeout' (not its answer) is the 100 ms deadline firing first
  await rejects(t.roundTrip(req('/slow'), Date.now() + 100), 'timeout');
  await rejects(t.roundTrip(req('/echo'), Date.now() - 1), 'timeout');
  t.close();
});

test('a connection the function closed while idle is replaced transparently', async () => {
  const t = new SocketTransport(sock, 1000);
  assert.is((await t.roundTrip(req('/echo', 'a'), Date.now() + 1000)).status, 201);
  for (const s of connections) s.destroy(); // the function drops its idle keep-alive connection
  assert.is((await t.roundTrip(req('/echo', 'b'), Date.now() + 1000)).body.toString(), 'b');
  t.close();
});

test('function dies mid-response -> broken', async () => {
  const t = new SocketTransport(sock, 1000);
  await rejects(t.roundTrip(req('/die'), Date.now() + 1000), 'broken');
  t.close();
  const gone = new SocketTransport(path.join(dir, 'nothing.sock'), 1000);
  await rejects(gone.roundTrip(req('/echo'), Date.now() + 1000), 'broken', /ENOENT/);
});

test.run();
