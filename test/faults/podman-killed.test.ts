// The Podman API service SIGKILLed while calls run (test/gateway/podman-outage.test.ts covers stop and
// restart between calls). A cold call in flight answers a prompt 503 JSON error; a hot call in flight
// completes (its function talks over its own socket, not through Podman) and its container, whose
// attach stream died, is retired; a hot container still starting answers 503. The gateway stays up,
// nothing stored is lost, every container made before the kill is removed once Podman is back (they
// live on under conmon meanwhile), and calls work again. A private rootful service on its own socket
// keeps the shared services out of it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertServing, startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, snapshot, type Client, type Res, type Snapshot } from '../helpers/http.ts';
import { image, testNodeId } from '../helpers/podman.ts';
import { PrivatePodmanService, waitFor } from '../helpers/podman-service.ts';

const test = suite('faults: Podman service killed mid-call');
const service = new PrivatePodmanService();
const node = testNodeId('fault-podman');
let srv: TestServer;
let api: Client;
let stored: Snapshot;

/** This node's containers, as the (running) private service sees them. */
async function containers(): Promise<Array<{ id: string; state: string; route: string }>> {
  const list = await service.client().listManaged(node);
  return list.map((c) => ({ id: c.id, state: c.state, route: c.labels['io.podfn.route'] ?? '' }));
}

async function runningContainer(route: string): Promise<string> {
  let id = '';
  await waitFor(
    async () => {
      id = (await containers()).find((c) => c.route === route && c.state === 'running')?.id ?? '';
      return id !== '';
    },
    60_000,
    `a running container for ${route}`,
  );
  return id;
}

async function gatewayUnharmed(): Promise<void> {
  await assertServing(srv);
  assert.equal(await snapshot(api), stored, 'apps and routes survive');
}

/** Restarts the service; /readyz recovers and every container of this node is removed. */
async function restartAndSettle(): Promise<void> {
  await service.start();
  await waitFor(async () => (await api.get('/readyz')).status === 200, 60_000, '/readyz to recover');
  await waitFor(async () => (await containers()).length === 0, 60_000, 'containers made before the kill to be removed');
}

function expect503(res: Res, what: string): void {
  expectError(res, 503, /container runtime unavailable/, what);
  assert.is(res.headers['retry-after'], '1', `${what}: Retry-After`);
}

test.before(async () => {
  await service.start();
  // a start-up timeout no loaded host reaches: /starting must still be starting when Podman is killed
  srv = await startServer({ env: { PODFN_CONTAINER_HOST: service.url, PODFN_NODE_ID: node, PODFN_HOT_START_TIMEOUT_MS: '60000' } });
  api = client(srv.url);
  const routes = [
    { path: '/cold', image: image('sleep'), config: { SLEEP_MS: '60000' }, timeout: 120 },
    { path: '/hot', image: image('sleep'), format: 'http', max_concurrency: 1, config: { SLEEP_MS: '10' }, timeout: 30 },
    { path: '/starting', image: image('slowstart'), format: 'http', config: { START_DELAY_MS: '10000' }, timeout: 60 },
    { path: '/echo', image: image('echo') },
  ];
  for (const route of routes) {
    const res = await api.post('/v1/apps/podfault/routes', { route });
    assert.is(res.status, 200, res.text);
  }
  stored = await snapshot(api);
});

test.after(async () => {
  if (!service.running) await service.start().catch(() => undefined);
  await srv?.stop();
  // belt and braces: never leave this suite's containers behind, whatever failed above
  const left = await containers().catch(() => []);
  for (const c of left)
    await service
      .client()
      .remove(c.id)
      .catch(() => undefined);
  await service.dispose();
});

test('cold call in flight: prompt 503, the container is removed once Podman is back', async () => {
  const t0 = Date.now();
  const call = api.req('POST', '/r/podfault/cold', '{}', { timeoutMs: 180_000 });
  const id = await runningContainer('/cold');
  await service.kill();
  const killedAt = Date.now();
  const res = await call;
  expect503(res, 'cold call in flight');
  // prompt: caused by the kill, not by the function's end (it sleeps 60 s) nor the route's 120 s timeout
  assert.ok(Date.now() - killedAt < 30_000, `answered ${Date.now() - killedAt} ms after the kill`);
  assert.ok(Date.now() - t0 < 60_000, 'answered before the function would have finished');
  // while Podman is down: fast 503s, /readyz says so, the admin API and stored data are fine
  expect503(await api.post('/r/podfault/echo', 'x'), 'call while down');
  assert.is((await api.get('/readyz')).status, 503);
  await gatewayUnharmed();

  await restartAndSettle();
  assert.not.ok(
    (await containers()).some((c) => c.id === id),
    "the killed call's container is gone",
  );
  const ok = await api.post('/r/podfault/echo', 'after');
  assert.is(ok.status, 200, ok.text);
  assert.is(ok.text, 'after');
  await gatewayUnharmed();
});

test('hot call in flight: completes; the orphaned container is replaced and removed', async () => {
  const warm = await api.post('/r/podfault/hot', '', { headers: { 'x-fixture-sleep-ms': '10' } });
  assert.is(warm.status, 200, warm.text);
  const id = await runningContainer('/hot');

  const call = api.req('POST', '/r/podfault/hot', '', { headers: { 'x-fixture-sleep-ms': '5000' }, timeoutMs: 60_000 });
  await waitFor(
    async () =>
      (await api.get('/readyz')).json<{ checks: { runner: { detail: { hot: { totals: { busy: number } } } } } }>().checks.runner.detail.hot.totals.busy === 1,
    30_000,
    'the call to reach the hot container',
    20,
  );
  await service.kill();
  const res = await call;
  // the function's socket does not go through Podman: the call it was serving completes normally
  assert.is(res.status, 200, res.text);
  assert.is(res.text, 'slept 5000');
  // the container's attach stream died with the service: the runner notices Podman is gone by itself
  await waitFor(async () => (await api.get('/readyz')).status === 503, 30_000, '/readyz to report Podman down');
  expect503(await api.post('/r/podfault/hot', '', { headers: { 'x-fixture-sleep-ms': '10' } }), 'hot call while down');
  await gatewayUnharmed();

  await restartAndSettle();
  assert.not.ok(
    (await containers()).some((c) => c.id === id),
    'the old hot container was removed',
  );
  const again = await api.post('/r/podfault/hot', '', { headers: { 'x-fixture-sleep-ms': '10' } });
  assert.is(again.status, 200, again.text);
  assert.is(again.text, 'slept 10');
  const now = await containers();
  assert.is(now.length, 1, JSON.stringify(now));
  assert.is.not(now[0]!.id, id, 'a new container serves the route');
  await gatewayUnharmed();
});

test('hot container still starting: 503, not a function fault; removed once Podman is back', async () => {
  const call = api.req('POST', '/r/podfault/starting', 'hi', { timeoutMs: 120_000 });
  const id = await runningContainer('/starting');
  await service.kill();
  const killedAt = Date.now();
  expect503(await call, 'hot start in flight');
  // caused by the kill: the 60 s start-up timeout or the function opening its socket would differ
  assert.ok(Date.now() - killedAt < 30_000, `answered ${Date.now() - killedAt} ms after the kill`);
  await gatewayUnharmed();

  await restartAndSettle();
  assert.not.ok((await containers()).some((c) => c.id === id));
  const ok = await api.post('/r/podfault/starting', 'hi');
  assert.is(ok.status, 200, ok.text);
  assert.is(ok.text, 'hi');
  await gatewayUnharmed();
});

test.run();
