// Unit: src/models/route.ts: path validation and URL path parsing, body parsing (types, ranges from
// the limits, unknown fields), seed defaults, the update merge and the JSON shape clients see.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  validateRoutePath,
  routePathFromUrl,
  parseRouteBody,
  newRoute,
  applyRoutePatch,
  routeJson,
  DEFAULTS,
  ROUTE_PATH_MAX,
  type Route,
  type RouteLimits,
} from '../../src/models/route.ts';
import { throwsApi } from '../helpers/api-error.ts';

const limits: RouteLimits = { maxMemoryMb: 8192, maxTimeout: 3600, maxIdleTimeout: 3600 };
const body = (route: Record<string, unknown>) => ({ route });

const paths = suite('models/route: paths');

paths('valid paths; a trailing slash is dropped', () => {
  assert.is(validateRoutePath('/'), '/');
  assert.is(validateRoutePath('/a'), '/a');
  assert.is(validateRoutePath('/a/b-c_d.e~f'), '/a/b-c_d.e~f');
  assert.is(validateRoutePath('/a/'), '/a');
  assert.is(validateRoutePath('/' + 'a'.repeat(ROUTE_PATH_MAX - 1)).length, ROUTE_PATH_MAX);
});

paths('seed messages: Missing route Path, Invalid Path format, Dynamic URL is not allowed', () => {
  for (const p of [undefined, null, '']) throwsApi(() => validateRoutePath(p), 400, 'Missing route Path');
  for (const p of ['myroute', 'a/b', 5, {}]) throwsApi(() => validateRoutePath(p), 400, 'Invalid Path format');
  for (const p of ['/users/:id', '/a:b']) throwsApi(() => validateRoutePath(p), 400, 'Dynamic URL is not allowed');
});

paths('.., ., //, NUL, control characters, ?, #, %, \\, spaces and over-long paths are 400', () => {
  const bad = [
    '/..',
    '/a/..',
    '/a/../b',
    '/.',
    '/./a',
    '/a//b',
    '//a',
    '/a\u0000b',
    '/a\nb',
    '/a\tb',
    '/a\u007f',
    '/a\u001fb',
    '/a?b',
    '/a#b',
    '/a%2e',
    '/a\\b',
    '/a b',
    '/' + 'a'.repeat(ROUTE_PATH_MAX),
  ];
  for (const p of bad) throwsApi(() => validateRoutePath(p), 400);
});

paths('URL tails: decoded, doubled slashes collapsed (//hello is /hello), then validated', () => {
  assert.is(routePathFromUrl('hello'), '/hello');
  assert.is(routePathFromUrl('/hello'), '/hello');
  assert.is(routePathFromUrl('hello/world'), '/hello/world');
  assert.is(routePathFromUrl('%2Fhello%2Fworld'), '/hello/world');
  assert.is(routePathFromUrl('hello%2fworld'), '/hello/world');
  assert.is(routePathFromUrl('hello//world/'), '/hello/world');
  assert.is(routePathFromUrl(''), '/');
  assert.is(routePathFromUrl('%2F'), '/');
});

paths('URL tails: bad percent-encoding, encoded .., NUL, : are 400', () => {
  throwsApi(() => routePathFromUrl('%zz'), 400, /percent-encoding/);
  throwsApi(() => routePathFromUrl('%E0%A4%A'), 400);
  for (const t of ['a/%2e%2e', '%2E%2E/a', 'a%2F..%2Fb', 'a/..', '.', 'a%00b', 'a%0Ab', 'a%3Ab', 'a%20b']) throwsApi(() => routePathFromUrl(t), 400);
});

// Regressions found by the fuzz suite: C1 controls were accepted (docs/api.md says no control
// characters), and a lone surrogate was accepted but stored as U+FFFD, a different path than answered.
paths('C1 control characters and lone surrogates are 400; well-formed non-ASCII is fine', () => {
  for (const p of ['/a\u0085b', '/a\u0080', '/\u009f', '/\ud800', '/a\udfffb', '/\ud83d/x'])
    throwsApi(() => validateRoutePath(p), 400, /control characters|not valid Unicode/);
  for (const p of ['/é/日本', '/😀', '/a\u00a1b']) assert.is(validateRoutePath(p), p);
});

const parse = suite('models/route: body parsing');

parse('wrapper required', () => {
  for (const b of [undefined, null, {}, { path: '/x' }, [], 'x']) throwsApi(() => parseRouteBody(b, limits), 400, 'Missing new route');
  throwsApi(() => parseRouteBody({ route: 'x' }, limits), 400);
});

parse('fields map to the patch; absent and empty-string fields are left out; unknown ones ignored', () => {
  assert.equal(parseRouteBody(body({}), limits), {});
  assert.equal(parseRouteBody(body({ path: '', image: '', type: '', format: '', error: {}, app_name: 'x' }), limits), {});
  assert.equal(
    parseRouteBody(
      body({
        path: '/p/',
        image: 'a/b:1',
        memory: 64,
        type: 'async',
        format: 'json',
        max_concurrency: 2,
        timeout: 5,
        idle_timeout: 6,
        headers: { A: 'a' },
        config: { K: '' },
      }),
      limits,
    ),
    {
      path: '/p',
      image: 'a/b:1',
      memory: 64,
      type: 'async',
      format: 'json',
      maxConcurrency: 2,
      timeout: 5,
      idleTimeout: 6,
      headers: { A: ['a'] },
      config: { K: '' },
    },
  );
});

