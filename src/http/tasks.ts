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
import { ApiError } from '../models/errors.ts';
import { parseOr400 } from '../models/schemas/kit.ts';
import { taskReportBody, tasksN } from '../models/schemas/queue.ts';
import type { TaskBroker, TaskReport } from '../queue/tasks.ts';
import type { QueueStats } from '../queue/index.ts';

export { TASKS_N_MAX } from '../models/schemas/queue.ts';

export interface TasksApiDeps {
  tasks: Pick<TaskBroker, 'reserve' | 'ack'>;
  /** max bytes of a DELETE /tasks body (it may carry a log) */
  bodyLimit: number;
  stats?: () => Promise<QueueStats>;
}

/** The task a consumer sends back (see taskReportBody), as the broker takes it. */
export function parseTaskReport(body: unknown): TaskReport {
  const t = parseOr400(taskReportBody, body);
  const report: TaskReport = { id: t.id, reservation: t.reservation };
  if (t.status !== undefined) report.status = t.status;
  if (t.reason !== undefined) report.reason = t.reason;
  report.error = t.error;
  report.log = t.log;
  if (t.status_code !== undefined) report.status_code = t.status_code;
  return report;
}

export function tasksApi(deps: TasksApiDeps) {
  const api = new Hono();

  const reserve = async (c: Context) => {
    const n = parseOr400(tasksN, c.req.query('n'));
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
