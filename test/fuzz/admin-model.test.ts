// Property-based, model-based fuzzing of the admin API (issue 5, item 7). fast-check generates
// sequences of app and route operations (create/get/list/patch/put/delete, plus junk requests), most
// of them valid, many hostile. A model (admin-spec.ts: the API's schemas plus the behaviour docs/api.md describes) says
// what each request must answer and how the stored data changes; after every command the answer is
// compared with the model, and the whole store (GET /v1/apps, /v1/routes, /v1/apps/{app}/routes) is
// compared with it periodically and at the end of each run. Everywhere: no 5xx, every 4xx is a JSON
// error with a message, a refused request changes nothing, and the server stays up.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { startServer, type TestServer } from '../helpers/server.ts';
import { request, type Res } from '../helpers/http.ts';
import { canon, checkAnswer, checkErrorBody, checkProperty, short, unhandledErrors } from './fuzz-kit.ts';
import {
  Refused,
  parseBody,
  newAppBody,
  appUpdateBody,
  mergeConfig,
  routeBody,
  newRoute,
  patchRoute,
  appJson,
  routeJson,
  LIMITS,
  type Model,
  type Refusal,
  type MRoute,
} from './admin-spec.ts';
import {
  appSeg,
  pathRef,
  routeFields,
  appFields,
  bodyOf,
  junkBytes,
  validPath,
  pathRefOf,
  spellings,
  segOf,
  DELETE,
  type Seg,
  type PathRef,
  type BodySpec,
} from './admin-arbs.ts';

interface Real {
  base: string;
  /** commands since the last full comparison */
  sinceCheck: number;
}

const FULL_CHECK_EVERY = 6;

/** status counts per request kind, printed at the end (how much of the space the run covered) */
const tally = new Map<string, number>();

async function send(real: Real, method: string, target: string, body?: BodySpec): Promise<Res> {
  const headers: Record<string, string> = {};
  if (body?.contentType !== undefined) headers['content-type'] = body.contentType;
  const res = await request(real.base, method, target, body?.bytes, { headers, chunked: body?.chunked && (body.bytes?.length ?? 0) > 0 });
  const kind = `${method} ${target
    .replace(/\?.*$/, '')
    .replace(/^\/v1\/apps\/[^/]*\/routes\/.*$/, '/v1/apps/:app/routes/:path')
    .replace(/^\/v1\/apps\/[^/]+\/routes$/, '/v1/apps/:app/routes')
    .replace(/^\/v1\/apps\/[^/]+$/, '/v1/apps/:app')}`;
  const msg = process.env.FUZZ_VERBOSE === '2' && res.status >= 400 ? ` ${res.text.slice(0, 70)}` : '';
  const k = `${kind.length > 40 ? 'junk' : kind} ${res.status}${msg}`;
  tally.set(k, (tally.get(k) ?? 0) + 1);
  return res;
}

const what = (method: string, target: string, body?: BodySpec) => `${method} ${short(target, 120)}${body ? ` body=${body.label}` : ''}`;

/** A refusal: a 4xx among the statuses the model allows, a JSON error, the model's message when it is certain. */
function expectRefused(res: Res, refusals: Refusal[], ctx: string): void {
  checkAnswer(res, ctx);
  const anyOk = refusals.some((r) => r.status === 0);
  const statuses = refusals.map((r) => r.status);
  assert.ok(res.status >= 400 && res.status < 500, `refused with a 4xx: ${ctx} -> ${res.status} ${short(res.text, 300)}`);
  if (!anyOk) assert.ok(statuses.includes(res.status), `status in [${statuses.join(', ')}]: ${ctx} -> ${res.status} ${short(res.text, 300)}`);
  const msg = checkErrorBody(res, ctx);
  if (refusals.length === 1 && refusals[0]!.message) assert.is(msg, refusals[0]!.message, `message: ${ctx}`);
}

function expectOk(res: Res, message: string, ctx: string): Record<string, unknown> {
  checkAnswer(res, ctx);
  assert.is(res.status, 200, `200: ${ctx} -> ${res.status} ${short(res.text, 300)}`);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  assert.is(body.message, message, `message: ${ctx}`);
  return body;
}

const sameJson = (actual: unknown, expected: unknown, ctx: string) => assert.is(canon(actual), canon(expected), `model mismatch: ${ctx}`);

