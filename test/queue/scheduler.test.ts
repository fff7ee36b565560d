// The scheduler against a real libSQL store (no Podman, no timers: pass() is called with chosen times):
// the calls a tick enqueues (POST, empty body, Fn-Schedule headers), several schedulers racing on one
// database enqueue each tick once (the compare-and-set), missed ticks are caught up once or skipped
// (PODFN_SCHEDULE_CATCH_UP), a schedule change restarts the count, and a deleted route's state goes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempStore, type TempStore } from '../helpers/temp-store.ts';
import { Scheduler, type CatchUp } from '../../src/queue/scheduler.ts';
import * as routes from '../../src/store/routes.ts';
import { getScheduleState } from '../../src/store/schedules.ts';
import { addRoute, loadedCache, quietLog } from './helpers.ts';

const test = suite<{ t?: TempStore }>('scheduler (store, no timers)');

test.before.each(async (ctx) => {
  ctx.t = await tempStore();
});
test.after.each((ctx) => ctx.t?.dispose());

interface CallRow {
  method: string;
  url: string;
  headers: string;
  payload: Buffer | null;
  status: string;
}
const callsOf = async (t: TempStore, path: string) =>
  (await t.store.client.execute({ sql: 'SELECT method, url, headers, payload, status FROM calls WHERE path = ? ORDER BY created_at, id', args: [path] }))
    .rows as unknown as CallRow[];
const tickOf = (c: CallRow) => (JSON.parse(c.headers) as Record<string, string[]>)['fn-schedule-tick']![0]!;
const setLast = (t: TempStore, path: string, ms: number) =>
  t.store.client.execute({ sql: 'UPDATE schedule_state SET last_tick = ? WHERE path = ?', args: [ms, path] });

async function scheduler(t: TempStore, catchUp: CatchUp = 'once') {
  const cache = await loadedCache(t.store);
  let notified = 0;
  const s = new Scheduler(
    t.store,
    cache,
    { catchUp, onTimeMs: 5000, checkMs: 1000, maxAttempts: 3, baseUrl: 'https://fn.example.com' },
    quietLog,
    () => notified++,
  );
  return { s, cache, notified: () => notified };
}

test('a due tick enqueues one async call: POST, empty body, Fn-Schedule and Fn-Schedule-Tick', async (ctx) => {
  const t = ctx.t!;
  await addRoute(t.store, 'app', '/job', { schedule: '*/10 * * * * *' });
  const { s, notified } = await scheduler(t);
  const base = Date.parse('2026-05-01T00:00:01Z');
  await setLast(t, '/job', base);
  await s.pass(base + 5000); // no tick yet (next :10)
  assert.is((await callsOf(t, '/job')).length, 0);
  await s.pass(Date.parse('2026-05-01T00:00:10.200Z'));
  const calls = await callsOf(t, '/job');
  assert.is(calls.length, 1);
  const c = calls[0]!;
  assert.is(c.method, 'POST');
  assert.is(c.url, 'https://fn.example.com/r/app/job');
  assert.is(c.status, 'queued');
  assert.is(Buffer.from(c.payload ?? []).length, 0);
  const h = JSON.parse(c.headers) as Record<string, string[]>;
  assert.equal(h['fn-schedule'], ['*/10 * * * * *']);
  assert.equal(h['fn-schedule-tick'], ['2026-05-01T00:00:10.000Z']);
  assert.equal(h['user-agent'], ['podfn-scheduler']);
  assert.is(h['fn-schedule-catch-up'], undefined);
  assert.is(notified(), 1);
  // the same tick again: nothing more
  await s.pass(Date.parse('2026-05-01T00:00:10.900Z'));
  assert.is((await callsOf(t, '/job')).length, 1);
  assert.is((await getScheduleState(t.store.db, 'app', '/job'))!.lastTick, Date.parse('2026-05-01T00:00:10Z'));
});