parse('integers within [0, max] from the limits', () => {
  const small: RouteLimits = { maxMemoryMb: 512, maxTimeout: 60, maxIdleTimeout: 120 };
  assert.equal(parseRouteBody(body({ memory: 512, timeout: 60, idle_timeout: 120, max_concurrency: 0 }), small), {
    memory: 512,
    timeout: 60,
    idleTimeout: 120,
    maxConcurrency: 0,
  });
  for (const [k, v] of [
    ['memory', 513],
    ['timeout', 61],
    ['idle_timeout', 121],
    ['memory', -1],
    ['timeout', -1],
    ['idle_timeout', -1],
    ['max_concurrency', -1],
  ] as const) {
    throwsApi(() => parseRouteBody(body({ [k]: v }), small), 400, new RegExp(k));
  }
  for (const v of ['1', 1.5, true, [1], {}, NaN]) throwsApi(() => parseRouteBody(body({ memory: v }), limits), 400, /integer/);
});

parse('type, format, image', () => {
  for (const t of ['x', 5, 'SYNC']) throwsApi(() => parseRouteBody(body({ type: t }), limits), 400, 'Invalid route Type');
  for (const f of ['x', 'json-rpc', 5, 'HTTP']) throwsApi(() => parseRouteBody(body({ format: f }), limits), 400, 'Invalid route Format');
  for (const f of ['default', 'http', 'json']) assert.equal(parseRouteBody(body({ format: f }), limits), { format: f });
  for (const i of [5, ['a'], '-x', 'a b', 'x'.repeat(513)]) throwsApi(() => parseRouteBody(body({ image: i }), limits), 400, /Invalid route Image/);
  for (const i of ['iron/hello', 'localhost/podfn-test/echo:1.0', 'reg:5000/a/b@sha256:abc'])
    assert.equal(parseRouteBody(body({ image: i }), limits), { image: i });
});

const build = suite('models/route: defaults, merge, JSON');

build('newRoute applies the seed defaults', () => {
  assert.equal(newRoute('app', { path: '/p', image: 'i' }), {
    appName: 'app',
    path: '/p',
    image: 'i',
    memory: 128,
    headers: {},
    type: 'sync',
    format: 'default',
    maxConcurrency: 0,
    timeout: 30,
    idleTimeout: 30,
    config: {},
  });
  assert.equal(DEFAULTS, { memory: 128, type: 'sync', format: 'default', timeout: 30, idleTimeout: 30 });
  assert.is(newRoute('a', { path: '/p', image: 'i', format: 'http' }).maxConcurrency, 1);
  assert.is(newRoute('a', { path: '/p', image: 'i', format: 'http', maxConcurrency: 4 }).maxConcurrency, 4);
  assert.equal(newRoute('a', { path: '/p', image: 'i', memory: 0, timeout: 0, idleTimeout: 0 }).memory, 128);
});

build('newRoute: required fields, URL path wins, a different body path is 400; "" config and empty headers dropped', () => {
  throwsApi(() => newRoute('a', { image: 'i' }), 400, 'Missing route Path');
  throwsApi(() => newRoute('a', { path: '/p' }), 400, 'Missing route Image');
  throwsApi(() => newRoute('a', { path: '/q', image: 'i' }, '/p'), 400, 'Could not update route - path is immutable');
  assert.is(newRoute('a', { image: 'i' }, '/p').path, '/p');
  assert.is(newRoute('a', { path: '/p', image: 'i' }, '/p').path, '/p');
  const r = newRoute('a', { path: '/p', image: 'i', config: { A: '', B: 'b' }, headers: { X: [], Y: ['y'] } });
  assert.equal([r.config, r.headers], [{ B: 'b' }, { Y: ['y'] }]);
});

const stored: Route = {
  appName: 'a',
  path: '/p',
  image: 'i:1',
  memory: 256,
  headers: { A: ['a'], B: ['b'] },
  type: 'async',
  format: 'http',
  maxConcurrency: 2,
  timeout: 10,
  idleTimeout: 20,
  config: { X: 'x', Y: 'y' },
};

build('applyRoutePatch: given fields replace, others stay, config and headers merge; input untouched', () => {
  const copy = structuredClone(stored);
  assert.equal(applyRoutePatch(stored, {}, '/p'), stored);
  const next = applyRoutePatch(stored, { image: 'i:2', type: 'sync', config: { X: '', Z: 'z' }, headers: { a: ['A'], B: [] } }, '/p');
  assert.equal(next, { ...stored, image: 'i:2', type: 'sync', config: { Y: 'y', Z: 'z' }, headers: { a: ['A'] } });
  assert.equal(stored, copy);
  assert.equal(applyRoutePatch(stored, { memory: 0, timeout: 0, idleTimeout: 0 }, '/p'), stored);
  assert.is(applyRoutePatch(stored, { maxConcurrency: 0 }, '/p').maxConcurrency, 0);
  assert.is(applyRoutePatch(stored, { path: '/p' }, '/p').path, '/p');
  throwsApi(() => applyRoutePatch(stored, { path: '/q' }, '/p'), 400, 'Could not update route - path is immutable');
});

build('routeJson: snake_case, always timeout and idle_timeout, headers only when non-empty', () => {
  assert.equal(routeJson(stored), {
    app_name: 'a',
    path: '/p',
    image: 'i:1',
    memory: 256,
    type: 'async',
    format: 'http',
    max_concurrency: 2,
    timeout: 10,
    idle_timeout: 20,
    config: { X: 'x', Y: 'y' },
    headers: { A: ['a'], B: ['b'] },
  });
  const bare = routeJson({ ...stored, headers: {} });
  assert.not.ok('headers' in bare);
  assert.equal([bare.timeout, bare.idle_timeout], [10, 20]);
});

paths.run();
parse.run();
build.run();
