// Real Podman: hot container lifecycle through HotPools — concurrency cap counted by label, idle
// reaping, timeout kill, crash recovery, slow and failed start-up, oversize responses, drain, memory
// held for a container's life, log capture, shutdown.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reservedMemoryMb } from '../../src/runner/container-spec.ts';
import { fnSpec, image, makeCall } from '../helpers/podman.ts';
import { header, hotEnv, waitFor, type HotEnv } from './hot-helpers.ts';

const opened: HotEnv[] = [];
async function env(overrides: Parameters<typeof hotEnv>[0] = {}): Promise<HotEnv> {
  const e = await hotEnv(overrides);
  opened.push(e);
  return e;
}

test.after(async () => {
  await Promise.all(opened.map((e) => e.pools.close()));
});

test('max_concurrency = 2 under 10 parallel calls never runs more than 2 containers', async () => {
  const { pools, containers } = await env();
  const fn = fnSpec({ image: image('sleep'), format: 'http', path: '/cap', maxConcurrency: 2, config: { SLEEP_MS: '300' } });
  let maxSeen = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxSeen = Math.max(maxSeen, (await containers()).length);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const t0 = Date.now();
  const results = await Promise.all(Array.from({ length: 10 }, () => pools.run(makeCall(fn))));
  const elapsed = Date.now() - t0;
  sampling = false;
  await sampler;
  assert.ok(
    results.every((r) => r.status === 200),
    results.map((r) => r.error).join(),
  );
  assert.is(maxSeen, 2, 'containers counted by label while the calls ran');
  assert.is(results.filter((r) => r.coldStart).length, 2);
  assert.ok(elapsed >= 1500, `5 rounds of 300 ms on 2 containers took ${elapsed} ms`);
  assert.equal(pools.stats().totals, { pools: 1, starting: 0, idle: 2, busy: 0, queued: 0 });
});

test('idle_timeout reaps idle containers', async () => {
  const { pools, containers, memory, options } = await env();
  const fn = fnSpec({ image: image('echo'), format: 'http', path: '/idle', idleTimeout: 3, memory: 64 });
  assert.is((await pools.run(makeCall(fn))).status, 200);
  assert.is((await containers()).length, 1);
  assert.is(memory.used, reservedMemoryMb(64, options), 'the hot container holds its memory (and its tmpfs) while alive');
  await waitFor('idle container reaped', async () => (await containers()).length === 0, 30_000);
  await waitFor('memory released on close', () => memory.used === 0, 30_000);
  assert.is(pools.stats().totals.pools, 0);
});

test('timeout -> 504, the container is killed and never reused', async () => {
  const { pools, containers } = await env();
  const fn = fnSpec({ image: image('sleep'), format: 'http', path: '/slow', maxConcurrency: 1, config: { SLEEP_MS: '10' } });
  assert.is((await pools.run(makeCall(fn))).status, 200);
  const [first] = await containers();
  const t0 = Date.now();
  // the function would sleep 60 s and the route allows 30 s: a 504 before either is the call's 800 ms deadline
  const r = await pools.run(makeCall(fn, { timeoutMs: 800, headers: { 'x-fixture-sleep-ms': ['60000'] } }));
  assert.is(r.status, 504);
  assert.is(r.error, 'Timed out');
  assert.is(r.reason, 'timeout');
  assert.ok(Date.now() - t0 < fn.timeout * 1000, `cut by the call's deadline, not the route timeout (${Date.now() - t0} ms)`);
  await waitFor('timed-out container removed', async () => !(await containers()).includes(first!), 30_000);
  const next = await pools.run(makeCall(fn));
  assert.is(next.status, 200);
  assert.ok(next.coldStart, 'a fresh container');
  const now = await containers();
  assert.is(now.length, 1);
  assert.is.not(now[0], first);
});