/** The whole store against the model: apps, every route, and each app's route list. */
async function compareAll(real: Real, model: Model, perApp: boolean): Promise<void> {
  const appsRes = await send(real, 'GET', '/v1/apps');
  const apps = (expectOk(appsRes, 'Successfully listed applications', 'GET /v1/apps').apps as { name: string }[]).slice();
  const expectedApps = [...model].map(([name, a]) => appJson(name, a));
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  sameJson(apps.sort(byName), expectedApps.sort(byName), 'GET /v1/apps');
  const routesRes = await send(real, 'GET', '/v1/routes');
  const all = (expectOk(routesRes, 'Sucessfully listed routes', 'GET /v1/routes').routes as Record<string, unknown>[]).slice();
  const key = (r: Record<string, unknown>) => `${r.app_name as string}\u0000${r.path as string}`;
  const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  const expectedAll = [...model.values()].flatMap((a) => [...a.routes.values()].map(routeJson));
  sameJson(all.sort(byKey), expectedAll.sort(byKey), 'GET /v1/routes');
  if (!perApp) return;
  for (const [name, a] of model) {
    const res = await send(real, 'GET', `/v1/apps/${name}/routes`);
    const list = (expectOk(res, 'Sucessfully listed routes', `GET /v1/apps/${name}/routes`).routes as Record<string, unknown>[]).slice();
    sameJson(list.sort(byKey), [...a.routes.values()].map(routeJson).sort(byKey), `GET /v1/apps/${name}/routes`);
  }
}

/** Every command ends here: the periodic full comparison. */
async function after(real: Real, model: Model): Promise<void> {
  if (++real.sinceCheck >= FULL_CHECK_EVERY) {
    real.sinceCheck = 0;
    await compareAll(real, model, false);
  }
}

type Cmd = fc.AsyncCommand<Model, Real>;

/** A route URL: generated, or "the i-th route the model holds" (resolved when the command runs). */
type Target = { seg: Seg; ref: PathRef } | { existing: number; spelling: number; encodedApp: boolean };

function resolve(t: Target, model: Model): { seg: Seg; ref: PathRef } {
  if ('seg' in t) return t;
  const all = [...model].flatMap(([name, a]) => [...a.routes.keys()].map((p) => [name, p] as const)).sort();
  if (all.length === 0) return { seg: segOf('a', false), ref: spellings('/nothing-yet')[0]! };
  const [name, path] = all[t.existing % all.length]!;
  const sp = spellings(path);
  return { seg: segOf(name, t.encodedApp), ref: sp[t.spelling % sp.length]! };
}
const showTarget = (t: Target) =>
  'seg' in t ? `${short(t.seg.raw, 60)}, ${short(t.ref.raw, 80)}` : `existing#${t.existing}/${t.spelling}${t.encodedApp ? '%' : ''}`;

// ---------- apps ----------

class CreateApp implements Cmd {
  constructor(readonly body: BodySpec) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const ctx = what('POST', '/v1/apps', this.body);
    const res = await send(real, 'POST', '/v1/apps', this.body);
    const parsed = this.body.bytes ? parseBody(this.body.bytes) : parseBody(Buffer.alloc(0));
    const app = parsed instanceof Refused ? parsed : newAppBody(parsed);
    if (app instanceof Refused) expectRefused(res, [app.refusal], ctx);
    else if (model.has(app.name)) expectRefused(res, [{ status: 409, message: 'App already exists' }], ctx);
    else {
      const body = expectOk(res, 'App successfully created', ctx);
      model.set(app.name, { config: app.config, routes: new Map() });
      sameJson(body.app, appJson(app.name, app), ctx);
    }
    await after(real, model);
  }
  toString = () => `CreateApp(${this.body.label})`;
}

class GetApp implements Cmd {
  constructor(readonly seg: Seg) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const target = `/v1/apps/${this.seg.raw}`;
    const ctx = what('GET', target);
    const res = await send(real, 'GET', target);
    const name = this.seg.name;
    if (name === undefined) expectRefused(res, [{ status: 0 }], ctx);
    else if (!model.has(name)) expectRefused(res, [{ status: 404, message: 'App not found' }], ctx);
    else sameJson(expectOk(res, 'Successfully loaded app', ctx).app, appJson(name, model.get(name)!), ctx);
    await after(real, model);
  }
  toString = () => `GetApp(${short(this.seg.raw, 60)})`;
}

