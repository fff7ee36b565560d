// The sync call recorder on an embedded file database writes through a worker thread with its own
// connection (src/store/record-writer.ts), so the inserts never block the event loop: records reach
// the file, close() flushes everything and ends the thread, a refused write keeps its rows for the
// next try, and a thread that cannot start or dies falls back to the main connection (logged once)
// without losing what it had been given. Server databases and replicas keep the in-thread writer.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempStore, type TempStore } from '../helpers/temp-store.ts';
import { SyncRecorder } from '../../src/queue/recorder.ts';
import { inThreadRecordWriter, recordWriterFor, ThreadRecordWriter } from '../../src/store/record-writer.ts';
import type { Store } from '../../src/store/db.ts';
import * as calls from '../../src/store/calls.ts';
import type { RouteCache } from '../../src/gateway/route-cache.ts';
import { addRoute, gatewayCall, loadedCache, memoryLog, okResult, waitFor } from './helpers.ts';

const test = suite<{ t?: TempStore }>('queue: call record writer thread');
let ts: TempStore;
let cache: RouteCache;

test.before(async (ctx) => {
  ctx.t = ts = await tempStore();
  await addRoute(ts.store, 'wt', '/sync', { type: 'sync' });
  cache = await loadedCache(ts.store);
});
test.after((ctx) => ctx.t?.dispose());

const opts = { flushMs: 50, batch: 200, bufferMax: 100_000, logMaxBytes: 64, nodeId: 'thread' };
const count = async () => (await ts.store.client.execute("SELECT count(*) AS n FROM calls WHERE node_id = 'thread'")).rows[0]!.n as number;
const stopped = (lines: string[]) => lines.filter((l) => l.includes('record writer thread stopped'));

test('an embedded file gets the thread; :memory:, a server database and a replica write in-thread', () => {
  const log = memoryLog();
  assert.is(recordWriterFor(ts.store, log).mode, 'thread');
  const as = (s: Partial<Store>) => recordWriterFor({ ...ts.store, ...s }, log).mode;
  assert.is(as({ url: 'file::memory:' }), 'main');
  assert.is(as({ url: 'file:x.db?mode=memory&cache=shared' }), 'main');
  assert.is(as({ url: 'http://127.0.0.1:8080', embedded: false }), 'main');
  assert.is(as({ url: 'libsql://db.example', embedded: false, replica: true }), 'main');
});

test('records and logs reach the file through the thread; close() writes the rest and ends the thread', async () => {
  const log = memoryLog();
  const writer = recordWriterFor(ts.store, log);
  const rec = new SyncRecorder(writer, opts, log);
  const before = await count();
  const first = Array.from({ length: 1000 }, () => gatewayCall(cache, 'wt', '/sync'));
  for (const [i, call] of first.entries()) rec.record(call, okResult('x', i % 10 === 0 ? `log ${i}\n` : ''), Date.now());
  await waitFor('the first records written', async () => (await count()) === before + 1000, 30_000);
  assert.is(writer.mode, 'thread', 'written by the thread, not the fallback');
  // a log that is a view into a larger buffer is stored as its own bytes
  const big = Buffer.from('0123456789'.repeat(100));
  const viewed = gatewayCall(cache, 'wt', '/sync');
  rec.record(viewed, { ...okResult('x'), log: big.subarray(10, 30) }, Date.now());
  // then a burst closed at once: close() must not resolve before every record is in the file
  const burst = Array.from({ length: 3000 }, () => gatewayCall(cache, 'wt', '/sync'));
  for (const call of burst) rec.record(call, okResult(), Date.now());
  await rec.close();
  assert.is(await count(), before + 4001, 'close() flushed everything');
  assert.equal(rec.stats(), { buffered: 0, written: 4001, dropped: 0, failedFlushes: 0 });
  assert.is((await calls.getLog(ts.store.db, 'wt', first[10]!.id))?.toString(), 'log 10\n');
  assert.is(await calls.getLog(ts.store.db, 'wt', first[11]!.id), undefined);
  assert.is((await calls.getLog(ts.store.db, 'wt', viewed.id))?.toString(), '01234567890123456789');
  const c = await calls.getCall(ts.store.db, 'wt', burst[2999]!.id);
  assert.is(c?.type, 'sync');
  assert.is(c?.attempts, 1);
  assert.is(c?.maxAttempts, 1);
  assert.is(c?.status, 'success');
  assert.is(writer.mode, 'main', 'the thread ended with close()');
  assert.equal(stopped(log.lines), [], 'no fallback');
});

