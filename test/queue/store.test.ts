// The queue's SQL on a real libSQL file: enqueue commits, claims are atomic and FIFO (concurrent claimers
// never share a row), leases fence every later write, expired leases re-queue or fail the call,
// shutdown release, cancel, keyset pagination and filters, retention purge.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempStore, type TempStore } from '../helpers/temp-store.ts';
import { Enqueuer } from '../../src/queue/enqueue.ts';
import * as q from '../../src/store/queue.ts';
import * as calls from '../../src/store/calls.ts';
import { addRoute, gatewayCall, loadedCache } from './helpers.ts';
import type { RouteCache } from '../../src/gateway/route-cache.ts';

const test = suite<{ t?: TempStore }>('queue: store');
let ts: TempStore;
let cache: RouteCache;
let enq: Enqueuer;

test.before(async (ctx) => {
  ctx.t = ts = await tempStore();
  await addRoute(ts.store, 'qa', '/job');
  await addRoute(ts.store, 'qa', '/other');
  cache = await loadedCache(ts.store);
  enq = new Enqueuer(ts.store.client, 3, () => {});
});
test.after((ctx) => ctx.t?.dispose());

const db = () => ts.store.db;
async function enqueueN(n: number, path = '/job', t0 = Date.now() - n): Promise<string[]> {
  const calls = Array.from({ length: n }, (_, i) => gatewayCall(cache, 'qa', path, `body ${i}`, t0 + i));
  await Promise.all(calls.map((c, i) => enq.enqueue(c, t0 + i)));
  return calls.map((c) => c.id);
}
const claim = (owner: string, n: number, now = Date.now(), leaseMs = 30_000) => q.claimDue(db(), { owner, nodeId: 'n1', n, now, leaseUntil: now + leaseMs });

test('enqueue commits queued rows with payload, headers and max_attempts (group commit in one turn)', async () => {
  const [id] = await enqueueN(1);
  const row = await calls.getCallRow(db(), id!);
  assert.ok(row);
  assert.is(row.status, 'queued');
  assert.is(row.type, 'async');
  assert.is(row.payload?.toString(), 'body 0');
  assert.equal(row.headers?.['x-test'], ['yes']);
  assert.is(row.maxAttempts, 3);
  assert.is(row.attempts, 0);
  assert.is(await q.queueDepth(db()), 1);
  const ids = await enqueueN(50);
  assert.is(new Set(ids).size, 50);
  assert.is(await q.queueDepth(db()), 51);
});

test('claim is FIFO, marks running with a lease and counts the attempt', async () => {
  const before = await q.queueDepth(db());
  const rows = await claim('w1', 5);
  assert.is(rows.length, 5);
  const sorted = [...rows].sort((a, b) => a.notBefore! - b.notBefore!);
  assert.equal(
    rows.map((r) => r.id),
    sorted.map((r) => r.id),
  );
  for (const r of rows) {
    assert.is(r.status, 'running');
    assert.is(r.leaseOwner, 'w1');
    assert.is(r.attempts, 1);
    assert.ok(r.startedAt);
    assert.is(r.nodeId, 'n1');
  }
  assert.is(await q.queueDepth(db()), before - 5);
});

test('concurrent claimers never get the same row, and together get all of them', async () => {
  const depth = await q.queueDepth(db());
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => claim(`c${i}`, 10)));
  const ids = results.flat().map((r) => r.id);
  assert.is(ids.length, depth, 'all claimed');
  assert.is(new Set(ids).size, ids.length, 'no row claimed twice');
  assert.is((await claim('late', 10)).length, 0);
});

test('a call backing off (not_before in the future) is not claimed before it is due', async () => {
  const [id] = await enqueueN(1);
  const [row] = await claim('w2', 1);
  assert.is(row!.id, id);
  const due = Date.now() + 60_000;
  assert.ok(await q.retryLater(db(), id!, 'w2', due, 'podman down'));
  assert.is((await claim('w3', 1)).length, 0);
  const later = await claim('w3', 1, due + 1);
  assert.is(later[0]?.id, id);
  assert.is(later[0]?.attempts, 2);
});

test('finish and retry are fenced on the lease owner', async () => {
  const [id] = await enqueueN(1);
  await claim('owner-a', 1);
  const outcome = { status: 'success' as const, reason: null, error: null, statusCode: 200, completedAt: Date.now(), log: Buffer.from('log line\n') };
  assert.not.ok(await q.finish(db(), id!, 'someone-else', outcome));
  assert.not.ok(await q.retryLater(db(), id!, 'someone-else', Date.now(), 'x'));
  assert.is(await calls.getLog(db(), 'qa', id!), undefined, 'no log written by a foreign owner');
  assert.ok(await q.finish(db(), id!, 'owner-a', outcome));
  const row = await calls.getCall(db(), 'qa', id!);
  assert.is(row?.status, 'success');
  assert.is(row?.leaseOwner, null);
  assert.is((await calls.getLog(db(), 'qa', id!))?.toString(), 'log line\n');
  assert.not.ok(await q.finish(db(), id!, 'owner-a', outcome), 'a second finish is refused');
});

test("heartbeat extends only the owner's leases", async () => {
  const [a, b] = await enqueueN(2);
  const now = Date.now();
  await q.claimDue(db(), { owner: 'hb1', nodeId: 'n', n: 1, now, leaseUntil: now + 1000 });
  await q.claimDue(db(), { owner: 'hb2', nodeId: 'n', n: 1, now, leaseUntil: now + 1000 });
  assert.is(await q.extendLeases(db(), 'hb1', [a!, b!], now + 99_000), 1);
  assert.is(await q.extendLeases(db(), 'hb1', [b!], now + 99_000), 0, 'not the owner of b');
  const ra = await calls.getCallRow(db(), a!);
  const rb = await calls.getCallRow(db(), b!);
  assert.is(ra?.leaseUntil, now + 99_000);
  assert.is(rb?.leaseUntil, now + 1000);
});

