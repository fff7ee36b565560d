// Black-box graceful shutdown (real server, real Podman): on SIGTERM the gateway stops accepting,
// lets an in-flight sync call finish (and records it), returns async calls that could not finish
// within the grace to the queue (attempt not counted), stops its hot containers and exits 0.
// NEEDS the queue wired into src/main.ts with PODFN_SHUTDOWN_GRACE_MS.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer } from '../helpers/server.ts';
import { client, expectOk } from '../helpers/http.ts';
import { containersOf, image, podmanReady, testNodeId } from '../helpers/podman.ts';
import { openStore } from '../../src/store/db.ts';
import { waitFor } from './helpers.ts';

const test = suite('queue: graceful shutdown (black-box)');

test('SIGTERM: sync call finishes, unfinished async calls are re-queued, hot containers stopped, exit 0', async () => {
  const podman = await podmanReady();
  const nodeId = testNodeId('shut');
  const srv = await startServer({ env: { PODFN_NODE_ID: nodeId, PODFN_SHUTDOWN_GRACE_MS: '8000', PODFN_ASYNC_WORKERS: '2', PODFN_QUEUE_POLL_MS: '50' } });
  const c = client(srv.url);
  const store = await openStore(srv.dbUrl);
  try {
    expectOk(await c.post('/v1/apps/sd/routes', { route: { path: '/sync', image: image('sleep'), format: 'http', config: { SLEEP_MS: '1000' } } }));
    expectOk(
      await c.post('/v1/apps/sd/routes', {
        route: { path: '/long', image: image('sleep'), type: 'async', format: 'http', timeout: 120, max_concurrency: 2, config: { SLEEP_MS: '60000' } },
      }),
    );
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(expectOk<{ call_id: string }>(await c.post('/r/sd/long', `${i}`), 202).call_id);
    const running = async () => Number((await store.client.execute("SELECT count(*) AS n FROM calls WHERE status = 'running'")).rows[0]!.n);
    await waitFor('2 async calls running', async () => (await running()) === 2, 30_000, 50);
    // warm the sync route, then start a sync call and stop the server while it runs
    assert.is((await c.post('/r/sd/sync', 'x')).status, 200);
    // stop the server once the call is in the function (both async calls and it busy), well within the grace
    const inflight = c.post('/r/sd/sync', 'in flight', { headers: { 'x-fixture-sleep-ms': '3000' } });
    await waitFor(
      'the sync call in its container',
      async () =>
        (await c.get('/readyz')).json<{ checks: { runner: { detail: { hot: { totals: { busy: number } } } } } }>().checks.runner.detail.hot.totals.busy === 3,
      30_000,
      20,
    );
    const t0 = Date.now();
    const exit = await srv.kill('SIGTERM');
    const took = Date.now() - t0;
    const res = await inflight;
    assert.is(res.status, 200, `in-flight sync call: ${res.status} ${res.text}`);
    assert.is(res.text, 'slept 3000');
    assert.equal(exit, { code: 0, signal: null }, srv.output());
    // the whole grace for the async calls, which never finish in it (they sleep 60 s)
    assert.ok(took >= 7500 && took < 60_000, `shutdown took ${took} ms (grace 8 s)`);
    const rows = await store.client.execute("SELECT id, status, attempts, lease_owner FROM calls WHERE type = 'async'");
    for (const r of rows.rows) {
      assert.is(r.status, 'queued', `call ${r.id as string}`);
      assert.is(Number(r.attempts), 0, `call ${r.id as string}: the interrupted attempt is not counted`);
      assert.is(r.lease_owner, null);
    }
    assert.is(rows.rows.length, 3);
    const sync = await store.client.execute("SELECT count(*) AS n FROM calls WHERE type = 'sync' AND status = 'success'");
    assert.is(Number(sync.rows[0]!.n), 2, 'both sync calls recorded before exit');
    assert.equal(await containersOf(podman, nodeId), [], 'hot containers removed');
  } finally {
    store.close();
    await srv.stop();
  }
});

test.run();