test('a write the database refuses keeps its rows in the recorder and is retried through the thread', async () => {
  const log = memoryLog();
  const writer = recordWriterFor(ts.store, log);
  const rec = new SyncRecorder(writer, opts, log);
  const before = await count();
  await ts.store.client.execute('ALTER TABLE calls RENAME TO calls_away');
  try {
    for (let i = 0; i < 50; i++) rec.record(gatewayCall(cache, 'wt', '/sync'), okResult(), Date.now());
    await rec.flush();
    assert.is(rec.stats().buffered, 50);
    assert.ok(rec.stats().failedFlushes >= 1);
    assert.ok(
      log.lines.some((l) => l.startsWith('error could not write call records') && l.includes('calls')),
      log.lines.join('\n'),
    );
    assert.is(writer.mode, 'thread', 'a refused write is not a dead thread');
  } finally {
    await ts.store.client.execute('ALTER TABLE calls_away RENAME TO calls');
  }
  await waitFor('retried by the timer', async () => (await count()) === before + 50, 30_000);
  await rec.close();
  assert.equal(stopped(log.lines), []);
});

test('a thread idle for idleMs ends; the next write starts another', async () => {
  const log = memoryLog();
  const writer = new ThreadRecordWriter(ts.store.url, inThreadRecordWriter(ts.store.client), log, undefined, 200);
  const rec = new SyncRecorder(writer, opts, log);
  const before = await count();
  for (let i = 0; i < 20; i++) rec.record(gatewayCall(cache, 'wt', '/sync'), okResult(), Date.now());
  await waitFor('the first records written', async () => (await count()) === before + 20, 30_000);
  assert.is(writer.started, 1);
  await new Promise((r) => setTimeout(r, 600)); // > idleMs: that thread ends
  for (let i = 0; i < 20; i++) rec.record(gatewayCall(cache, 'wt', '/sync'), okResult(), Date.now());
  await waitFor('the next records written', async () => (await count()) === before + 40, 30_000);
  assert.is(writer.started, 2, 'a second thread for the writes after the idle end');
  assert.is(writer.mode, 'thread');
  await rec.close();
  assert.equal(stopped(log.lines), [], 'an idle end is not a failure');
});

for (const ext of ['js', 'ts']) {
  test(`a thread that cannot start (missing .${ext} entry): written on the main connection, logged once`, async () => {
    const log = memoryLog();
    const writer = new ThreadRecordWriter(ts.store.url, inThreadRecordWriter(ts.store.client), log, new URL(`file:///nonexistent/record-worker.${ext}`));
    const rec = new SyncRecorder(writer, opts, log);
    const before = await count();
    for (let i = 0; i < 300; i++) rec.record(gatewayCall(cache, 'wt', '/sync'), okResult(), Date.now());
    await waitFor('written anyway', async () => (await count()) === before + 300, 30_000);
    for (let i = 0; i < 10; i++) rec.record(gatewayCall(cache, 'wt', '/sync'), okResult(), Date.now());
    await rec.close();
    assert.is(await count(), before + 310);
    assert.is(writer.mode, 'main');
    assert.is(stopped(log.lines).length, 1, log.lines.join('\n'));
    assert.equal(rec.stats(), { buffered: 0, written: 310, dropped: 0, failedFlushes: 0 });
  });
}

test('a thread that dies with a write pending: that write goes to the main connection, nothing lost', async () => {
  const log = memoryLog();
  const entry = new URL('../fixtures/record-worker-exit.ts', import.meta.url);
  const writer = new ThreadRecordWriter(ts.store.url, inThreadRecordWriter(ts.store.client), log, entry);
  const rec = new SyncRecorder(writer, opts, log);
  const before = await count();
  for (let i = 0; i < 500; i++) rec.record(gatewayCall(cache, 'wt', '/sync'), okResult(), Date.now());
  await rec.close();
  assert.is(await count(), before + 500);
  assert.is(stopped(log.lines).length, 1, log.lines.join('\n'));
  assert.match(stopped(log.lines)[0]!, 'exited (code 3)');
  assert.is(rec.stats().failedFlushes, 0);
});

test.run();
