// The compiled gateway (scripts/build.mjs -> dist/main.js, the loader, and dist/gateway.cjs, the bundle,
// with its V8 code cache dist/gateway.cache) is what npm start, the gateway image and the systemd unit
// run; the other suites run the sources through tsx. Here: the build, its --if-stale check, the bundle
// serving admin calls and cold and hot function calls on a fresh database (its migrations found from
// dist/), the code cache used when it is current and the gateway starting the same way when it is
// missing, of another build or refused by V8, and the launch line kept identical in every place that
// starts it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUNDLE_ENTRY, BUNDLE_ENV, BUNDLE_NODE_ARGS, ROOT, startServer, type TestServer } from '../helpers/server.ts';
import { client, expectOk } from '../helpers/http.ts';
import { containersOf, image, podmanReady, testNodeId } from '../helpers/podman.ts';

const test = suite('deploy: the compiled gateway bundle');
const loader = path.join(ROOT, BUNDLE_ENTRY);
const bundle = path.join(ROOT, 'dist/gateway.cjs');
const cache = path.join(ROOT, 'dist/gateway.cache');
const build = (...args: string[]) => execFileSync(process.execPath, ['scripts/build.mjs', ...args], { cwd: ROOT, encoding: 'utf8' });
const cacheHeader = () => {
  const head = fs.readFileSync(cache).subarray(0, 512).toString('latin1');
  return head.slice(0, head.indexOf('\n'));
};

test('build writes the loader, the bundle, its code cache and the record writer thread; --if-stale skips a current bundle and rebuilds an older one', () => {
  build();
  assert.ok(fs.statSync(bundle).size > 10_000);
  assert.ok(fs.statSync(loader).size > 500);
  const id = /\/\/# podfn-build=([0-9a-f]{32})\n$/.exec(fs.readFileSync(bundle, 'utf8'))?.[1];
  assert.ok(id, 'the bundle ends with its build id');
  assert.is(cacheHeader(), `podfn-code-cache ${id} ${process.version} ${BUNDLE_NODE_ARGS.join(',')}`);
  assert.ok(fs.statSync(cache).size > 100_000);
  // the call record writer's thread (src/store/record-worker.ts), started by the bundle from next to it
  assert.ok(fs.statSync(path.join(path.dirname(bundle), 'record-worker.js')).size > 1_000);
  const built = fs.statSync(bundle).mtimeMs;
  build('--if-stale');
  assert.is(fs.statSync(bundle).mtimeMs, built, 'a current bundle is left alone');
  // a cache made for other flags (or another node) is made again; the bundle stays
  const data = fs.readFileSync(cache);
  fs.writeFileSync(cache, Buffer.concat([Buffer.from(`podfn-code-cache ${id} ${process.version} --other-flag\n`), data.subarray(data.indexOf(10) + 1)]));
  build('--if-stale');
  assert.is(fs.statSync(bundle).mtimeMs, built, 'the bundle is left alone');
  assert.is(cacheHeader(), `podfn-code-cache ${id} ${process.version} ${BUNDLE_NODE_ARGS.join(',')}`, 'the cache is made again');
  const past = new Date(Date.now() - 365 * 24 * 3600 * 1000);
  fs.utimesSync(bundle, past, past); // older than every source
  build('--if-stale');
  assert.ok(fs.statSync(bundle).mtimeMs > past.getTime() + 1000, 'an outdated bundle is rebuilt');
});

test('the code cache is used when current; missing, of another build or refused by V8, the gateway starts all the same', async () => {
  const codeCache = async () => {
    const srv = await startServer({ entry: 'bundle', env: { PODFN_NODE_ID: testNodeId('bundle-cache'), PODFN_LOG_LEVEL: 'info' } });
    try {
      assert.is((await client(srv.url).get('/version')).status, 200);
      return /"codeCache":"(\w+)"/.exec(srv.output())?.[1];
    } finally {
      await srv.stop();
    }
  };
  const good = fs.readFileSync(cache);
  const nl = good.indexOf(10);
  try {
    assert.is(await codeCache(), 'used');
    fs.rmSync(cache);
    assert.is(await codeCache(), 'none', 'missing');
    fs.writeFileSync(cache, Buffer.concat([Buffer.from(`podfn-code-cache ${'0'.repeat(32)} ${process.version} x\n`), good.subarray(nl + 1)]));
    assert.is(await codeCache(), 'none', 'another build');
    const garbled = Buffer.from(good);
    garbled.fill(0x5a, nl + 1, nl + 4097); // V8's own checks refuse it
    fs.writeFileSync(cache, garbled);
    assert.is(await codeCache(), 'refused', 'refused by V8');
  } finally {
    fs.writeFileSync(cache, good);
  }
});