test('five schedulers racing on one database enqueue each tick exactly once', async (ctx) => {
  const t = ctx.t!;
  await addRoute(t.store, 'app', '/race', { schedule: '* * * * * *' });
  const nodes = await Promise.all([1, 2, 3, 4, 5].map(() => scheduler(t)));
  const start = Date.parse('2026-05-01T00:00:00Z');
  await setLast(t, '/race', start);
  for (let i = 1; i <= 10; i++) {
    const now = start + i * 1000 + 100;
    await Promise.all(nodes.map((n, j) => n.s.pass(now + j)));
  }
  const ticks = (await callsOf(t, '/race')).map(tickOf).sort();
  assert.is(ticks.length, 10);
  assert.is(new Set(ticks).size, 10);
  assert.is(ticks[0], '2026-05-01T00:00:01.000Z');
  assert.is(ticks[9], '2026-05-01T00:00:10.000Z');
});

test('missed ticks: once enqueues one catch-up call (first missed tick, how many), none skips them; on-time ticks run either way', async (ctx) => {
  const t = ctx.t!;
  await addRoute(t.store, 'app', '/once', { schedule: '* * * * * *' });
  const down = Date.parse('2026-05-01T00:00:00Z');
  await setLast(t, '/once', down);
  const now = Date.parse('2026-05-01T00:01:00.500Z'); // 60 s later: :01..:55 missed, :56..:01:00 on time
  await (await scheduler(t, 'once')).s.pass(now);
  const once = await callsOf(t, '/once');
  const catchUp = once.filter((c) => (JSON.parse(c.headers) as Record<string, string[]>)['fn-schedule-catch-up']);
  assert.is(catchUp.length, 1);
  const h = JSON.parse(catchUp[0]!.headers) as Record<string, string[]>;
  assert.equal(h['fn-schedule-missed'], ['55']);
  assert.equal(h['fn-schedule-tick'], ['2026-05-01T00:00:01.000Z']);
  assert.is(once.length, 1 + 5);
  // with none: the same outage skips the missed ticks (and /once, done already, gets nothing more)
  await addRoute(t.store, 'app', '/none', { schedule: '* * * * * *' });
  await setLast(t, '/none', down);
  await (await scheduler(t, 'none')).s.pass(now);
  const none = await callsOf(t, '/none');
  assert.is(none.length, 5);
  assert.equal(none.map(tickOf).sort()[0], '2026-05-01T00:00:56.000Z');
  assert.is((await callsOf(t, '/once')).length, 6);
});

test('a schedule change restarts the count at the write; removing it or deleting the route drops the state', async (ctx) => {
  const t = ctx.t!;
  const r = await addRoute(t.store, 'app', '/chg', { schedule: '0 * * * *' });
  await setLast(t, '/chg', 0);
  const before = Date.now();
  await t.store.db.transaction(async (tx) => {
    await routes.updateRoute(tx, { ...r, schedule: '*/5 * * * *' });
  });
  const st = (await getScheduleState(t.store.db, 'app', '/chg'))!;
  assert.is(st.schedule, '*/5 * * * *');
  assert.ok(st.lastTick >= before, 'counting restarted at the change');
  // an update that keeps the schedule keeps the count
  await setLast(t, '/chg', 1234);
  await t.store.db.transaction(async (tx) => {
    await routes.updateRoute(tx, { ...r, schedule: '*/5 * * * *', timeout: 40 });
  });
  assert.is((await getScheduleState(t.store.db, 'app', '/chg'))!.lastTick, 1234);
  await t.store.db.transaction(async (tx) => {
    await routes.updateRoute(tx, { ...r, schedule: undefined });
  });
  assert.is(await getScheduleState(t.store.db, 'app', '/chg'), undefined);
  await addRoute(t.store, 'app', '/del', { schedule: '0 * * * *' });
  assert.ok(await getScheduleState(t.store.db, 'app', '/del'));
  await routes.deleteRoute(t.store.db, 'app', '/del');
  assert.is(await getScheduleState(t.store.db, 'app', '/del'), undefined);
});

test.run();
