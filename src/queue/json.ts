// The JSON shapes clients see: a call record (fn's Call, snake_case, RFC 3339 UTC times, absent fields
// left out as fn did) and a task for /tasks consumers (the seed's Task model plus what a consumer needs
// to run it: env_vars, payload, timeout, and the reservation to acknowledge it with). Pure.
import type { CallRow } from '../../db/schema.ts';
import type { CallSummary } from '../store/calls.ts';
import type { CallRequest } from '../runner/types.ts';
import { baseEnv, callEnv } from '../runner/call-env.ts';

export interface CallJson {
  id: string;
  app_name: string;
  path: string;
  image: string;
  type: 'sync' | 'async';
  format: string;
  status: CallSummary['status'];
  reason?: string;
  error?: string;
  method: string;
  status_code?: number;
  attempts: number;
  max_attempts: number;
  node_id?: string;
  created_at: string;
  started_at?: string;
  completed_at?: string;
  /** queued calls backing off before a retry: when they are due */
  retry_at?: string;
  /** present when the call was made with X-Callback-Url */
  callback?: CallbackJson;
}

export interface CallbackJson {
  url: string;
  /** waiting: the call has not ended yet */
  state: 'waiting' | 'pending' | 'delivering' | 'delivered' | 'failed';
  tries: Array<{ at: string; status_code?: number; error?: string; duration_ms: number }>;
  /** pending: when the next try is due */
  next_try_at?: string;
}

function callbackJson(c: CallSummary): CallbackJson | undefined {
  if (!c.callbackUrl) return undefined;
  return compact<CallbackJson>({
    url: c.callbackUrl,
    state: c.callbackState ?? 'waiting',
    tries: (c.callbackTries ?? []).map((t) => compact({ at: iso(t.at)!, status_code: t.statusCode, error: t.error, duration_ms: t.durationMs })),
    next_try_at: c.callbackState === 'pending' ? iso(c.callbackNextAt) : undefined,
  });
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? undefined : new Date(ms).toISOString());

/** Drops undefined (and null) fields so the JSON leaves them out. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined || o[k] === null) delete o[k];
  return o;
}

export function callJson(c: CallSummary, now = Date.now()): CallJson {
  return compact({
    id: c.id,
    app_name: c.appName,
    path: c.path,
    image: c.image,
    type: c.type,
    format: c.format,
    status: c.status,
    reason: c.reason ?? undefined,
    error: c.error ?? undefined,
    method: c.method,
    status_code: c.statusCode ?? undefined,
    attempts: c.attempts,
    max_attempts: c.maxAttempts,
    node_id: c.nodeId ?? undefined,
    created_at: iso(c.createdAt)!,
    started_at: iso(c.startedAt),
    completed_at: iso(c.completedAt),
    retry_at: c.status === 'queued' && c.notBefore !== null && c.notBefore > now ? iso(c.notBefore) : undefined,
    callback: callbackJson(c),
  });
}

export interface TaskJson {
  id: string;
  app_name: string;
  path: string;
  image: string;
  format: string;
  memory: number;
  /** seconds */
  timeout: number;
  priority: 0;
  status: CallRow['status'];
  payload: string;
  /** present when the payload is not UTF-8: it is then base64 */
  payload_encoding?: 'base64';
  env_vars: Record<string, string>;
  method: string;
  request_url: string;
  attempts: number;
  max_retries: number;
  created_at: string;
  started_at?: string;
  /** echo it in DELETE /tasks; the acknowledgement is refused once the reservation expired */
  reservation?: string;
  reserved_until?: string;
  error?: string;
  reason?: string;
  completed_at?: string;
}

/** A reserved task, as GET /tasks hands it out: the function env as the runner would set it (cold),
 * with the same rule for header names holding `_` (dropped unless PODFN_ENV_UNDERSCORE_HEADERS). */
export function taskJson(row: CallRow, call: CallRequest, reservation: string, envUnderscoreHeaders = false): TaskJson {
  const payload = row.payload ?? Buffer.alloc(0);
  const text = payload.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(payload);
  return compact({
    id: row.id,
    app_name: row.appName,
    path: row.path,
    image: call.fn.image,
    format: call.fn.format,
    memory: call.fn.memory,
    timeout: call.fn.timeout,
    priority: 0 as const,
    status: row.status,
    payload: utf8 ? text : payload.toString('base64'),
    payload_encoding: utf8 ? undefined : ('base64' as const),
    env_vars: { ...baseEnv(call.fn), ...callEnv(call, { envUnderscoreHeaders }), TASK_ID: row.id },
    method: row.method,
    request_url: row.url,
    attempts: row.attempts,
    max_retries: Math.max(0, row.maxAttempts - 1),
    created_at: iso(row.createdAt)!,
    started_at: iso(row.startedAt),
    reservation,
    reserved_until: iso(row.leaseUntil),
  });
}

/** A task after its acknowledgement (DELETE /tasks echoes it, as the seed did). */
export function ackedTaskJson(c: CallSummary): Partial<TaskJson> & { id: string } {
  return compact({
    id: c.id,
    app_name: c.appName,
    path: c.path,
    image: c.image,
    status: c.status,
    reason: c.reason ?? undefined,
    error: c.error ?? undefined,
    attempts: c.attempts,
    created_at: iso(c.createdAt),
    started_at: iso(c.startedAt),
    completed_at: iso(c.completedAt),
  });
}
