// Unit: src/models/app.ts and src/models/errors.ts: app name rules (the seed's messages, its intended
// character check), body parsing of create and update, and the config merge of updates.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateAppName, parseNewApp, parseAppUpdate, applyAppUpdate, asObject, APP_NAME_MAX } from '../../src/models/app.ts';
import { ApiError, Errors } from '../../src/models/errors.ts';
import { throwsApi } from '../helpers/api-error.ts';

const names = suite('models/app: names');

names('valid names pass through unchanged', () => {
  for (const n of ['a', 'A', 'myapp', 'My-App_1', '0', '_', '-', 'ABCDEFGHIJKLMNOPQRSTUVWXY', 'x'.repeat(APP_NAME_MAX)]) assert.is(validateAppName(n), n);
});

names('missing name: 400 Missing app name', () => {
  for (const n of [undefined, null, '']) throwsApi(() => validateAppName(n), 400, 'Missing app name');
});

names('more than 30 bytes: 400 App name must be 30 characters or less (bytes, not characters)', () => {
  throwsApi(() => validateAppName('1234567890123456789012345678901'), 400, 'App name must be 30 characters or less');
  throwsApi(() => validateAppName('é'.repeat(16)), 400, 'App name must be 30 characters or less');
});

names('other characters and non-strings: 400 Invalid app name', () => {
  for (const n of ['&&%@!#$#@$', 'a/b', 'a b', 'a.b', '..', 'a\u0000b', 'é', 'a\nb', '$', 'Z[', 'a~'])
    throwsApi(() => validateAppName(n), 400, 'Invalid app name');
  for (const n of [5, true, ['a'], { a: 1 }]) throwsApi(() => validateAppName(n), 400, 'Invalid app name');
});

const bodies = suite('models/app: bodies');

bodies('create: wrapper required; unknown fields ignored; empty config values dropped', () => {
  for (const b of [undefined, null, {}, { name: 'x' }, [], 'x', 5, { app: null }]) throwsApi(() => parseNewApp(b), 400, 'Missing new application');
  throwsApi(() => parseNewApp({ app: 'x' }), 400);
  throwsApi(() => parseNewApp({ app: ['x'] }), 400);
  assert.equal(parseNewApp({ app: { name: 'a', routes: [], x: 1 }, y: 2 }), { name: 'a', config: {} });
  assert.equal(parseNewApp({ app: { name: 'a', config: { A: '1', B: '' } } }), { name: 'a', config: { A: '1' } });
  assert.equal(parseNewApp({ app: { name: 'a', config: null } }), { name: 'a', config: {} });
  throwsApi(() => parseNewApp({ app: { name: 'a', config: { A: 1 } } }), 400);
});

bodies('update: only config; the URL name or none is fine; another name is 400 name is immutable', () => {
  assert.equal(parseAppUpdate({ app: { config: { A: '' } } }, 'a'), { config: { A: '' } });
  assert.equal(parseAppUpdate({ app: { name: 'a' } }, 'a'), { config: {} });
  assert.equal(parseAppUpdate({ app: { name: '' } }, 'a'), { config: {} });
  throwsApi(() => parseAppUpdate({ app: { name: 'b' } }, 'a'), 400, 'Could not update app - name is immutable');
  throwsApi(() => parseAppUpdate({ app: { name: 5 } }, 'a'), 400, 'Could not update app - name is immutable');
  throwsApi(() => parseAppUpdate({}, 'a'), 400, 'Missing new application');
});

bodies('merge: set, overwrite, "" removes; the name never changes; the input is not mutated', () => {
  const app = { name: 'a', config: { TEST: '1' } };
  const step1 = applyAppUpdate(app, { config: { OTHER: 'TEST' } });
  const step2 = applyAppUpdate(step1, { config: { TEST: '' } });
  assert.equal(step2, { name: 'a', config: { OTHER: 'TEST' } });
  assert.equal(app, { name: 'a', config: { TEST: '1' } });
  assert.equal(applyAppUpdate(app, { config: { TEST: '2' } }).config, { TEST: '2' });
  assert.equal(applyAppUpdate(app, { config: { NOPE: '' } }).config, { TEST: '1' });
});

bodies('merge beyond 100 keys is 400', () => {
  const full = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`K${i}`, 'v']));
  throwsApi(() => applyAppUpdate({ name: 'a', config: full }, { config: { MORE: 'v' } }), 400);
  assert.is(Object.keys(applyAppUpdate({ name: 'a', config: full }, { config: { MORE: 'v', K0: '' } }).config).length, 100);
});

bodies('asObject accepts only plain objects', () => {
  assert.ok(asObject({}));
  for (const v of [null, undefined, [], 'x', 1, true]) assert.is(asObject(v), undefined);
});

bodies('errors carry the seed messages and podfn statuses', () => {
  const cases: [ApiError, number, string][] = [
    [Errors.invalidJson(), 400, 'Invalid JSON'],
    [Errors.appNotFound(), 404, 'App not found'],
    [Errors.routeNotFound(), 404, 'Route not found'],
    [Errors.appExists(), 409, 'App already exists'],
    [Errors.routeExists(), 409, 'Route already exists'],
    [Errors.appHasRoutes(), 400, 'Cannot remove apps with routes'],
  ];
  for (const [e, status, message] of cases) assert.equal([e.status, e.message], [status, message]);
});

names.run();
bodies.run();
