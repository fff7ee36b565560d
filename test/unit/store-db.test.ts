// Unit: src/store/db.ts and src/store/sql-errors.ts on real temp libSQL files: opening creates the
// folder and applies every migration once; re-opening (or opening twice at once) is idempotent and
// keeps the data; WAL and foreign keys stay on (also after a transaction); SQLite errors are classified
// from real failures (unique violation, busy/locked).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { openStore, pingStore } from '../../src/store/db.ts';
import { isUniqueViolation, isUnavailable, isForeignKeyViolation } from '../../src/store/sql-errors.ts';
import * as apps from '../../src/store/apps.ts';
import { ROOT } from '../helpers/server.ts';

const journal = JSON.parse(fs.readFileSync(path.join(ROOT, 'db/migrations/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
const test = suite<{ dir: string }>('store: open, migrations, errors', { dir: '' });

test.before((ctx) => {
  ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-store-'));
});
test.after((ctx) => {
  fs.rmSync(ctx.dir, { recursive: true, force: true });
});

const countMigrations = async (url: string) => {
  const c = createClient({ url });
  try {
    const rs = await c.execute('SELECT count(*) AS n FROM __drizzle_migrations');
    return Number(rs.rows[0]?.n);
  } finally {
    c.close();
  }
};

test('open creates missing folders, applies every migration, WAL and foreign keys on, ping ok', async (ctx) => {
  const url = `file:${path.join(ctx.dir, 'nested/deeper/podfn.db')}`;
  const s = await openStore(url);
  try {
    assert.ok(s.embedded);
    assert.ok(await pingStore(s));
    const journal = (await s.client.execute('PRAGMA journal_mode')).rows[0]?.journal_mode as string | undefined;
    assert.is(String(journal), 'wal');
    assert.is(Number((await s.client.execute('PRAGMA foreign_keys')).rows[0]?.foreign_keys), 1);
    const tables = (await s.client.execute("SELECT name FROM sqlite_master WHERE type = 'table'")).rows.map((r) => String(r.name as string));
    for (const t of ['apps', 'routes', 'calls', 'call_logs']) assert.ok(tables.includes(t), t);
    await apps.insertApp(s.db, { name: 'kept', config: { A: 'a' } });
  } finally {
    s.close();
  }
  assert.is(await countMigrations(url), journal.entries.length);
});

test('re-opening is idempotent: no migration runs twice and the data is kept', async (ctx) => {
  const url = `file:${path.join(ctx.dir, 'nested/deeper/podfn.db')}`;
  for (let i = 0; i < 3; i++) {
    const s = await openStore(url);
    assert.equal(await apps.getApp(s.db, 'kept'), { name: 'kept', config: { A: 'a' } });
    s.close();
  }
  assert.is(await countMigrations(url), journal.entries.length);
});

test('two stores opened at once on a new file both work', async (ctx) => {
  const url = `file:${path.join(ctx.dir, 'twice.db')}`;
  const [a, b] = await Promise.all([openStore(url), openStore(url)]);
  try {
    await apps.insertApp(a.db, { name: 'x', config: {} });
    assert.ok(await apps.getApp(b.db, 'x'));
  } finally {
    a.close();
    b.close();
  }
  assert.is(await countMigrations(url), journal.entries.length);
});

test('foreign keys stay on after a transaction and a rolled-back transaction leaves nothing', async (ctx) => {
  const s = await openStore(`file:${path.join(ctx.dir, 'tx.db')}`);
  try {
    await s.db
      .transaction(async (tx) => {
        await apps.insertApp(tx, { name: 'rolled', config: {} });
        throw new Error('abort');
      })
      .catch(() => {});
    assert.is(await apps.getApp(s.db, 'rolled'), undefined);
    assert.is(Number((await s.client.execute('PRAGMA foreign_keys')).rows[0]?.foreign_keys), 1);
  } finally {
    s.close();
  }
});

test('sql-errors: real unique and foreign-key violations are recognised', async (ctx) => {
  const s = await openStore(`file:${path.join(ctx.dir, 'errors.db')}`);
  try {
    await s.client.execute("INSERT INTO apps (name, created_at, updated_at) VALUES ('u', 0, 0)");
    const dup = await s.client.execute("INSERT INTO apps (name, created_at, updated_at) VALUES ('u', 0, 0)").catch((e: unknown) => e);
    assert.ok(isUniqueViolation(dup));
    assert.not.ok(isUnavailable(dup));
    const fk = await s.client
      .execute(
        "INSERT INTO routes (app_name, path, image, memory, type, format, max_concurrency, timeout, idle_timeout, created_at, updated_at) VALUES ('none', '/', 'i', 1, 'sync', 'default', 0, 1, 1, 0, 0)",
      )
      .catch((e: unknown) => e);
    assert.ok(isForeignKeyViolation(fk));
    assert.not.ok(isUniqueViolation(fk));
    assert.not.ok(isUniqueViolation(new Error('something else')));
  } finally {
    s.close();
  }
});

test('sql-errors: a write blocked by another connection\'s lock is "unavailable" (503), not a 500', async (ctx) => {
  const url = `file:${path.join(ctx.dir, 'busy.db')}`;
  const s = await openStore(url);
  const other = createClient({ url, timeout: 50 });
  try {
    const tx = await s.client.transaction('write');
    await tx.execute("INSERT INTO apps (name, created_at, updated_at) VALUES ('locker', 0, 0)");
    const err = await other.execute("INSERT INTO apps (name, created_at, updated_at) VALUES ('blocked', 0, 0)").catch((e: unknown) => e);
    await tx.rollback();
    assert.ok(err instanceof Error, 'the blocked write failed');
    assert.ok(isUnavailable(err), String(err.message));
  } finally {
    other.close();
    s.close();
  }
});

test.run();
