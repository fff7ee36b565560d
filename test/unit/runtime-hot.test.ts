// Hot launcher and pools on the FakeRuntime (no Podman): a fake container binds a real Unix socket in
// the folder the runner mounts at /tmp/iofs, so the runner's readiness wait, listener checks and
// socket transport run for real. Start-up timeout, a crash at start and mid-call, max_concurrency
// and the queue, idle reaping, and the seed's stdio transport over the attach streams.
import { existsSync, readdirSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeRuntime, type FakeImage, type FakeProgram } from '../../src/runner/fake-runtime.ts';
import { HotPools } from '../../src/runner/hot-pool.ts';
import { MemoryAdmission } from '../../src/runner/memory.ts';
import type { RunnerOptions } from '../../src/runner/options.ts';
import type { FunctionSpec } from '../../src/runner/types.ts';
import { done, fakeOptions, fakeTime, fnSpec, httpServer, makeCall, tempSocketDir, until } from './runtime-helpers.ts';

let clock: ReturnType<typeof fakeTime>;
test.before.each(() => {
  clock = fakeTime();
});
test.after.each(() => clock.reset());

const socketRoot = tempSocketDir();

function setup(image: FakeImage | FakeProgram, overrides: Partial<RunnerOptions> = {}, fnOver: Partial<FunctionSpec> = {}) {
  const fake = new FakeRuntime().addImage('fake/hot', image);
  const options = fakeOptions({ socketDir: `${socketRoot}/${Math.random().toString(36).slice(2, 8)}`, hotStartTimeoutMs: 5000, ...overrides });
  const memory = new MemoryAdmission(options.totalMemoryMb, options.memoryWaitMs);
  const pools = new HotPools({ podman: fake, options, memory });
  const fn = fnSpec({ image: 'fake/hot', format: 'http', ...fnOver });
  const dirs = () => (existsSync(options.socketDir) ? readdirSync(options.socketDir) : []);
  /** after close(): nothing left behind */
  const clean = async () => {
    await done(pools.close());
    assert.equal(fake.containers(), [], 'no container left');
    assert.is(memory.used, 0, 'memory given back');
    assert.equal(dirs(), [], 'no socket folder left');
  };
  return { fake, options, memory, pools, fn, dirs, clean };
}

const running = (fake: FakeRuntime) => fake.containers().filter((c) => c.state === 'running').length;

test('a call starts a container and talks to its socket; the next call reuses it', async () => {
  const { fake, pools, fn, clean } = setup(httpServer());
  const a = await done(pools.run(makeCall(fn, 'one')));
  assert.is(a.status, 200, a.body.toString());
  assert.is(a.body.toString(), 'hello one');
  assert.is(a.coldStart, true);
  const b = await done(pools.run(makeCall(fn, 'two')));
  assert.is(b.body.toString(), 'hello two');
  assert.not.ok(b.coldStart);
  assert.is(fake.count('createContainer'), 1);
  await clean();
});

test('start-up timeout: no listener within hotStartTimeoutMs is 502, and the container goes', async () => {
  const { fake, pools, fn, dirs, memory, clean } = setup((p) => p.untilKilled());
  const pending = pools.run(makeCall(fn));
  await until('the container runs', () => running(fake) === 1);
  await until('its socket folder exists', () => dirs().length === 1);
  clock.tick(4999);
  assert.is(running(fake), 1, 'still waiting just before the timeout');
  clock.tick(1);
  const res = await done(pending);
  assert.is(res.status, 502);
  assert.is(res.error, 'Container failed to initialize: no socket at FN_LISTENER within 5000 ms');
  assert.is(res.platformError, true);
  await until('removed', () => fake.containers().length === 0 && memory.used === 0 && dirs().length === 0);
  await clean();
});

test('a crash at start (exit before listening) is 502 naming the exit code', async () => {
  const { pools, fn, clean } = setup(() => 3);
  const res = await done(pools.run(makeCall(fn)));
  assert.is(res.status, 502);
  assert.is(res.error, 'Container failed to initialize: function exited with code 3 before opening its socket');
  await clean();
});

