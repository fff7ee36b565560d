// The settings of a connection to an embedded database file, shared by the main connection (db.ts)
// and the call record writer's thread (record-worker.ts), so both wait on each other's locks the same
// way. Imports only @libsql/client: the writer thread loads this without Drizzle.
import path from 'node:path';
// the file driver only: the thread's bundle leaves out the network clients (hrana, ws)
import { createClient } from '@libsql/client/sqlite3';
import type { Client } from '@libsql/client';

/** How long a statement waits for another connection's write lock (SQLite busy timeout), ms. */
export const EMBEDDED_BUSY_TIMEOUT_MS = 5000;

/**
 * One connection to the embedded file: the client's calls are synchronous underneath, so a second
 * connection of the same client waiting on a lock held by the first would block its thread until the
 * busy timeout. The busy timeout covers other connections to the file: other processes, and the call
 * record writer's thread.
 */
export function openEmbeddedClient(url: string, authToken?: string): Client {
  return createClient({ url, authToken: authToken || undefined, concurrency: 1, timeout: EMBEDDED_BUSY_TIMEOUT_MS });
}

/** Per-connection tuning of the embedded file (WAL is the file's own setting; the others are per connection). */
export const EMBEDDED_PRAGMAS = ['PRAGMA journal_mode = WAL', 'PRAGMA synchronous = NORMAL', 'PRAGMA foreign_keys = ON'] as const;

export async function tuneEmbedded(client: Client): Promise<void> {
  for (const pragma of EMBEDDED_PRAGMAS) await client.execute(pragma);
}

/** The file of a `file:` URL (file:./x.db, file:/x.db, file:///x.db), else undefined (a server, :memory:). */
export function embeddedFile(url: string | undefined): string | undefined {
  if (!url?.startsWith('file:')) return undefined;
  const file = url.slice('file:'.length).split('?')[0] ?? '';
  return file && file !== ':memory:' ? path.resolve(file) : undefined;
}