test('crash mid-call -> 502 and the container is replaced', async () => {
  const { pools } = await env();
  const fn = fnSpec({ image: image('crash'), format: 'http', path: '/crash', maxConcurrency: 1, config: { CRASH_AFTER: '2' } });
  const a = await pools.run(makeCall(fn, { body: 'one' }));
  assert.is(a.status, 200);
  assert.is(header(a, 'x-call-count'), '1');
  const b = await pools.run(makeCall(fn));
  assert.is(b.status, 502);
  assert.match(b.error ?? '', /exited with code 1/, b.error);
  assert.is(b.reason, 'bad_exit');
  const c = await pools.run(makeCall(fn, { body: 'three' }));
  assert.is(c.status, 200, c.error);
  assert.is(header(c, 'x-call-count'), '1', 'new container');
  assert.is(c.body.toString(), 'three');

  const exit = fnSpec({ image: image('exit'), format: 'json', path: '/exit', config: { EXIT_CODE: '3' } });
  const e = await pools.run(makeCall(exit));
  assert.is(e.status, 502);
  assert.match(e.error ?? '', /exited with code 3/, e.error);
  assert.match(e.log.toString(), /exiting with 3 mid-call/);
});

test('slow start within the start-up timeout works', async () => {
  // a start-up timeout a loaded host's container start never reaches; the function itself takes 1.5 s
  const { pools } = await env({ hotStartTimeoutMs: 60_000 });
  const fn = fnSpec({ image: image('slowstart'), format: 'http', path: '/slowstart', config: { START_DELAY_MS: '1500' } });
  const t0 = Date.now();
  const r = await pools.run(makeCall(fn, { body: 'late' }));
  assert.is(r.status, 200, r.error);
  assert.is(r.body.toString(), 'late');
  assert.ok(r.coldStart);
  assert.ok(Date.now() - t0 >= 1500);
});

test('never-opened socket fails cleanly within the start-up timeout', async () => {
  const { pools, containers, memory } = await env({ hotStartTimeoutMs: 1500 });
  const fn = fnSpec({ image: image('nosocket'), format: 'http', path: '/nosock' });
  const t0 = Date.now();
  const r = await pools.run(makeCall(fn));
  const took = Date.now() - t0;
  assert.is(r.status, 502);
  assert.is(r.error, 'Container failed to initialize: no socket at FN_LISTENER within 1500 ms');
  assert.ok(r.platformError);
  // the message names the start-up timeout (not the call's 30 s deadline), which never fires early
  assert.ok(took >= 1500, `took ${took} ms`);
  assert.is((await containers()).length, 0, 'removed before the 502');
  assert.is(memory.used, 0);
  assert.is(pools.stats().totals.pools, 0);
});

test('a function exiting before its socket opens fails at once (not at the start-up timeout)', async () => {
  const { pools } = await env({ hotStartTimeoutMs: 60_000 });
  // busybox's /bin/sh knows nothing of FN_LISTENER: stdin is closed, so it exits 0 at once
  const fn = fnSpec({ image: image('busybox'), format: 'http', path: '/noserve' });
  const t0 = Date.now();
  const r = await pools.run(makeCall(fn));
  assert.is(r.status, 502);
  assert.match(r.error ?? '', /^Container failed to initialize: function exited with code 0 before opening its socket$/);
  assert.ok(Date.now() - t0 < 60_000, `${Date.now() - t0} ms: noticed the exit, did not wait out the 60 s start-up timeout`);
});

test('response over maxResponseBytes -> 502 and the container is closed', async () => {
  const { pools, containers } = await env({ maxResponseBytes: 100_000 });
  for (const format of ['http', 'json'] as const) {
    const fn = fnSpec({ image: image('write'), format, path: `/big-${format}`, maxConcurrency: 1 });
    assert.is((await pools.run(makeCall(fn, { headers: { 'x-fixture-stdout-bytes': ['1000'] } }))).status, 200);
    const r = await pools.run(makeCall(fn, { headers: { 'x-fixture-stdout-bytes': ['5000000'] } }));
    assert.is(r.status, 502);
    assert.is(r.error, 'function response exceeds 100000 bytes');
  }
  await waitFor('oversize containers removed', async () => (await containers()).length === 0, 30_000);
});

