// The seed's task API for external consumers: reserve() hands out the next due calls (up to n) with
// the same atomic claim the workers use, under a reservation lease (the seed MQ's 1-minute reservation:
// an unacknowledged task returns to the queue); ack() records what the consumer reports (or success
// for a bare acknowledgement, the seed's DELETE) and refuses an expired or foreign reservation.
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { claimDue, finish, type Outcome } from '../store/queue.ts';
import { getCall, getCallRow, type CallReasonCode } from '../store/calls.ts';
import { callFromRow, type RouteLookup } from './call-from-row.ts';
import { capLog } from './outcome.ts';
import { ackedTaskJson, taskJson, type TaskJson } from './json.ts';
import type { QueueOptions } from './options.ts';

export const TASK_OWNER_PREFIX = 'task:';

export interface TaskReport {
  id: string;
  reservation?: string;
  /** absent (or the handed-out `running`): a bare acknowledgement, recorded as success */
  status?: 'success' | 'error' | 'timeout' | 'cancelled';
  reason?: CallReasonCode;
  error?: string;
  status_code?: number;
  log?: string;
}

export type AckResult = { ok: true; task: ReturnType<typeof ackedTaskJson> } | { ok: false; status: 404 | 409; message: string };

export class TaskBroker {
  constructor(
    private readonly db: Db,
    private readonly routes: RouteLookup,
    private readonly o: Pick<QueueOptions, 'taskLeaseMs' | 'logMaxBytes' | 'envUnderscoreHeaders'>,
  ) {}

  async reserve(n: number): Promise<TaskJson[]> {
    const reservation = randomBytes(12).toString('base64url');
    const owner = TASK_OWNER_PREFIX + reservation;
    const now = Date.now();
    const rows = await claimDue(this.db, { owner, nodeId: 'tasks-api', n, now, leaseUntil: now + this.o.taskLeaseMs });
    const out: TaskJson[] = [];
    for (const row of rows) {
      const built = callFromRow(row, this.routes, now);
      if (built.ok) {
        out.push(taskJson(row, built.call, reservation, this.o.envUnderscoreHeaders));
        continue;
      }
      // its route is gone: nothing could run it, so it ends here (as the workers do)
      await finish(this.db, row.id, owner, { status: 'error', reason: null, error: built.error, statusCode: null, completedAt: now });
    }
    return out;
  }

  async ack(r: TaskReport): Promise<AckResult> {
    const row = await getCallRow(this.db, r.id);
    if (!row) return { ok: false, status: 404, message: 'Task not found' };
    const owner = row.leaseOwner ?? '';
    if (row.status !== 'running' || !owner.startsWith(TASK_OWNER_PREFIX)) {
      return { ok: false, status: 409, message: `Task is not reserved by a consumer (status ${row.status})` };
    }
    if (r.reservation !== undefined && owner !== TASK_OWNER_PREFIX + r.reservation) {
      return { ok: false, status: 409, message: 'Task reservation expired: the task was handed to another consumer' };
    }
    const status = r.status ?? 'success';
    const outcome: Outcome = {
      status,
      reason: r.reason ?? (status === 'timeout' ? 'timeout' : status === 'cancelled' ? 'client_request' : null),
      error: status === 'success' ? null : (r.error ?? null),
      statusCode: r.status_code ?? null,
      completedAt: Date.now(),
      log: r.log ? capLog(Buffer.from(r.log, 'utf8'), this.o.logMaxBytes) : undefined,
    };
    // fenced on the exact owner read above: a reservation that expired in between is refused
    if (!(await finish(this.db, r.id, owner, outcome))) {
      return { ok: false, status: 409, message: 'Task reservation expired: the task was handed to another consumer' };
    }
    const done = await getCall(this.db, row.appName, r.id);
    return { ok: true, task: ackedTaskJson(done!) };
  }
}
