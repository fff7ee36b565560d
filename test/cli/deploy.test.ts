// init -> build -> deploy -> call with the podfn CLI against a real gateway and Podman: the node
// runtime in each format (default, http, json: one FDK handler), the sh runtime (greeting a JSON body's
// name too; python: fdk-python.test.ts), the examples, an async deploy; bad func.yaml and a failing
// build give their exit codes. Images are built from the local bases (no registry) under
// localhost/podfn-test-cli/ with a random tag and removed at the end.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, ROOT, type TestServer } from '../helpers/server.ts';
import { requirePodman, testSocketPath } from '../helpers/podman.ts';
import type { Podman } from '../../src/runner/podman.ts';
import { runCli, jsonOf, type CliOptions } from './run-cli.ts';

const test = suite('cli init/build/deploy');
let srv: TestServer;
let podman: Podman;
let work: string;
const TAG = randomBytes(4).toString('hex');
const APP = `clideploy${Date.now().toString(36)}`;
const built = new Set<string>();
const cli = (args: string[], o: CliOptions = {}) =>
  runCli(args, { ...o, env: { PODFN_API_URL: srv.url, PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, ...o.env } });
const ref = (name: string) => `localhost/podfn-test-cli/${name}:${TAG}`;

test.before(async () => {
  podman = await requirePodman();
  srv = await startServer({ env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_NODE_ID: `clidep-${process.pid}` } });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-cli-'));
});

test.after(async () => {
  await srv?.stop();
  fs.rmSync(work, { recursive: true, force: true });
  for (const image of built) {
    try {
      await podman.docker.getImage(image).remove({ force: true });
    } catch {
      /* already gone */
    }
  }
});

/** init + deploy (which builds) for one runtime/format; returns the function folder. */
async function initDeploy(runtime: string, format: string, extra: string[] = [], suffix = ''): Promise<{ dir: string; route: string }> {
  const name = `${runtime}-${format}${suffix}`;
  let r = await cli(['init', '--runtime', runtime, '--format', format, ...extra, '--json', `localhost/podfn-test-cli/${name}`], { cwd: work });
  assert.is(r.code, 0, r.stderr);
  const info = jsonOf<{ dir: string; files: string[]; func: { path: string; runtime: string } }>(r);
  assert.is(info.dir, path.join(work, name));
  for (const f of ['func.yaml', 'Containerfile', runtime === 'node' ? 'func.js' : 'func.sh']) assert.ok(fs.existsSync(path.join(info.dir, f)), f);
  r = await cli(['deploy', '--app', APP, '--image', ref(name), '--json'], { cwd: info.dir });
  built.add(ref(name));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /STEP 1\/\d+: FROM localhost\/podfn(-test)?\//); // live progress on stderr
  const d = jsonOf<{ app: string; image: string; route: { path: string; image: string; format: string } }>(r);
  assert.is(d.app, APP);
  assert.is(d.route.image, ref(name));
  assert.is(d.route.format, format);
  return { dir: info.dir, route: d.route.path };
}