class ListApps implements Cmd {
  check = () => true;
  async run(model: Model, real: Real) {
    real.sinceCheck = 0;
    await compareAll(real, model, false);
  }
  toString = () => 'ListApps';
}

class UpdateApp implements Cmd {
  constructor(
    readonly method: 'PUT' | 'PATCH',
    readonly seg: Seg,
    readonly body: BodySpec,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const target = `/v1/apps/${this.seg.raw}`;
    const ctx = what(this.method, target, this.body);
    const res = await send(real, this.method, target, this.body);
    const name = this.seg.name;
    if (name === undefined) return (expectRefused(res, [{ status: 0 }], ctx), after(real, model));
    const refusals: Refusal[] = [];
    const parsed = parseBody(this.body.bytes ?? Buffer.alloc(0));
    const entries = parsed instanceof Refused ? parsed : appUpdateBody(parsed, name);
    if (entries instanceof Refused) refusals.push(entries.refusal);
    const app = model.get(name);
    if (!app) refusals.push({ status: 404, message: 'App not found' });
    let merged: Map<string, string> | undefined;
    if (app && !(entries instanceof Refused)) {
      const m = mergeConfig(app.config, entries);
      if (m instanceof Refused) refusals.push(m.refusal);
      else merged = m;
    }
    if (refusals.length > 0) expectRefused(res, refusals, ctx);
    else {
      const body = expectOk(res, 'App successfully updated', ctx);
      app!.config = merged!;
      sameJson(body.app, appJson(name, app!), ctx);
    }
    await after(real, model);
  }
  toString = () => `UpdateApp(${this.method} ${short(this.seg.raw, 60)}, ${this.body.label})`;
}

class DeleteApp implements Cmd {
  constructor(readonly seg: Seg) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const target = `/v1/apps/${this.seg.raw}`;
    const ctx = what('DELETE', target);
    const res = await send(real, 'DELETE', target);
    const name = this.seg.name;
    const app = name === undefined ? undefined : model.get(name);
    if (name === undefined) expectRefused(res, [{ status: 0 }], ctx);
    else if (!app) expectRefused(res, [{ status: 404, message: 'App not found' }], ctx);
    else if (app.routes.size > 0) expectRefused(res, [{ status: 400, message: 'Cannot remove apps with routes' }], ctx);
    else {
      expectOk(res, 'App deleted', ctx);
      model.delete(name);
    }
    await after(real, model);
  }
  toString = () => `DeleteApp(${short(this.seg.raw, 60)})`;
}

// ---------- routes ----------

class CreateRoute implements Cmd {
  constructor(
    readonly seg: Seg,
    readonly body: BodySpec,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const target = `/v1/apps/${this.seg.raw}/routes`;
    const ctx = what('POST', target, this.body);
    const res = await send(real, 'POST', target, this.body);
    const name = this.seg.name;
    if (name === undefined) return (expectRefused(res, [{ status: 0 }], ctx), after(real, model));
    const parsed = parseBody(this.body.bytes ?? Buffer.alloc(0));
    const patch = parsed instanceof Refused ? parsed : routeBody(parsed);
    const route = patch instanceof Refused ? patch : newRoute(name, patch);
    if (route instanceof Refused) expectRefused(res, [route.refusal], ctx);
    else if (model.get(name)?.routes.has(route.path)) expectRefused(res, [{ status: 409, message: 'Route already exists' }], ctx);
    else {
      const body = expectOk(res, 'Route successfully created', ctx);
      if (!model.has(name)) model.set(name, { config: new Map(), routes: new Map() });
      model.get(name)!.routes.set(route.path, route);
      sameJson(body.route, routeJson(route), ctx);
    }
    await after(real, model);
  }
  toString = () => `CreateRoute(${short(this.seg.raw, 60)}, ${this.body.label})`;
}

/** 404s for a route URL whose app or route is missing; [] when the route exists. */
function missing(model: Model, name: string, path: string): Refusal[] {
  const app = model.get(name);
  if (!app) return [{ status: 404, message: 'App not found' }];
  if (!app.routes.has(path)) return [{ status: 404, message: 'Route not found' }];
  return [];
}