test('expired leases: re-queued while attempts remain, error/killed when exhausted', async () => {
  const [a, b] = await enqueueN(2);
  const now = Date.now();
  await q.claimDue(db(), { owner: 'dead', nodeId: 'n', n: 2, now, leaseUntil: now + 10 });
  // b has used every attempt already
  await ts.store.client.execute({ sql: 'UPDATE calls SET attempts = max_attempts WHERE id = ?', args: [b!] });
  // the other claims made earlier in this suite still hold 30 s leases: only these two expire
  const res = await q.recoverExpired(db(), now + 20);
  assert.equal(res, { requeued: 1, failed: 1 });
  const ra = await calls.getCall(db(), 'qa', a!);
  assert.is(ra?.status, 'queued');
  assert.is(ra?.leaseOwner, null);
  assert.match(ra?.error ?? '', /lease expired/);
  const rb = await calls.getCall(db(), 'qa', b!);
  assert.is(rb?.status, 'error');
  assert.is(rb?.reason, 'killed');
  assert.match(rb?.error ?? '', /lost \(attempt 3 of 3\)/);
  assert.not.ok(
    await q.finish(db(), a!, 'dead', { status: 'success', reason: null, error: null, statusCode: 200, completedAt: now }),
    'the dead owner cannot finish it any more',
  );
});

test('release (shutdown) puts running calls back without counting the attempt', async () => {
  const [id] = await enqueueN(1);
  // everything else queued was claimed by earlier tests or is due later
  const rows = await claim('stopping', 100);
  const mine = rows.find((r) => r.id === id)!;
  assert.is(mine.attempts, 1);
  assert.is(
    await q.release(
      db(),
      rows.map((r) => r.id),
      'stopping',
      Date.now(),
    ),
    rows.length,
  );
  const row = await calls.getCall(db(), 'qa', id!);
  assert.is(row?.status, 'queued');
  assert.is(row?.attempts, 0);
  assert.is(row?.startedAt, null);
});

test('cancel: only queued calls; records cancelled/client_request', async () => {
  const [id] = await enqueueN(1);
  const c = await calls.cancelQueued(db(), 'qa', id!, Date.now());
  assert.is(c?.status, 'cancelled');
  assert.is(c?.reason, 'client_request');
  assert.ok(c?.completedAt);
  assert.is(await calls.cancelQueued(db(), 'qa', id!, Date.now()), undefined, 'already cancelled');
  assert.is(await calls.cancelQueued(db(), 'other-app', id!, Date.now()), undefined, 'wrong app');
  assert.not.ok(
    (await claim('x', 1000)).some((r) => r.id === id),
    'a cancelled call is never claimed',
  );
});

test('list: newest first, keyset pages without gaps or repeats, filters', async () => {
  const t0 = Date.UTC(2030, 0, 1);
  const a = await enqueueN(25, '/other', t0);
  let seen: string[] = [];
  let after: { createdAt: number; id: string } | undefined;
  for (;;) {
    const page = await calls.listCalls(db(), { appName: 'qa', path: '/other', limit: 10, after });
    seen = seen.concat(page.map((r) => r.id));
    if (page.length < 10) break;
    const last = page[page.length - 1]!;
    after = { createdAt: last.createdAt, id: last.id };
  }
  assert.equal(seen, [...a].reverse());
  const ranged = await calls.listCalls(db(), { appName: 'qa', path: '/other', fromMs: t0 + 5, toMs: t0 + 9, limit: 100 });
  assert.equal(
    ranged.map((r) => r.createdAt),
    [t0 + 9, t0 + 8, t0 + 7, t0 + 6, t0 + 5],
  );
  const cancelled = await calls.listCalls(db(), { appName: 'qa', status: 'cancelled', limit: 100 });
  assert.ok(cancelled.length >= 1 && cancelled.every((r) => r.status === 'cancelled'));
  assert.equal(await calls.listCalls(db(), { appName: 'nope', limit: 10 }), []);
});

test('purge: finished calls and logs older than the cutoff go, queued and running stay', async () => {
  const old = Date.now() - 10 * 86_400_000;
  const ids = await enqueueN(3, '/job', old);
  const rows = await claim('p', 1000);
  const running = rows.find((r) => r.id === ids[1]);
  assert.ok(running);
  assert.ok(
    await q.finish(db(), ids[0]!, 'p', { status: 'success', reason: null, error: null, statusCode: 200, completedAt: old, log: Buffer.from('old log') }),
  );
  await q.release(
    db(),
    rows.filter((r) => r.id !== ids[0] && r.id !== ids[1]).map((r) => r.id),
    'p',
    Date.now(),
  );
  const deleted = await calls.purgeBefore(db(), Date.now() - 86_400_000, 1000);
  assert.ok(deleted >= 1);
  assert.is(await calls.getCall(db(), 'qa', ids[0]!), undefined);
  assert.is(await calls.getLog(db(), 'qa', ids[0]!), undefined);
  assert.is((await calls.getCall(db(), 'qa', ids[1]!))?.status, 'running');
  assert.is((await calls.getCall(db(), 'qa', ids[2]!))?.status, 'queued');
});

test.run();
