// Unit: src/models/config-map.ts: config maps (shape, key rules, the 100 keys / 128-byte key /
// 4096-byte value caps at their exact boundaries), their merge, and route headers (string or array
// forms, CR/LF/NUL refused, replace-per-name merge, case-insensitive).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfigMap, mergeConfig, parseHeaders, mergeHeaders, CONFIG_MAX_KEYS, CONFIG_KEY_MAX, CONFIG_VALUE_MAX } from '../../src/models/config-map.ts';
import { throwsApi } from '../helpers/api-error.ts';

const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`K${i}`, 'v']));

const config = suite('models/config-map: config');

config('caps are the ones the issue names', () => {
  assert.equal([CONFIG_MAX_KEYS, CONFIG_KEY_MAX, CONFIG_VALUE_MAX], [100, 128, 4096]);
});

config('absent is empty; non-objects are 400', () => {
  assert.equal(parseConfigMap(undefined, 'c'), {});
  assert.equal(parseConfigMap(null, 'c'), {});
  for (const v of ['x', 5, true, ['a']]) throwsApi(() => parseConfigMap(v, 'app config'), 400, /app config/);
});

config('values must be strings', () => {
  for (const v of [5, null, true, {}, ['a']]) throwsApi(() => parseConfigMap({ K: v }, 'c'), 400, /must be a string/);
});

config('100 keys pass, 101 are 400', () => {
  assert.is(Object.keys(parseConfigMap(keys(100), 'c')).length, 100);
  throwsApi(() => parseConfigMap(keys(101), 'c'), 400, /100/);
});

config('key of 128 passes, 129 is 400; keys must look like identifiers', () => {
  const k128 = 'K'.repeat(128);
  assert.equal(parseConfigMap({ [k128]: 'v' }, 'c'), { [k128]: 'v' });
  throwsApi(() => parseConfigMap({ ['K'.repeat(129)]: 'v' }, 'c'), 400);
  for (const k of ['_X', 'a-b_c', 'DB_URL', 'x9']) assert.equal(parseConfigMap({ [k]: 'v' }, 'c'), { [k]: 'v' });
  for (const k of ['', '9x', 'a b', 'A=B', 'a\u0000', 'é', '-x', '.x', 'a.b-c']) throwsApi(() => parseConfigMap({ [k]: 'v' }, 'c'), 400);
});

config('value of 4096 bytes passes, 4097 is 400 (bytes, so multi-byte characters count double)', () => {
  assert.is(parseConfigMap({ K: 'x'.repeat(4096) }, 'c').K?.length, 4096);
  assert.is(parseConfigMap({ K: 'é'.repeat(2048) }, 'c').K?.length, 2048);
  throwsApi(() => parseConfigMap({ K: 'x'.repeat(4097) }, 'c'), 400, /4096/);
  throwsApi(() => parseConfigMap({ K: 'é'.repeat(2049) }, 'c'), 400, /4096/);
});

config('NUL in a value is 400 (it becomes an env var)', () => {
  throwsApi(() => parseConfigMap({ K: 'a\u0000b' }, 'c'), 400, /NUL/);
  assert.equal(parseConfigMap({ K: 'line1\nline2 ü' }, 'c'), { K: 'line1\nline2 ü' });
});

config('empty values: dropped on create, kept (as removal marks) on update', () => {
  assert.equal(parseConfigMap({ A: '', B: 'b' }, 'c'), { B: 'b' });
  assert.equal(parseConfigMap({ A: '', B: 'b' }, 'c', { allowEmptyValues: true }), { A: '', B: 'b' });
});

config('merge: set, overwrite, "" removes, unknown "" is a no-op; input untouched; cap after merge', () => {
  const old = { FIRST: '1', SECOND: '2', THIRD: '3' };
  assert.equal(mergeConfig(old, { FIRST: 'first', SECOND: '', THIRD: '3', NOPE: '' }), { FIRST: 'first', THIRD: '3' });
  assert.equal(old, { FIRST: '1', SECOND: '2', THIRD: '3' });
  throwsApi(() => mergeConfig(keys(100), { NEW: 'v' }), 400);
  assert.is(Object.keys(mergeConfig(keys(99), { NEW: 'v' })).length, 100);
});

const headers = suite('models/config-map: headers');

headers('string and array forms become arrays; empty ones are dropped unless allowed', () => {
  assert.equal(parseHeaders({ A: 'a', B: ['b1', 'b2'], C: [], D: '' }), { A: ['a'], B: ['b1', 'b2'] });
  assert.equal(parseHeaders({ C: [], D: '' }, { allowEmpty: true }), { C: [], D: [] });
  assert.equal(parseHeaders(undefined), {});
  assert.equal(parseHeaders(null), {});
});