class GetRoute implements Cmd {
  constructor(readonly t: Target) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const { seg, ref } = resolve(this.t, model);
    const target = `/v1/apps/${seg.raw}/routes/${ref.raw}`;
    const ctx = what('GET', target);
    const res = await send(real, 'GET', target);
    const name = seg.name;
    const path = ref.path;
    if (name === undefined || path === undefined) expectRefused(res, [{ status: 0 }], ctx);
    else {
      const miss = missing(model, name, path);
      if (miss.length) expectRefused(res, miss, ctx);
      else sameJson(expectOk(res, 'Successfully loaded route', ctx).route, routeJson(model.get(name)!.routes.get(path)!), ctx);
    }
    await after(real, model);
  }
  toString = () => `GetRoute(${showTarget(this.t)})`;
}

class ListRoutes implements Cmd {
  constructor(
    readonly seg: Seg,
    readonly image: string | undefined,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const q = this.image === undefined ? '' : `?image=${encodeURIComponent(this.image)}`;
    const target = `/v1/apps/${this.seg.raw}/routes${q}`;
    const ctx = what('GET', target);
    const res = await send(real, 'GET', target);
    const name = this.seg.name;
    if (name === undefined) expectRefused(res, [{ status: 0 }], ctx);
    else if (!model.has(name)) expectRefused(res, [{ status: 404, message: 'App not found' }], ctx);
    else {
      const list = (expectOk(res, 'Sucessfully listed routes', ctx).routes as Record<string, unknown>[]).slice();
      const expected = [...model.get(name)!.routes.values()].filter((r) => !this.image || r.image === this.image).map(routeJson);
      const byPath = (a: Record<string, unknown>, b: Record<string, unknown>) => ((a.path as string) < (b.path as string) ? -1 : 1);
      sameJson(list.sort(byPath), expected.sort(byPath), ctx);
    }
    await after(real, model);
  }
  toString = () => `ListRoutes(${short(this.seg.raw, 60)}, image=${this.image})`;
}

type BodyFn = (over?: Record<string, unknown>) => BodySpec;
type BodyPath = 'keep' | 'absent' | 'same' | 'same-slash';

class UpdateRoute implements Cmd {
  body: BodySpec | undefined;
  constructor(
    readonly method: 'PUT' | 'PATCH',
    readonly t: Target,
    readonly makeBody: BodyFn,
    readonly bodyPath: BodyPath,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const { seg, ref } = resolve(this.t, model);
    // the body's own path: as generated, left out, or the URL's route (optionally with a trailing /)
    const p = ref.path;
    const bp = this.bodyPath;
    const over =
      bp === 'absent'
        ? { path: DELETE }
        : (bp === 'same' || bp === 'same-slash') && p !== undefined
          ? { path: bp === 'same-slash' && p !== '/' ? `${p}/` : p }
          : {};
    const body = (this.body = this.makeBody(over));
    const target = `/v1/apps/${seg.raw}/routes/${ref.raw}`;
    const ctx = what(this.method, target, body);
    const res = await send(real, this.method, target, body);
    const name = seg.name;
    const path = ref.path;
    if (name === undefined || path === undefined) return (expectRefused(res, [{ status: 0 }], ctx), after(real, model));
    const parsed = parseBody(body.bytes ?? Buffer.alloc(0));
    const patch = parsed instanceof Refused ? parsed : routeBody(parsed);
    const old = model.get(name)?.routes.get(path);
    const refusals: Refusal[] = patch instanceof Refused ? [patch.refusal] : [];
    let next: MRoute | undefined;
    if (!(patch instanceof Refused)) {
      const r = old ? patchRoute(old, patch, path) : this.method === 'PUT' ? newRoute(name, patch, path) : undefined;
      if (r instanceof Refused) refusals.push(r.refusal);
      else next = r;
    }
    if (!old && this.method === 'PATCH') refusals.push(...missing(model, name, path));
    if (refusals.length > 0) expectRefused(res, refusals, ctx);
    else {
      const body = expectOk(res, 'Route successfully updated', ctx);
      if (!model.has(name)) model.set(name, { config: new Map(), routes: new Map() });
      model.get(name)!.routes.set(path, next!);
      sameJson(body.route, routeJson(next!), ctx);
    }
    await after(real, model);
  }
  toString = () => `UpdateRoute(${this.method} ${showTarget(this.t)}, path:${this.bodyPath}, ${this.body?.label ?? this.makeBody().label})`;
}

