// HTTP error responses: every error is {"error":{"message":...}} with the right status. Unknown
// failures become 500 "internal server error" (details go to the log, never to the client); database
// write failures (read-only file, disk full, server down) become 503.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../models/errors.ts';
import { isUnavailable } from '../store/sql-errors.ts';
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
      log.error({ err: err.message }, 'database unavailable');
      return jsonError(c, 503, 'Service unavailable: the database cannot be written right now', { 'Retry-After': '1' });
    }
    log.error({ err: err.message, stack: err.stack, path: c.req.path }, 'unhandled error');
    return jsonError(c, 500, 'internal server error');
  };
}