test('drain: idle containers close now, a busy one after its call; new calls get new containers', async () => {
  const { pools, containers } = await env();
  const fn = fnSpec({ image: image('sleep'), format: 'http', path: '/drain', maxConcurrency: 2, config: { SLEEP_MS: '10' } });
  await Promise.all([pools.run(makeCall(fn)), pools.run(makeCall(fn))]);
  assert.is((await containers()).length, 2);
  const busy = pools.run(makeCall(fn, { headers: { 'x-fixture-sleep-ms': ['1000'] } }));
  await waitFor('one container busy', () => pools.stats().totals.busy === 1, 30_000);
  pools.drain('testapp', '/drain');
  await waitFor('idle one closed', async () => (await containers()).length === 1, 30_000);
  const updated = { ...fn, config: { SLEEP_MS: '5' } };
  const fresh = await pools.run(makeCall(updated));
  assert.is(fresh.status, 200);
  assert.ok(fresh.coldStart);
  assert.is((await busy).status, 200, 'the in-flight call finished');
  await waitFor('drained busy one closed', async () => (await containers()).length === 1, 30_000);
  assert.is(pools.stats().totals.idle, 1);
});

test('log: stderr during the call is the call log, truncated at maxLogBytes', async () => {
  const { pools } = await env({ maxLogBytes: 1000 });
  const fn = fnSpec({ image: image('sleep'), format: 'http', path: '/log', config: { SLEEP_MS: '200' } });
  const r = await pools.run(makeCall(fn, { headers: { 'x-fixture-stderr-bytes': ['5000'] } }));
  assert.is(r.status, 200);
  assert.is(r.log.length, 1000);
  assert.ok(r.log.every((b) => b === 'e'.charCodeAt(0)));
  const quiet = await pools.run(makeCall(fn));
  assert.is(quiet.log.length, 0, 'nothing leaks into the next call');
});

test('sweepSocketDirs drops dirs of gone containers only', async () => {
  const socketDir = `/run/podfn/sweep-test-${process.pid}`;
  const { pools } = await env({ socketDir });
  const { mkdir, readdir, utimes, rm } = await import('node:fs/promises');
  assert.is((await pools.run(makeCall(fnSpec({ image: image('echo'), format: 'http', path: '/sweep' })))).status, 200);
  const [live] = await readdir(socketDir);
  await mkdir(`${socketDir}/deadbeefdeadbeef`);
  await mkdir(`${socketDir}/0123456789abcdef`);
  const old = new Date(Date.now() - 3600_000);
  await utimes(`${socketDir}/deadbeefdeadbeef`, old, old);
  assert.is(await pools.sweepSocketDirs(), 1, 'the young orphan is left alone');
  assert.equal((await readdir(socketDir)).sort(), [live!, '0123456789abcdef'].sort());
  assert.is(await pools.sweepSocketDirs(0), 1);
  assert.equal(await readdir(socketDir), [live!]);
  await pools.close();
  await rm(socketDir, { recursive: true, force: true });
});

test('close() stops every container', async () => {
  const { pools, containers, memory } = await env();
  const a = fnSpec({ image: image('echo'), format: 'http', path: '/c1' });
  const b = fnSpec({ image: image('sleep'), format: 'json', path: '/c2', config: { SLEEP_MS: '2000' } });
  await pools.run(makeCall(a));
  const inflight = pools.run(makeCall(b));
  await waitFor('a busy container', () => pools.stats().totals.busy === 1, 30_000);
  await pools.close();
  assert.is((await containers()).length, 0);
  const cut = await inflight;
  assert.is(cut.status, 503);
  assert.is(cut.error, 'server is shutting down');
  assert.is(memory.used, 0);
  assert.is((await pools.run(makeCall(a))).status, 503);
});

test.run();
