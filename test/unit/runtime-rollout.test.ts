// Rollouts (src/runner/rollout.ts) on the FakeRuntime: a hot route whose spec changes starts the new
// version's containers (as many as the old one has busy, at least one) while calls keep going to the
// old one, switches at the new version's first answer, then drains the old pool (in-flight calls
// finish). A new version that cannot start (missing image, crash at start, no socket in time) leaves
// the old one serving and the rollout failed with its error; a call retries it after RETRY_MS. A new
// change during a rollout replaces it; a change back to the live version cancels it; a route that
// becomes cold drains; a delete forgets it.
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeRuntime, type FakeProgram } from '../../src/runner/fake-runtime.ts';
import { HotPools } from '../../src/runner/hot-pool.ts';
import { MemoryAdmission } from '../../src/runner/memory.ts';
import { RETRY_MS, type RolloutReport } from '../../src/runner/rollout.ts';
import type { FunctionSpec } from '../../src/runner/types.ts';
import { done, fakeOptions, fakeTime, fnSpec, gate, httpServer, makeCall, tempSocketDir, until } from './runtime-helpers.ts';

let clock: ReturnType<typeof fakeTime>;
test.before.each(() => {
  clock = fakeTime();
});
test.after.each(() => clock.reset());

const socketRoot = tempSocketDir();

/** v1 and v2 answer `v1 <body>` / `v2 <body>`; a gate on v2 holds its start (its socket) until opened */
function setup(images: Record<string, FakeProgram> = {}, fnOver: Partial<FunctionSpec> = {}) {
  const fake = new FakeRuntime()
    .addImage(
      'fake/v1',
      httpServer((b) => `v1 ${b}`),
    )
    .addImage(
      'fake/v2',
      httpServer((b) => `v2 ${b}`),
    );
  for (const [ref, program] of Object.entries(images)) fake.addImage(ref, program);
  const options = fakeOptions({ socketDir: `${socketRoot}/${Math.random().toString(36).slice(2, 8)}`, hotStartTimeoutMs: 5000 });
  const memory = new MemoryAdmission(options.totalMemoryMb, options.memoryWaitMs);
  const events: RolloutReport[] = [];
  const pools = new HotPools({ podman: fake, options, memory, onRollout: (e) => events.push(e) });
  const v1 = fnSpec({ image: 'fake/v1', format: 'http', maxConcurrency: 4, ...fnOver });
  const v2 = { ...v1, image: 'fake/v2' };
  const dirs = () => (existsSync(options.socketDir) ? readdirSync(options.socketDir) : []);
  const running = (image?: string) => fake.containers().filter((c) => c.state === 'running' && (image === undefined || c.image === image)).length;
  const call = async (fn: FunctionSpec, body = 'x') => {
    const r = await done(pools.run(makeCall(fn, body)), `the call ${body}`);
    assert.is(r.status, 200, r.error ?? r.body.toString());
    return r;
  };
  const status = () => pools.rollout(v1.appName, v1.path)?.status;
  const clean = async () => {
    await done(pools.close());
    // a drained pool's last removals may still be under way when close() returns
    await until('every container removed', () => fake.containers().length === 0 && memory.used === 0);
    assert.equal(fake.containers(), [], 'no container left');
    assert.is(memory.used, 0, 'memory given back');
    assert.equal(dirs(), [], 'no socket folder left');
  };
  return { fake, pools, memory, v1, v2, events, running, call, status, clean };
}

test('an update starts the new version first; calls stay on the old one until the new one answers its first', async () => {
  const v2Start = gate();
  const { pools, v1, v2, running, call, status, events, clean } = setup({
    'fake/v2': async (p) => {
      await v2Start.wait;
      await httpServer((b) => `v2 ${b}`)(p);
    },
  });
  assert.is((await call(v1, 'a')).body.toString(), 'v1 a');
  pools.changed(v2);
  assert.is(status(), 'starting');
  await until('the new container runs', () => running('fake/v2') === 1);
  // the new version is not ready: calls (with the new spec) are served by the old one, warm
  for (const b of ['b', 'c']) {
    const r = await call(v2, b);
    assert.is(r.body.toString(), `v1 ${b}`);
    assert.not.ok(r.coldStart);
  }
  v2Start.open();
  await until('the new version is ready', () => status() === 'ready');
  const first = await call(v2, 'd');
  assert.is(first.body.toString(), 'v2 d', 'the next call goes to the new version');
  assert.not.ok(first.coldStart, 'its container was started ahead of the call');
  assert.is(status(), 'done');
  await until('the old container is gone', () => running('fake/v1') === 0);
  assert.is((await call(v2, 'e')).body.toString(), 'v2 e');
  assert.equal(
    events.map((e) => e.status),
    ['starting', 'done'],
  );
  const report = pools.rollout(v1.appName, v1.path)!;
  assert.equal([report.fromImage, report.toImage, report.warming], ['fake/v1', 'fake/v2', 1]);
  await clean();
});

test('a call with a new spec starts the rollout by itself (no change notice): served by the old version', async () => {
  const { pools, v1, v2, running, call, status, clean } = setup();
  await call(v1);
  const r = await call(v2, 'n');
  assert.is(r.body.toString(), 'v1 n');
  await until('the new version is ready', () => status() === 'ready');
  assert.is(running('fake/v2'), 1);
  assert.is((await call(v2, 'm')).body.toString(), 'v2 m');
  assert.is(pools.rollout(v1.appName, v1.path)?.status, 'done');
  await clean();
});

