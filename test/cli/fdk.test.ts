// The Node FDK without Podman: the same handler run as a plain child process in the default format
// (env + stdin -> stdout, exit code) and in the hot formats (FN_LISTENER socket: temp name renamed into
// place with mode 0666, keep-alive calls one at a time, http and json envelopes, errors as 500).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const test = suite('cli fdk/node');
const FDK = fileURLToPath(new URL('../../fdk/node/index.js', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-fdk-'));
const script = path.join(dir, 'fn.cjs');
fs.writeFileSync(
  script,
  `const { handle } = require(${JSON.stringify(FDK)});
let n = 0;
handle(async (input, ctx) => {
  n++;
  if (input === 'throw') throw new Error('boom');
  if (input === 'slow') await new Promise((r) => setTimeout(r, 150));
  if (input === 'bytes') return Buffer.from([0xff, 0x00]);
  if (input === 'full') return { status: 201, headers: { 'X-A': 'b' }, body: 'made' };
  return { n, kind: Buffer.isBuffer(input) ? 'buffer' : typeof input, input: Buffer.isBuffer(input) ? input.toString('hex') : input,
    callId: ctx.callId, deadline: ctx.deadline.toISOString(), method: ctx.method, requestUrl: ctx.requestUrl,
    ua: ctx.headers['user-agent'] ?? null, greeting: ctx.config.GREETING ?? null, format: ctx.format };
});
`,
);
const children: ChildProcess[] = [];

test.after(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function cold(input: Buffer | string, env: Record<string, string>): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env } });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr })));
}

const COLD_ENV = {
  FN_CALL_ID: 'c1',
  FN_DEADLINE: '2030-01-01T00:00:00.000Z',
  FN_METHOD: 'PUT',
  FN_REQUEST_URL: 'http://h/r/a/p',
  HEADER_USER_AGENT: 'ua/1',
  GREETING: 'hey',
};

test('default format: stdin once, ctx from the environment, stdout', async () => {
  let r = await cold('{"name":"x"}', { ...COLD_ENV, HEADER_CONTENT_TYPE: 'application/json' });
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.toString()), {
    n: 1,
    kind: 'object',
    input: { name: 'x' },
    callId: 'c1',
    deadline: '2030-01-01T00:00:00.000Z',
    method: 'PUT',
    requestUrl: 'http://h/r/a/p',
    ua: 'ua/1',
    greeting: 'hey',
    format: 'default',
  });
  r = await cold(Buffer.from([0xc3, 0x28]), COLD_ENV);
  assert.is((JSON.parse(r.stdout.toString()) as { kind: string }).kind, 'buffer');
  r = await cold('bytes', COLD_ENV);
  assert.equal(r.stdout, Buffer.from([0xff, 0x00]));
  r = await cold('full', COLD_ENV);
  assert.is(r.stdout.toString(), 'made'); // cold: body only
  r = await cold('throw', COLD_ENV);
  assert.is(r.code, 1);
  assert.match(r.stderr, /function error: Error: boom/);
});

async function hot(format: string): Promise<{ sock: string; agent: http.Agent }> {
  const iofs = fs.mkdtempSync(path.join(dir, `iofs-${format}-`));
  const sock = path.join(iofs, 'lsnr.sock');
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', FN_LISTENER: `unix:${sock}`, FN_FORMAT: format, GREETING: 'hot' },
    stdio: 'ignore',
  });
  children.push(child);
  for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(fs.existsSync(sock), 'lsnr.sock appeared');
  assert.is(fs.statSync(sock).mode & 0o777, 0o666);
  assert.equal(fs.readdirSync(iofs), ['lsnr.sock']); // the temp name was renamed, not left behind
  return { sock, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
}

