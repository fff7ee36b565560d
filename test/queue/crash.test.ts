// Black-box durability with real processes, real libSQL and real Podman (a hot function):
//  - 500 async calls accepted, the gateway SIGKILLed while it drains them, restarted: every call ends
//    success, none lost; exactly the calls that were running at the kill ran again (at-least-once);
//  - two gateway processes on one database file share one queue: every call claimed exactly once.
// NEEDS the queue wired into src/main.ts, and PODFN_QUEUE_LEASE_MS / PODFN_ASYNC_WORKERS /
// PODFN_NODE_ID read by the config.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client, expectOk, type Client } from '../helpers/http.ts';
import { image, podmanReady } from '../helpers/podman.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { waitFor } from './helpers.ts';

const test = suite('queue durability (black-box)');

async function submitAll(c: Client, n: number, concurrency: number, path: string): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        ids.push(expectOk<{ call_id: string }>(await c.post(path, `call ${i}`), 202).call_id);
      }
    }),
  );
  return ids;
}

async function statuses(store: Store): Promise<Map<string, { status: string; attempts: number; node: string | null; error?: string }>> {
  const rs = await store.client.execute("SELECT id, status, attempts, node_id, error FROM calls WHERE type = 'async'");
  // the error only where there is one, so equality checks on clean calls stay short
  return new Map(
    rs.rows.map((r) => [
      String(r.id as string),
      {
        status: String(r.status as string),
        attempts: Number(r.attempts),
        node: r.node_id === null ? null : String(r.node_id as string),
        ...(r.error ? { error: String(r.error as string) } : {}),
      },
    ]),
  );
}

const unfinished = async (store: Store) =>
  Number((await store.client.execute("SELECT count(*) AS n FROM calls WHERE status IN ('queued', 'running')")).rows[0]!.n);

test('500 async calls survive a SIGKILL mid-drain: none lost, running ones re-run after their lease', async () => {
  await podmanReady();
  const env = { PODFN_QUEUE_LEASE_MS: '2000', PODFN_ASYNC_WORKERS: '4', PODFN_QUEUE_POLL_MS: '100' };
  const srv: TestServer = await startServer({ env });
  const c = client(srv.url);
  let store: Store | undefined;
  try {
    expectOk(
      await c.post('/v1/apps/dur/routes', {
        route: { path: '/slow', image: image('sleep'), type: 'async', format: 'http', max_concurrency: 4, config: { SLEEP_MS: '30' } },
      }),
    );
    const t0 = Date.now();
    const ids = await submitAll(c, 500, 16, '/r/dur/slow');
    const acceptMs = Date.now() - t0;
    assert.is(new Set(ids).size, 500);
    store = await openStore(srv.dbUrl);
    const st = store;
    await waitFor('some calls done', async () => [...(await statuses(st)).values()].filter((s) => s.status === 'success').length >= 60, 60_000, 50);
    await srv.kill('SIGKILL');
    const atKill = await statuses(st);
    const runningAtKill = [...atKill].filter(([, s]) => s.status === 'running').map(([id]) => id);
    const doneAtKill = [...atKill.values()].filter((s) => s.status === 'success').length;
    assert.is(atKill.size, 500, 'every accepted call is in the database');
    assert.ok(runningAtKill.length >= 1 && runningAtKill.length <= 4, `running at kill: ${runningAtKill.length}`);
    assert.ok(doneAtKill < 500, 'the kill happened mid-drain');

    await srv.restart();
    await waitFor('queue drained after restart', async () => (await unfinished(st)) === 0, 180_000, 200);
    const after = await statuses(st);
    const notSuccess = [...after].filter(([, s]) => s.status !== 'success');
    assert.equal(notSuccess, [], 'every call ended success');
    for (const id of ids) {
      const s = after.get(id)!;
      if (runningAtKill.includes(id)) assert.is(s.attempts, 2, `call ${id} was running at the kill: re-run once`);
      else assert.is(s.attempts, 1, `call ${id} ran once`);
    }
    console.log(`  accepted 500 in ${acceptMs} ms; ${doneAtKill} done and ${runningAtKill.length} running at the kill`);
  } finally {
    store?.close();
    await srv.stop();
  }
});

test('two gateway processes on one database file: every call claimed once, both take part', async () => {
  await podmanReady();
  const env = { PODFN_ASYNC_WORKERS: '3', PODFN_QUEUE_POLL_MS: '50' };
  const a = await startServer({ env: { ...env, PODFN_NODE_ID: 'gw-a' } });
  let b: TestServer | undefined;
  let store: Store | undefined;
  try {
    const ca = client(a.url);
    expectOk(
      await ca.post('/v1/apps/two/routes', {
        route: { path: '/job', image: image('sleep'), type: 'async', format: 'http', max_concurrency: 3, config: { SLEEP_MS: '10' } },
      }),
    );
    b = await startServer({ dbUrl: a.dbUrl, env: { ...env, PODFN_NODE_ID: 'gw-b' } });
    const cb = client(b.url);
    const [x, y] = await Promise.all([submitAll(ca, 100, 8, '/r/two/job'), submitAll(cb, 100, 8, '/r/two/job')]);
    store = await openStore(a.dbUrl);
    const st = store;
    await waitFor('both drained', async () => (await unfinished(st)) === 0, 120_000, 200);
    const all = await statuses(st);
    const nodes = new Map<string, number>();
    for (const id of [...x, ...y]) {
      const s = all.get(id)!;
      assert.is(s.status, 'success', id);
      assert.is(s.attempts, 1, `call ${id} was claimed more than once`);
      nodes.set(String(s.node), (nodes.get(String(s.node)) ?? 0) + 1);
    }
    assert.equal([...nodes.keys()].sort(), ['gw-a', 'gw-b']);
  } finally {
    store?.close();
    await b?.stop();
    await a.stop();
  }
});

test.run();
