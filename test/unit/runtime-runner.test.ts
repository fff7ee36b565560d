// The Runner's up/down state machine on the FakeRuntime (no Podman): start-up removes this node's
// strays (Runner.start: calls that come meanwhile wait for it); with the runtime away every call is 503 at once without asking it, and calls work again by
// themselves once a ping succeeds; containers whose removal failed meanwhile (cold and hot, with the
// hot one's socket folder) are removed then; a removal that fails while up is retried on a timer.
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PodmanUnavailableError } from '../../src/runner/errors.ts';
import { FakeRuntime } from '../../src/runner/fake-runtime.ts';
import { Runner } from '../../src/runner/index.ts';
import type { RunnerOptions } from '../../src/runner/options.ts';
import { LABEL_MANAGED, LABEL_NODE } from '../../src/runner/runtime.ts';
import { done, echo, fakeOptions, fakeTime, fnSpec, httpServer, makeCall, quiet, tempSocketDir, until } from './runtime-helpers.ts';

let clock: ReturnType<typeof fakeTime>;
test.before.each(() => {
  clock = fakeTime();
});
test.after.each(() => clock.reset());

const socketRoot = tempSocketDir();
let n = 0;

function world(overrides: Partial<RunnerOptions> = {}) {
  const fake = new FakeRuntime()
    .addImage('fake/echo', echo)
    .addImage('fake/hang', (p) => p.untilKilled())
    .addImage('fake/hot', httpServer());
  const options = fakeOptions({ socketDir: `${socketRoot}/${++n}`, healthPingMs: 500, ...overrides });
  const dirs = () => (existsSync(options.socketDir) ? readdirSync(options.socketDir) : []);
  return { fake, options, dirs };
}

const echoFn = fnSpec({ image: 'fake/echo' });

test("start-up: ping, info, and this node's strays are removed (other nodes' are kept)", async () => {
  const { fake, options } = world();
  const label = (node: string) => ({ Image: 'fake/echo', Labels: { [LABEL_MANAGED]: 'true', [LABEL_NODE]: node } });
  const mine = await fake.createContainer(label(options.nodeId));
  await fake.start(mine);
  const theirs = await fake.createContainer(label('another-node'));
  const runner = await done(Runner.create(options, quiet, fake));
  const s = runner.state();
  assert.is(s.podman, 'up');
  assert.is(s.version, 'fake');
  assert.is(s.limitsEnforced, true);
  assert.equal(fake.removed, [mine]);
  assert.equal(
    fake.containers().map((c) => c.id),
    [theirs],
  );
  await done(runner.close());
});

test('Runner.start (the gateway listens meanwhile): a call that comes before the first connection waits for it, then runs', async () => {
  const { fake, options } = world();
  const runner = Runner.start(options, quiet, fake);
  assert.is(runner.state().podman, 'starting', 'not connected yet');
  const res = await done(runner.run(makeCall(echoFn, 'early')));
  assert.is(res.status, 200, res.error);
  assert.is(res.body.toString(), 'early');
  assert.ok(fake.calls.indexOf('listManaged') < fake.calls.indexOf('createContainer'), 'strays swept before the first container');
  await done(runner.close());
});

test('Runner.start with the runtime away: the early call waits for the failed connection, then 503', async () => {
  const { fake, options } = world();
  fake.goAway();
  const runner = Runner.start(options, quiet, fake);
  const res = await done(runner.run(makeCall(echoFn)));
  assert.is(res.status, 503);
  assert.match(res.error ?? '', 'container runtime unavailable');
  assert.is(runner.state().podman, 'down', 'the first connection failed: down, no longer starting');
  await done(runner.close());
});

test('runtime away at start: down, calls 503 at once without asking it; back: up by itself on the next ping', async () => {
  const { fake, options } = world();
  fake.goAway();
  const runner = await done(Runner.create(options, quiet, fake));
  assert.is(runner.state().podman, 'down');
  const asked = fake.calls.length;
  const res = await done(runner.run(makeCall(echoFn)));
  assert.is(res.status, 503);
  assert.match(res.error ?? '', 'container runtime unavailable');
  assert.is(res.platformError, true);
  assert.is(fake.calls.length, asked, 'the call never reached the runtime');

  fake.comeBack();
  clock.tick(499);
  await until('a few turns', () => true);
  assert.is(runner.state().podman, 'down', 'not before the next ping');
  clock.tick(1);
  await until('up again', () => runner.state().podman === 'up');
  const ok = await done(runner.run(makeCall(echoFn, 'back')));
  assert.is(ok.status, 200);
  assert.is(ok.body.toString(), 'back');
  await done(runner.close());
});

