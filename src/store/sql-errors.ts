// Recognising SQLite/libSQL errors by their codes, so callers map them to API statuses; and the
// database's write health as the last failed write saw it, for /readyz.
import type { Client } from '@libsql/client';

export function isUniqueViolation(e: unknown): boolean {
  const msg = errorText(e);
  return /SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)|UNIQUE constraint failed/i.test(msg);
}

export function isForeignKeyViolation(e: unknown): boolean {
  return /FOREIGN KEY constraint failed|SQLITE_CONSTRAINT_FOREIGNKEY/i.test(errorText(e));
}

/**
 * The database cannot take this write right now (503 with Retry-After, never 500): read-only file or
 * file system (SQLITE_READONLY*, also a database file moved away under us), disk or quota full
 * (SQLITE_FULL), I/O errors (SQLITE_IOERR*: EPERM/EROFS/EIO on write or fsync), a file that cannot be
 * opened (SQLITE_CANTOPEN), locked for too long (SQLITE_BUSY/LOCKED), a libSQL server that is gone.
 */
export function isUnavailable(e: unknown): boolean {
  return (
    /SQLITE_(READONLY|FULL|BUSY|LOCKED|CANTOPEN|IOERR)|readonly database|disk is full|database or disk is full|disk I\/O error|unable to open database|database is locked|ECONNREFUSED|fetch failed/i.test(
      errorText(e),
    ) || cannotOpen(e)
  );
}

/**
 * libsql opens a fresh connection after each transaction; when that open fails (file system gone,
 * out of file descriptors) it throws `ConnectionFailed("Unable to open connection to local database
 * <path>: 14")` with no SQLITE_* code (14 is SQLITE_CANTOPEN).
 */
function cannotOpen(e: unknown): boolean {
  return /Unable to open connection to local database/i.test(errorText(e));
}

/** The first SQLITE_* code in the error chain (e.g. SQLITE_FULL), for logs and /readyz. */
export function sqliteCode(e: unknown): string | undefined {
  return /SQLITE_[A-Z_]+/.exec(errorText(e))?.[0] ?? (cannotOpen(e) ? 'SQLITE_CANTOPEN' : undefined);
}

/** Why the database is unavailable, in words for the client's error message. */
export function unavailableReason(e: unknown): string {
  const code = sqliteCode(e) ?? '';
  if (code.startsWith('SQLITE_FULL')) return 'disk full';
  if (code.startsWith('SQLITE_READONLY')) return 'read-only';
  if (code.startsWith('SQLITE_IOERR')) return 'I/O error';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'cannot open the database file';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  return 'unreachable';
}

/** An error's messages and codes along its cause chain (drizzle wraps the driver's error), for matching and logs. */
export function errorText(e: unknown): string {
  if (!e || typeof e !== 'object') return String(e);
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const o = cur as { message?: unknown; code?: unknown; rawCode?: unknown; cause?: unknown };
    for (const v of [o.message, o.code, o.rawCode]) parts.push(typeof v === 'string' || typeof v === 'number' ? String(v) : '');
    cur = o.cause;
  }
  return parts.join(' ');
}

// ---- write health (one database per process) ----

export interface WriteFailure {
  /** SQLITE_* code, or the message when there is none */
  error: string;
  /** epoch ms of the first failure since writes last worked */
  since: number;
}

let lastFailure: WriteFailure | undefined;

/** Called where a write failed with an "unavailable" error (the 503 paths). */
export function noteUnavailable(e: unknown): void {
  if (!isUnavailable(e)) return;
  const error = sqliteCode(e) ?? (e instanceof Error ? e.message : String(e)).slice(0, 200);
  lastFailure = { error, since: lastFailure?.since ?? Date.now() };
}

/**
 * Whether the database takes writes, for /readyz. Free while no write has failed; after a failure, each
 * call probes with one harmless write (the schema-version header is rewritten with its own value) until
 * one succeeds, so the report clears by itself once the fault is gone.
 */
export async function writeHealth(client: Client): Promise<{ writable: true } | ({ writable: false } & WriteFailure)> {
  const failure = lastFailure;
  if (!failure) return { writable: true };
  try {
    const rs = await client.execute('PRAGMA user_version');
    const v = Number(rs.rows[0]?.[0] ?? 0);
    await client.execute(`PRAGMA user_version = ${Number.isSafeInteger(v) ? v : 0}`);
    if (lastFailure === failure) lastFailure = undefined;
    return { writable: true };
  } catch (e) {
    if (!isUnavailable(e)) {
      // the probe itself is refused (a server that does not allow the pragma): cannot tell, so stop
      // reporting; the next failed write reports again
      if (lastFailure === failure) lastFailure = undefined;
      return { writable: true };
    }
    noteUnavailable(e);
    return { writable: false, ...(lastFailure ?? failure) };
  }
}
