// Black-box: ping, version, liveness, readiness, unknown paths, and the OpenAPI document (parses, lists
// every admin path with its methods, and every $ref resolves).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import net from 'node:net';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, expectOk, type Client } from '../helpers/http.ts';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
const test = suite<{ srv?: TestServer }>('api: system endpoints and OpenAPI');
let c: Client;

test.before(async (ctx) => {
  ctx.srv = await startServer({ env: { PODFN_STATS_INTERVAL_MS: '500' } });
  c = client(ctx.srv.url);
});
test.after(async (ctx) => {
  await ctx.srv?.stop();
});

let port = 0;
test.before((ctx) => {
  port = ctx.srv!.port;
});
const ctxPort = () => port;

/** Writes a raw request, reads until the server closes the connection. */
function rawRequest(p: number, raw: string): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(p, '127.0.0.1', () => s.write(Buffer.from(raw, 'latin1')));
    const done = () => resolve(Buffer.concat(chunks).toString('latin1'));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('close', done);
    s.on('error', done);
    s.setTimeout(5000, () => s.destroy());
  });
}

test('GET / answers 200 JSON', async () => {
  const body = expectOk<Record<string, unknown>>(await c.get('/'));
  assert.ok(Object.keys(body).length > 0);
});

test('GET /version answers {"version": package version}', async () => {
  assert.equal(expectOk(await c.get('/version')), { version: pkg.version });
});

test('GET /healthz is 200', async () => {
  expectOk(await c.get('/healthz'));
});

test('GET /readyz: the database check is ok, and the status code agrees with the checks', async () => {
  const res = await c.get('/readyz');
  const body = res.json<{ status: string; checks: Record<string, { ok: boolean }> }>();
  assert.ok(body.checks.database?.ok, res.text);
  const allOk = Object.values(body.checks).every((x) => x.ok);
  assert.is(res.status, allOk ? 200 : 503, res.text);
});

test('GET /v1/stats/timeseries: samples every PODFN_STATS_INTERVAL_MS, newer ones after ?since, 400 on a bad since', async () => {
  type Answer = { node: string; interval_ms: number; samples: { time_ms: number; calls: number; routes: unknown[] }[] };
  let body = expectOk<Answer>(await c.get('/v1/stats/timeseries'));
  const deadline = Date.now() + 30_000;
  while (body.samples.length < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    body = expectOk<Answer>(await c.get('/v1/stats/timeseries'));
  }
  assert.is(body.interval_ms, 500);
  assert.ok(body.node.length > 0);
  assert.ok(body.samples.length >= 2, JSON.stringify(body));
  const last = body.samples[body.samples.length - 1]!;
  const newer = expectOk<Answer>(await c.get(`/v1/stats/timeseries?since=${last.time_ms}`));
  assert.ok(newer.samples.every((s) => s.time_ms > last.time_ms));
  expectError(await c.get('/v1/stats/timeseries?since=yesterday'), 400, /Invalid since/);
});

test('unknown paths are 404 {"error":{"message":"Path not found"}}', async () => {
  expectError(await c.get('/v1/nope'), 404, 'Path not found');
  expectError(await c.get('/v2/apps'), 404, 'Path not found');
  expectError(await c.req('POST', '/v1/routes', {}), 404, 'Path not found');
});

interface OpenApi {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
}

test('GET /v1/openapi.json is an OpenAPI 3 document listing every admin path and method', async () => {
  const doc = expectOk<OpenApi>(await c.get('/v1/openapi.json'));
  assert.match(doc.openapi, /^3\./);
  assert.is(doc.info.version, pkg.version);
  const want: Record<string, string[]> = {
    '/v1/apps': ['get', 'post'],
    '/v1/apps/{app}': ['get', 'put', 'patch', 'delete'],
    '/v1/apps/{app}/routes': ['get', 'post'],
    '/v1/apps/{app}/routes/{route}': ['get', 'put', 'patch', 'delete'],
    '/v1/routes': ['get'],
    '/version': ['get'],
  };
  for (const [p, methods] of Object.entries(want)) {
    assert.ok(doc.paths[p], `path ${p} listed`);
    for (const m of methods) assert.ok(doc.paths[p][m], `${m.toUpperCase()} ${p} listed`);
  }
});

test('every $ref in the OpenAPI document resolves', async () => {
  const doc = expectOk<OpenApi>(await c.get('/v1/openapi.json'));
  const refs: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') refs.push(x);
        else walk(x);
      }
    }
  };
  walk(doc);
  assert.ok(refs.length > 0);
  for (const ref of refs) {
    const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
    assert.ok(m && doc.components.schemas[m[1]!], `unresolved ${ref}`);
  }
});

// Regressions found by the fuzz suite (test/fuzz): requests node-server cannot turn into a URL, and
// node's own refusals, answered 400/417 with no body at all; a client closing mid-body was logged as an
// unhandled error (a 500 nobody saw).
test('malformed targets, Host values and Expect get JSON 4xx answers, not bare ones', async () => {
  const cases: [string, number][] = [
    ['GET /v1/apps HTTP/1.1\r\nHost: a b\r\n', 400],
    ['GET /v1/apps HTTP/1.1\r\nHost: a/b?c\r\n', 400],
    ['GET /v1/apps HTTP/1.1\r\n', 400],
    ['GET /v1/apps HTTP/1.0\r\n', 400],
    ['OPTIONS * HTTP/1.1\r\nHost: x\r\n', 400],
    ['GET /v1/apps/a\\b HTTP/1.1\r\nHost: x\r\n', 400],
    ['POST /v1/apps HTTP/1.1\r\nHost: x\r\nExpect: 999-nope\r\nContent-Length: 2\r\n', 417],
  ];
  for (const [head, status] of cases) {
    const raw = await rawRequest(ctxPort(), `${head}Connection: close\r\n\r\n`);
    const what = JSON.stringify(head);
    assert.match(raw, new RegExp(`^HTTP/1.1 ${status} `), `${what}: ${raw.slice(0, 200)}`);
    assert.match(raw, /\r\ncontent-type: application\/json/i, `${what}: JSON: ${raw.slice(0, 300)}`);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { error: { message: string } };
    assert.ok(body.error.message.length > 0, what);
  }
  expectOk(await c.get('/healthz'));
});

test('a client closing mid-body is not logged as an unhandled error; the server carries on', async (ctx) => {
  for (const target of ['/v1/apps', '/r/nope/x']) {
    await new Promise<void>((resolve) => {
      const s = net.connect(ctxPort(), '127.0.0.1', () => {
        s.write(`POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"app":`);
        setTimeout(() => s.destroy(), 50);
      });
      s.on('close', () => resolve());
      s.on('error', () => {});
    });
  }
  await new Promise((r) => setTimeout(r, 200));
  expectOk(await c.get('/healthz'));
  const logged = (ctx.srv?.output() ?? '').split('\n').filter((l) => /unhandled error|gateway error/.test(l));
  assert.equal(logged, []);
});

test.run();
