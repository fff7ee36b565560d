// A client that goes away mid-call: the call is cancelled, a cold container is killed and removed
// within ~2 s, a hot container serving the call is killed and replaced (its slot freed) so the next
// call is served at once, and the sync call record says `cancelled` with reason `client_request`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { assertServing, startServer, type TestServer } from '../helpers/server.ts';
import { client, snapshot, type Client, type Snapshot } from '../helpers/http.ts';
import { image, podmanReady, testNodeId, testSocketPath } from '../helpers/podman.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Podman } from '../../src/runner/podman.ts';

const test = suite('faults: client disconnects mid-call');
const node = testNodeId('fault-dc');
let srv: TestServer;
let api: Client;
let podman: Podman;
let stored: Snapshot;

interface CallJson {
  id: string;
  path: string;
  status: string;
  reason?: string;
  status_code?: number;
}

async function containersOf(route: string): Promise<Array<{ id: string; state: string; call: string }>> {
  return (await podman.listManaged(node))
    .filter((c) => c.labels['io.podfn.route'] === route)
    .map((c) => ({ id: c.id, state: c.state, call: c.labels['io.podfn.call'] ?? '' }));
}

async function runningContainer(route: string): Promise<{ id: string; call: string }> {
  let found: { id: string; call: string } | undefined;
  await waitFor(
    async () => {
      found = (await containersOf(route)).find((c) => c.state === 'running');
      return found !== undefined;
    },
    60_000,
    `a running container for ${route}`,
  );
  return found!;
}

/** Sends a call and returns a function that hangs up on it (the socket is destroyed, no answer read). */
function callThenHangUp(target: string, body: string, headers: Record<string, string> = {}): { hangUp: () => void; answered: () => boolean } {
  const u = new URL(srv.url);
  let answered = false;
  const req = http.request({
    host: u.hostname,
    port: u.port,
    method: 'POST',
    path: target,
    agent: false,
    headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
  });
  req.on('response', () => (answered = true));
  req.on('error', () => undefined); // we hang up ourselves
  req.end(body);
  return { hangUp: () => req.destroy(), answered: () => answered };
}

/** The sync call record of the one call of `path` that has the given status (records are batched). */
async function recordOf(path: string, status: string): Promise<CallJson> {
  let found: CallJson | undefined;
  await waitFor(
    async () => {
      const res = await api.get(`/v1/apps/dc/calls?path=${encodeURIComponent(path)}&status=${status}`);
      assert.is(res.status, 200, res.text);
      found = res.json<{ calls: CallJson[] }>().calls[0];
      return found !== undefined;
    },
    30_000,
    `a ${status} record for ${path}`,
  );
  return found!;
}

/** Hot containers serving a call right now, as /readyz shows the runner. */
async function busyHotContainers(): Promise<number> {
  const res = await api.get('/readyz');
  return res.json<{ checks: { runner: { detail: { hot: { totals: { busy: number } } } } } }>().checks.runner.detail.hot.totals.busy;
}

async function gatewayUnharmed(): Promise<void> {
  await assertServing(srv);
  assert.equal(await snapshot(api), stored, 'apps and routes survive');
}

test.before(async () => {
  podman = await podmanReady();
  srv = await startServer({ env: { PODFN_NODE_ID: node, PODFN_CONTAINER_HOST: `unix://${testSocketPath()}` } });
  api = client(srv.url);
  const routes = [
    { path: '/cold', image: image('sleep'), config: { SLEEP_MS: '60000' }, timeout: 120 },
    { path: '/hot', image: image('sleep'), format: 'http', max_concurrency: 1, config: { SLEEP_MS: '10' }, timeout: 60 },
  ];
  for (const route of routes) {
    const res = await api.post('/v1/apps/dc/routes', { route });
    assert.is(res.status, 200, res.text);
  }
  stored = await snapshot(api);
});

test.after(async () => {
  await srv?.stop();
  for (const c of await podman.listManaged(node).catch(() => [])) await podman.remove(c.id).catch(() => undefined);
});

test('cold: hanging up kills and removes the container within 2 s; the record says cancelled', async () => {
  const call = callThenHangUp('/r/dc/cold', '{}');
  const container = await runningContainer('/cold');
  call.hangUp();
  const t0 = Date.now();
  // ~2 s on an idle host; the bound leaves a loaded one room and still proves the kill: left alone,
  // the function would sleep 60 s
  await waitFor(async () => (await containersOf('/cold')).length === 0, 30_000, 'the cold container to be removed', 50);
  assert.ok(Date.now() - t0 < 30_000, `removed ${Date.now() - t0} ms after the hang-up`);
  assert.not.ok(call.answered());

  const rec = await recordOf('/cold', 'cancelled');
  assert.is(rec.id, container.call, 'the record is the hung-up call');
  assert.is(rec.reason, 'client_request');
  const got = await api.get(`/v1/apps/dc/calls/${rec.id}`);
  assert.is(got.status, 200, got.text);
  assert.is(got.json<{ call: CallJson }>().call.status, 'cancelled');

  // the route serves the next call
  const next = await api.post('/r/dc/cold', '{"SLEEP_MS":10}');
  assert.is(next.status, 200, next.text);
  assert.is(next.text, 'slept 10');
  await gatewayUnharmed();
});

test('hot: hanging up frees the slot (the container is replaced); the next call is served at once', async () => {
  const warm = await api.post('/r/dc/hot', '');
  assert.is(warm.status, 200, warm.text);
  const [first] = await containersOf('/hot');
  assert.ok(first, 'a hot container');

  const call = callThenHangUp('/r/dc/hot', '', { 'x-fixture-sleep-ms': '50000' });
  await waitFor(async () => (await busyHotContainers()) === 1, 30_000, 'the call to reach the hot container', 20);
  call.hangUp();
  const t0 = Date.now();
  // max_concurrency 1: only a freed slot can serve this; a slot held by the abandoned call would make
  // it wait in the queue (then 429) or until the 50 s call ended
  const next = await api.post('/r/dc/hot', '', { headers: { 'x-fixture-sleep-ms': '10' }, timeoutMs: 120_000 });
  assert.is(next.status, 200, next.text);
  assert.is(next.text, 'slept 10');
  assert.ok(Date.now() - t0 < 40_000, `next call served ${Date.now() - t0} ms after the hang-up, before the abandoned call would end`);
  await waitFor(async () => !(await containersOf('/hot')).some((c) => c.id === first.id), 30_000, 'the abandoned hot container to be removed', 50);
  assert.is((await containersOf('/hot')).length, 1, 'one container serves the route');

  const rec = await recordOf('/hot', 'cancelled');
  assert.is(rec.reason, 'client_request');
  assert.not.ok(call.answered());
  await gatewayUnharmed();
});

test.run();