function req(
  h: { sock: string; agent: http.Agent },
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ socketPath: h.sock, agent: h.agent, method, path: url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

test('http format: headers carry the call; status and headers come back; one call at a time', async () => {
  const h = await hot('http');
  let r = await req(
    h,
    'POST',
    '/p?x=1',
    {
      'Fn-Call-Id': 'c2',
      'Fn-Deadline': '2030-01-01T00:00:00.000Z',
      'Fn-Method': 'POST',
      'Fn-Request-Url': 'http://h/r/a/p?x=1',
      'User-Agent': 'ua/2',
      'Content-Type': 'text/plain',
    },
    'hi',
  );
  assert.is(r.status, 200);
  assert.equal(JSON.parse(r.body.toString()), {
    n: 1,
    kind: 'string',
    input: 'hi',
    callId: 'c2',
    deadline: '2030-01-01T00:00:00.000Z',
    method: 'POST',
    requestUrl: 'http://h/r/a/p?x=1',
    ua: 'ua/2',
    greeting: 'hot',
    format: 'http',
  });
  r = await req(h, 'POST', '/p', {}, 'full');
  assert.is(r.status, 201);
  assert.is(r.headers['x-a'], 'b');
  assert.is(r.body.toString(), 'made');
  r = await req(h, 'POST', '/p', {}, 'throw');
  assert.is(r.status, 500);
  assert.match(r.body.toString(), /function error: boom/);
  // two calls sent at once on two connections are still handled one after the other
  const two = { sock: h.sock, agent: new http.Agent({ keepAlive: true }) };
  const t0 = Date.now();
  await Promise.all([req(two, 'POST', '/p', {}, 'slow'), req(two, 'POST', '/p', {}, 'slow')]);
  assert.ok(Date.now() - t0 >= 290, `serialized (${Date.now() - t0} ms)`);
  r = await req(h, 'POST', '/p', {}, 'x');
  assert.is((JSON.parse(r.body.toString()) as { n: number }).n, 6); // state kept across calls: hot
});

test('json format: envelope in, envelope out (base64 for bytes)', async () => {
  const h = await hot('json');
  const env = (body: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      call_id: 'c3',
      deadline: '2030-01-01T00:00:00.000Z',
      method: 'GET',
      request_url: 'http://h/r/a/p',
      headers: { 'User-Agent': ['ua/3'] },
      content_type: 'application/json',
      body,
      body_encoding: 'utf8',
      ...extra,
    });
  let r = await req(h, 'POST', '/call', { 'Content-Type': 'application/json' }, env('{"k":1}'));
  assert.is(r.status, 200);
  let e = JSON.parse(r.body.toString()) as {
    status_code: number;
    headers: Record<string, string[]>;
    content_type: string;
    body: string;
    body_encoding: string;
  };
  assert.is(e.status_code, 200);
  assert.is(e.content_type, 'application/json');
  assert.equal(JSON.parse(e.body), {
    n: 1,
    kind: 'object',
    input: { k: 1 },
    callId: 'c3',
    deadline: '2030-01-01T00:00:00.000Z',
    method: 'GET',
    requestUrl: 'http://h/r/a/p',
    ua: 'ua/3',
    greeting: 'hot',
    format: 'json',
  });
  r = await req(h, 'POST', '/call', {}, env(Buffer.from('bytes').toString('base64'), { body_encoding: 'base64', content_type: 'text/plain' }));
  e = JSON.parse(r.body.toString()) as typeof e;
  assert.equal([e.body_encoding, Buffer.from(e.body, 'base64')], ['base64', Buffer.from([0xff, 0x00])]);
  r = await req(h, 'POST', '/call', {}, env('full', { content_type: 'text/plain' }));
  e = JSON.parse(r.body.toString()) as typeof e;
  assert.equal([e.status_code, e.headers['X-A'], e.body], [201, ['b'], 'made']);
  r = await req(h, 'POST', '/call', {}, env('throw', { content_type: 'text/plain' }));
  e = JSON.parse(r.body.toString()) as typeof e;
  assert.is(e.status_code, 500);
});

test.run();
