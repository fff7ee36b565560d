// Recognising SQLite/libSQL errors by their codes, so callers map them to API statuses.
export function isUniqueViolation(e: unknown): boolean {
  const msg = errorText(e);
  return /SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)|UNIQUE constraint failed/i.test(msg);
}

export function isForeignKeyViolation(e: unknown): boolean {
  return /FOREIGN KEY constraint failed|SQLITE_CONSTRAINT_FOREIGNKEY/i.test(errorText(e));
}

/** Read-only file, disk full, locked for too long: the database cannot take writes right now. */
export function isUnavailable(e: unknown): boolean {
  return /SQLITE_(READONLY|FULL|BUSY|LOCKED|CANTOPEN|IOERR)|readonly database|disk is full|database is locked|ECONNREFUSED|fetch failed/i.test(errorText(e));
}

function errorText(e: unknown): string {
  if (!e || typeof e !== 'object') return String(e);
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const o = cur as { message?: unknown; code?: unknown; rawCode?: unknown; cause?: unknown };
    parts.push(String(o.message ?? ''), String(o.code ?? ''), String(o.rawCode ?? ''));
    cur = o.cause;
  }
  return parts.join(' ');
}
