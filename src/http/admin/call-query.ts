// Query parameters of GET /v1/apps/{app}/calls, validated (400 with a message naming the parameter) by
// the schemas of src/models/schemas/queue.ts: path (or route), status, from_time/to_time (unix seconds
// as fn had them, or RFC 3339), per_page, and the opaque cursor of the previous page. Pure.
import { badRequest } from '../../models/errors.ts';
import { parseOr400 } from '../../models/schemas/kit.ts';
import { callsQuery, PER_PAGE_DEFAULT } from '../../models/schemas/queue.ts';
import type { CallFilter } from '../../store/calls.ts';
import { cleanPath } from '../../gateway/route-cache.ts';

export { encodeCursor, PER_PAGE_DEFAULT, PER_PAGE_MAX } from '../../models/schemas/queue.ts';

type Query = (name: string) => string | undefined;

export function parseCallFilter(appName: string, q: Query): CallFilter {
  const f: CallFilter = { appName, limit: PER_PAGE_DEFAULT };
  // `route` is the alias: used when `path` is not in the query at all (`path=` turns the filter off)
  const path = parseOr400(callsQuery.path, q('path') ?? q('route'));
  if (path !== undefined) f.path = cleanPath(path);
  f.status = parseOr400(callsQuery.status, q('status'));
  f.fromMs = parseOr400(callsQuery.from_time, q('from_time'));
  f.toMs = parseOr400(callsQuery.to_time, q('to_time'));
  if (f.fromMs !== undefined && f.toMs !== undefined && f.fromMs > f.toMs) throw badRequest('Invalid time range: from_time is after to_time');
  f.limit = parseOr400(callsQuery.per_page, q('per_page')) ?? PER_PAGE_DEFAULT;
  f.after = parseOr400(callsQuery.cursor, q('cursor'));
  for (const k of Object.keys(f) as (keyof CallFilter)[]) if (f[k] === undefined) delete f[k];
  return f;
}
