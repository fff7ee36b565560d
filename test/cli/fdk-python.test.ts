// The Python FDK and runtime. First as test/cli/fdk.test.ts does for node, without Podman: one handler
// run with the host's python3 in the default format (env + stdin -> stdout, exit code) and in the hot
// formats (FN_LISTENER socket: temp name renamed into place with mode 0666, keep-alive calls one at a
// time, chunked bodies, http and json envelopes, errors as 500). Then against real Podman and a gateway:
// `podfn init --runtime python` (func.py, Containerfile FROM PYTHON_BASE, the FDK copied in), the
// template greeting Ada in every format, the same handler in containers (dict/str/bytes input,
// Response with status and headers, an exception -> 500 or, cold, 502 with the log), and the python
// example. Images build FROM pythonBase() (./python-base.ts): PYTHON_BASE when the test Podman has it,
// else a base made from the host's python3.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON_BASE } from '../../src/cli/base-images.ts';
import type { Podman } from '../../src/runner/podman.ts';
import { startServer, ROOT, type TestServer } from '../helpers/server.ts';
import { requirePodman, testSocketPath } from '../helpers/podman.ts';
import { pythonBase } from './python-base.ts';
import { runCli, jsonOf, type CliOptions } from './run-cli.ts';

const test = suite('cli fdk/python');
const FDK = fileURLToPath(new URL('../../fdk/python/podfn_fdk.py', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-fdkpy-'));

// The handler under test, the same on the host and in a container (there podfn_fdk.py sits beside it).
const HANDLER = String.raw`import time

from podfn_fdk import Response, handle

n = 0


async def later():
    return "awaited"


def fn(data, ctx):
    global n
    n += 1
    print("handler log")  # goes to stderr, never into the response
    if data == "throw":
        raise ValueError("boom")
    if data == "slow":
        time.sleep(0.15)
    if data == "bytes":
        return b"\xff\x00"
    if data == "full":
        return Response(201, {"X-A": "b"}, "made")
    if data == "async":
        return later()
    return {
        "n": n,
        "kind": type(data).__name__,
        "input": data.hex() if isinstance(data, bytes) else data,
        "callId": ctx.call_id,
        "deadline": ctx.deadline.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "method": ctx.method,
        "requestUrl": ctx.request_url,
        "ua": ctx.headers.get("user-agent"),
        "greeting": ctx.config.get("GREETING"),
        "format": ctx.format,
        "app": ctx.app_name,
        "route": ctx.route,
    }


handle(fn)
`;
const script = path.join(dir, 'fn.py');
fs.writeFileSync(script, `import sys\nsys.path.insert(0, ${JSON.stringify(path.dirname(FDK))})\n${HANDLER}`);
const children: ChildProcess[] = [];

interface Out {
  n: number;
  kind: string;
  input: unknown;
  callId: string;
  deadline: string;
  method: string;
  requestUrl: string;
  ua: string | null;
  greeting: string | null;
  format: string;
  app: string;
  route: string;
}

// ---------- the FDK with the host's python3 ----------
function cold(input: Buffer | string, env: Record<string, string>): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn('python3', [script], { env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', HOME: process.env.HOME ?? '/', ...env } });
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
  FN_APP_NAME: 'a',
  FN_PATH: '/p',
  HEADER_USER_AGENT: 'ua/1',
  GREETING: 'hey',
};

test('default format: stdin once, ctx from the environment, stdout; print() to stderr', async () => {
  let r = await cold('{"name":"x"}', { ...COLD_ENV, HEADER_CONTENT_TYPE: 'application/json' });
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.toString()), {
    n: 1,
    kind: 'dict',
    input: { name: 'x' },
    callId: 'c1',
    deadline: '2030-01-01T00:00:00.000Z',
    method: 'PUT',
    requestUrl: 'http://h/r/a/p',
    ua: 'ua/1',
    greeting: 'hey',
    format: 'default',
    app: 'a',
    route: '/p',
  });
  assert.match(r.stderr, /handler log/);
  r = await cold('{"name":"x"}', COLD_ENV); // no JSON content type: the text
  assert.equal([(JSON.parse(r.stdout.toString()) as Out).kind, (JSON.parse(r.stdout.toString()) as Out).input], ['str', '{"name":"x"}']);
  r = await cold(Buffer.from([0xc3, 0x28]), COLD_ENV);
  assert.equal([(JSON.parse(r.stdout.toString()) as Out).kind, (JSON.parse(r.stdout.toString()) as Out).input], ['bytes', 'c328']);
  r = await cold('bytes', COLD_ENV);
  assert.equal(r.stdout, Buffer.from([0xff, 0x00]));
  r = await cold('full', COLD_ENV);
  assert.is(r.stdout.toString(), 'made'); // cold: body only
  r = await cold('async', COLD_ENV);
  assert.is(r.stdout.toString(), 'awaited');
  r = await cold('throw', COLD_ENV);
  assert.is(r.code, 1);
  assert.is(r.stdout.length, 0);
  assert.match(r.stderr, /function error: ValueError: boom\nTraceback/);
});

async function hot(format: string): Promise<{ sock: string; agent: http.Agent; stderr: () => string }> {
  const iofs = fs.mkdtempSync(path.join(dir, `iofs-${format}-`));
  const sock = path.join(iofs, 'lsnr.sock');
  const child = spawn('python3', [script], {
    env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', FN_LISTENER: `unix:${sock}`, FN_FORMAT: format, GREETING: 'hot' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  children.push(child);
  for (let i = 0; i < 150 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(fs.existsSync(sock), `lsnr.sock appeared (${stderr})`);
  assert.is(fs.statSync(sock).mode & 0o777, 0o666);
  assert.equal(fs.readdirSync(iofs), ['lsnr.sock']); // the temp name was renamed, not left behind
  return { sock, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), stderr: () => stderr };
}

function req(
  h: { sock: string; agent: http.Agent },
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | Buffer,
  chunked = false,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ socketPath: h.sock, agent: h.agent, method, path: url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    r.on('error', reject);
    if (chunked) {
      r.write(body.slice(0, 2));
      r.end(body.slice(2));
    } else r.end(body);
  });
}

test('http format: headers carry the call; Response status and headers come back; one call at a time', async () => {
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
  assert.is(r.headers['content-type'], 'application/json');
  assert.equal(JSON.parse(r.body.toString()), {
    n: 1,
    kind: 'str',
    input: 'hi',
    callId: 'c2',
    deadline: '2030-01-01T00:00:00.000Z',
    method: 'POST',
    requestUrl: 'http://h/r/a/p?x=1',
    ua: 'ua/2',
    greeting: 'hot',
    format: 'http',
    app: '',
    route: '',
  });
  r = await req(h, 'POST', '/p', { 'Content-Type': 'application/json' }, '{"name":"Ada"}', true); // chunked body
  assert.equal((JSON.parse(r.body.toString()) as Out).input, { name: 'Ada' });
  r = await req(h, 'POST', '/p', {}, Buffer.from([0xc3, 0x28]));
  assert.equal((JSON.parse(r.body.toString()) as Out).kind, 'bytes');
  r = await req(h, 'POST', '/p', {}, 'bytes');
  assert.equal([r.headers['content-type'], r.body], ['application/octet-stream', Buffer.from([0xff, 0x00])]);
  r = await req(h, 'POST', '/p', {}, 'full');
  assert.is(r.status, 201);
  assert.is(r.headers['x-a'], 'b');
  assert.is(r.body.toString(), 'made');
  r = await req(h, 'POST', '/p', {}, 'throw');
  assert.is(r.status, 500);
  assert.match(r.body.toString(), /function error: boom/);
  // the traceback went to stderr before the answer, but the pipe may be read after it
  for (let i = 0; i < 50 && !/function error: ValueError: boom/.test(h.stderr()); i++) await new Promise((res) => setTimeout(res, 20));
  assert.match(h.stderr(), /function error: ValueError: boom/);
  // two calls sent at once on two connections are still handled one after the other
  const two = { sock: h.sock, agent: new http.Agent({ keepAlive: true }) };
  const t0 = Date.now();
  await Promise.all([req(two, 'POST', '/p', {}, 'slow'), req(two, 'POST', '/p', {}, 'slow')]);
  assert.ok(Date.now() - t0 >= 290, `serialized (${Date.now() - t0} ms)`);
  r = await req(h, 'POST', '/p', {}, 'x');
  assert.is((JSON.parse(r.body.toString()) as Out).n, 9); // state kept across calls: hot
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
    kind: 'dict',
    input: { k: 1 },
    callId: 'c3',
    deadline: '2030-01-01T00:00:00.000Z',
    method: 'GET',
    requestUrl: 'http://h/r/a/p',
    ua: 'ua/3',
    greeting: 'hot',
    format: 'json',
    app: '',
    route: '',
  });
  r = await req(h, 'POST', '/call', {}, env(Buffer.from([0xc3, 0x28]).toString('base64'), { body_encoding: 'base64', content_type: 'text/plain' }));
  e = JSON.parse(r.body.toString()) as typeof e;
  assert.equal((JSON.parse(e.body) as Out).kind, 'bytes');
  r = await req(h, 'POST', '/call', {}, env(Buffer.from('bytes').toString('base64'), { body_encoding: 'base64', content_type: 'text/plain' }));
  e = JSON.parse(r.body.toString()) as typeof e;
  assert.equal([e.body_encoding, Buffer.from(e.body, 'base64')], ['base64', Buffer.from([0xff, 0x00])]);
  r = await req(h, 'POST', '/call', {}, env('full', { content_type: 'text/plain' }));
  e = JSON.parse(r.body.toString()) as typeof e;
  assert.equal([e.status_code, e.headers['X-A'], e.body, e.content_type], [201, ['b'], 'made', 'text/plain; charset=utf-8']);
  r = await req(h, 'POST', '/call', {}, env('throw', { content_type: 'text/plain' }));
  e = JSON.parse(r.body.toString()) as typeof e;
  assert.equal([e.status_code, e.body], [500, 'function error: boom']);
  r = await req(h, 'POST', '/call', {}, 'not an envelope'); // the platform's fault: a plain 500
  assert.is(r.status, 500);
});

