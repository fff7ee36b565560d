// Error responses of the Hono admin app: the JSON body, jsonError for handlers, and the app's onError,
// which answers through the mapping /r uses too (src/request/errors.ts).
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorResponse, noteError } from '../request/errors.ts';
import type { Logger } from '../log.ts';

export function errorBody(message: string) {
  return { error: { message } };
}

export function jsonError(c: Context, status: number, message: string, headers: Record<string, string> = {}) {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json(errorBody(message), status as ContentfulStatusCode);
}

/** Hono's onError for the admin app. */
export function errorHandler(log: Logger) {
  return (err: Error, c: Context) => {
    const res = errorResponse(err);
    noteError(log, err, res, { path: c.req.path });
    return jsonError(c, res.status, res.message, res.headers);
  };
}
