// Store: every database access of podfn lives in src/store (no SQL elsewhere). This module opens the
// libSQL client (embedded file by default, or a libSQL server URL), tunes the embedded file (WAL,
// busy timeout) and applies pending migrations from db/migrations at start-up.
// May import: drizzle-orm, @libsql/client, db/schema, node built-ins.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import * as schema from '../../db/schema.ts';

export type Db = LibSQLDatabase<typeof schema>;
/** A transaction handle; store functions that only query accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Queryable = Db | Tx;

export interface Store {
  db: Db;
  client: Client;
  /** true for an embedded file database */
  embedded: boolean;
  close(): void;
}

/** db/migrations of this checkout, found upward from this module: src/store/ when run from source,
 * dist/ when run as the built bundle (`npm run build`). */
function findMigrationsFolder(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'db', 'migrations');
    if (fs.existsSync(path.join(candidate, 'meta', '_journal.json'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`db/migrations not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
const migrationsFolder = findMigrationsFolder();

export interface ReplicaOptions {
  /** file:<path> of the local copy */
  url: string;
  syncMs: number;
}

/**
 * Opens the database. With `replica` (and a remote url) it is an embedded replica: a local file that
 * pulls from the server every syncMs, reads served locally, writes sent to the server (and read back
 * by this node at once: read-your-writes).
 */
export async function openStore(url: string, authToken?: string, replica?: ReplicaOptions): Promise<Store> {
  const embedded = url.startsWith('file:');
  if (replica && embedded) throw new Error('an embedded replica needs a remote PODFN_DB_URL (http(s)://, libsql://, ws(s)://)');
  for (const u of [url, replica?.url]) {
    if (!u?.startsWith('file:')) continue;
    const file = u.slice('file:'.length).split('?')[0] ?? '';
    if (file && file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  const client = replica
    ? createClient({ url: replica.url, syncUrl: url, authToken: authToken || undefined, syncInterval: replica.syncMs / 1000, readYourWrites: true })
    : createClient({
        url,
        authToken: authToken || undefined,
        // One connection for the embedded file: the client's calls are synchronous underneath, so a second
        // connection waiting on a lock held by the first would block the event loop until the busy timeout.
        // busy timeout (ms) still covers other processes on the same file.
        ...(embedded ? { concurrency: 1, timeout: 5000 } : {}),
      });
  if (replica) await client.sync();
  if (embedded) {
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA synchronous = NORMAL');
    await client.execute('PRAGMA foreign_keys = ON');
  }
  const db = drizzle(client, { schema });
  await migrateOnce(db);
  return { db, client, embedded, close: () => client.close() };
}

/**
 * Applies pending migrations. Several nodes starting together on an empty database race: the loser
 * fails with "already exists" while the winner's migration commits, so it retries and then finds
 * the migrations applied.
 */
async function migrateOnce(db: Db): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await migrate(db, { migrationsFolder });
      return;
    } catch (e) {
      const text = `${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? '')}`;
      if (attempt >= 10 || !/already exists|SQLITE_BUSY|database is locked/i.test(text)) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}

/** Cheap readiness probe. */
export async function pingStore(store: Store): Promise<boolean> {
  try {
    await store.client.execute('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
