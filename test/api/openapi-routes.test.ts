// The OpenAPI document against the routes the server really serves: every method+path the admin app
// registers (Hono's app.routes, with every optional part switched on: queue, metrics, nodes, admin
// auth) and the /r entrance served by the plain node handler (listed by hand: it is not a Hono route)
// must be in GET /v1/openapi.json, and every operation the document lists must be served. A handler
// added without its contract, or a documented route that went away, fails here.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hono } from 'hono';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openApiDocument } from '../../src/http/openapi.ts';
import type { HttpDeps } from '../../src/http/deps.ts';
import { tempStore, type TempStore } from '../helpers/temp-store.ts';

/** Served by src/http/server.ts before Hono sees the request (isGatewayTarget): any method calls the function. */
const NODE_ROUTES: [string, string][] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => [m, '/r/{app}/{route}']);

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const TOKEN = 'openapi-routes-test-token';

interface Doc {
  paths: Record<string, Record<string, unknown>>;
}

/** Hono's path syntax as OpenAPI's: `:app` (or `:route{regex}`) is `{app}`; the trailing `*` of the route endpoints is the route path. */
const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, '{$1}').replace(/\/\*$/, '/{route}');

const test = suite<{ store?: TempStore; app?: Hono; limits?: HttpDeps['limits'] }>('api: the OpenAPI document lists every served route');

test.before(async (ctx) => {
  ctx.store = await tempStore();
  ctx.limits = { maxMemoryMb: 8192, maxTimeout: 3600, maxIdleTimeout: 3600 };
  const silent = { info() {}, warn() {}, error() {} };
  // The optional parts' handlers only register here; nothing is called, so bare stand-ins do.
  const queue = {} as NonNullable<HttpDeps['queue']>;
  ctx.app = buildApp({
    store: ctx.store.store,
    config: loadConfig({ PODFN_ADMIN_TOKEN: TOKEN }),
    log: silent,
    changes: { appChanged: async () => {}, routeChanged: async () => {} },
    limits: ctx.limits,
    queue,
    metrics: { render: () => Promise.resolve(''), error() {} },
    nodes: { list: () => Promise.resolve([]) },
    stats: { node: 'n', series: { since: () => [], options: { intervalMs: 5000, windowMs: 1800000, maxRoutes: 50 } } },
  });
});
test.after((ctx) => ctx.store?.dispose());

/** [METHOD, OpenAPI path] of every route the server serves. */
function served(app: Hono): [string, string][] {
  const out: [string, string][] = [...NODE_ROUTES];
  for (const r of app.routes) {
    // app.use middleware registers as ALL /*; it serves nothing by itself
    if (r.method === 'ALL' && r.path === '/*') continue;
    // the console's pages and assets (src/ui) are not API; its session endpoints are documented
    if (r.path === '/ui' || r.path === '/ui/' || r.path === '/ui/*' || r.path.startsWith('/ui/:file')) continue;
    const methods = r.method === 'ALL' ? METHODS.map((m) => m.toUpperCase()) : [r.method];
    for (const m of methods) out.push([m, openApiPath(r.path)]);
  }
  return [...new Map(out.map((x) => [x.join(' '), x])).values()];
}

test('the document is what GET /v1/openapi.json serves', async (ctx) => {
  const res = await ctx.app!.request('/v1/openapi.json', { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(res.status, 200);
  assert.equal(await res.json(), JSON.parse(JSON.stringify(openApiDocument(ctx.limits!))));
});

test('every served method+path is documented', (ctx) => {
  const doc = openApiDocument(ctx.limits!) as Doc;
  const routes = served(ctx.app!);
  assert.ok(routes.length > 30, `the walk found the routes (${routes.length})`);
  const missing = routes.filter(([m, p]) => !doc.paths[p]?.[m.toLowerCase()]).map((r) => r.join(' '));
  assert.equal(missing, [], 'served but not in the OpenAPI document');
});

test('every documented operation is served', (ctx) => {
  const doc = openApiDocument(ctx.limits!) as Doc;
  const routes = new Set(served(ctx.app!).map(([m, p]) => `${m.toLowerCase()} ${p}`));
  const phantom = Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.keys(item)
      .filter((k) => METHODS.includes(k))
      .map((m) => `${m} ${p}`)
      .filter((op) => !routes.has(op)),
  );
  assert.equal(phantom, [], 'in the OpenAPI document but not served');
});

test('the walk notices an undocumented route', (ctx) => {
  const probe = buildApp({
    store: ctx.store!.store,
    config: loadConfig({}),
    log: { info() {}, warn() {}, error() {} },
    changes: { appChanged: async () => {}, routeChanged: async () => {} },
    limits: ctx.limits!,
  });
  probe.get('/v1/undocumented/:thing', (c) => c.text('x'));
  const doc = openApiDocument(ctx.limits!) as Doc;
  assert.equal(
    served(probe).filter(([m, p]) => !doc.paths[p]?.[m.toLowerCase()]),
    [['GET', '/v1/undocumented/{thing}']],
  );
});

test.run();
