// Query parameters of GET /v1/apps/{app}/calls, validated (400 with a message naming the parameter):
// path (or route), status, from_time/to_time (unix seconds as fn had them, or RFC 3339), per_page,
// and the opaque cursor of the previous page. Pure.
import { badRequest } from '../../models/errors.ts';
import { CALL_STATUSES, type CallFilter, type CallStatus } from '../../store/calls.ts';
import { cleanPath } from '../../gateway/route-cache.ts';

export const PER_PAGE_DEFAULT = 30;
export const PER_PAGE_MAX = 100;

type Query = (name: string) => string | undefined;

/** Unix seconds (fractions allowed) or an RFC 3339 / ISO 8601 date-time -> epoch ms. */
function parseTime(name: string, v: string): number {
  if (/^\d{1,12}(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ms;
  }
  throw badRequest(`Invalid ${name}: unix seconds or an RFC 3339 date-time`);
}

export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`, 'utf8').toString('base64url');
}

function decodeCursor(v: string): { createdAt: number; id: string } {
  const m = /^(\d{1,16}):([0-9a-f-]{1,64})$/.exec(Buffer.from(v, 'base64url').toString('utf8'));
  if (!m || !/^[A-Za-z0-9_-]+$/.test(v)) throw badRequest('Invalid cursor');
  return { createdAt: Number(m[1]), id: m[2]! };
}

export function parseCallFilter(appName: string, q: Query): CallFilter {
  const f: CallFilter = { appName, limit: PER_PAGE_DEFAULT };
  const path = q('path') ?? q('route');
  if (path !== undefined && path !== '') {
    if (!path.startsWith('/') || path.length > 256) throw badRequest('Invalid path filter: an absolute route path');
    f.path = cleanPath(path);
  }
  const status = q('status');
  if (status !== undefined && status !== '') {
    if (!CALL_STATUSES.includes(status as CallStatus)) throw badRequest(`Invalid status filter: one of ${CALL_STATUSES.join(', ')}`);
    f.status = status as CallStatus;
  }
  const from = q('from_time');
  const to = q('to_time');
  if (from !== undefined && from !== '') f.fromMs = parseTime('from_time', from);
  if (to !== undefined && to !== '') f.toMs = parseTime('to_time', to);
  if (f.fromMs !== undefined && f.toMs !== undefined && f.fromMs > f.toMs) throw badRequest('Invalid time range: from_time is after to_time');
  const perPage = q('per_page');
  if (perPage !== undefined && perPage !== '') {
    const n = /^\d{1,4}$/.test(perPage) ? Number(perPage) : NaN;
    if (!(n >= 1 && n <= PER_PAGE_MAX)) throw badRequest(`Invalid per_page: an integer from 1 to ${PER_PAGE_MAX}`);
    f.limit = n;
  }
  const cursor = q('cursor');
  if (cursor !== undefined && cursor !== '') f.after = decodeCursor(cursor);
  return f;
}
