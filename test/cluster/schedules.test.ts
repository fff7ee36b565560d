// Route schedules across nodes: two gateway processes on ONE libSQL server (sqld, real), a route with
// an every-second schedule (cron with a seconds field) running a real hot function in Podman. Each tick
// is enqueued exactly once across both nodes (no tick twice, none skipped while a node runs); when no
// node runs for longer than the on-time window, the missed ticks are caught up with ONE call
// (PODFN_SCHEDULE_CATCH_UP=once), and ticks go on from there. Also the API: a bad expression is 400, the
// route shows its schedule and next tick, "" removes it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createClient, type Client as DbClient } from '@libsql/client';
import { startServer, type TestServer } from '../helpers/server.ts';
import { startSqld, type Sqld } from '../helpers/sqld.ts';
import { client, expectError, expectOk, type Client } from '../helpers/http.ts';
import { image, podmanReady } from '../helpers/podman.ts';

const test = suite('schedules: two nodes on one libSQL server');
let sqld: Sqld;
let a: TestServer;
let b: TestServer;
let A: Client;
let B: Client;
let db: DbClient;

const nodeEnv = (id: string) => ({
  PODFN_NODE_ID: id,
  PODFN_HEARTBEAT_MS: '300',
  PODFN_QUEUE_LEASE_MS: '5000',
  PODFN_QUEUE_POLL_MS: '100',
  PODFN_CACHE_POLL_MS: '200',
  PODFN_SCHEDULE_CATCH_UP: 'once',
});

interface Row {
  id: string;
  status: string;
  node_id: string | null;
  headers: string;
  created_at: number;
}
interface Scheduled {
  id: string;
  status: string;
  tick: number;
  catchUp: boolean;
  missed?: string;
  createdAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scheduledCalls(path: string): Promise<Scheduled[]> {
  const rows = (await db.execute({ sql: 'SELECT id, status, node_id, headers, created_at FROM calls WHERE app_name = ? AND path = ?', args: ['sched', path] }))
    .rows as unknown as Row[];
  return rows
    .map((r) => {
      const h = JSON.parse(r.headers) as Record<string, string[]>;
      return {
        id: r.id,
        status: r.status,
        tick: Date.parse(h['fn-schedule-tick']![0]!),
        catchUp: h['fn-schedule-catch-up']?.[0] === 'true',
        missed: h['fn-schedule-missed']?.[0],
        createdAt: Number(r.created_at),
      };
    })
    .sort((x, y) => x.tick - y.tick || Number(y.catchUp) - Number(x.catchUp));
}

test.before(async () => {
  await podmanReady();
  sqld = await startSqld();
  db = createClient({ url: sqld.url });
  [a, b] = await Promise.all([startServer({ dbUrl: sqld.url, env: nodeEnv('sched-a') }), startServer({ dbUrl: sqld.url, env: nodeEnv('sched-b') })]);
  A = client(a.url);
  B = client(b.url);
});

test.after(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()]);
  db?.close();
  await sqld?.stop();
});

test('the API validates schedules (400 with the reason), shows the schedule and its next tick, and "" removes it', async () => {
  const bad = [
    ['not a cron', /Invalid route schedule: .*5 fields/],
    ['61 * * * *', /Invalid route schedule: .*minute/],
    ['* * * *', /Invalid route schedule/],
    ['0 0 30 2 *', /Invalid route schedule: it never fires/],
    [' * * * * *', /Invalid route schedule/],
    [42, /Invalid route schedule: must be a string/],
  ] as const;
  for (const [schedule, message] of bad) {
    expectError(await A.post('/v1/apps/sched/routes', { route: { path: '/bad', image: image('echo'), schedule } }), 400, message, String(schedule));
  }
  const created = expectOk<{ route: { schedule?: string; schedule_next?: string } }>(
    await A.post('/v1/apps/sched/routes', { route: { path: '/api', image: image('echo'), schedule: '0 3 * * *' } }),
  ).route;
  assert.is(created.schedule, '0 3 * * *');
  const next = new Date(created.schedule_next!);
  assert.is(next.getUTCHours(), 3);
  assert.is(next.getUTCMinutes(), 0);
  assert.ok(next.getTime() > Date.now() && next.getTime() <= Date.now() + 24 * 3600_000);
  expectError(await A.patch('/v1/apps/sched/routes/api', { route: { schedule: '* * * * * * * *' } }), 400, /Invalid route schedule/);
  const removed = expectOk<{ route: { schedule?: string; schedule_next?: string } }>(
    await A.patch('/v1/apps/sched/routes/api', { route: { schedule: '' } }),
  ).route;
  assert.is(removed.schedule, undefined);
  assert.is(removed.schedule_next, undefined);
  const doc = (await A.get('/v1/openapi.json')).json<{ components: { schemas: Record<string, { properties?: Record<string, unknown> }> } }>();
  assert.ok(doc.components.schemas.Route?.properties?.schedule, 'Route.schedule in the OpenAPI document');
  assert.ok(doc.components.schemas.Route?.properties?.schedule_next, 'Route.schedule_next in the OpenAPI document');
});

