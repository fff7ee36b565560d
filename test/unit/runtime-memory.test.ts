// Memory admission through the Runner on the FakeRuntime (no Podman): a call waits while the node's
// memory is promised to running containers and runs once some is released, or answers 503 after
// PODFN_MEMORY_WAIT_MS without ever creating a container; hot containers hold theirs until reaped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reservedMemoryMb } from '../../src/runner/container-spec.ts';
import { FakeRuntime } from '../../src/runner/fake-runtime.ts';
import { Runner } from '../../src/runner/index.ts';
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

test('a hot container holds its memory while idle: a cold call gets it once the container is reaped', async () => {
  const { fake, runner, open, fn } = await setup();
  open.open();
  const hot = await done(runner.run(makeCall(fnSpec({ image: 'fake/hot', format: 'http', memory: 128, idleTimeout: 5 }))));
  assert.is(hot.status, 200, hot.body.toString());
  const cold = runner.run(makeCall(fn));
  await until('the cold call waits', () => runner.state().memory.waiting === 1);
  clock.tick(5000); // idle_timeout: the hot container goes, its memory with it (well within memoryWaitMs)
  const res = await done(cold);
  assert.is(res.status, 200);
  assert.is(res.body.toString(), 'done');
  await until('all removed', () => fake.containers().length === 0);
  await done(runner.close());
});

test.run();
