// func.yaml: the strict YAML subset and the field validation, with line-numbered messages.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFunc, funcToYaml, imageRef, routeBody, FuncFileError } from '../../src/cli/func-file.ts';
import { parseYamlSubset, yamlString, YamlError } from '../../src/cli/yaml-subset.ts';

const test = suite('cli func.yaml');

const FULL = `---
# a comment
name: localhost/acme/hello   # trailing comment
version: "1.2.3"
runtime: node
entrypoint: node /function/func.js
path: /greet/world
type: async
format: json
memory: 64
timeout: 12
idle_timeout: 40
max_concurrency: 2
config:
  GREETING: 'it''s me'
  URL: "http://x/#not-a-comment"
  EMPTY: ""
headers:
  X-Powered-By: podfn
`;

function rejects(text: string, pattern: RegExp) {
  try {
    parseFunc(text);
  } catch (e) {
    assert.instance(e, FuncFileError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`accepted:\n${text}`);
}

test('every field parses with the right types', () => {
  const f = parseFunc(FULL);
  assert.equal(f, {
    name: 'localhost/acme/hello',
    version: '1.2.3',
    runtime: 'node',
    entrypoint: 'node /function/func.js',
    path: '/greet/world',
    type: 'async',
    format: 'json',
    memory: 64,
    timeout: 12,
    idle_timeout: 40,
    max_concurrency: 2,
    config: { GREETING: "it's me", URL: 'http://x/#not-a-comment', EMPTY: '' },
    headers: { 'X-Powered-By': 'podfn' },
  });
});

test('defaults: version, path from the name, sync, default format', () => {
  const f = parseFunc('name: hello\nruntime: sh\n');
  assert.is(f.version, '0.0.1');
  assert.is(f.path, '/hello');
  assert.is(f.type, 'sync');
  assert.is(f.format, 'default');
  assert.is(imageRef(f), 'localhost/hello:0.0.1');
  assert.is(imageRef(parseFunc('name: localhost/a/b\nruntime: node\nversion: v2\n')), 'localhost/a/b:v2');
  assert.is(imageRef(parseFunc('name: acme/b\nruntime: node\n')), 'localhost/acme/b:0.0.1');
});

test('route body carries only what func.yaml sets', () => {
  const f = parseFunc(FULL);
  assert.equal(routeBody(f, 'img:1'), {
    path: '/greet/world',
    image: 'img:1',
    type: 'async',
    format: 'json',
    memory: 64,
    timeout: 12,
    idle_timeout: 40,
    max_concurrency: 2,
    config: f.config,
    headers: f.headers,
  });
  assert.equal(routeBody(parseFunc('name: a\nruntime: node\n'), 'i'), { path: '/a', image: 'i', type: 'sync', format: 'default' });
});

test('funcToYaml round-trips, quoting what plain YAML would misread', () => {
  const f = parseFunc(FULL);
  assert.equal(parseFunc(funcToYaml(f)), f);
  for (const s of ['', 'yes', '1.0', '- x', 'a: b', 'a #b', ' lead', 'quote"', "it's", '#x', 'true']) {
    const doc = parseYamlSubset(`k: ${yamlString(s)}\n`);
    const v = doc.get('k')?.value;
    assert.ok(v && !(v instanceof Map));
    assert.is(v.value, s);
  }
});

test('missing and unknown fields name the fix', () => {
  rejects('runtime: node\n', /missing required field "name"/);
  rejects('name: a\n', /missing required field "runtime" \(one of node, python, sh\)/);
  rejects('name: a\nruntime: node\nimage: x\n', /line 3: unknown field "image" \(known fields: name, version/);
});

test('bad values give the line and the allowed values', () => {
  rejects('name: a\nruntime: go\n', /line 2: runtime must be one of node, python, sh \(got "go"\)/);
  rejects('name: a\nruntime: node\nformat: hot\n', /line 3: format must be one of default, http, json/);
  rejects('name: a\nruntime: node\ntype: later\n', /line 3: type must be one of sync, async/);
  rejects('name: a\nruntime: node\nmemory: lots\n', /line 3: memory must be an unquoted integer 1\.\.\d+, got "lots"/);
  rejects('name: a\nruntime: node\nmemory: "64"\n', /line 3: memory must be an unquoted integer/);
  rejects('name: a\nruntime: node\ntimeout: -1\n', /line 3: timeout must be an unquoted integer/);
  rejects('name: Hello World\nruntime: node\n', /line 1: name must be an image name/);
  rejects('name: a\nruntime: node\nversion: "1 2"\n', /line 3: version must be a valid image tag/);
  rejects('name: a\nruntime: node\npath: hello\n', /line 3: path must be an absolute route path/);
  rejects('name: a\nruntime: node\npath: /a/../b\n', /line 3: path must be/);
  rejects('name: a\nruntime: sh\nformat: http\n', /line 3: the sh runtime supports only format: default/);
  for (const format of ['default', 'http', 'json']) assert.is(parseFunc(`name: a\nruntime: python\nformat: ${format}\n`).format, format);
  rejects('name: a\nruntime: node\nconfig: x\n', /line 3: "config" must be a map/);
  rejects('name: a\nruntime: node\nname: b\n', /line 3: duplicate key "name"/);
});

test('YAML outside the subset is refused with its line', () => {
  rejects('name: a\nruntime: node\nconfig:\n  A: 1\n    B: 2\n', /line 5: inconsistent indentation under "config:"/);
  rejects('name: a\nruntime: node\nconfig:\n  A:\n', /line 4: "config.A" needs a value/);
  rejects('name: a\nruntime: node\nconfig:\n\tA: 1\n', /line 4: tabs are not allowed/);
  rejects('name: a\n  runtime: node\n', /line 2: unexpected indentation before "runtime"/);
  rejects('name: a\nruntime: node\nheaders:\n  - X\n', /line 4: lists are not supported/);
  rejects('name: a\nruntime: node\nconfig: {A: 1}\n', /line 3: flow collections/);
  rejects('name: &x a\nruntime: node\n', /line 1: "&" \(anchors/);
  rejects('name: a\nruntime: |\n  node\n', /line 2: "\|"/);
  rejects('name: "a\nruntime: node\n', /line 1: unterminated double-quoted string/);
  rejects('name: a\nruntime: node\n---\nname: b\n', /line 3: only one YAML document/);
  rejects('just text\n', /line 1: expected "key: value"/);
  assert.throws(
    () => parseYamlSubset('a: "\\q"\n'),
    (e: unknown) => e instanceof YamlError && /line 1: bad escape/.test((e as Error).message),
  );
});

test.run();
