// HTTP error responses: every error is {"error":{"message":...}} with the right status. Unknown
// failures become 500 "internal server error" (details go to the log, never to the client); database
// write failures (read-only file, disk full, I/O errors, locked, server down) become 503 with Retry-After.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../models/errors.ts';
import { isUnavailable, noteUnavailable, unavailableReason } from '../store/sql-errors.ts';
import type { Logger } from '../log.ts';

export function errorBody(message: string) {
  return { error: { message } };
}

export function jsonError(c: Context, status: number, message: string, headers: Record<string, string> = {}) {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json(errorBody(message), status as ContentfulStatusCode);
}

export function errorHandler(log: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) return jsonError(c, err.status, err.message, err.headers);
    if (isUnavailable(err)) {
      // reads keep working (and so do /r calls): only this write failed; /readyz reports it until a write works
      noteUnavailable(err);
      const reason = unavailableReason(err);
      log.error({ err: err.message, reason }, 'database unavailable');
      return jsonError(c, 503, `Service unavailable: the database cannot be written right now (${reason})`, { 'Retry-After': '1' });
    }
    log.error({ err: err.message, stack: err.stack, path: c.req.path }, 'unhandled error');
    return jsonError(c, 500, 'internal server error');
  };
}