// ---------- real Podman: init, build, deploy, call ----------
let srv: TestServer;
let podman: Podman;
let base = '';
const TAG = randomBytes(4).toString('hex');
const APP = `clipy${Date.now().toString(36)}`;
const built = new Set<string>();
const cli = (args: string[], o: CliOptions = {}) =>
  runCli(args, { ...o, env: { PODFN_API_URL: srv.url, PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, ...o.env } });
const ref = (name: string) => `localhost/podfn-test-cli/${name}:${TAG}`;
const UUID = /^[0-9a-f-]{36}$/;

test.before(async () => {
  podman = await requirePodman();
  base = await pythonBase(testSocketPath());
  srv = await startServer({ env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_NODE_ID: `clipy-${process.pid}` } });
});

test.after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await srv?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  for (const image of built) {
    try {
      await podman.docker.getImage(image).remove({ force: true });
    } catch {
      /* already gone */
    }
  }
});

async function routeFor(image: string, route: string, format: string, extra: string[] = []): Promise<void> {
  const r = await cli(['routes', 'create', APP, route, '--image', image, '--format', format, '--timeout', '20', ...extra, '--json']);
  assert.is(r.code, 0, r.stderr);
}

test('init --runtime python: func.py, a Containerfile FROM PYTHON_BASE and the FDK beside them', async () => {
  const r = await cli(['init', '--runtime', 'python', '--json', 'localhost/podfn-test-cli/py-hello'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  const info = jsonOf<{ dir: string; files: string[]; func: { runtime: string; format: string; entrypoint: string } }>(r);
  assert.equal(info.files, ['func.yaml', 'func.py', 'Containerfile', 'podfn_fdk.py']);
  assert.equal([info.func.runtime, info.func.format, info.func.entrypoint], ['python', 'default', 'python3 /function/func.py']);
  assert.equal(fs.readFileSync(path.join(info.dir, 'podfn_fdk.py')), fs.readFileSync(FDK));
  assert.match(fs.readFileSync(path.join(info.dir, 'Containerfile'), 'utf8'), `ARG BASE=${PYTHON_BASE}\nFROM \${BASE}\n`);
  assert.match(fs.readFileSync(path.join(info.dir, 'func.yaml'), 'utf8'), /\nruntime: python\n/);
});

test('the python template greets the name of a JSON body in every format', async () => {
  const fdir = path.join(dir, 'py-hello');
  let r = await cli(['deploy', '--app', APP, '--image', ref('py-hello'), '--build-arg', `BASE=${base}`, '--json'], { cwd: fdir });
  built.add(ref('py-hello'));
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes(`FROM ${base}`), r.stderr); // live progress on stderr
  assert.is(jsonOf<{ route: { path: string } }>(r).route.path, '/py-hello');
  await routeFor(ref('py-hello'), '/py-hello-http', 'http');
  await routeFor(ref('py-hello'), '/py-hello-json', 'json');
  for (const [route, format] of [
    ['/py-hello', 'default'],
    ['/py-hello-http', 'http'],
    ['/py-hello-json', 'json'],
  ] as const) {
    r = await cli(['call', APP, route, '--content-type', 'application/json'], { input: '{"name":"Ada"}' });
    assert.is(r.code, 0, `${format}: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { message: string; call_id: string; format: string };
    assert.equal([out.message, out.format], ['Hello Ada', format]);
    assert.match(out.call_id, UUID);
    r = await cli(['call', APP, route, '--json'], { input: 'Bob\n' });
    const j = jsonOf<{ status: number; call_id: string; body: string }>(r);
    assert.is(j.status, 200);
    const body = JSON.parse(j.body) as { message: string; call_id: string };
    assert.is(body.message, 'Hello Bob');
    assert.is(body.call_id, j.call_id); // ctx.call_id is the gateway's Fn-Call-Id
  }
});

interface CallJson {
  status: number;
  call_id: string;
  headers: Record<string, string>;
  body: string;
  body_encoding: string;
}

test('the FDK in containers: dict/str/bytes input, Response status and headers, exceptions', async () => {
  const fdir = path.join(dir, 'py-fdk');
  fs.cpSync(path.join(dir, 'py-hello'), fdir, { recursive: true });
  fs.writeFileSync(path.join(fdir, 'func.py'), HANDLER);
  const r = await cli(['build', '--image', ref('py-fdk'), '--build-arg', `BASE=${base}`, '-q', '--json'], { cwd: fdir });
  built.add(ref('py-fdk'));
  assert.is(r.code, 0, r.stderr);
  for (const format of ['default', 'http', 'json']) {
    const route = `/py-fdk-${format}`;
    await routeFor(ref('py-fdk'), route, format, ['-c', 'GREETING=hey']);
    const call = async (input: string | Buffer, args: string[] = []) => {
      const res = await cli(['call', APP, route, '--json', ...args], { input });
      return jsonOf<CallJson>(res);
    };
    let j = await call('{"k":1}', ['-X', 'PUT', '--content-type', 'application/json', '-H', 'User-Agent: ua/1']);
    assert.is(j.status, 200, `${format}: ${j.body}`);
    const out = JSON.parse(j.body) as Out;
    assert.equal([out.kind, out.input, out.callId, out.method, out.ua, out.greeting, out.format], ['dict', { k: 1 }, j.call_id, 'PUT', 'ua/1', 'hey', format]);
    assert.equal([out.app, out.route], [APP, route]);
    assert.match(out.requestUrl, new RegExp(`/r/${APP}${route}$`));
    assert.ok(Date.parse(out.deadline) > Date.now(), out.deadline);
    j = await call('plain text');
    assert.equal([(JSON.parse(j.body) as Out).kind, (JSON.parse(j.body) as Out).input], ['str', 'plain text']);
    j = await call(Buffer.from([0xc3, 0x28]));
    assert.equal([(JSON.parse(j.body) as Out).kind, (JSON.parse(j.body) as Out).input], ['bytes', 'c328']);
    j = await call('bytes');
    assert.equal([j.status, j.body_encoding, Buffer.from(j.body, 'base64')], [200, 'base64', Buffer.from([0xff, 0x00])]);
    j = await call('full');
    if (format === 'default')
      assert.equal([j.status, j.body], [200, 'made']); // cold: body only
    else assert.equal([j.status, j.headers['x-a'], j.body], [201, 'b', 'made']);
    j = await call('throw');
    if (format === 'default') {
      assert.is(j.status, 502); // exit 1
      const logs = await cli(['calls', 'logs', APP, j.call_id]);
      assert.match(logs.stdout, /function error: ValueError: boom/);
    } else assert.equal([j.status, j.body], [500, 'function error: boom']);
  }
  // hot: the container kept serving after the exception, its state with it
  const j = jsonOf<CallJson>(await cli(['call', APP, '/py-fdk-http', '--json'], { input: 'again' }));
  assert.is((JSON.parse(j.body) as Out).n, 7);
});

test('the python example builds and answers', async () => {
  const edir = path.join(ROOT, 'examples', 'python-hello');
  assert.not.ok(fs.existsSync(path.join(edir, 'podfn_fdk.py')), 'the example has no copy: podfn build adds fdk/python/podfn_fdk.py');
  let r = await cli(['deploy', '--app', APP, '--dir', edir, '--image', ref('python-hello'), '--build-arg', `BASE=${base}`, '-q', '--json']);
  built.add(ref('python-hello'));
  assert.is(r.code, 0, r.stderr);
  r = await cli(['call', APP, '/python-hello', '--json'], { input: 'Eve' });
  let j = jsonOf<CallJson>(r);
  assert.equal([j.status, j.headers['x-served'], (JSON.parse(j.body) as { greeting: string }).greeting], [200, '1', 'Hello Eve']);
  r = await cli(['call', APP, '/python-hello', '--json', '--content-type', 'application/json'], { input: '{"name":"nobody"}' });
  assert.is(r.code, 1);
  j = jsonOf<CallJson>(r);
  assert.equal([j.status, JSON.parse(j.body)], [404, { error: 'nobody is not here' }]);
});

test("cleanup: the app's routes and the app", async () => {
  const routes = jsonOf<{ path: string }[]>(await cli(['routes', 'list', APP, '--json']));
  for (const { path: p } of routes) assert.is((await cli(['routes', 'delete', APP, p])).code, 0);
  assert.is((await cli(['apps', 'delete', APP])).code, 0);
});

test.run();
