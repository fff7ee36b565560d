// /tasks and /v1/tasks: the seed's task API for external consumers, on the same durable queue.
//   GET    ?n=1..100  reserve the next due tasks: running, started_at set, never handed to two consumers.
//                     Without n: 202 with one bare task or `null` (the seed's shape, which its async
//                     runner parses); with n: 202 {"tasks":[...]} (up to n).
//   DELETE (task JSON, bare or {"task":...})  acknowledge: records the reported status (success,
//                     error, timeout, cancelled with reason/error/log/status_code), or success for a
//                     bare echo of the task (the seed's DELETE); 202 with the task as recorded.
// Also GET /v1/queue: queue depth and worker state.
import { Hono, type Context } from 'hono';
import { readJson } from './body.ts';
import { ApiError, badRequest } from '../models/errors.ts';
import { asObject } from '../models/app.ts';
import type { TaskBroker, TaskReport } from '../queue/tasks.ts';
import type { QueueStats } from '../queue/index.ts';

export const TASKS_N_MAX = 100;

export interface TasksApiDeps {
  tasks: Pick<TaskBroker, 'reserve' | 'ack'>;
  /** max bytes of a DELETE /tasks body (it may carry a log) */
  bodyLimit: number;
  stats?: () => Promise<QueueStats>;
}

const REPORT_STATUSES = ['success', 'error', 'timeout', 'cancelled'] as const;
const REASONS = ['timeout', 'killed', 'bad_exit', 'client_request'] as const;

function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw badRequest(`Invalid task ${key}: must be a string`);
  return v;
}

/** The task a consumer sends back: the handed-out JSON, possibly with its outcome filled in. */
export function parseTaskReport(body: unknown): TaskReport {
  const outer = asObject(body);
  const task = asObject(outer?.task) ?? outer;
  if (!task) throw badRequest('Missing task');
  const id = optString(task, 'id');
  if (!id) throw badRequest('Missing task id');
  const report: TaskReport = { id };
  report.reservation = optString(task, 'reservation');
  const status = optString(task, 'status');
  if (status !== undefined && status !== 'running') {
    if (!(REPORT_STATUSES as readonly string[]).includes(status)) throw badRequest(`Invalid task status: one of ${REPORT_STATUSES.join(', ')}`);
    report.status = status as TaskReport['status'];
  }
  const reason = optString(task, 'reason');
  if (reason !== undefined) {
    if (!(REASONS as readonly string[]).includes(reason)) throw badRequest(`Invalid task reason: one of ${REASONS.join(', ')}`);
    report.reason = reason as TaskReport['reason'];
  }
  report.error = optString(task, 'error');
  report.log = optString(task, 'log');
  const code = task.status_code;
  if (code !== undefined && code !== null) {
    if (!Number.isInteger(code) || (code as number) < 100 || (code as number) > 599) throw badRequest('Invalid task status_code: an integer from 100 to 599');
    report.status_code = code as number;
  }
  return report;
}

function parseN(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d{1,4}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= TASKS_N_MAX)) throw badRequest(`Invalid n: an integer from 1 to ${TASKS_N_MAX}`);
  return n;
}

export function tasksApi(deps: TasksApiDeps) {
  const api = new Hono();

  const reserve = async (c: Context) => {
    const n = parseN(c.req.query('n'));
    const tasks = await deps.tasks.reserve(n ?? 1);
    if (n === undefined) return c.json(tasks[0] ?? null, 202);
    return c.json({ tasks }, 202);
  };

  const ack = async (c: Context) => {
    const report = parseTaskReport(await readJson(c, deps.bodyLimit));
    const res = await deps.tasks.ack(report);
    if (!res.ok) throw new ApiError(res.status, res.message);
    return c.json(res.task, 202);
  };

  for (const path of ['/tasks', '/v1/tasks']) {
    api.get(path, reserve);
    api.delete(path, ack);
  }

  api.get('/v1/queue', async (c) => {
    if (!deps.stats) throw new ApiError(404, 'Path not found');
    return c.json({ message: 'Successfully loaded queue', queue: await deps.stats() });
  });

  return api;
}
