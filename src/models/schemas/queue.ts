// Calls, tasks and the queue on the wire: the query of GET /v1/apps/{app}/calls, the query and body of
// /tasks, and the JSON clients get back (fn's Call, the seed's Task). The answers are built in
// src/queue/json.ts and src/queue/index.ts; src/http/queue-openapi.ts checks at compile time that
// those types fit these schemas.
import { z } from 'zod';
import { absentable, isPlainObject } from './kit.ts';
import { ROUTE_PATH_MAX, ROUTE_TYPES } from './route.ts';

export const CALL_STATUSES = ['queued', 'running', 'success', 'error', 'timeout', 'cancelled'] as const;
export const CALL_REASONS = ['timeout', 'killed', 'bad_exit', 'client_request'] as const;
/** What a /tasks consumer may report; `running` (the status it was handed) means success, as the seed's bare echo did. */
export const REPORT_STATUSES = ['success', 'error', 'timeout', 'cancelled'] as const;
export const PER_PAGE_DEFAULT = 30;
export const PER_PAGE_MAX = 100;
export const TASKS_N_MAX = 100;

// ---------- queries ----------

/** A query parameter that is an integer in [1, max], written as 1 to 4 digits (no sign, exponent or spaces). */
const countParam = (max: number, message: string) =>
  z
    .string()
    .regex(/^\d{1,4}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(1, message).max(max, message));

