// Functions that misbehave: flood their output far past the cap, fork until the pids limit (a bounded
// fork bomb), never read their input while given 5 MiB. Each caller gets the documented status (502
// output too large, or a streamed `http` answer cut short; 504 timeout, 200 when the function answers
// anyway), the container is killed and removed (and every process of a fork bomb is gone), and the
// gateway keeps serving other calls.
// Runs on the default (rootless) Podman, where pids and memory limits are not enforced (cgroup v1):
// the bomb bounds itself and the route timeout is short.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { randomInt } from 'node:crypto';
import { assertServing, startServer, type TestServer } from '../helpers/server.ts';
import { client, expectError, snapshot, type Client, type Snapshot } from '../helpers/http.ts';
import { image, podmanReady, testNodeId, testSocketPath } from '../helpers/podman.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Podman } from '../../src/runner/podman.ts';

const test = suite('faults: misbehaving functions');
const node = testNodeId('fault-fn');
const MAX_RESPONSE = 1024 * 1024;
const FIVE_MIB = Buffer.alloc(5 * 1024 * 1024, 'i');
let srv: TestServer;
let api: Client;
let podman: Podman;
let stored: Snapshot;

async function containers(): Promise<Array<{ id: string; route: string }>> {
  return (await podman.listManaged(node)).map((c) => ({ id: c.id, route: c.labels['io.podfn.route'] ?? '' }));
}

/** Waits until this node has no container for `route` (all when omitted) except `keep`. */
async function noContainers(route?: string, keep: string[] = [], ms = 30_000): Promise<void> {
  await waitFor(
    async () => (await containers()).every((c) => (route !== undefined && c.route !== route) || keep.includes(c.id)),
    ms,
    `containers of ${route ?? 'every route'} to be removed`,
  );
}

async function hotContainer(route: string): Promise<string> {
  const list = (await containers()).filter((c) => c.route === route);
  assert.is(list.length, 1, `one hot container for ${route}: ${JSON.stringify(list)}`);
  return list[0]!.id;
}

/** Another function answers while (and after) one misbehaves. */
async function echoWorks(what: string): Promise<void> {
  const res = await api.post('/r/fnfault/echo', `still here: ${what}`);
  assert.is(res.status, 200, `${what}: ${res.text}`);
  assert.is(res.text, `still here: ${what}`);
}

async function gatewayUnharmed(): Promise<void> {
  await assertServing(srv);
  assert.equal(await snapshot(api), stored, 'apps and routes survive');
}

/** pids of host processes whose command line contains `mark` (the fork bomb's processes). */
function processesWith(mark: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(mark)) found.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

test.before(async () => {
  podman = await podmanReady();
  srv = await startServer({ env: { PODFN_NODE_ID: node, PODFN_MAX_RESPONSE_BYTES: String(MAX_RESPONSE), PODFN_CONTAINER_HOST: `unix://${testSocketPath()}` } });
  api = client(srv.url);
  const routes = [
    { path: '/echo', image: image('echo') },
    { path: '/flood', image: image('flood'), timeout: 60 },
    { path: '/flood-hot', image: image('flood'), format: 'http', max_concurrency: 1, timeout: 20 },
    {
      path: '/flood-log-hot',
      image: image('flood'),
      format: 'http',
      max_concurrency: 1,
      timeout: 20,
      config: { FLOOD_BYTES: '5', FLOOD_LOG_BYTES: String(32 * 1024 * 1024) },
    },
    { path: '/bomb', image: image('busybox'), timeout: 10 },
    { path: '/ignore', image: image('ignore-input'), timeout: 20, config: { IGNORE_MS: '300' } },
    { path: '/ignore-hang', image: image('ignore-input'), timeout: 2, config: { IGNORE_MS: '-1' } },
    { path: '/ignore-hot', image: image('ignore-input'), format: 'http', max_concurrency: 1, timeout: 20, config: { IGNORE_MS: '100' } },
    { path: '/ignore-hot-hang', image: image('ignore-input'), format: 'http', max_concurrency: 1, timeout: 2, config: { IGNORE_MS: '-1' } },
  ];
  for (const route of routes) {
    const res = await api.post('/v1/apps/fnfault/routes', { route });
    assert.is(res.status, 200, res.text);
  }
  stored = await snapshot(api);
});