test('as many new containers as the old version has busy; in-flight calls on the old one finish', async () => {
  const release = gate();
  const { fake, pools, v1, v2, running, call, status, clean } = setup({
    'fake/v1': async (p) => {
      await p.listen((req, res) => {
        req.resume();
        req.on('end', () => void release.wait.then(() => res.writeHead(200).end('v1 slow')));
      });
      await p.untilKilled();
    },
  });
  const inflight = [pools.run(makeCall(v1, '1')), pools.run(makeCall(v1, '2')), pools.run(makeCall(v1, '3'))];
  await until('three old containers busy', () => pools.stats().totals.busy === 3);
  pools.changed(v2);
  await until('the new version is ready', () => status() === 'ready');
  await until('three new containers', () => running('fake/v2') === 3);
  assert.is(pools.rollout(v1.appName, v1.path)?.warming, 3);
  assert.is((await call(v2, 'n')).body.toString(), 'v2 n');
  assert.is(status(), 'done');
  assert.is(running('fake/v1'), 3, 'the old containers finish their calls first');
  release.open();
  for (const r of await done(Promise.all(inflight))) assert.is(r.body.toString(), 'v1 slow');
  await until('the old containers are gone', () => running('fake/v1') === 0);
  assert.ok(fake.containers().every((c) => c.image === 'fake/v2'));
  await clean();
});

test('a new version whose image is missing: the old one keeps serving, the rollout failed with the error; retried after RETRY_MS', async () => {
  const { fake, pools, v1, running, call, status, clean } = setup();
  const missing = { ...v1, image: 'fake/missing' };
  await call(v1);
  pools.changed(missing);
  await until('the rollout failed', () => status() === 'failed');
  const report = pools.rollout(v1.appName, v1.path)!;
  assert.is(report.error, 'no such image fake/missing');
  assert.is(report.retryAt, report.endedAt! + RETRY_MS);
  for (const b of ['a', 'b', 'c']) assert.is((await call(missing, b)).body.toString(), `v1 ${b}`);
  assert.is(running('fake/v1'), 1);
  const inspects = fake.count('inspectImage');
  clock.tick(RETRY_MS - 1000); // the old container idles out after 30 s: keep it busy
  assert.is((await call(missing, 'd')).body.toString(), 'v1 d');
  assert.is(fake.count('inspectImage'), inspects, 'not retried before RETRY_MS');
  clock.tick(1000);
  assert.is((await call(missing, 'e')).body.toString(), 'v1 e');
  await until('retried', () => fake.count('inspectImage') > inspects && status() === 'failed');
  fake.addImage(
    'fake/missing',
    httpServer((b) => `now ${b}`),
  );
  pools.changed(missing); // a change (e.g. the same PUT again) retries at once
  await until('ready', () => status() === 'ready');
  assert.is((await call(missing, 'f')).body.toString(), 'now f');
  await clean();
});

test('a new version that crashes at start or never opens its socket: failed with the reason, old one serving', async () => {
  const { pools, v1, call, status, running, clean } = setup({ 'fake/crash': () => 3, 'fake/nosocket': (p) => p.untilKilled() });
  await call(v1);
  pools.changed({ ...v1, image: 'fake/crash' });
  await until('failed', () => status() === 'failed');
  assert.is(pools.rollout(v1.appName, v1.path)?.error, 'Container failed to initialize: function exited with code 3 before opening its socket');
  assert.is((await call({ ...v1, image: 'fake/crash' }, 'a')).body.toString(), 'v1 a');
  pools.changed({ ...v1, image: 'fake/nosocket' });
  assert.is(status(), 'starting');
  await until('the new container runs', () => running('fake/nosocket') === 1);
  clock.tick(5000);
  await until('failed', () => status() === 'failed');
  assert.is(pools.rollout(v1.appName, v1.path)?.error, 'Container failed to initialize: no socket at FN_LISTENER within 5000 ms');
  assert.is((await call({ ...v1, image: 'fake/nosocket' }, 'b')).body.toString(), 'v1 b');
  await until('the failed container is gone', () => running('fake/nosocket') === 0);
  assert.is(running('fake/v1'), 1);
  await clean();
});

test('a change during a rollout replaces it; a change back to the serving version cancels it', async () => {
  const hold = gate();
  const held: FakeProgram = async (p) => {
    await hold.wait;
    await httpServer()(p);
  };
  const { pools, v1, v2, call, status, running, clean } = setup({ 'fake/v2': held, 'fake/v3': held });
  await call(v1);
  pools.changed(v2);
  await until('v2 starting', () => running('fake/v2') === 1);
  const v3 = { ...v1, image: 'fake/v3' };
  pools.changed(v3);
  assert.is(pools.rollout(v1.appName, v1.path)?.toImage, 'fake/v3');
  await until('v3 starting', () => running('fake/v3') === 1);
  pools.changed(v1); // e.g. a rollback to the version still serving
  assert.is(status(), undefined, 'no rollout any more');
  hold.open();
  await until('the started new containers went', () => running('fake/v2') + running('fake/v3') === 0);
  assert.is((await call(v1, 'z')).body.toString(), 'v1 z');
  await clean();
});

test('no live pool: nothing to roll out, the first call starts the new version; cold routes and deletes drain', async () => {
  const { pools, v1, v2, call, status, running, clean } = setup();
  pools.changed(v2);
  assert.is(status(), undefined);
  const r = await call(v2, 'a');
  assert.is(r.body.toString(), 'v2 a');
  assert.is(r.coldStart, true);
  pools.changed({ ...v2, format: 'default' });
  await until('drained', () => running() === 0);
  await call(v1);
  pools.changed(v2);
  assert.is(status(), 'starting');
  pools.drain(v1.appName, v1.path);
  assert.is(status(), undefined, 'a deleted route forgets its rollout');
  await until('all gone', () => running() === 0);
  await clean();
});

test.run();
