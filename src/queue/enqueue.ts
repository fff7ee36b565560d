// Accepting async calls: each call is committed to the calls table (status queued) before enqueue()
// resolves, so a 202 is never a lost call. Calls accepted in the same event-loop turn share one INSERT
// (group commit): under load the database sees one transaction per turn instead of one per call.
import type { Client } from '@libsql/client';
import { insertQueued, type NewCallRow } from '../store/calls.ts';
import type { CallRequest } from '../runner/types.ts';
import { allowList, checkCallback, type AllowList } from './callback-target.ts';

interface Pending {
  row: NewCallRow;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Enqueuer {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly client: Client,
    private readonly maxAttempts: number,
    /** told after each commit, so local workers start at once */
    private readonly onCommitted: () => void,
    /** PODFN_CALLBACK_ALLOW: an X-Callback-Url outside it is refused here (400), before the call is accepted */
    private readonly callbackAllow: AllowList = allowList([]),
  ) {}

  async enqueue(call: CallRequest, createdAt: number): Promise<void> {
    // only a call that asks for a callback pays for the check (a name lookup at most)
    const callbackUrl = call.headers['x-callback-url'] ? await checkCallback(call.headers, this.callbackAllow) : undefined;
    return this.push(call, createdAt, callbackUrl);
  }

  private push(call: CallRequest, createdAt: number, callbackUrl: string | undefined): Promise<void> {
    const row: NewCallRow = {
      id: call.id,
      appName: call.fn.appName,
      path: call.fn.path,
      image: call.fn.image,
      type: 'async',
      format: call.fn.format,
      status: 'queued',
      method: call.method,
      url: call.url,
      headers: call.headers,
      payload: call.body,
      attempts: 0,
      maxAttempts: this.maxAttempts,
      notBefore: createdAt,
      createdAt,
      callbackUrl,
    };
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.commit());
      }
    });
  }

  private async commit(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    try {
      await insertQueued(
        this.client,
        batch.map((p) => p.row),
      );
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve();
    this.onCommitted();
  }
}