test('an every-second schedule with two gateways: each tick enqueued exactly once, none skipped, every call run', async () => {
  const t0 = Date.now();
  expectOk(await A.post('/v1/apps/sched/routes', { route: { path: '/tick', image: image('echo'), format: 'http', schedule: '* * * * * *' } }));
  await sleep(7000);
  expectOk(await B.patch('/v1/apps/sched/routes/tick', { route: { schedule: '' } }));
  const t1 = Date.now();
  await sleep(1500); // both nodes' caches see the change
  const calls = await scheduledCalls('/tick');
  const ticks = calls.map((c) => c.tick);
  assert.is(new Set(ticks).size, ticks.length, `a tick enqueued twice: ${ticks.map((t) => new Date(t).toISOString()).join(' ')}`);
  for (let i = 1; i < ticks.length; i++)
    assert.is(ticks[i]! - ticks[i - 1]!, 1000, `ticks skipped between ${new Date(ticks[i - 1]!).toISOString()} and ${new Date(ticks[i]!).toISOString()}`);
  assert.ok(calls.every((c) => !c.catchUp));
  const seconds = (t1 - t0) / 1000;
  assert.ok(ticks.length >= seconds - 3 && ticks.length <= seconds + 1, `${ticks.length} ticks in ${seconds.toFixed(1)} s`);
  // enqueued on time (generous: the host is loaded)
  for (const c of calls) assert.ok(c.createdAt - c.tick < 3000, `tick ${new Date(c.tick).toISOString()} enqueued ${c.createdAt - c.tick} ms late`);
  const nodes = (await db.execute({ sql: 'SELECT DISTINCT node_id FROM calls WHERE app_name = ? AND path = ?', args: ['sched', '/tick'] })).rows;
  assert.ok(nodes.length >= 1);
  // and every one ran (the function answered) once
  const done = await waitForAll('/tick', calls.length);
  assert.ok(
    done.every((c) => c.status === 'success'),
    JSON.stringify(done.filter((c) => c.status !== 'success')),
  );
});

test('ticks missed while no node ran are caught up with ONE call, then ticking goes on', async () => {
  expectOk(await A.post('/v1/apps/sched/routes', { route: { path: '/later', image: image('echo'), format: 'http', schedule: '* * * * * *' } }));
  await sleep(3000);
  await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
  const down = Date.now();
  await sleep(9000);
  const up = Date.now();
  await Promise.all([a.restart(), b.restart()]);
  await sleep(3000);
  expectOk(await A.patch('/v1/apps/sched/routes/later', { route: { schedule: '' } }));
  await sleep(1500);
  const calls = await scheduledCalls('/later');
  const catchUps = calls.filter((c) => c.catchUp);
  assert.is(catchUps.length, 1, `catch-up calls: ${JSON.stringify(catchUps)}`);
  const cu = catchUps[0]!;
  assert.ok(Number(cu.missed) >= 3, `missed ${cu.missed}`);
  assert.ok(cu.tick > down - 2000 && cu.tick < up, `catch-up for the first missed tick ${new Date(cu.tick).toISOString()}`);
  // no tick twice; the regular ones before the outage and after the restart
  const regular = calls.filter((c) => !c.catchUp).map((c) => c.tick);
  assert.is(new Set(regular).size, regular.length);
  assert.ok(regular.filter((t) => t < down).length >= 2, 'ticks before the outage');
  assert.ok(regular.filter((t) => t > up).length >= 1, 'ticks after the restart');
  const done = await waitForAll('/later', calls.length);
  assert.ok(done.every((c) => c.status === 'success'));
});

async function waitForAll(path: string, n: number): Promise<Scheduled[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const calls = await scheduledCalls(path);
    if (calls.length === n && calls.every((c) => c.status !== 'queued' && c.status !== 'running')) return calls;
    if (Date.now() > deadline) throw new Error(`calls of ${path} still not done: ${JSON.stringify(calls.map((c) => c.status))}`);
    await sleep(200);
  }
}

test.run();
