// Memory admission through the Runner on the FakeRuntime (no Podman): a call waits while the node's
// memory is promised to running containers and runs once some is released, or answers 503 after
// PODFN_MEMORY_WAIT_MS without ever creating a container. Memory follows demand: idle hot containers
// of other routes are evicted (least recently used first) for a call short of memory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reservedMemoryMb } from '../../src/runner/container-spec.ts';
import { FakeRuntime } from '../../src/runner/fake-runtime.ts';
import { Runner } from '../../src/runner/index.ts';
import type { FunctionSpec } from '../../src/runner/types.ts';
import { done, fakeOptions, fakeTime, fnSpec, gate, httpServer, makeCall, quiet, tempSocketDir, until } from './runtime-helpers.ts';

let clock: ReturnType<typeof fakeTime>;
test.before.each(() => {
  clock = fakeTime();
});
test.after.each(() => clock.reset());

const socketDir = tempSocketDir();

/** a node with room for exactly one 128 MiB container */
async function setup() {
  const open = gate();
  const fake = new FakeRuntime()
    .addImage('fake/held', async (p) => {
      await open.wait;
      p.stdout.write('done');
      return 0;
    })
    .addImage('fake/hot', httpServer());
  const base = fakeOptions({ socketDir, memoryWaitMs: 10_000 });
  const options = { ...base, totalMemoryMb: reservedMemoryMb(128, base) };
  const runner = await done(Runner.create(options, quiet, fake));
  return { fake, runner, open, fn: fnSpec({ image: 'fake/held', memory: 128 }) };
}

test('a call waits for memory held by a running container and runs once it is released', async () => {
  const { fake, runner, open, fn } = await setup();
  const first = runner.run(makeCall(fn));
  await until('the first container runs', () => fake.containers().length === 1);
  const second = runner.run(makeCall(fn));
  await until('the second call waits', () => runner.state().memory.waiting === 1);
  assert.is(fake.count('createContainer'), 1, 'no container before memory is granted');
  open.open();
  const [a, b] = await done(Promise.all([first, second]));
  assert.is(a.status, 200);
  assert.is(b.status, 200);
  assert.is(fake.count('createContainer'), 2);
  assert.is(runner.state().memory.usedMb, 0);
  await done(runner.close());
});

test('no memory freed within memoryWaitMs: 503 "No available memory", no container made', async () => {
  const { fake, runner, open, fn } = await setup();
  const first = runner.run(makeCall(fn));
  await until('the first container runs', () => fake.containers().length === 1);
  const second = runner.run(makeCall(fn));
  await until('the second call waits', () => runner.state().memory.waiting === 1);
  clock.tick(9_999);
  assert.is(runner.state().memory.waiting, 1);
  clock.tick(1);
  const res = await done(second);
  assert.is(res.status, 503);
  assert.is(res.error, 'Task timed out. No available memory.');
  assert.is(res.platformError, true);
  assert.is(fake.count('createContainer'), 1);
  open.open();
  assert.is((await done(first)).status, 200);
  await done(runner.close());
});

test('an idle hot container is evicted for a cold call short of memory: it runs without waiting for idle_timeout', async () => {
  const { fake, runner, open, fn } = await setup();
  open.open();
  const hot = await done(runner.run(makeCall(fnSpec({ image: 'fake/hot', format: 'http', memory: 128, idleTimeout: 3600 }))));
  assert.is(hot.status, 200, hot.body.toString());
  const res = await done(runner.run(makeCall(fn))); // no clock tick: neither idle_timeout nor memoryWaitMs passes
  assert.is(res.status, 200);
  assert.is(res.body.toString(), 'done');
  assert.is(runner.state().hot.evicted, 1);
  await until('all removed', () => fake.containers().length === 0);
  await done(runner.close());
});

/** a node with room for `fit` hot containers of 128 MiB, and hot routes /a, /b, /c on it */
async function hotNode(fit: number) {
  const fake = new FakeRuntime().addImage('fake/hot', httpServer());
  const base = fakeOptions({ socketDir, memoryWaitMs: 10_000 });
  const runner = await done(Runner.create({ ...base, totalMemoryMb: fit * reservedMemoryMb(128, base) }, quiet, fake));
  const route = (path: string) => fnSpec({ image: 'fake/hot', format: 'http', memory: 128, idleTimeout: 3600, path });
  const call = async (fn: FunctionSpec) => {
    const res = await done(runner.run(makeCall(fn, fn.path)));
    assert.is(res.status, 200, `${fn.path}: ${res.error ?? res.body.toString()}`);
    return res;
  };
  const idle = () =>
    runner
      .state()
      .hot.pools.map((p) => `${p.path}:${p.idle}`)
      .sort();
  return { fake, runner, call, idle, a: route('/a'), b: route('/b'), c: route('/c') };
}

test('two hot routes that do not fit together, called alternately: each call evicts the other idle one, 200 every time', async () => {
  const { fake, runner, call, a, b } = await hotNode(1);
  for (let i = 0; i < 6; i++) {
    const res = await call(i % 2 === 0 ? a : b);
    assert.is(res.coldStart, true, 'a new container each time: the other route held the memory');
    assert.ok(runner.state().memory.usedMb <= runner.state().memory.totalMb);
  }
  assert.is(runner.state().hot.evicted, 5);
  assert.is(runner.state().memory.waiting, 0);
  await until('one container left', () => fake.containers().length === 1);
  await done(runner.close());
});

test('eviction takes the least recently used idle container of another route, and only as many as needed', async () => {
  const { runner, call, idle, a, b, c } = await hotNode(2);
  await call(a);
  clock.tick(10);
  await call(b);
  clock.tick(10);
  await call(c); // needs one container's memory: /a was used longest ago
  assert.is(runner.state().hot.evicted, 1);
  await until('/a evicted', () => idle().join() === '/b:1,/c:1');
  clock.tick(10);
  await call(b); // /b now most recently used: the next eviction takes /c
  await call(a);
  assert.is(runner.state().hot.evicted, 2);
  await until('/c evicted', () => idle().join() === '/a:1,/b:1');
  await done(runner.close());
});

test('nothing idle to evict: the call waits, and evicts a container of another route as soon as it turns idle', async () => {
  const fake = new FakeRuntime().addImage('fake/hot', httpServer());
  const open = gate();
  const base = fakeOptions({ socketDir, memoryWaitMs: 10_000 });
  const runner = await done(Runner.create({ ...base, totalMemoryMb: reservedMemoryMb(128, base) }, quiet, fake));
  const held = fnSpec({ image: 'fake/gated', format: 'http', memory: 128, idleTimeout: 3600, path: '/held' });
  fake.addImage('fake/gated', async (p) => {
    await p.listen((req, res) => {
      req.resume();
      req.on('end', () => void open.wait.then(() => res.writeHead(200).end('held')));
    });
    await p.untilKilled();
  });
  const other = fnSpec({ image: 'fake/hot', format: 'http', memory: 128, idleTimeout: 3600, path: '/other' });
  const first = runner.run(makeCall(held));
  await until('the held call runs', () => runner.state().hot.totals.busy === 1);
  const second = runner.run(makeCall(other));
  await until('the other call waits for memory', () => runner.state().memory.waiting === 1);
  assert.is(runner.state().hot.evicted, 0, 'a busy container is never evicted');
  open.open();
  assert.is((await done(first)).status, 200);
  const res = await done(second); // no clock tick: the held container was evicted once idle
  assert.is(res.status, 200, res.error);
  assert.is(runner.state().hot.evicted, 1);
  await done(runner.close());
});

test.run();
