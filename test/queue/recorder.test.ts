// Sync call records: record() does no database work (it returns before anything is written), batches
// are written by the timer, outcomes map to the seed's statuses and reasons, logs are stored capped,
// a database failure keeps records (up to the cap, oldest dropped and counted) until it recovers,
// and close() flushes what is left. Every test runs twice: with the writer thread of an embedded
// file (what the gateway uses on file:) and with the in-thread writer (a server database, a replica).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempStore, type TempStore } from '../helpers/temp-store.ts';
import { SyncRecorder } from '../../src/queue/recorder.ts';
import { inThreadRecordWriter, recordWriterFor, type RecordWriter } from '../../src/store/record-writer.ts';
import * as calls from '../../src/store/calls.ts';
import type { RouteCache } from '../../src/gateway/route-cache.ts';
import { addRoute, faultResult, gatewayCall, loadedCache, memoryLog, okResult, quietLog, waitFor } from './helpers.ts';

for (const mode of ['thread', 'main'] as const) {
  const test = suite<{ t?: TempStore }>(`queue: sync recorder (${mode} writer)`);
  let ts: TempStore;
  let cache: RouteCache;
  const writer = (log = quietLog): RecordWriter => {
    const w = mode === 'thread' ? recordWriterFor(ts.store, log) : inThreadRecordWriter(ts.store.client);
    assert.is(w.mode, mode);
    return w;
  };

  test.before(async (ctx) => {
    ctx.t = ts = await tempStore();
    await addRoute(ts.store, 'ra', '/sync', { type: 'sync' });
    cache = await loadedCache(ts.store);
  });
  test.after((ctx) => ctx.t?.dispose());

  const opts = { flushMs: 50, batch: 500, bufferMax: 10_000, logMaxBytes: 64, nodeId: 'rec' };
  const count = async () => (await ts.store.client.execute("SELECT count(*) AS n FROM calls WHERE type = 'sync'")).rows[0]!.n as number;

  test('record() writes nothing itself; the timer writes batches; statuses and reasons as the seed', async () => {
    const rec = new SyncRecorder(writer(), opts, quietLog);
    const before = await count();
    const made = [
      { r: okResult('x', 'some stderr\n'), status: 'success', reason: null },
      { r: faultResult(502, 'function exited with code 2', { reason: 'bad_exit' }), status: 'error', reason: 'bad_exit' },
      { r: faultResult(504, 'Timed out', { reason: 'timeout' }), status: 'timeout', reason: 'timeout' },
      { r: faultResult(502, 'function ran out of memory', { reason: 'oom' }), status: 'error', reason: 'killed' },
      { r: faultResult(499, 'Call aborted', { reason: 'killed' }), status: 'cancelled', reason: 'client_request' },
      { r: faultResult(503, 'container runtime unavailable', { platformError: true }), status: 'error', reason: null },
    ].map((m) => ({ ...m, call: gatewayCall(cache, 'ra', '/sync') }));
    const more = Array.from({ length: 2000 }, () => gatewayCall(cache, 'ra', '/sync'));
    const ok = okResult();
    for (const m of made) rec.record(m.call, m.r, Date.now());
    for (const call of more) rec.record(call, ok, Date.now());
    // checked before anything else can run: every record is only buffered, none written or started
    assert.equal(rec.stats(), { buffered: 2006, written: 0, dropped: 0, failedFlushes: 0 }, 'record() only buffers');
    assert.is(await count(), before, 'nothing written synchronously');
    await waitFor('all records written', async () => (await count()) === before + 2006, 30_000);
    for (const m of made) {
      const c = await calls.getCall(ts.store.db, 'ra', m.call.id);
      assert.is(c?.status, m.status, m.r.error);
      assert.is(c?.reason, m.reason, m.r.error);
      assert.is(c?.type, 'sync');
      assert.is(c?.statusCode, m.r.status);
      assert.is(c?.error, m.status === 'success' ? null : m.r.error);
    }
    assert.is((await calls.getLog(ts.store.db, 'ra', made[0]!.call.id))?.toString(), 'some stderr\n');
    assert.is(await calls.getLog(ts.store.db, 'ra', made[1]!.call.id), undefined, 'no log row for an empty log');
    assert.equal(rec.stats(), { buffered: 0, written: 2006, dropped: 0, failedFlushes: 0 });
    await rec.close();
  });

  test('logs over the cap keep their head and say how much was cut', async () => {
    const rec = new SyncRecorder(writer(), opts, quietLog);
    const call = gatewayCall(cache, 'ra', '/sync');
    rec.record(call, okResult('', 'a'.repeat(64) + 'b'.repeat(36)), Date.now());
    await rec.close();
    const log = (await calls.getLog(ts.store.db, 'ra', call.id))!.toString();
    assert.is(log, 'a'.repeat(64) + '\n[podfn: log truncated, 36 more bytes not stored]\n');
  });

  test('database failure: records wait in memory up to the cap (oldest dropped), then are written', async () => {
    const log = memoryLog();
    const rec = new SyncRecorder(writer(log), { ...opts, bufferMax: 100 }, log);
    await ts.store.client.execute('ALTER TABLE calls RENAME TO calls_away');
    const ids: string[] = [];
    try {
      for (let i = 0; i < 150; i++) {
        const call = gatewayCall(cache, 'ra', '/sync');
        ids.push(call.id);
        rec.record(call, okResult(), Date.now());
      }
      await rec.flush();
      const s = rec.stats();
      assert.is(s.buffered, 100);
      assert.is(s.dropped, 50);
      assert.ok(s.failedFlushes >= 1);
      assert.ok(log.lines.some((l) => l.startsWith('error could not write call records')));
    } finally {
      await ts.store.client.execute('ALTER TABLE calls_away RENAME TO calls');
    }
    await rec.close();
    assert.is(rec.stats().buffered, 0);
    assert.is(await calls.getCall(ts.store.db, 'ra', ids[0]!), undefined, 'the oldest were dropped');
    assert.ok(await calls.getCall(ts.store.db, 'ra', ids[149]!), 'the newest survived the outage');
    assert.ok(await calls.getCall(ts.store.db, 'ra', ids[50]!));
  });

  test.run();
}
