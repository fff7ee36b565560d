// Restarts never leak hot containers (black-box: a real gateway process, real Podman).
//  - SIGTERM while a hot route has several warm containers and a call is in flight: the call completes,
//    the process exits 0, and no container of this node (nor its socket dir) is left.
//  - SIGKILL leaves the containers running; the next start on the same data and node id (the default
//    node id comes from the host name, so it survives a restart) removes them before it answers, and
//    does not touch the containers of another gateway (another node id) that is still serving.
// test/queue/shutdown.test.ts covers the async side of SIGTERM (re-queued calls, recorded sync calls).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectOk, type Client } from '../helpers/http.ts';
import { containersOf, image, podmanReady, testNodeId } from '../helpers/podman.ts';
import type { Podman } from '../../src/runner/podman.ts';

const test = suite('deploy: restarts leak no hot containers');
const HOT = 3;

/** A route of the sleep fixture with HOT warm containers (HOT concurrent calls). */
/** /readyz is 200 once the runner's start-up (Podman ping, stray removal) is done. */
async function waitForReady(c: Client): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    const res = await c.get('/readyz');
    if (res.status === 200) return;
    if (Date.now() > until) assert.unreachable(`/readyz still ${res.status} after 60 s: ${res.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function warm(c: Client, app: string): Promise<void> {
  expectOk(
    await c.put(`/v1/apps/${app}/routes/hot`, {
      route: { path: '/hot', image: image('sleep'), format: 'http', max_concurrency: HOT, config: { SLEEP_MS: '10' } },
    }),
  );
  const calls = await Promise.all(Array.from({ length: HOT }, () => c.post(`/r/${app}/hot`, 'x', { headers: { 'x-fixture-sleep-ms': '700' } })));
  for (const r of calls) assert.is(r.status, 200, r.text);
}

const socketDirOf = (id: string) => `/run/podfn-rt-${id}`;
const running = async (podman: Podman, nodeId: string) => (await podman.listManaged(nodeId)).filter((c) => c.state === 'running').length;

test('SIGTERM during a call: the call completes, every hot container and socket dir is removed, exit 0', async () => {
  const podman = await podmanReady();
  const nodeId = testNodeId('rt');
  const socketDir = socketDirOf(randomBytes(4).toString('hex'));
  let srv: TestServer | undefined;
  try {
    srv = await startServer({ env: { PODFN_NODE_ID: nodeId, PODFN_SOCKET_DIR: socketDir, PODFN_SHUTDOWN_GRACE_MS: '60000' } });
    const c = client(srv.url);
    await warm(c, 'rt');
    assert.is(await running(podman, nodeId), HOT, `${HOT} warm hot containers`);
    assert.is(fs.readdirSync(socketDir).length, HOT);
    const inflight = c.post('/r/rt/hot', 'in flight', { headers: { 'x-fixture-sleep-ms': '3000' } });
    // SIGTERM once the call is in its container (polled, however slow the host)
    for (const end = Date.now() + 30_000; ;) {
      const busy = (await c.get('/readyz')).json<{ checks: { runner: { detail: { hot: { totals: { busy: number } } } } } }>().checks.runner.detail.hot.totals
        .busy;
      if (busy === 1) break;
      assert.ok(Date.now() < end, 'the in-flight call reached its container');
      await new Promise((r) => setTimeout(r, 20));
    }
    const t0 = Date.now();
    const exit = await srv.kill('SIGTERM');
    const res = await inflight;
    assert.is(res.status, 200, `in-flight call: ${res.status} ${res.text}`);
    assert.is(res.text, 'slept 3000');
    assert.equal(exit, { code: 0, signal: null }, srv.output());
    assert.ok(Date.now() - t0 < 60_000, `stopped ${Date.now() - t0} ms after SIGTERM: with the call, not at the end of the 60 s grace`);
    assert.equal(await containersOf(podman, nodeId), [], 'no container of this node is left');
    assert.equal(fs.readdirSync(socketDir), [], 'no socket dir is left');
  } finally {
    await srv?.stop();
    for (const id of await containersOf(podman, nodeId).catch(() => [])) await podman.remove(id).catch(() => undefined);
    fs.rmSync(socketDir, { recursive: true, force: true });
  }
});

test("SIGKILL + restart on the same data: the dead process's containers are removed at start; another live gateway's are not", async () => {
  const podman = await podmanReady();
  const nodeA = testNodeId('rta');
  const nodeB = testNodeId('rtb');
  const dirA = socketDirOf(randomBytes(4).toString('hex'));
  const dirB = socketDirOf(randomBytes(4).toString('hex'));
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  try {
    [a, b] = await Promise.all([
      startServer({ env: { PODFN_NODE_ID: nodeA, PODFN_SOCKET_DIR: dirA } }),
      startServer({ env: { PODFN_NODE_ID: nodeB, PODFN_SOCKET_DIR: dirB } }),
    ]);
    const ca = client(a.url);
    const cb = client(b.url);
    await Promise.all([warm(ca, 'rta'), warm(cb, 'rtb')]);
    const bBefore = (await containersOf(podman, nodeB)).sort();
    assert.is(bBefore.length, HOT);

    assert.equal(await a.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
    assert.is(await running(podman, nodeA), HOT, 'SIGKILL leaves the hot containers running (strays)');

    await a.restart();
    // strays are removed during start-up, while /readyz still answers 503 (the server listens before
    // its first Podman round trip is done: calls wait for it)
    await waitForReady(ca);
    assert.equal(await containersOf(podman, nodeA), [], `strays of the killed process removed at start:\n${a.output()}`);
    assert.equal((await containersOf(podman, nodeB)).sort(), bBefore, "the other gateway's containers are untouched");
    assert.is(await running(podman, nodeB), HOT);
    // the other gateway still serves from its warm containers; the restarted one works again
    const rb = await cb.post('/r/rtb/hot', 'b still works');
    assert.is(rb.status, 200, rb.text);
    assert.equal((await containersOf(podman, nodeB)).sort(), bBefore, 'served by a warm container, none replaced');
    const ra = await ca.post('/r/rta/hot', 'a works again');
    assert.is(ra.status, 200, ra.text);
    assert.is(await running(podman, nodeA), 1);
    // the app and route survived the kill (same database)
    expectOk(await ca.get('/v1/apps/rta/routes/hot'));
  } finally {
    await Promise.all([a?.stop(), b?.stop()]);
    for (const node of [nodeA, nodeB]) {
      for (const id of await containersOf(podman, node).catch(() => [])) await podman.remove(id).catch(() => undefined);
    }
    fs.rmSync(dirA, { recursive: true, force: true });
    fs.rmSync(dirB, { recursive: true, force: true });
  }
});

test.run();
