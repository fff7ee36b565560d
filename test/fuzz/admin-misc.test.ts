// Property-based fuzzing of the admin endpoints outside apps/routes (calls, call logs, queue, tasks,
// system, OpenAPI): random methods, ids, query filters (per_page, cursor, from_time/to_time, status,
// path), headers and bodies. Nothing here may answer 5xx; every 4xx is a JSON error with a message;
// the apps and routes stored before are untouched afterwards; the server stays up.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, snapshot, type Client } from '../helpers/http.ts';
import { checkAnswer, checkProperty, short, unhandledErrors } from './fuzz-kit.ts';
import { junkBytes } from './admin-arbs.ts';

const test = suite('fuzz: calls, queue, tasks and system endpoints');
let srv: TestServer;
let c: Client;

test.before(async () => {
  srv = await startServer();
  c = client(srv.url);
  assert.is((await c.post('/v1/apps', { app: { name: 'a', config: { K: 'v' } } })).status, 200);
  assert.is((await c.post('/v1/apps/a/routes', { route: { path: '/r', image: 'img', type: 'async' } })).status, 200);
});
test.after(async () => {
  await srv?.stop();
});

const enc = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''));
const idArb = fc.oneof(
  fc.uuid().map(String),
  fc.constantFrom('x', '%2e%2e', '..', '%00', '%zz', 'a'.repeat(5000), '0', '-1', '%F0%9F%98%80', encodeURIComponent("'; DROP TABLE calls; --")),
  fc.string({ maxLength: 40 }).map(enc),
);
const appArb = fc.constantFrom('a', 'nope', '%2e%2e', 'a%2Fb', 'x'.repeat(31), '%zz', '');
const timeArb = fc.oneof(
  fc.integer({ min: -1, max: 2 ** 40 }).map(String),
  fc.constantFrom(
    '1.5',
    '999999999999.999',
    '9999999999999',
    '2026-01-01T00:00:00Z',
    '2026-13-45T99:99:99Z',
    '0000-00-00T',
    '+275760-09-13T00:00:00Z',
    'now',
    'NaN',
    '1e10',
    '',
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const cursorArb = fc.oneof(
  fc.constantFrom(
    '',
    'x',
    '%zz',
    '====',
    Buffer.from('1:abc').toString('base64url'),
    Buffer.from('99999999999999999:ffff').toString('base64url'),
    Buffer.from('1:' + 'f'.repeat(65)).toString('base64url'),
  ),
  fc.tuple(fc.nat(), fc.uuid()).map(([n, id]) => Buffer.from(`${n}:${id}`).toString('base64url')),
  fc.string({ maxLength: 40 }).map(enc),
);
const queryArb = fc
  .record(
    {
      path: fc.constantFrom('/r', '/', 'r', '//r/', '/' + 'p'.repeat(300), '%2e%2e', '/a%00'),
      route: fc.constantFrom('/r', 'x'),
      status: fc.constantFrom('queued', 'running', 'success', 'error', 'timeout', 'cancelled', 'SUCCESS', 'x', ''),
      from_time: timeArb,
      to_time: timeArb,
      per_page: fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom('1.5', '1e2', '0x10', ' 5', '', '00001', '99999')),
      cursor: cursorArb,
      n: fc.oneof(fc.integer({ min: -5, max: 1000 }).map(String), fc.constantFrom('x', '', '1.5')),
      image: fc.constantFrom('img', '', '%00'),
    },
    { requiredKeys: [] },
  )
  .map((q) => {
    const s = Object.entries(q)
      .map(([k, v]) => `${k}=${/%/.test(v) ? v : enc(v)}`)
      .join('&');
    return s ? `?${s}` : '';
  });

const endpoint = fc.oneof(
  fc.tuple(appArb, queryArb).map(([a, q]) => ({ method: 'GET', target: `/v1/apps/${a}/calls${q}` })),
  fc.tuple(fc.constantFrom('GET', 'DELETE'), appArb, idArb).map(([m, a, id]) => ({ method: m, target: `/v1/apps/${a}/calls/${id}` })),
  fc.tuple(fc.constantFrom('GET', 'DELETE'), appArb, idArb).map(([m, a, id]) => ({ method: m, target: `/v1/apps/${a}/calls/${id}/log` })),
  fc
    .tuple(fc.constantFrom('GET', 'DELETE', 'POST', 'PUT'), fc.constantFrom('/tasks', '/v1/tasks'), queryArb)
    .map(([m, t, q]) => ({ method: m, target: `${t}${q}` })),
  fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'DELETE'),
      fc.constantFrom('/v1/queue', '/v1/openapi.json', '/', '/version', '/healthz', '/readyz', '/v1/routes', '/metrics'),
      queryArb,
    )
    .map(([m, t, q]) => ({ method: m, target: `${t}${q}` })),
);

const bodyArb = fc.option(
  fc.oneof(
    junkBytes,
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc
      .record(
        { id: idArb, app_name: appArb, path: fc.constantFrom('/r', 'x'), status: fc.constantFrom('success', 'error', 'x'), error: fc.string() },
        { requiredKeys: [] },
      )
      .map((t) => Buffer.from(JSON.stringify(t))),
  ),
);

test('random calls/queue/tasks/system requests: no 5xx, JSON 4xx, stored apps and routes untouched', async () => {
  const before = await snapshot(c);
  await checkProperty(
    'admin-misc',
    fc.asyncProperty(
      endpoint,
      bodyArb,
      fc.constantFrom<string | undefined>(undefined, 'text/plain', 'application/json'),
      fc.constantFrom<string | undefined>(undefined, 'text/plain', 'application/json', '*/*', 'x'),
      async (e, body, ct, accept) => {
        const headers: Record<string, string> = {};
        if (ct) headers['content-type'] = ct;
        if (accept) headers.accept = accept;
        const res = await c.req(e.method, e.target, body ?? undefined, { headers });
        checkAnswer(res, `${e.method} ${short(e.target, 200)} body=${short(body?.toString('latin1') ?? '', 80)}`, e.method);
      },
    ),
    600,
  );
  assert.equal(await snapshot(c), before, 'apps and routes unchanged');
  assert.is((await c.get('/healthz')).status, 200);
  assert.equal(unhandledErrors(srv.output()), []);
});

test.run();