test('a crash mid-call is 502, retires the container, and the next call gets a new one', async () => {
  const { fake, pools, fn, clean } = setup(
    httpServer((body, p) => {
      if (body !== 'crash') return `ok ${body}`;
      p.exit(139); // dies without answering
      return undefined;
    }),
  );
  assert.is((await done(pools.run(makeCall(fn, 'a')))).status, 200);
  const [first] = fake.containers();
  const crashed = await done(pools.run(makeCall(fn, 'crash')));
  assert.is(crashed.status, 502);
  assert.is(crashed.error, 'function exited with code 139 during the call');
  assert.is(crashed.reason, 'bad_exit');
  const next = await done(pools.run(makeCall(fn, 'b')));
  assert.is(next.status, 200);
  assert.is(next.body.toString(), 'ok b');
  assert.is(next.coldStart, true, 'a new container');
  assert.is(fake.count('createContainer'), 2);
  await until('the crashed one is removed', () => fake.removed.includes(first!.id));
  await clean();
});

test('max_concurrency caps the containers; a call beyond waits for a free one, or is 503 throttled after hotQueueWaitMs', async () => {
  const held: ServerResponse[] = [];
  const { fake, pools, fn, clean } = setup(
    async (p) => {
      await p.listen((req, res) => {
        req.resume();
        req.on('end', () => held.push(res));
      });
      await p.untilKilled();
    },
    { hotQueueWaitMs: 10_000 },
    { maxConcurrency: 2 },
  );
  const calls = [1, 2, 3].map(() => pools.run(makeCall(fn)));
  await until('two calls reach two containers', () => held.length === 2);
  assert.is(fake.count('createContainer'), 2);
  assert.is(pools.stats().totals.queued, 1);
  held.shift()!.end('first');
  await until('the third call reaches the freed container', () => held.length === 2);
  assert.is(fake.count('createContainer'), 2, 'no third container');
  for (const res of held.splice(0)) res.end('done');
  const results = await done(Promise.all(calls));
  assert.equal(
    results.map((r) => r.status),
    [200, 200, 200],
  );

  // both busy again, a third call waits hotQueueWaitMs and gives up
  const busy = [pools.run(makeCall(fn)), pools.run(makeCall(fn))];
  await until('both busy', () => held.length === 2);
  const queued = pools.run(makeCall(fn));
  await until('queued', () => pools.stats().totals.queued === 1);
  clock.tick(10_000);
  const shed = await done(queued);
  assert.is(shed.status, 503);
  assert.is(shed.throttled, true);
  assert.match(shed.error ?? '', 'no hot container became free within 10000 ms');
  for (const res of held.splice(0)) res.end('done');
  await done(Promise.all(busy));
  await clean();
});

test('an idle container is reaped after idle_timeout', async () => {
  const { fake, pools, fn, memory, clean } = setup(httpServer(), {}, { idleTimeout: 30 });
  assert.is((await done(pools.run(makeCall(fn)))).status, 200);
  assert.ok(memory.used > 0, 'a hot container holds its memory');
  clock.tick(29_999);
  assert.is(running(fake), 1);
  clock.tick(1);
  await until('reaped', () => fake.containers().length === 0 && memory.used === 0);
  assert.is(pools.stats().totals.pools, 0, 'the empty pool is dropped');
  await clean();
});

test('seed stdio transport: HTTP framing over the attach streams', async () => {
  const stdio: FakeProgram = async (p) => {
    let buf = Buffer.alloc(0);
    p.stdin.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(buf.subarray(0, end).toString())?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      const body = buf.subarray(end + 4, end + 4 + length);
      buf = buf.subarray(end + 4 + length);
      p.stdout.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length + 6}\r\n\r\nstdio ${body.toString()}`);
    });
    await p.untilKilled();
  };
  const { fake, pools, fn, clean } = setup({ program: stdio, transport: 'stdio' });
  const a = await done(pools.run(makeCall(fn, 'one')));
  assert.is(a.status, 200, a.body.toString());
  assert.is(a.body.toString(), 'stdio one');
  assert.is((await done(pools.run(makeCall(fn, 'two')))).body.toString(), 'stdio two');
  assert.is(fake.count('createContainer'), 1);
  await clean();
});

test.run();