test('the bundle serves the admin API and cold and hot calls on a fresh database', async () => {
  const podman = await podmanReady();
  const nodeId = testNodeId('bundle');
  let srv: TestServer | undefined;
  try {
    srv = await startServer({ entry: 'bundle', env: { PODFN_NODE_ID: nodeId, PODFN_LOG_LEVEL: 'info' } });
    const c = client(srv.url);
    assert.match(srv.output(), '"codeCache":"used"');
    const version = await c.get('/version');
    assert.is(version.status, 200);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.is(version.json<{ version: string }>().version, pkg.version);
    // the web console, built next to the bundle (dist/ui) by the same script
    const ui = await c.get('/ui/');
    assert.is(ui.status, 200, ui.text);
    assert.match(ui.text, /<script type="module" src="app\.js\?v=[0-9a-f]{12}"><\/script>/);
    expectOk(await c.post('/v1/apps', { app: { name: 'bundled' } }));
    expectOk(await c.post('/v1/apps/bundled/routes', { route: { path: '/cold', image: image('echo') } }));
    expectOk(await c.post('/v1/apps/bundled/routes', { route: { path: '/hot', image: image('echo'), format: 'http' } }));
    const cold = await c.post('/r/bundled/cold', 'cold through the bundle');
    assert.is(cold.status, 200, cold.text);
    assert.is(cold.text, 'cold through the bundle');
    for (let i = 0; i < 3; i++) {
      const hot = await c.post('/r/bundled/hot', `hot ${i}`);
      assert.is(hot.status, 200, hot.text);
      assert.is(hot.text, `hot ${i}`);
    }
    const listed = await c.get('/v1/apps/bundled/routes');
    assert.is(listed.json<{ routes: unknown[] }>().routes.length, 2);
    // the sync calls are recorded by the record writer thread (dist/record-worker.js) on the embedded file
    const deadline = Date.now() + 30_000;
    let recorded = 0;
    while (recorded < 4 && Date.now() < deadline) {
      recorded = (await c.get('/v1/apps/bundled/calls')).json<{ calls: unknown[] }>().calls.length;
      if (recorded < 4) await new Promise((r) => setTimeout(r, 100));
    }
    assert.is(recorded, 4, 'one cold and three hot calls recorded');
    assert.not.match(srv.output(), 'record writer thread stopped', 'no fallback to the main thread');
    // dockerode is bundled with its gRPC and ssh2 dependencies loaded lazily (first use): the runner's
    // calls above went through it, so the bundled client works; the gateway stops cleanly
    const exit = await srv.kill('SIGTERM');
    assert.equal(exit, { code: 0, signal: null }, srv.output());
  } finally {
    await srv?.stop();
    for (const id of await containersOf(podman, nodeId).catch(() => [])) await podman.remove(id).catch(() => undefined);
  }
});

test('npm start, the Containerfile and the systemd unit launch the bundle with the same node flags and environment', () => {
  const line = [...BUNDLE_NODE_ARGS, BUNDLE_ENTRY].join(' ');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.start!, new RegExp(` node ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  assert.match(pkg.scripts.prestart!, 'scripts/build.mjs --if-stale');
  const cmd = /^CMD (\[.*\])$/m.exec(fs.readFileSync(path.join(ROOT, 'Containerfile'), 'utf8'))?.[1];
  assert.equal(JSON.parse(cmd ?? 'null'), ['/usr/bin/node', ...BUNDLE_NODE_ARGS, BUNDLE_ENTRY]);
  const unit = fs.readFileSync(path.join(ROOT, 'deploy/systemd/podfn.service'), 'utf8');
  assert.match(unit, `\nExecStart=/usr/bin/node ${line}\n`);
  assert.match(unit, '\nExecStartPre=/usr/bin/node scripts/build.mjs --if-stale\n');
  // BUNDLE_ENV: npm start's default (the caller's value wins), the image's ENV, the unit's Environment=
  const env = /^ENV (?:.*\\\n)*.*$/m.exec(fs.readFileSync(path.join(ROOT, 'Containerfile'), 'utf8'))?.[0] ?? '';
  for (const [k, v] of Object.entries(BUNDLE_ENV)) {
    assert.match(pkg.scripts.start!, ` ${k}=\${${k}-${v}} `);
    assert.ok(env.split(/\s+/).includes(`${k}=${v}`), `the Containerfile's ENV sets ${k}=${v}: ${env}`);
    assert.match(unit, `\nEnvironment=${k}=${v}\n`);
  }
});

test.run();