headers('bad shapes, names and values are 400', () => {
  for (const v of [[], 'X: y', 5]) throwsApi(() => parseHeaders(v), 400);
  for (const v of [5, [1], [['a']], { a: 'b' }, null]) throwsApi(() => parseHeaders({ X: v }), 400);
  for (const n of ['bad name', 'a:b', '', 'é', 'a\r\n']) throwsApi(() => parseHeaders({ [n]: 'v' }), 400);
  for (const v of ['a\r\nInjected: 1', 'a\nb', 'a\u0000b']) throwsApi(() => parseHeaders({ X: v }), 400, /CR, LF and NUL/);
  throwsApi(() => parseHeaders(keys(101)), 400);
  throwsApi(() => parseHeaders({ X: 'x'.repeat(4097) }), 400);
});

headers('merge replaces per name (case-insensitive); an empty value removes; input untouched', () => {
  const old = { First: ['test'], Second: ['test', 'test'], Third: ['test', 'test2'] };
  assert.equal(mergeHeaders(old, { First: ['test2'], Second: [] }), { First: ['test2'], Third: ['test', 'test2'] });
  assert.equal(mergeHeaders(old, { first: ['x'] }), { Second: ['test', 'test'], Third: ['test', 'test2'], first: ['x'] });
  assert.equal(old, { First: ['test'], Second: ['test', 'test'], Third: ['test', 'test2'] });
  assert.equal(mergeHeaders({ A: ['a'], B: ['b'] }, { A: ['a'], B: ['b'] }), { A: ['a'], B: ['b'] });
});

// Regressions found by the fuzz suite (test/fuzz): `__proto__` is a valid key, and assigning it with
// `out[k] = v` silently dropped it (200, nothing stored); header values a response cannot carry were
// accepted and then made every /r call of the route a 500; framing headers broke the response.
const fuzzed = suite('models/config-map: fuzz regressions');

fuzzed('a __proto__ config key is stored as data, in parse and merge (not dropped, prototype untouched)', () => {
  const parsed = parseConfigMap(JSON.parse('{"__proto__":"x","K":"v"}'), 'c');
  assert.equal(Object.keys(parsed), ['__proto__', 'K']);
  assert.is(JSON.stringify(parsed), '{"__proto__":"x","K":"v"}');
  assert.is(Object.getPrototypeOf(parsed), Object.prototype);
  const merged = mergeConfig({ A: 'a' }, JSON.parse('{"__proto__":"y"}') as Record<string, string>);
  assert.is(JSON.stringify(merged), '{"A":"a","__proto__":"y"}');
  assert.is(JSON.stringify(mergeConfig(merged, JSON.parse('{"__proto__":""}') as Record<string, string>)), '{"A":"a"}');
});

fuzzed('a __proto__ header is stored as data, in parse and merge', () => {
  const parsed = parseHeaders(JSON.parse('{"__proto__":"v"}'));
  assert.is(JSON.stringify(parsed), '{"__proto__":["v"]}');
  assert.is(JSON.stringify(mergeHeaders({}, parsed)), '{"__proto__":["v"]}');
});

fuzzed('header values must be valid HTTP field values: controls and characters above U+00FF are 400', () => {
  for (const v of ['€', '😀', 'a\u0001b', '\u007f', 'a\u001bb', '\u0100'])
    throwsApi(() => parseHeaders({ X: v }), 400, /control characters and characters above U\+00FF/);
  assert.equal(parseHeaders({ X: 'é ÿ\ttab', Y: ['a, b', '!~'] }), { X: ['é ÿ\ttab'], Y: ['a, b', '!~'] });
});

fuzzed('headers the gateway sets or that frame the response cannot be route headers (any case)', () => {
  for (const n of [
    'Content-Length',
    'transfer-encoding',
    'Connection',
    'Keep-Alive',
    'Upgrade',
    'TE',
    'Trailer',
    'Proxy-Connection',
    'Fn-Call-Id',
    'FN-CALL-ID',
  ]) {
    throwsApi(() => parseHeaders({ [n]: '1' }), 400, /set by the gateway/);
  }
  assert.equal(parseHeaders({ 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' }), { 'Content-Type': ['text/plain'], 'Cache-Control': ['no-store'] });
});

config.run();
headers.run();
fuzzed.run();