test('runtime gone mid-call: that call 503, the next 503 at once; back: its container is removed and calls work', async () => {
  const { fake, options } = world();
  const runner = await done(Runner.create(options, quiet, fake));
  const inflight = runner.run(makeCall(fnSpec({ image: 'fake/hang' })));
  await until('the container runs', () => fake.containers().some((c) => c.state === 'running'));
  fake.goAway();
  const res = await done(inflight);
  assert.is(res.status, 503);
  assert.is(runner.state().podman, 'down');
  const [orphan] = fake.containers();
  assert.is(orphan?.state, 'running', 'the container lives on (as under conmon)');
  const asked = fake.calls.length;
  assert.is((await done(runner.run(makeCall(echoFn)))).status, 503);
  assert.is(fake.calls.length, asked, 'no runtime call while down');

  fake.comeBack();
  clock.tick(500); // the ping, well before the removal retry timer (2 s)
  await until('up again', () => runner.state().podman === 'up');
  await until('the orphan is removed on reconnect', () => fake.containers().length === 0);
  assert.equal(fake.removed, [orphan!.id]);
  assert.is((await done(runner.run(makeCall(echoFn, 'x')))).status, 200);
  await done(runner.close());
});

test('runtime gone under an idle hot container: retired, removed with its socket folder once back, a new one serves', async () => {
  const { fake, options, dirs } = world();
  const runner = await done(Runner.create(options, quiet, fake));
  const hotFn = fnSpec({ image: 'fake/hot', format: 'http' });
  assert.is((await done(runner.run(makeCall(hotFn, 'a')))).status, 200);
  const [first] = fake.containers();
  assert.is(dirs().length, 1);

  fake.goAway(); // its attach stream ends: the pool retires it; the removal must wait
  await until('down', () => runner.state().podman === 'down');
  await until('retired', () => runner.state().hot.totals.idle === 0);
  assert.is((await done(runner.run(makeCall(hotFn)))).status, 503);
  assert.is(fake.containers().length, 1);
  assert.is(dirs().length, 1, 'the folder stays while its container may run');

  fake.comeBack();
  clock.tick(500);
  await until('up again', () => runner.state().podman === 'up');
  await until('removed with its folder', () => fake.containers().length === 0 && dirs().length === 0);
  assert.equal(fake.removed, [first!.id]);
  const again = await done(runner.run(makeCall(hotFn, 'b')));
  assert.is(again.status, 200);
  assert.is(again.body.toString(), 'hello b');
  assert.is(again.coldStart, true);
  await done(runner.close());
});

test('a removal that fails while the runtime is up: the call is unaffected, the removal is retried on a timer', async () => {
  const { fake, options } = world();
  const runner = await done(Runner.create(options, quiet, fake));
  fake.fail('remove', { times: 1 });
  const res = await done(runner.run(makeCall(echoFn, 'y')));
  assert.is(res.status, 200);
  assert.is(runner.state().podman, 'up', 'an API error is not the runtime going away');
  assert.is(fake.containers().length, 1, 'left for later');
  clock.tick(2000);
  await until('removed by the retry', () => fake.containers().length === 0);
  await done(runner.close());
});

test('an API call that does not answer in time counts as the runtime gone: 503, down, up again on the next ping', async () => {
  const { fake, options } = world();
  const runner = await done(Runner.create(options, quiet, fake));
  fake.fail('createContainer', { error: new PodmanUnavailableError('create: timeout', 'ETIMEDOUT'), times: 1 });
  const res = await done(runner.run(makeCall(echoFn)));
  assert.is(res.status, 503);
  assert.is(res.error, 'container runtime unavailable: create: timeout');
  assert.is(runner.state().podman, 'down');
  assert.is(runner.state().lastError, 'create: timeout');
  clock.tick(500);
  await until('up again', () => runner.state().podman === 'up');
  assert.is((await done(runner.run(makeCall(echoFn, 'z')))).status, 200);
  await done(runner.close());
});

test('close(): in-flight cold calls end 503 and their containers are removed', async () => {
  const { fake, options } = world();
  const runner = await done(Runner.create(options, quiet, fake));
  const inflight = runner.run(makeCall(fnSpec({ image: 'fake/hang' })));
  await until('the container runs', () => fake.containers().length === 1);
  await done(runner.close());
  const res = await done(inflight);
  assert.is(res.status, 503);
  assert.equal(fake.containers(), []);
  assert.is((await done(runner.run(makeCall(echoFn)))).status, 503);
});

test.run();
