// The cold runner's policy on the FakeRuntime (no Podman): success, exit codes, OOM, the deadline
// kill, a crash mid-call, the output cap, a container that never starts, a missing image, a client
// that goes away. Every path must leave no container behind and give the memory back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ColdRunner } from '../../src/runner/cold.ts';
import { FakeRuntime, type FakeProgram } from '../../src/runner/fake-runtime.ts';
import { MemoryAdmission } from '../../src/runner/memory.ts';
import type { RunnerOptions } from '../../src/runner/options.ts';
import { Removals } from '../../src/runner/removals.ts';
import { done, echo, fakeOptions, fakeTime, fnSpec, makeCall, until } from './runtime-helpers.ts';

let clock: ReturnType<typeof fakeTime>;
test.before.each(() => {
  clock = fakeTime();
});
test.after.each(() => clock.reset());

function setup(program: FakeProgram, overrides: Partial<RunnerOptions> = {}) {
  const fake = new FakeRuntime().addImage('fake/fn', program);
  const options = fakeOptions(overrides);
  const memory = new MemoryAdmission(options.totalMemoryMb, options.memoryWaitMs);
  const cold = new ColdRunner({ podman: fake, options, memory, removals: new Removals(fake) });
  const fn = fnSpec({ image: 'fake/fn' });
  /** nothing left behind */
  const clean = () => {
    assert.equal(fake.containers(), [], 'no container left');
    assert.is(memory.used, 0, 'memory given back');
  };
  return { fake, cold, fn, clean };
}

const running = (fake: FakeRuntime) => fake.containers().some((c) => c.state === 'running');

test('success: body on stdin, stdout is the answer, stderr the log; created, attached, started, waited, removed', async () => {
  let seen: Record<string, string> = {};
  const { fake, cold, fn, clean } = setup(async (p) => {
    seen = p.env;
    p.stderr.write('a log line\n');
    return echo(p);
  });
  const res = await done(cold.run(makeCall(fn, 'héllo')));
  assert.is(res.status, 200);
  assert.is(res.outcome, 'success');
  assert.is(res.body.toString(), 'héllo');
  assert.is(res.log.toString(), 'a log line\n');
  assert.is(res.coldStart, true);
  assert.is(seen.FN_APP_NAME, 'app');
  assert.is(seen.METHOD, 'POST');
  assert.equal(fake.calls, ['createContainer', 'attach', 'start', 'wait', 'remove']);
  clean();
});

test('a non-zero exit is 502 naming the code, with the log', async () => {
  const { cold, fn, clean } = setup((p) => {
    p.stderr.write('boom\n');
    return 3;
  });
  const res = await done(cold.run(makeCall(fn)));
  assert.is(res.status, 502);
  assert.is(res.reason, 'bad_exit');
  assert.is(res.error, 'function exited with code 3');
  assert.is(res.log.toString(), 'boom\n');
  assert.not.ok(res.platformError);
  clean();
});

test('OOM: OOMKilled is 502 out of memory, and so is a SIGKILL the runner did not send', async () => {
  const oom = setup(() => ({ code: 137, oomKilled: true }));
  const a = await done(oom.cold.run(makeCall(oom.fn)));
  assert.is(a.status, 502);
  assert.is(a.reason, 'oom');
  assert.match(a.error ?? '', 'ran out of memory');
  oom.clean();
  // conmon on cgroup v1 never sets OOMKilled
  const killed = setup(() => 137);
  const b = await done(killed.cold.run(makeCall(killed.fn)));
  assert.is(b.reason, 'oom');
  killed.clean();
});

test('timeout: the container is killed at the deadline and the call is 504', async () => {
  const { fake, cold, fn, clean } = setup((p) => p.untilKilled());
  const pending = cold.run(makeCall(fn, '', { timeoutMs: 2000 }));
  await until('the container runs', () => running(fake));
  clock.tick(1999);
  await until('a few turns', () => true);
  assert.ok(running(fake), 'still running just before the deadline');
  clock.tick(1);
  const res = await done(pending);
  assert.is(res.status, 504);
  assert.is(res.outcome, 'timeout');
  assert.is(fake.count('kill'), 1);
  clean();
});

test('crash mid-call: output so far is dropped, 502 with the exit code', async () => {
  const { cold, fn, clean } = setup(async (p) => {
    await p.readStdin();
    p.stdout.write('half an ans');
    return 134;
  });
  const res = await done(cold.run(makeCall(fn, 'in')));
  assert.is(res.status, 502);
  assert.is(res.error, 'function exited with code 134');
  assert.not.match(res.body.toString(), 'half');
  clean();
});

test('output cap: stdout past maxResponseBytes kills the container at once, 502', async () => {
  const { fake, cold, fn, clean } = setup(
    async (p) => {
      p.stdout.write(Buffer.alloc(4096, 'x'));
      await p.untilKilled();
    },
    { maxResponseBytes: 1024 },
  );
  const res = await done(cold.run(makeCall(fn)));
  assert.is(res.status, 502);
  assert.is(res.error, 'function response exceeds 1024 bytes');
  assert.is(fake.count('kill') >= 1, true);
  clean();
});

test('a container that never starts is a 502 runtime error and is removed', async () => {
  const { fake, cold, fn, clean } = setup(echo);
  fake.fail('start', { times: 1 });
  const res = await done(cold.run(makeCall(fn)));
  assert.is(res.status, 502);
  assert.match(res.error ?? '', 'container runtime error: start: injected failure');
  assert.is(res.platformError, true);
  assert.is(fake.removed.length, 1);
  clean();
});

test('a missing image is 502 image not found, not retryable', async () => {
  const { cold, clean } = setup(echo);
  const res = await done(cold.run(makeCall(fnSpec({ image: 'fake/none' }))));
  assert.is(res.status, 502);
  assert.match(res.error ?? '', 'image not found');
  assert.is(res.platformError, false);
  clean();
});

test('the client goes away: 499 and the container is killed and removed', async () => {
  const { fake, cold, fn, clean } = setup((p) => p.untilKilled());
  const ac = new AbortController();
  const pending = cold.run(makeCall(fn, '', { signal: ac.signal }));
  await until('the container runs', () => running(fake));
  ac.abort();
  const res = await done(pending);
  assert.is(res.status, 499);
  assert.is(fake.count('kill'), 1);
  clean();
});

test.run();