test.after(async () => {
  await srv?.stop();
  for (const c of await containers().catch(() => [])) await podman.remove(c.id).catch(() => undefined);
});

test('cold: stdout flood far past the cap -> 502, container killed and removed', async () => {
  const t0 = Date.now();
  const [res] = await Promise.all([api.post('/r/fnfault/flood', '{}', { timeoutMs: 120_000 }), echoWorks('cold flood')]);
  expectError(res, 502, `function response exceeds ${MAX_RESPONSE} bytes`);
  // killed at the cap: the function would write 4 GiB, and the route's 60 s timeout would be a 504
  assert.ok(Date.now() - t0 < 60_000, `answered in ${Date.now() - t0} ms`);
  await noContainers('/flood');
  await echoWorks('after cold flood');
  await gatewayUnharmed();
});

test('hot: endless response body -> cut short at the cap (the client sees no proper end), the container is replaced', async () => {
  // an `http` answer streams: its head (200) is out before the cap is hit, so the answer is cut
  // instead (docs/functions.md); the client's read fails rather than ending
  const [cut] = await Promise.all([
    api.post('/r/fnfault/flood-hot', '').then(
      (r) => `answered ${r.status}`,
      (e: Error) => e.message,
    ),
    echoWorks('hot flood'),
  ]);
  assert.match(cut, /aborted|ECONNRESET|socket hang up/, cut);
  await noContainers('/flood-hot');
  // the route still works: a new container answers a call within the cap
  const ok = await api.post('/r/fnfault/flood-hot', '', { headers: { 'x-fixture-flood-bytes': '1000' } });
  assert.is(ok.status, 200, ok.text);
  assert.is(ok.text, 'f'.repeat(1000));
  await gatewayUnharmed();
});

test('hot: 32 MiB of stdout (its log) per call -> the call succeeds, the log is capped, the container is kept', async () => {
  const res = await api.post('/r/fnfault/flood-log-hot', '');
  assert.is(res.status, 200, res.text.slice(0, 200));
  assert.is(res.text, 'fffff');
  const id = await hotContainer('/flood-log-hot');
  const again = await api.post('/r/fnfault/flood-log-hot', '');
  assert.is(again.status, 200);
  assert.is(await hotContainer('/flood-log-hot'), id, 'the same container serves the next call');
  const callId = String(again.headers['fn-call-id']);
  let log = '';
  await waitFor(
    async () => {
      const r = await api.req('GET', `/v1/apps/fnfault/calls/${callId}/log`, undefined, { headers: { accept: 'text/plain' } });
      log = r.text;
      return r.status === 200;
    },
    30_000,
    'the call log to be recorded',
  );
  assert.ok(log.length < 1024 * 1024, `stored log is capped (${log.length} bytes)`);
  assert.match(log, /^l+/);
  await gatewayUnharmed();
});

