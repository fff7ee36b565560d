import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { baseEnv, callEnv, coldEnv, envName } from '../../src/runner/call-env.ts';
import { fnSpec, makeCall } from '../helpers/podman.ts';

test('envName upper-cases, maps - to _ and rejects invalid names', () => {
  assert.is(envName('db-url'), 'DB_URL');
  assert.is(envName('Content-Type'), 'CONTENT_TYPE');
  assert.is(envName('a.b'), null);
  assert.is(envName('bad key'), null);
  assert.is(envName('1abc'), null);
  assert.is(envName(''), null);
});

test('baseEnv: identity, format, memory, then config (invalid keys skipped)', () => {
  const env = baseEnv(fnSpec({ appName: 'a1', path: '/x/y', format: 'http', memory: 256, config: { 'db-url': 'pg://', 'bad key': 'v', Mixed_Case: 'm' } }));
  assert.equal(env, {
    APP_NAME: 'a1',
    ROUTE: '/x/y',
    FORMAT: 'http',
    MEMORY_MB: '256',
    FN_APP_NAME: 'a1',
    FN_PATH: '/x/y',
    FN_FORMAT: 'http',
    FN_MEMORY: '256',
    DB_URL: 'pg://',
    MIXED_CASE: 'm',
  });
});

test('callEnv: method, url, ids, RFC3339 deadline, params, headers joined with ", "', () => {
  const deadline = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
  const call = makeCall(fnSpec(), {
    id: 'cid',
    method: 'PUT',
    url: 'http://h/r/a/hello?x=1',
    deadline,
    params: { id: '42', 'bad.name': 'z' },
    headers: { 'x-multi': ['a', 'b'], 'content-type': ['text/plain'], 'x-nul': ['a\0b'] },
  });
  const env = callEnv(call);
  assert.is(env.METHOD, 'PUT');
  assert.is(env.FN_METHOD, 'PUT');
  assert.is(env.REQUEST_URL, 'http://h/r/a/hello?x=1');
  assert.is(env.FN_REQUEST_URL, 'http://h/r/a/hello?x=1');
  assert.is(env.CALL_ID, 'cid');
  assert.is(env.FN_CALL_ID, 'cid');
  assert.is(env.FN_DEADLINE, '2030-01-02T03:04:05.678Z');
  assert.is(env.PARAM_ID, '42');
  assert.is(env.HEADER_X_MULTI, 'a, b');
  assert.is(env.HEADER_CONTENT_TYPE, 'text/plain');
  assert.is(env.HEADER_X_NUL, 'ab');
  assert.not.ok(Object.keys(env).some((k) => k.includes('.')));
});

test('coldEnv: per-call env wins over config, KEY=value list', () => {
  const list = coldEnv(makeCall(fnSpec({ config: { method: 'from-config', other: 'o' } }), { method: 'GET' }));
  assert.ok(list.includes('METHOD=GET'));
  assert.ok(list.includes('OTHER=o'));
  assert.not.ok(list.includes('METHOD=from-config'));
});

test.run();