for (const format of ['default', 'http', 'json']) {
  test(`node ${format}: one FDK handler; JSON and text input, ctx`, async () => {
    const { route } = await initDeploy('node', format);
    let r = await cli(['call', APP, route, '--content-type', 'application/json'], { input: '{"name":"Ada"}' });
    assert.is(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { message: string; call_id: string; format: string };
    assert.is(out.message, 'Hello Ada');
    assert.is(out.format, format);
    assert.match(out.call_id, /^[0-9a-f-]{36}$/);
    r = await cli(['call', APP, route, '--json'], { input: 'Bob' });
    const j = jsonOf<{ status: number; call_id: string; body: string }>(r);
    assert.is(j.status, 200);
    const body = JSON.parse(j.body) as { message: string; call_id: string };
    assert.is(body.message, 'Hello Bob');
    assert.is(body.call_id, j.call_id); // ctx.callId is the gateway's Fn-Call-Id
  });
}

test('sh default: stdin to stdout, log on stderr; build --json alone', async () => {
  const { dir, route } = await initDeploy('sh', 'default', ['--path', '/shell']);
  assert.is(route, '/shell');
  let r = await cli(['call', APP, '/shell'], { input: 'Shelly' });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'Hello Shelly\n');
  r = await cli(['call', APP, '/shell', '--content-type', 'application/json'], { input: '{ "id": 7, "name" : "Ada" }' });
  assert.is(r.stdout, 'Hello Ada\n'); // the "name" of a JSON body, without a JSON parser
  r = await cli(['build', '--image', ref('sh-default'), '-q', '--json'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  const b = jsonOf<{ image: string; id: string; name: string; version: string }>(r);
  assert.equal([b.image, b.name, b.version], [ref('sh-default'), 'localhost/podfn-test-cli/sh-default', '0.0.1']);
  assert.match(b.id, /^[0-9a-f]{12,}/);
  assert.not.match(r.stderr, /STEP/); // -q
});

test('the examples build and answer in every format', async () => {
  const expect: Record<string, (out: string) => void> = {
    'node-hello-default': (o) => assert.match(o, /^Hello Eve \(call [0-9a-f-]{36}\)\n$/),
    'node-hello-http': (o) => assert.is((JSON.parse(o) as { greeting: string }).greeting, 'Hello Eve'),
    'node-hello-json': (o) => assert.is((JSON.parse(o) as { greeting: string }).greeting, 'Hello Eve'),
    'sh-hello': (o) => assert.is(o, 'Hi Eve\n'),
  };
  for (const [name, check] of Object.entries(expect)) {
    const dir = path.join(ROOT, 'examples', name);
    let r = await cli(['deploy', '--app', APP, '--dir', dir, '--image', ref(name), '-q', '--json']);
    built.add(ref(name));
    assert.is(r.code, 0, `${name}: ${r.stderr}`);
    r = await cli(['call', APP, `/${name}`], { input: 'Eve' });
    assert.is(r.code, 0, `${name}: ${r.stderr}`);
    check(r.stdout);
  }
  // http: a handler's {status, headers, body} reaches the client
  const r = await cli(['call', APP, '/node-hello-http', '--json', '--content-type', 'application/json'], { input: '{"name":"nobody"}' });
  assert.is(r.code, 1);
  const j = jsonOf<{ status: number; body: string }>(r);
  assert.is(j.status, 404);
  assert.equal(JSON.parse(j.body), { error: 'nobody is not here' });
});

test('async deploy from func.yaml, redeploy updates the route', async () => {
  const { dir, route } = await initDeploy('node', 'json', ['--type', 'async', '--path', '/later'], '-async');
  let r = await cli(['call', APP, route, '--async'], { input: 'Async' });
  assert.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  let call: Record<string, unknown> = {};
  for (let i = 0; i < 100 && call.status !== 'success'; i++) {
    call = jsonOf(await cli(['calls', 'inspect', APP, id, '--json']));
    if (call.status !== 'success') await new Promise((res) => setTimeout(res, 100));
  }
  assert.is(call.status, 'success');
  // change func.yaml (memory, config) and redeploy without a build: the route is updated in place
  fs.appendFileSync(path.join(dir, 'func.yaml'), 'memory: 96\nconfig:\n  MODE: two\n');
  r = await cli(['deploy', '--app', APP, '--skip-build', '--image', ref('node-json-async'), '--json'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  const d = jsonOf<{ route: { memory: number; config: Record<string, string>; type: string } }>(r);
  assert.equal([d.route.memory, d.route.config, d.route.type], [96, { MODE: 'two' }, 'async']);
});

test('bad func.yaml, missing func.yaml and a failing build: clear message, exit 6 / 7', async () => {
  const dir = path.join(work, 'bad');
  fs.mkdirSync(dir);
  let r = await cli(['build'], { cwd: dir });
  assert.is(r.code, 6);
  assert.match(r.stderr, /no func\.yaml in .*\n {2}hint: .*podfn init/);
  fs.writeFileSync(path.join(dir, 'func.yaml'), 'name: bad\nruntime: node\nformat: hot\n');
  r = await cli(['deploy', '--app', APP], { cwd: dir });
  assert.is(r.code, 6);
  assert.match(r.stderr, /func\.yaml: line 3: format must be one of default, http, json \(got "hot"\)/);
  fs.writeFileSync(path.join(dir, 'func.yaml'), 'name: bad\nruntime: node\nconfig:\n  A: 1\n    B: 2\n');
  r = await cli(['build', '--json'], { cwd: dir });
  assert.is(r.code, 6);
  assert.match(r.stderr, /line 5: inconsistent indentation/);
  assert.is(r.stdout, '');
  fs.writeFileSync(path.join(dir, 'func.yaml'), 'name: localhost/podfn-test-cli/bad\nruntime: node\n');
  r = await cli(['build'], { cwd: dir });
  assert.is(r.code, 6);
  assert.match(r.stderr, /no Containerfile/);
  fs.writeFileSync(path.join(dir, 'Containerfile'), 'FROM localhost/podfn-test/node-base:latest\nCOPY missing.js /x\n');
  r = await cli(['build', '--image', ref('bad')], { cwd: dir });
  built.add(ref('bad'));
  assert.is(r.code, 7, r.stderr);
  assert.match(r.stderr, /build of .* failed: .*missing\.js/);
  r = await cli(['init', '--runtime', 'sh', '--format', 'http', 'x'], { cwd: work });
  assert.is(r.code, 6);
  assert.match(r.stderr, /the sh runtime supports only format: default/);
  r = await cli(['init', '--runtime', 'go', 'x'], { cwd: work });
  assert.is(r.code, 2);
  r = await cli(['init', '--runtime', 'node', 'localhost/podfn-test-cli/node-default'], { cwd: work });
  assert.is(r.code, 4);
  assert.match(r.stderr, /already exists\n {2}hint: .*--force/);
});

test("cleanup: the app's routes and the app", async () => {
  const routes = jsonOf<{ path: string }[]>(await cli(['routes', 'list', APP, '--json']));
  for (const { path: p } of routes) assert.is((await cli(['routes', 'delete', APP, p])).code, 0);
  assert.is((await cli(['apps', 'delete', APP])).code, 0);
});

test.run();
