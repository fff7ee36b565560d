// Retention on a real libSQL file: finished records and their logs older than the age are purged in
// bounded batches (more than one batch here), recent records and old-but-unfinished calls stay.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempStore } from '../helpers/temp-store.ts';
import { Retention } from '../../src/queue/retention.ts';
import { insertRecords, type NewCallRow } from '../../src/store/calls.ts';
import { memoryLog } from './helpers.ts';

const DAY = 86_400_000;

function row(i: number, createdAt: number, status: NewCallRow['status']): NewCallRow {
  return {
    id: `r-${createdAt}-${i}`,
    appName: 'ret',
    path: '/p',
    image: 'img',
    type: 'sync',
    format: 'default',
    status,
    method: 'GET',
    url: 'http://x/r/ret/p',
    createdAt,
    completedAt: createdAt,
  };
}

test('purges old finished calls and logs in batches; keeps recent ones and anything unfinished', async () => {
  const t = await tempStore();
  try {
    const now = Date.now();
    const old = Array.from({ length: 2500 }, (_, i) => row(i, now - 8 * DAY - i, i % 2 ? 'success' : 'error'));
    const recent = Array.from({ length: 10 }, (_, i) => row(i, now - DAY, 'success'));
    const unfinished = [row(0, now - 30 * DAY, 'queued'), row(1, now - 30 * DAY, 'running')];
    await insertRecords(
      t.store.client,
      [...old, ...recent, ...unfinished],
      old.map((r) => ({ callId: r.id, log: Buffer.from('x'), createdAt: r.createdAt })),
    );
    const log = memoryLog();
    const ret = new Retention(t.store.db, 7 * DAY, 60_000, log);
    assert.is(await ret.purge(now), 2500);
    const count = async (sql: string) => Number((await t.store.client.execute(sql)).rows[0]!.n);
    assert.is(await count('SELECT count(*) AS n FROM calls'), 12);
    assert.is(await count("SELECT count(*) AS n FROM calls WHERE status IN ('queued', 'running')"), 2);
    assert.is(await count('SELECT count(*) AS n FROM call_logs'), 0);
    assert.ok(log.lines.some((l) => l.includes('purged old call records') && l.includes('"deleted":2500')));
    assert.is(await ret.purge(now), 0);
    await ret.stop();
  } finally {
    t.dispose();
  }
});

test('age 0 keeps everything (start() schedules nothing)', async () => {
  const t = await tempStore();
  try {
    await insertRecords(t.store.client, [row(0, Date.now() - 400 * DAY, 'success')], []);
    const ret = new Retention(t.store.db, 0, 10, memoryLog());
    ret.start();
    await new Promise((r) => setTimeout(r, 100));
    await ret.stop();
    assert.is(Number((await t.store.client.execute('SELECT count(*) AS n FROM calls')).rows[0]!.n), 1);
  } finally {
    t.dispose();
  }
});

test.run();