class DeleteRoute implements Cmd {
  constructor(readonly t: Target) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const { seg, ref } = resolve(this.t, model);
    const target = `/v1/apps/${seg.raw}/routes/${ref.raw}`;
    const ctx = what('DELETE', target);
    const res = await send(real, 'DELETE', target);
    const name = seg.name;
    const path = ref.path;
    if (name === undefined || path === undefined) expectRefused(res, [{ status: 0 }], ctx);
    else if (!model.get(name)?.routes.has(path)) expectRefused(res, [{ status: 404 }], ctx);
    else {
      expectOk(res, 'Route deleted', ctx);
      model.get(name)!.routes.delete(path);
    }
    await after(real, model);
  }
  toString = () => `DeleteRoute(${showTarget(this.t)})`;
}

/** Junk: odd methods and hostile URLs under /v1 with non-JSON bodies. Nothing may change; no 5xx. */
class Junk implements Cmd {
  constructor(
    readonly method: string,
    readonly target: string,
    readonly body: BodySpec | undefined,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const ctx = what(this.method, this.target, this.body);
    const res = await send(real, this.method, this.target, this.body);
    checkAnswer(res, ctx, this.method);
    if (!['GET', 'HEAD', 'OPTIONS'].includes(this.method)) assert.ok(res.status >= 400, `junk refused: ${ctx} -> ${res.status} ${short(res.text)}`);
    // a junk request must not change anything: compare now
    real.sinceCheck = FULL_CHECK_EVERY;
    await after(real, model);
  }
  toString = () => `Junk(${this.method} ${short(this.target, 100)}, ${this.body?.label})`;
}

// ---------- arbitraries of commands ----------

const appBody = bodyOf('app', appFields);
const routeBodyArb = bodyOf('route', routeFields);
const bodyPath = fc.constantFrom<BodyPath>('keep', 'absent', 'absent', 'same', 'same', 'same-slash');
const target: fc.Arbitrary<Target> = fc.oneof(
  fc.tuple(appSeg, pathRef).map(([seg, ref]) => ({ seg, ref })),
  fc.record({ existing: fc.nat(50), spelling: fc.nat(10), encodedApp: fc.constantFrom(false, false, false, false, true) }),
);

/** Route bodies for POST usually name a known path and an image (so creations, duplicates and later updates happen). */
const createRouteBody = fc
  .tuple(routeBodyArb, fc.option(validPath, { freq: 4 }), fc.option(fc.constantFrom('img', 'img:1', 'localhost/podfn-test/echo:latest'), { freq: 4 }))
  .map(([mk, p, img]) => mk({ ...(p === null ? {} : { path: p }), ...(img === null ? {} : { image: img }) }));

const JUNK_TARGETS = [
  '/v1/apps/%2e%2e',
  '/v1/apps/a/%2e%2e/b',
  '/v1//apps',
  '/v1/apps/a/routes/%2e%2e',
  '/v1/apps/a/../b',
  '/v1/apps/a%2F..%2Fb',
  '/v1/%61pps',
  '/v1/apps/a/routes/..%2F..%2Fx',
  '/v1/nope',
  '/v1/apps/a/b/c',
  '/%2e%2e/v1/apps',
  '/v1/apps/' + 'x'.repeat(8000),
  '/v1/apps?x=' + 'y'.repeat(6000),
  '/v1/apps/a/calls/..',
  '/v1/apps/a/routes/a%zz',
  '/v1/apps/a/routes/x/./y',
  '/v1/apps/%zz/routes',
  '/v1',
  '/v1/',
  '/v1/apps/a/routes/%00',
  '/v1/apps/a%00',
  '/v1/routes/%2e%2e',
  '/v1/apps/a/routes/%2Fx%2F%2E%2E',
  '/v1/apps/a/routes/' + 'p/'.repeat(2000),
];
const junkCmd = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'PURGE', 'LINK', 'SEARCH'),
    target: fc.constantFrom(...JUNK_TARGETS),
    body: fc.option(junkBytes.map((b): BodySpec => ({ bytes: b, label: `junk ${JSON.stringify(b.toString('latin1').slice(0, 40))}` }))),
  })
  .map(({ method, target, body }) => new Junk(method, target, body ?? undefined));

