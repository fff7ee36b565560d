// The Runner facade against real Podman: start-up (strays), dispatch, memory admission, close, and
// health: Podman down at start-up and going away/returning (through a real Unix-socket relay we stop).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildContainerSpec, reservedMemoryMb } from '../../src/runner/container-spec.ts';
import { Runner, type RunnerLogger } from '../../src/runner/index.ts';
import { containersOf, fnSpec, image, makeCall, podmanReady, testOptions } from '../helpers/podman.ts';

const quiet: RunnerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sleepFn = (ms: number, memory = 128) => fnSpec({ image: image('sleep'), memory, config: { SLEEP_MS: String(ms) } });

/** A Unix-socket relay in front of the real API socket, so a test can take "Podman" away. */
class Relay {
  readonly path = path.join(os.tmpdir(), `podfn-relay-${randomBytes(4).toString('hex')}.sock`);
  private server: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();
  constructor(private readonly target: string) {}
  start(): Promise<void> {
    rmSync(this.path, { force: true });
    // Half-open both ways: the attach stream closes stdin (FIN) and still reads the output.
    this.server = net.createServer({ allowHalfOpen: true }, (c) => {
      const up = net.connect({ path: this.target, allowHalfOpen: true });
      this.conns.add(c).add(up);
      c.pipe(up).pipe(c);
      const drop = () => {
        c.destroy();
        up.destroy();
        this.conns.delete(c);
        this.conns.delete(up);
      };
      c.on('error', drop).on('close', drop);
      up.on('error', drop).on('close', drop);
    });
    return new Promise((resolve) => this.server!.listen(this.path, resolve));
  }
  stop(): Promise<void> {
    for (const c of this.conns) c.destroy();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

test("create removes this node's strays, state is up, cold call dispatches", async () => {
  const podman = await podmanReady();
  const options = testOptions();
  const strayId = await podman.createContainer(
    buildContainerSpec({
      name: `podfn-cold-stray${randomBytes(4).toString('hex')}`,
      image: image('sleep'),
      env: [],
      memoryMb: 64,
      labels: {},
      stdin: 'none',
      options,
    }),
  );
  await podman.start(strayId);
  const runner = await Runner.create(options, quiet);
  try {
    assert.equal(await containersOf(podman, options.nodeId), [], 'stray removed at start-up');
    const s = runner.state();
    assert.is(s.podman, 'up');
    assert.type(s.rootless, 'boolean');
    assert.type(s.limitsEnforced, 'boolean');
    const res = await runner.run(makeCall(fnSpec(), { body: 'hi' }));
    assert.is(res.status, 200);
    assert.is(res.body.toString(), 'hi');
  } finally {
    await runner.close();
  }
});

test('Podman down at start-up: create does not throw, 503 fast, state down', async () => {
  const runner = await Runner.create(testOptions({ socketPath: '/nonexistent/podman.sock' }), quiet);
  try {
    assert.is(runner.state().podman, 'down');
    assert.ok(runner.state().lastError);
    // fast: refused at once, not held until the call's 60 s deadline (which would be a 504 'Timed out')
    const t = performance.now();
    const res = await runner.run(makeCall(fnSpec(), { timeoutMs: 60_000 }));
    const took = performance.now() - t;
    assert.is(res.status, 503);
    assert.is(res.platformError, true);
    assert.match(res.error ?? '', 'container runtime unavailable');
    assert.ok(took < 60_000, `took ${took} ms`);
  } finally {
    await runner.close();
  }
});

test('Podman going away and coming back: 503 while down, recovers by itself', async () => {
  const podman = await podmanReady();
  const relay = new Relay(podman.socketPath);
  const runner = await Runner.create(testOptions({ socketPath: relay.path, healthPingMs: 100 }), quiet);
  try {
    assert.is(runner.state().podman, 'down');
    await relay.start();
    assert.ok(await until(() => runner.state().podman === 'up', 30_000), 'up after the socket appears');
    assert.is((await runner.run(makeCall(fnSpec(), { body: 'a' }))).body.toString(), 'a');
    await relay.stop();
    const res = await runner.run(makeCall(fnSpec(), { body: 'b' }));
    assert.is(res.status, 503);
    assert.is(runner.state().podman, 'down');
    // while down, calls are refused, not held until their deadline (which would be a 504)
    const down = await runner.run(makeCall(fnSpec(), { timeoutMs: 60_000 }));
    assert.is(down.status, 503);
    assert.match(down.error ?? '', 'container runtime unavailable');
    await relay.start();
    assert.ok(await until(() => runner.state().podman === 'up', 30_000), 'up again');
    assert.is((await runner.run(makeCall(fnSpec(), { body: 'c' }))).body.toString(), 'c');
  } finally {
    await runner.close();
    await relay.stop();
  }
});

test('Podman going away mid-call: 503, and the container is removed once Podman is back', async () => {
  const podman = await podmanReady();
  const relay = new Relay(podman.socketPath);
  await relay.start();
  const options = testOptions({ socketPath: relay.path, healthPingMs: 100 });
  const runner = await Runner.create(options, quiet);
  try {
    assert.is(runner.state().podman, 'up');
    const call = runner.run(makeCall(sleepFn(20_000)));
    await until(() => runner.state().cold.running === 1, 30_000);
    let running: string[] = [];
    for (const end = Date.now() + 60_000; running.length === 0 && Date.now() < end;) {
      running = (await podman.listManaged(options.nodeId)).filter((c) => c.state === 'running').map((c) => c.id);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.is(running.length, 1);
    await relay.stop();
    const res = await call;
    assert.is(res.status, 503);
    assert.is(res.platformError, true);
    assert.is(runner.state().podman, 'down');
    assert.equal(await containersOf(podman, options.nodeId), running, 'left behind while Podman was unreachable');
    await relay.start();
    assert.ok(await until(() => runner.state().podman === 'up', 30_000));
    for (const end = Date.now() + 30_000; Date.now() < end && (await containersOf(podman, options.nodeId)).length > 0;)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(await containersOf(podman, options.nodeId), [], 'swept after recovery');
  } finally {
    await runner.close();
    await relay.stop();
  }
});

test('memory admission: waits for room, then 503 with the seed message; too big fails at once', async () => {
  await podmanReady();
  const runner = await Runner.create(testOptions({ totalMemoryMb: 200, memoryWaitMs: 700 }), quiet);
  try {
    // first holds its memory for at least its 4 s sleep: second's 700 ms wait ends before that
    let firstDone = false;
    const first = runner.run(makeCall(sleepFn(4000))).finally(() => {
      firstDone = true;
    });
    assert.ok(await until(() => runner.state().memory.usedMb === reservedMemoryMb(128, testOptions()), 30_000)); // 128 + its tmpfs
    const t = Date.now();
    const second = await runner.run(makeCall(sleepFn(10)));
    const waited = Date.now() - t;
    assert.is(second.status, 503);
    assert.is(second.error, 'Task timed out. No available memory.');
    assert.is(second.platformError, true);
    assert.ok(waited >= 650, `waited ${waited} ms (memoryWaitMs 700)`);
    assert.not.ok(firstDone, 'gave up after its wait, not once the memory came free');
    // too big for the node: the message of the at-once refusal (a wait would end in the plain one)
    const huge = await runner.run(makeCall(sleepFn(10, 300)));
    assert.is(huge.status, 503);
    assert.match(huge.error ?? '', /needs \d+ MiB, node has 200 MiB/);
    assert.is((await first).status, 200);
    assert.is(runner.state().memory.usedMb, 0);
  } finally {
    await runner.close();
  }
});

test('memory admission: a waiting call runs once memory is released', async () => {
  await podmanReady();
  const runner = await Runner.create(testOptions({ totalMemoryMb: 200, memoryWaitMs: 120_000 }), quiet);
  try {
    const first = runner.run(makeCall(sleepFn(3000)));
    assert.ok(await until(() => runner.state().memory.usedMb === reservedMemoryMb(128, testOptions()), 30_000)); // 128 + its tmpfs
    const second = runner.run(makeCall(sleepFn(10)));
    await until(() => runner.state().memory.waiting === 1, 30_000);
    assert.is(runner.state().memory.waiting, 1);
    assert.is((await first).status, 200);
    assert.is((await second).status, 200);
  } finally {
    await runner.close();
  }
});

test('close() kills in-flight cold containers and later calls get 503', async () => {
  const podman = await podmanReady();
  const options = testOptions();
  const runner = await Runner.create(options, quiet);
  const call = runner.run(makeCall(sleepFn(120_000), { timeoutMs: 120_000 }));
  await until(() => runner.state().cold.running === 1, 30_000);
  await new Promise((r) => setTimeout(r, 500));
  const t = Date.now();
  await runner.close();
  const res = await call;
  assert.is(res.status, 503);
  assert.ok(Date.now() - t < 120_000, `${Date.now() - t} ms: killed, not waited for`);
  assert.equal(await containersOf(podman, options.nodeId), []);
  assert.is((await runner.run(makeCall(fnSpec()))).status, 503);
});

test('http format dispatches to the hot pools', async () => {
  await podmanReady();
  const runner = await Runner.create(testOptions(), quiet);
  try {
    const res = await runner.run(makeCall(fnSpec({ format: 'http' }), { body: 'hot body' }));
    assert.is(res.status, 200, `${res.body.toString()}`);
    assert.is(res.body.toString(), 'hot body');
    assert.is(runner.state().hot.totals.pools, 1);
  } finally {
    await runner.close();
  }
});

test.run();