/** Unix seconds (fractions allowed, as fn had them) or an RFC 3339 / ISO 8601 date-time -> epoch ms. */
const timeParam = (name: string) =>
  z.string().transform((v, ctx) => {
    if (/^\d{1,12}(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
    const ms = /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : NaN;
    if (Number.isFinite(ms)) return ms;
    ctx.addIssue({ code: 'custom', message: `Invalid ${name}: unix seconds or an RFC 3339 date-time`, input: v });
    return z.NEVER;
  });

/** The opaque `next_cursor` of a page: base64url of `<created_at ms>:<call id>`. */
export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`, 'utf8').toString('base64url');
}

const cursorParam = z.string().transform((v, ctx) => {
  const m = /^[A-Za-z0-9_-]+$/.test(v) ? /^(\d{1,16}):([0-9a-f-]{1,64})$/.exec(Buffer.from(v, 'base64url').toString('utf8')) : null;
  if (m) return { createdAt: Number(m[1]), id: m[2]! };
  ctx.addIssue({ code: 'custom', message: 'Invalid cursor', input: v });
  return z.NEVER;
});

const given = { emptyIsAbsent: true };

const PATH_FILTER = 'Invalid path filter: an absolute route path';
const pathFilter = z.string().regex(/^\//, PATH_FILTER).max(ROUTE_PATH_MAX, PATH_FILTER);

/**
 * GET /v1/apps/{app}/calls: every parameter optional, "" as absent; src/http/admin/call-query.ts
 * applies them in this order. `route` is an alias of `path` (used when `path` is not in the query).
 */
export const callsQuery = {
  path: absentable(pathFilter, given).meta({ description: 'route path (alias: route)' }),
  route: absentable(pathFilter, given).meta({ description: 'alias of path' }),
  status: absentable(z.enum(CALL_STATUSES, { error: `Invalid status filter: one of ${CALL_STATUSES.join(', ')}` }), given),
  from_time: absentable(timeParam('from_time'), given).meta({ description: 'created at or after: unix seconds or RFC 3339' }),
  to_time: absentable(timeParam('to_time'), given).meta({ description: 'created at or before: unix seconds or RFC 3339' }),
  per_page: absentable(countParam(PER_PAGE_MAX, `Invalid per_page: an integer from 1 to ${PER_PAGE_MAX}`), given).meta({
    description: `1..${PER_PAGE_MAX}, default ${PER_PAGE_DEFAULT}`,
  }),
  cursor: absentable(cursorParam, given).meta({ description: 'next_cursor of the previous page' }),
};

/** GET /tasks?n=: absent is the seed's shape (one bare task or null); present, {"tasks":[...]} of up to n. */
export const tasksN = countParam(TASKS_N_MAX, `Invalid n: an integer from 1 to ${TASKS_N_MAX}`)
  .optional()
  .meta({ description: `1..${TASKS_N_MAX}. Absent: one bare task or null (the seed's shape); present: {"tasks":[...]}` });

// ---------- DELETE /tasks ----------

const taskString = (key: string) => absentable(z.string({ error: `Invalid task ${key}: must be a string` }), given);
/** An enum field of a task: a string of another value, or no string at all. */
const oneOf = (key: string, values: readonly string[]) => (iss: { input?: unknown }) =>
  typeof iss.input === 'string' ? `Invalid task ${key}: one of ${values.join(', ')}` : `Invalid task ${key}: must be a string`;
const STATUS_CODE = 'Invalid task status_code: an integer from 100 to 599';

/**
 * The task a consumer sends back, bare or as {"task":...}: the handed-out JSON, possibly with its
 * outcome filled in. Other fields (the rest of the handed-out task) are ignored.
 */
export const taskReportBody = z.preprocess(
  (b) => (isPlainObject(b) ? (isPlainObject(b.task) ? b.task : b) : undefined),
  z.object(
    {
      id: z.preprocess(
        (v) => (v === null || v === '' ? undefined : v),
        z.string({ error: (iss) => (iss.input === undefined ? 'Missing task id' : 'Invalid task id: must be a string') }),
      ),
      reservation: taskString('reservation').meta({ description: 'the reservation the task was handed out with' }),
      status: absentable(
        z.enum(['running', ...REPORT_STATUSES], { error: oneOf('status', REPORT_STATUSES) }).transform((s) => (s === 'running' ? undefined : s)),
        given,
      ).meta({ description: 'absent or running: success' }),
      reason: absentable(z.enum(CALL_REASONS, { error: oneOf('reason', CALL_REASONS) }), given),
      error: taskString('error'),
      log: taskString('log').meta({ description: "the function's stderr, stored as the call's log" }),
      status_code: absentable(z.number({ error: STATUS_CODE }).int({ error: STATUS_CODE }).min(100, STATUS_CODE).max(599, STATUS_CODE), {
        emptyIsAbsent: false,
      }),
    },
    { error: 'Missing task' },
  ),
);

// ---------- answers ----------

const time = z.iso.datetime();
const count = z.number().int().nonnegative();

export const callJson = z.object({
  id: z.string(),
  app_name: z.string(),
  path: z.string(),
  image: z.string(),
  type: z.enum(ROUTE_TYPES),
  format: z.string(),
  status: z.enum(CALL_STATUSES),
  reason: z
    .string()
    .optional()
    .meta({ description: CALL_REASONS.join(', ') }),
  error: z.string().optional(),
  method: z.string(),
  status_code: z.number().int().optional(),
  attempts: count,
  max_attempts: count,
  node_id: z.string().optional(),
  created_at: time,
  started_at: time.optional(),
  completed_at: time.optional(),
  retry_at: time.optional().meta({ description: 'a queued call backing off before its next attempt' }),
  callback: z
    .object({
      url: z.string().meta({ description: 'the X-Callback-Url the call was made with' }),
      state: z.enum(['waiting', 'pending', 'delivering', 'delivered', 'failed']).meta({
        description:
          'waiting: the call has not ended; pending: a try is due (next_try_at); delivering: a try is under way; delivered: a 2xx answer; failed: out of tries',
      }),
      tries: z
        .array(
          z.object({
            at: time,
            status_code: z.number().int().optional().meta({ description: "the receiver's status; absent when it did not answer" }),
            error: z.string().optional(),
            duration_ms: count,
          }),
        )
        .meta({ description: 'every delivery try, oldest first' }),
      next_try_at: time.optional(),
    })
    .optional()
    .meta({ description: 'present when the async call was made with X-Callback-Url: delivery of its result' }),
});

export const callAnswer = z.object({ message: z.string(), call: callJson });
export const callsAnswer = z.object({ message: z.string(), next_cursor: z.string().nullable(), calls: z.array(callJson) });
export const logAnswer = z.object({ message: z.string(), log: z.object({ call_id: z.string(), log: z.string() }) });

export const taskJson = z.object({
  id: z.string(),
  app_name: z.string(),
  path: z.string(),
  image: z.string(),
  format: z.string(),
  memory: count,
  timeout: count.meta({ description: 'seconds' }),
  priority: z.literal(0),
  status: z.enum(CALL_STATUSES),
  payload: z.string(),
  payload_encoding: z.literal('base64').optional().meta({ description: 'present when the payload is not UTF-8: it is then base64' }),
  env_vars: z.record(z.string(), z.string()),
  method: z.string(),
  request_url: z.string(),
  attempts: count,
  max_retries: count,
  created_at: time,
  started_at: time.optional(),
  reservation: z.string().optional().meta({ description: 'echo it in DELETE /tasks; the acknowledgement is refused once the reservation expired' }),
  reserved_until: time.optional(),
  error: z.string().optional(),
  reason: z.string().optional(),
  completed_at: time.optional(),
});

/** DELETE /tasks answers the task as recorded: the fields the call record keeps. */
export const ackedTaskJson = taskJson.partial().required({ id: true });

export const reserveAnswer = z.union([taskJson, z.null(), z.object({ tasks: z.array(taskJson) })]);

export const queueAnswer = z.object({
  message: z.string(),
  queue: z.object({
    queued: count,
    running: count,
    workers: z.object({ workers: count, busy: count, completed: count }),
    recorder: z.object({ buffered: count, written: count, dropped: count, failedFlushes: count }),
  }),
});