const commands = [
  appBody.map((mk) => new CreateApp(mk())),
  appSeg.map((s) => new GetApp(s)),
  fc.constant(new ListApps()),
  fc
    .tuple(fc.constantFrom<'PUT' | 'PATCH'>('PUT', 'PATCH'), appSeg, appBody, fc.constantFrom('keep', 'absent', 'absent', 'absent', 'same', 'same'))
    .map(([m, s, mk, n]) => new UpdateApp(m, s, mk(n === 'absent' ? { name: DELETE } : n === 'same' && s.name ? { name: s.name } : {}))),
  appSeg.map((s) => new DeleteApp(s)),
  fc.tuple(appSeg, createRouteBody).map(([s, b]) => new CreateRoute(s, b)),
  fc.tuple(appSeg, createRouteBody).map(([s, b]) => new CreateRoute(s, b)),
  target.map((t) => new GetRoute(t)),
  fc.tuple(appSeg, fc.option(fc.constantFrom('img', 'img:1', 'nope', 'a'.repeat(512), 'x y+z'))).map(([s, i]) => new ListRoutes(s, i ?? undefined)),
  fc.tuple(fc.constantFrom<'PUT' | 'PATCH'>('PUT', 'PATCH'), target, routeBodyArb, bodyPath).map(([m, t, mk, bp]) => new UpdateRoute(m, t, mk, bp)),
  fc.tuple(fc.constantFrom<'PUT' | 'PATCH'>('PUT', 'PATCH'), target, routeBodyArb, bodyPath).map(([m, t, mk, bp]) => new UpdateRoute(m, t, mk, bp)),
  target.map((t) => new DeleteRoute(t)),
  fc.tuple(appSeg, validPath.chain(pathRefOf)).map(([seg, ref]) => new DeleteRoute({ seg, ref })),
  junkCmd,
];

// ---------- the suite ----------

const test = suite('fuzz: admin API against a model');
let srv: TestServer;

test.before(async () => {
  srv = await startServer({
    env: {
      PODFN_MAX_MEMORY_MB: String(LIMITS.memory),
      PODFN_MAX_TIMEOUT: String(LIMITS.timeout),
      PODFN_MAX_IDLE_TIMEOUT: String(LIMITS.idleTimeout),
      PODFN_ADMIN_BODY_LIMIT: String(1024 * 1024),
    },
  });
});
test.after(async () => {
  await srv?.stop();
});

/** Empties the store through the API (every run starts from nothing). */
async function reset(real: Real): Promise<void> {
  const { routes } = JSON.parse((await send(real, 'GET', '/v1/routes')).text) as { routes: { app_name: string; path: string }[] };
  for (const r of routes) {
    const res = await send(real, 'DELETE', `/v1/apps/${r.app_name}/routes/${encodeURIComponent(r.path)}`);
    assert.is(res.status, 200, `reset: delete route ${r.app_name} ${r.path}: ${res.text}`);
  }
  const { apps } = JSON.parse((await send(real, 'GET', '/v1/apps')).text) as { apps: { name: string }[] };
  for (const a of apps) assert.is((await send(real, 'DELETE', `/v1/apps/${a.name}`)).status, 200, `reset: delete app ${a.name}`);
}

test('random sequences of app and route operations match the model', async () => {
  let stats = { runs: 0, commands: 0 };
  const ran = await checkProperty(
    'admin-model',
    fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'large' }), async (cmds) => {
      const real: Real = { base: srv.url, sinceCheck: 0 };
      const model: Model = new Map();
      await reset(real);
      await fc.asyncModelRun(() => ({ model, real }), cmds);
      await compareAll(real, model, true);
      stats.runs++;
      stats.commands += [...cmds].length;
    }),
    200,
  );
  const health = await request(srv.url, 'GET', '/healthz');
  assert.is(health.status, 200, 'the server is still up');
  assert.equal(unhandledErrors(srv.output()), [], 'no unhandled error was logged');
  if (ran) assert.ok(stats.runs > 0);
  if (process.env.FUZZ_VERBOSE)
    console.log(
      stats,
      [...tally]
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join('\n'),
    );
  stats = { runs: 0, commands: 0 };
});

test.run();
