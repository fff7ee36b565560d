// src/request: what /r (src/gateway) and the admin app (src/http) both do with one request, free of
// Hono so the hot path pays for no framework: the body with its cap and deadline (body.ts), dot
// segments (dot-segments.ts), bearer credentials and HS256 JWTs (jwt.ts), and this file.
// May import: models (errors), store (sql-errors), log (types), node built-ins; never http or gateway,
// which both build on it.
//
// One error-to-response mapping for the admin API (src/http/errors.ts, Hono's onError) and /r
// (src/gateway/handler.ts): errorResponse is the mapping itself (pure); noteError is what both paths do
// about it (readiness note, log line), so the two cannot drift apart again. Unknown failures become 500
// "internal server error" (details go to the log, never to the client); database write failures
// (read-only file, disk full, I/O errors, locked, server down) become 503 with Retry-After, naming the
// reason. The body is always {"error":{"message":...}}.
import { ApiError } from '../models/errors.ts';
import { isUnavailable, noteUnavailable, unavailableReason } from '../store/sql-errors.ts';
import type { Logger } from '../log.ts';

/** What failed, for the caller's side effects and metrics; clients see only status, message, headers. */
export type ErrorCause = 'api' | 'database' | 'internal';

export interface ErrorResponse {
  status: number;
  message: string;
  headers: Record<string, string>;
  cause: ErrorCause;
}

/** The response an error thrown while serving a request becomes. Pure. */
export function errorResponse(err: unknown): ErrorResponse {
  // an ApiError carries its own status, message and headers (e.g. 408 + Connection: close)
  if (err instanceof ApiError) return { status: err.status, message: err.message, headers: err.headers, cause: 'api' };
  if (isUnavailable(err)) {
    // reads keep working (and so do sync /r calls): only this write failed
    return {
      status: 503,
      message: `Service unavailable: the database cannot be written right now (${unavailableReason(err)})`,
      headers: { 'Retry-After': '1' },
      cause: 'database',
    };
  }
  return { status: 500, message: 'internal server error', headers: {}, cause: 'internal' };
}

/** The side effects of an error response, the same on both paths; `where` names the request in the log. */
export function noteError(log: Logger, err: unknown, res: ErrorResponse, where: Record<string, unknown>): void {
  if (res.cause === 'database') {
    noteUnavailable(err); // /readyz reports it until a write works again
    log.error({ err: errMessage(err), reason: unavailableReason(err), ...where }, 'database unavailable');
  } else if (res.cause === 'internal') {
    log.error({ err: errMessage(err), stack: err instanceof Error ? err.stack : undefined, ...where }, 'unhandled error');
  }
}

const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
