// Unit: what request headers and stored config can put into a function's environment (security
// review finding 5). `X_Remote_User` and `X-Remote-User` both map to HEADER_X_REMOTE_USER, so by
// default names with `_` are not passed (as nginx and CGI servers do); PODFN_ENV_UNDERSCORE_HEADERS
// turns them back on, and then the `-` spelling still wins. Hot formats pass names as sent (no
// collision in podfn) but drop `fn_*` as well as `fn-*`. Config rows stored before the key rules
// cannot pose as podfn's own variables.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { baseEnv, callEnv, coldEnv } from '../../src/runner/call-env.ts';
import { encodeHttpRequest } from '../../src/runner/formats/http.ts';
import { buildEnvelope } from '../../src/runner/formats/json.ts';
import { loadConfig } from '../../src/config.ts';
import { runnerOptionsFrom } from '../../src/config.ts';
import { defaultRunnerOptions } from '../../src/runner/options.ts';
import { fnSpec, makeCall } from '../helpers/podman.ts';

const headers = suite('call env: request headers with _');

const spoofed = (order: 'dash-first' | 'underscore-first') =>
  makeCall(fnSpec(), {
    headers:
      order === 'dash-first'
        ? { 'x-remote-user': ['alice'], x_remote_user: ['mallory'], x_only: ['u'] }
        : { x_remote_user: ['mallory'], x_only: ['u'], 'x-remote-user': ['alice'] },
  });

headers('by default a header named with _ never reaches HEADER_*: the proxy-set X-Remote-User stays alice', () => {
  for (const order of ['dash-first', 'underscore-first'] as const) {
    const env = callEnv(spoofed(order));
    assert.is(env.HEADER_X_REMOTE_USER, 'alice', order);
    assert.is(env.HEADER_X_ONLY, undefined, order);
    const list = coldEnv(spoofed(order));
    assert.ok(list.includes('HEADER_X_REMOTE_USER=alice'), order);
    assert.not.ok(
      list.some((e) => e.includes('mallory')),
      order,
    );
  }
});

headers('with envUnderscoreHeaders they are passed, and the - spelling still wins a collision', () => {
  for (const order of ['dash-first', 'underscore-first'] as const) {
    const env = callEnv(spoofed(order), { envUnderscoreHeaders: true });
    assert.is(env.HEADER_X_REMOTE_USER, 'alice', order);
    assert.is(env.HEADER_X_ONLY, 'u', order);
  }
  // alone, an underscore header is passed as itself
  assert.is(callEnv(makeCall(fnSpec(), { headers: { x_remote_user: ['bob'] } }), { envUnderscoreHeaders: true }).HEADER_X_REMOTE_USER, 'bob');
  // coldEnv takes the runner options as they are
  assert.ok(coldEnv(spoofed('dash-first'), defaultRunnerOptions({ envUnderscoreHeaders: true })).includes('HEADER_X_ONLY=u'));
  assert.not.ok(coldEnv(spoofed('dash-first'), defaultRunnerOptions()).includes('HEADER_X_ONLY=u'));
});

headers('PODFN_ENV_UNDERSCORE_HEADERS: off by default, maps onto the runner options', () => {
  assert.is(loadConfig({}).PODFN_ENV_UNDERSCORE_HEADERS, false);
  assert.is(runnerOptionsFrom(loadConfig({})).envUnderscoreHeaders, false);
  assert.is(runnerOptionsFrom(loadConfig({ PODFN_ENV_UNDERSCORE_HEADERS: 'true' })).envUnderscoreHeaders, true);
  assert.is(defaultRunnerOptions().envUnderscoreHeaders, false);
});

headers('hot formats: names pass as sent (two headers, no collision); fn_* is dropped like fn-*', () => {
  const call = makeCall(fnSpec({ format: 'http' }), {
    headers: { 'x-remote-user': ['alice'], x_remote_user: ['mallory'], fn_call_id: ['spoof'], fn_deadline: ['spoof'] },
  });
  const req = encodeHttpRequest(call);
  const names = req.headers.map(([n]) => n.toLowerCase());
  assert.ok(req.headers.some(([n, v]) => n === 'x-remote-user' && v === 'alice'));
  assert.ok(req.headers.some(([n, v]) => n === 'x_remote_user' && v === 'mallory'));
  assert.not.ok(names.includes('fn_call_id'));
  assert.not.ok(names.includes('fn_deadline'));
  assert.is(req.headers.find(([n]) => n === 'Fn-Call-Id')?.[1], call.id);
  const env = buildEnvelope(call);
  assert.equal(env.headers['x-remote-user'], ['alice']);
  assert.equal(env.headers.x_remote_user, ['mallory']);
  assert.is(env.headers.fn_call_id, undefined);
});

const config = suite('call env: config stored before the key rules');

config('config cannot pose as podfn variables (identity, FN_*, HEADER_*, PARAM_*, per-call names)', () => {
  const fn = fnSpec({
    appName: 'real',
    path: '/p',
    format: 'default',
    memory: 64,
    config: {
      APP_NAME: 'evil',
      'fn-format': 'evil',
      HEADER_X_REMOTE_USER: 'admin',
      'param-id': '0',
      METHOD: 'evil',
      REQUEST_URL: 'evil',
      TASK_ID: 'evil',
      KEEP: 'k',
    },
  });
  const env = baseEnv(fn);
  assert.is(env.APP_NAME, 'real');
  assert.is(env.FN_FORMAT, 'default');
  assert.is(env.HEADER_X_REMOTE_USER, undefined);
  assert.is(env.PARAM_ID, undefined);
  assert.is(env.METHOD, undefined);
  assert.is(env.REQUEST_URL, undefined);
  assert.is(env.TASK_ID, undefined);
  assert.is(env.KEEP, 'k');
  const cold = coldEnv(makeCall(fn, { method: 'GET', headers: {} }));
  assert.not.ok(
    cold.some((e) => e.endsWith('=evil') || e.endsWith('=admin')),
    cold.join(' '),
  );
});

config('PATH and LD_* stored earlier keep working (refused only on new writes)', () => {
  const env = baseEnv(fnSpec({ config: { PATH: '/opt/bin:/usr/bin', LD_LIBRARY_PATH: '/opt/lib' } }));
  assert.is(env.PATH, '/opt/bin:/usr/bin');
  assert.is(env.LD_LIBRARY_PATH, '/opt/lib');
});

headers.run();
config.run();