test('cold fork bomb: bounded by the route timeout (504); kill removes every process', async () => {
  // route timeout 10 s: room for a loaded host to start the container and grow the whole bomb
  const mark = String(90_000 + randomInt(9_000));
  const ready = (await api.get('/readyz')).json<{ checks: { runner: { detail: { limitsEnforced?: boolean } } } }>();
  const enforced = ready.checks.runner.detail.limitsEnforced === true;
  // a binary tree of shells, depth 8: 511 processes (the leaves exec `sleep <mark>`), then it waits;
  // every process carries the mark in its command line. Bounded, so the host never runs out of pids.
  const script = `exec sh -c 'b() { if [ "$1" -gt 0 ]; then b $(($1-1)) & b $(($1-1)) & wait; else exec sleep ${mark}; fi; }; b 8' bomb-${mark}\n`;
  let most = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      most = Math.max(most, processesWith(mark).length);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const [res] = await Promise.all([
    api.post('/r/fnfault/bomb', script, { timeoutMs: 120_000 }),
    (async () => {
      await waitFor(() => most >= 100, 60_000, 'the fork bomb to start', 20);
      await echoWorks('during the fork bomb');
    })(),
  ]);
  sampling = false;
  await sampler;
  // the bomb's leaves sleep for a day: only the route timeout ends the call
  expectError(res, 504, 'Timed out');
  if (enforced) assert.ok(most <= 256, `pids limit enforced: at most 256 processes, saw ${most}`);
  else assert.ok(most >= 400, `the bomb ran past the (unenforced) pids limit: saw ${most} processes`);
  // killing the container took every process of the bomb with it
  await waitFor(() => processesWith(mark).length === 0, 30_000, 'every fork bomb process to be gone');
  await noContainers('/bomb');
  await echoWorks('after the fork bomb');
  await gatewayUnharmed();
});

test('cold: a function that never reads its 5 MiB stdin and exits -> 200 with its output, promptly', async () => {
  // promptly: its answer, not a call stuck on the unread stdin until the route's 20 s timeout (a 504)
  const res = await api.post('/r/fnfault/ignore', FIVE_MIB, { headers: { 'content-type': 'application/octet-stream' }, timeoutMs: 120_000 });
  assert.is(res.status, 200, res.text);
  assert.is(res.text, 'ignored input');
  await noContainers('/ignore');
  await gatewayUnharmed();
});

test('cold: one that never reads its 5 MiB stdin nor exits -> 504 at its timeout, container removed', async () => {
  const t0 = Date.now();
  const [res] = await Promise.all([
    api.post('/r/fnfault/ignore-hang', FIVE_MIB, { headers: { 'content-type': 'application/octet-stream' }, timeoutMs: 120_000 }),
    echoWorks('during a stuck stdin'),
  ]);
  expectError(res, 504, 'Timed out');
  // the 2 s timeout is not stuck behind the unread stdin (which never drains)
  assert.ok(Date.now() - t0 < 60_000, `answered in ${Date.now() - t0} ms (route timeout 2 s)`);
  await noContainers('/ignore-hang');
  await gatewayUnharmed();
});

test('hot: a function that answers without reading its 5 MiB body -> 200; the container is reused', async () => {
  for (let i = 0; i < 2; i++) {
    const res = await api.post('/r/fnfault/ignore-hot', FIVE_MIB, { headers: { 'content-type': 'application/octet-stream' } });
    assert.is(res.status, 200, res.text);
    assert.is(res.text, 'ignored input');
  }
  await hotContainer('/ignore-hot');
  await gatewayUnharmed();
});

test('hot: one that never reads its 5 MiB body nor answers -> 504, killed, the next call gets a new container', async () => {
  const [res] = await Promise.all([
    api.post('/r/fnfault/ignore-hot-hang', FIVE_MIB, { headers: { 'content-type': 'application/octet-stream' } }),
    echoWorks('during a stuck hot body'),
  ]);
  expectError(res, 504, 'Timed out');
  await noContainers('/ignore-hot-hang');
  // not queued behind the killed one: that would end in the route's 2 s timeout (a 504)
  const next = await api.post('/r/fnfault/ignore-hot-hang', 'x', { headers: { 'x-fixture-ignore-ms': '0' } });
  assert.is(next.status, 200, next.text);
  await hotContainer('/ignore-hot-hang');
  await gatewayUnharmed();
});

test('no container of this suite is left', async () => {
  // hot containers idle until their idle_timeout; drop them by deleting their routes' pools
  for (const path of ['flood-hot', 'flood-log-hot', 'ignore-hot', 'ignore-hot-hang']) {
    assert.is((await api.patch(`/v1/apps/fnfault/routes/${path}`, { route: { idle_timeout: 1 } })).status, 200);
  }
  await noContainers(undefined, [], 60_000);
});

test.run();
