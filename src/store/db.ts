// Store: every database access of podfn lives in src/store (no SQL elsewhere). This module opens the
// libSQL client (embedded file by default, or a libSQL server URL), keeps an embedded database's files
// private, tunes the embedded file (WAL, busy timeout) and applies pending migrations from
// db/migrations at start-up.
// May import: drizzle-orm, @libsql/client, db/schema, models (types and errors), log (types), node
// built-ins.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import * as schema from '../../db/schema.ts';
import { embeddedFile, openEmbeddedClient, tuneEmbedded } from './embedded.ts';
import type { Logger } from '../log.ts';

export type Db = LibSQLDatabase<typeof schema>;
/** A transaction handle; store functions that only query accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Queryable = Db | Tx;

export interface Store {
  db: Db;
  client: Client;
  /** PODFN_DB_URL as opened (a file: URL, or the server of an embedded replica) */
  url: string;
  /** true for an embedded file database (file:, never a replica) */
  embedded: boolean;
  /** true for an embedded replica of a server (a local file, writes sent to the server) */
  replica: boolean;
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

/** Where openStore reports files it had to make private. */
type StoreLog = Pick<Logger, 'warn'>;

// The database holds route jwt_keys, config secrets and call logs: owner-only, whatever the umask.
const PRIVATE_FOLDER = 0o700;
const PRIVATE_FILE = 0o600;
const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** podfn's own files beside the database `base`: the database, its -wal/-shm/-journal, a replica's side files. */
const isDbFile = (name: string, base: string) => name === base || name.startsWith(`${base}-`);

/**
 * Makes the folder of an embedded database 0700. A folder made here is set so outright (mkdir's mode
 * passes through the umask). An existing one is changed only when it is podfn's own, i.e. holds
 * nothing but the database's files, the admin token and the secrets key (a data folder left by an older podfn, or
 * made empty for it) and is not the working folder: a database put straight into a shared folder
 * (the cwd, /tmp) leaves that folder as it is, and only the files themselves are made private.
 */
export function makeDbFolderPrivate(file: string, log?: StoreLog): void {
  const dir = path.dirname(file);
  const created = fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_FOLDER });
  if (created !== undefined) {
    for (let d = dir; ; d = path.dirname(d)) {
      fs.chmodSync(d, PRIVATE_FOLDER);
      if (d === created || d === path.dirname(d)) break;
    }
    return;
  }
  const st = fs.statSync(dir);
  if ((st.mode & 0o077) === 0 || dir === process.cwd()) return;
  const base = path.basename(file);
  const own = fs
    .readdirSync(dir)
    .every((n) => isDbFile(n, base) || n === 'admin-token' || n === 'secrets-key' || /^\.(admin-token|secrets-key)\..*\.tmp$/.test(n));
  if (!own) return;
  try {
    fs.chmodSync(dir, PRIVATE_FOLDER);
    log?.warn({ folder: dir, was: octal(st.mode) }, 'the data folder was open to group or others: made it 0700');
  } catch (e) {
    log?.warn(
      { folder: dir, mode: octal(st.mode), err: (e as Error).message },
      'the data folder is open to group or others and cannot be made private: chmod 700 it',
    );
  }
}

/**
 * Makes the database's files that exist 0600: the database, -wal, -shm, -journal and an embedded
 * replica's side files. Links are not followed (nor changed).
 */
export function makeDbFilesPrivate(file: string, log?: StoreLog): void {
  const dir = path.dirname(file);
  const base = path.basename(file);
  for (const name of fs.readdirSync(dir)) {
    if (!isDbFile(name, base)) continue;
    const p = path.join(dir, name);
    const st = fs.lstatSync(p);
    if (!st.isFile() || (st.mode & 0o077) === 0) continue;
    try {
      fs.chmodSync(p, PRIVATE_FILE);
      log?.warn({ file: p, was: octal(st.mode) }, 'a database file was readable by group or others: made it 0600');
    } catch (e) {
      log?.warn(
        { file: p, mode: octal(st.mode), err: (e as Error).message },
        'a database file is readable by group or others and cannot be made private: chmod 600 it',
      );
    }
  }
}

let privateUmaskHolders = 0;
let savedUmask = 0;

/**
 * Runs `fn` with umask 077, so whatever libSQL creates meanwhile (the database, -wal, -shm, a
 * replica's side files) is owner-only. SQLite gives a -wal or -shm made later the database file's
 * own mode. Nested and concurrent opens share one change, restored when the last one ends.
 */
async function withPrivateUmask<T>(fn: () => Promise<T>): Promise<T> {
  if (privateUmaskHolders++ === 0) savedUmask = process.umask(0o077);
  try {
    return await fn();
  } finally {
    if (--privateUmaskHolders === 0) process.umask(savedUmask);
  }
}

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
export async function openStore(url: string, authToken?: string, replica?: ReplicaOptions, log?: StoreLog): Promise<Store> {
  const embedded = url.startsWith('file:');
  if (replica && embedded) throw new Error('an embedded replica needs a remote PODFN_DB_URL (http(s)://, libsql://, ws(s)://)');
  const files = [embeddedFile(url), embeddedFile(replica?.url)].filter((f): f is string => f !== undefined);
  // private before anything is written: loose files from an older podfn or a copy are tightened first
  for (const file of files) {
    makeDbFolderPrivate(file, log);
    makeDbFilesPrivate(file, log);
  }
  const store = await withPrivateUmask(() => open(url, embedded, authToken, replica));
  for (const file of files) makeDbFilesPrivate(file, log); // nothing to do unless the umask was ignored
  return store;
}

async function open(url: string, embedded: boolean, authToken?: string, replica?: ReplicaOptions): Promise<Store> {
  const client = replica
    ? createClient({ url: replica.url, syncUrl: url, authToken: authToken || undefined, syncInterval: replica.syncMs / 1000, readYourWrites: true })
    : embedded
      ? openEmbeddedClient(url, authToken) // one connection, busy timeout (embedded.ts)
      : createClient({ url, authToken: authToken || undefined });
  if (replica) await client.sync();
  if (embedded) await tuneEmbedded(client);
  const db = drizzle(client, { schema });
  await migrateOnce(db);
  return { db, client, url, embedded, replica: replica !== undefined, close: () => client.close() };
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
      const cause = (e as { cause?: unknown }).cause;
      const text = `${(e as Error).message} ${cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : ''}`;
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
