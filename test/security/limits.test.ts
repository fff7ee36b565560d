// Request limits and hostile input at the HTTP edge: header count and size caps (431, clean JSON
// answers, connection closed), NUL and bare CR/LF in header values (refused by the parser, so they
// never reach HEADER_* env vars), and no CORS headers by default. Raw sockets, byte for byte.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { startServer, type TestServer } from '../helpers/server.ts';
import { request } from '../helpers/http.ts';

const test = suite('request limits');
let srv: TestServer;

interface Raw {
  status: number;
  head: string;
  body: string;
  /** the server closed the connection */
  closed: boolean;
}

/** Sends bytes as they are and reads until the server closes (or 3 s pass). */
function raw(data: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const done = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const i = text.indexOf('\r\n\r\n');
      const head = i < 0 ? text : text.slice(0, i);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: i < 0 ? '' : text.slice(i + 4), closed });
    };
    const timer = setTimeout(() => sock.destroy(), 3000);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => (closed = true));
    sock.on('close', () => {
      clearTimeout(timer);
      done();
    });
    sock.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    sock.write(data);
  });
}

const headers = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: v\r\n`).join('');

function assertCleanError(r: Raw, status: number, what: string): void {
  assert.is(r.status, status, `${what}: ${r.head}`);
  assert.match(r.head, /\r\nContent-Type: application\/json/i, what);
  const len = Number(/\r\nContent-Length: (\d+)/i.exec(r.head)?.[1]);
  assert.is(Buffer.byteLength(r.body), len, `${what}: the whole body, as declared`);
  const body = JSON.parse(r.body) as { error: { message: string } };
  assert.type(body.error.message, 'string', what);
  assert.ok(r.closed, `${what}: connection closed`);
}

test.before(async () => {
  srv = await startServer({ env: { PODFN_MAX_HEADERS: '20', PODFN_MAX_HEADER_BYTES: '4096' } });
});

test.after(async () => {
  await srv?.stop();
});

test('more header fields than PODFN_MAX_HEADERS: 431 on /r and the admin API; at the limit: served', async () => {
  for (const target of ['/r/app/route', '/v1/apps', '/']) {
    assertCleanError(await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\n${headers(20)}\r\n`), 431, `${target} 21 fields`);
    const ok = await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\n${headers(18)}Connection: close\r\n\r\n`);
    assert.ok(ok.status === 200 || ok.status === 404, `${target} 20 fields: ${ok.head}`);
  }
});

test('headers over PODFN_MAX_HEADER_BYTES: node answers 431, clean, and closes', async () => {
  for (const target of ['/r/app/route', '/v1/apps']) {
    assertCleanError(await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`), 431, `${target} one big header`);
    assertCleanError(await raw(`GET ${target}?${'q'.repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`), 431, `${target} long request line`);
  }
  // the server is still fine afterwards
  assert.is((await request(srv.url, 'GET', '/healthz')).status, 200);
});

test('NUL, bare CR and bare LF in header values are refused by the parser (400, clean)', async () => {
  for (const [what, value] of [
    ['NUL', 'a\0b'],
    ['CR', 'a\rb'],
    ['LF-in-name', 'a\nX-Injected: 1'],
  ] as const) {
    const r = await raw(`POST /r/app/route HTTP/1.1\r\nHost: x\r\nX-Evil: ${value}\r\nContent-Length: 0\r\n\r\n`);
    if (what === 'LF-in-name') {
      // node accepts a bare LF as a line end: it is a second, separate header, never part of a value
      assert.ok(r.status === 404 || r.status === 400, `${what}: ${r.head}`);
    } else assertCleanError(r, 400, what);
  }
});

test('no CORS headers by default (admin API, gateway, preflight)', async () => {
  const origin = { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' };
  for (const [method, target] of [
    ['OPTIONS', '/v1/apps'],
    ['GET', '/v1/apps'],
    ['OPTIONS', '/r/app/route'],
    ['GET', '/r/app/route'],
    ['GET', '/'],
  ] as const) {
    const res = await request(srv.url, method, target, undefined, { headers: origin });
    const cors = Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));
    assert.equal(cors, [], `${method} ${target}: ${cors.join(', ')}`);
  }
});

test.run();
