// Callback delivery: when an async call that asked for one (X-Callback-Url) ends, its result is POSTed
// there. The state lives on the call's row (src/store/callbacks.ts), so a callback survives a restart
// and is delivered by whichever node claims it first (lease per try). Each try: resolve the host, check
// the address against PODFN_CALLBACK_ALLOW, connect to that very address (./callback-target.ts), one
// POST with a timeout, no redirect followed (a 3xx is a failed try). A 2xx answer delivers it; anything
// else is retried with backoff until the tries run out (then `failed`). Every try is in the call record.
//
// What is POSTed: the answer a sync caller would have had: the function's body and Content-Type (a
// failed call: {"error":{"message"}} as JSON), with Fn-Call-Id / X-Call-Id, X-Function-Status (the
// function's HTTP status), Fn-Call-Status (success, error, timeout, cancelled), X-Function-Name
// (app/path), X-Duration-Seconds, Fn-Callback-Try (1, 2, ...).
import http from 'node:http';
import https from 'node:https';
import type { Db } from '../store/db.ts';
import { claimCallbacks, recordTry, releaseCallbacks, type DueCallback } from '../store/callbacks.ts';
import type { CallbackTry } from '../../db/schema.ts';
import { parseCallbackUrl, resolveTarget, type AllowList, type Lookup } from './callback-target.ts';
import { backoffMs } from './outcome.ts';
import type { Logger } from '../log.ts';
import { WakeSignal } from './wake-signal.ts';

export interface CallbackOptions {
  /** deliveries this process makes at once */
  concurrency: number;
  /** one try: connect, send, the receiver's status line */
  timeoutMs: number;
  /** tries in all (first + retries) */
  maxTries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
}

const RESPONSE_READ_MAX = 64 * 1024;

export class CallbackDelivery {
  private stopping = false;
  private readonly wake = new WakeSignal();
  private loopDone: Promise<void> = Promise.resolve();
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly allow: AllowList,
    private readonly owner: string,
    private readonly o: CallbackOptions,
    private readonly log: Logger,
    private readonly lookup?: Lookup,
  ) {}

  start(): void {
    // with no allowed destination no call can have a callback, except ones accepted under an earlier
    // setting: those are still delivered (and refused per try by the check), so they end as failed
    this.loopDone = this.loop();
  }

  /** A call ended here: look for due callbacks now. */
  notify(): void {
    this.wake.notify();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    await this.loopDone;
    // tries are bounded by the timeout: let them end rather than leave them to a lease
    await Promise.allSettled([...this.inflight.values()]);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const free = this.o.concurrency - this.inflight.size;
      if (free > 0) {
        try {
          const now = Date.now();
          const rows = await claimCallbacks(this.db, this.owner, free, now, now + this.leaseMs());
          for (const row of rows) this.launch(row);
        } catch (err) {
          this.log.error({ err: (err as Error).message }, 'callbacks: claim failed; retrying');
        }
      }
      await this.wake.sleep(this.o.pollMs);
    }
  }

  /** A try takes at most the timeout (plus the name lookup); the lease leaves room for both. */
  private leaseMs(): number {
    return this.o.timeoutMs * 2 + 5000;
  }

  private launch(row: DueCallback): void {
    const done = this.deliver(row)
      .catch((err) => this.log.error({ err: (err as Error).message, call_id: row.id }, 'callbacks: recording a try failed'))
      .finally(() => {
        this.inflight.delete(row.id);
        this.notify();
      });
    this.inflight.set(row.id, done);
  }

  private async deliver(row: DueCallback): Promise<void> {
    if (this.stopping) {
      await releaseCallbacks(this.db, this.owner, [row.id], Date.now());
      return;
    }
    const n = row.tries.length + 1;
    const t: CallbackTry = await this.tryOnce(row, n);
    const tries = [...row.tries, t];
    const ok = t.statusCode !== undefined && t.statusCode >= 200 && t.statusCode < 300;
    const next = ok
      ? ({ state: 'delivered' } as const)
      : n >= this.o.maxTries
        ? ({ state: 'failed' } as const)
        : ({ state: 'pending', at: Date.now() + backoffMs(n, this.o.retryBaseMs, this.o.retryMaxMs) } as const);
    const recorded = await recordTry(this.db, row.id, this.owner, tries, next);
    if (!recorded) this.log.warn({ call_id: row.id }, 'callbacks: lease lost before the try was recorded');
    else if (next.state === 'failed') this.log.warn({ call_id: row.id, tries: n, last: t.error ?? t.statusCode }, 'callbacks: giving up');
    else if (next.state === 'pending') this.log.info({ call_id: row.id, try: n, last: t.error ?? t.statusCode }, 'callbacks: try failed, will retry');
  }

  private async tryOnce(row: DueCallback, n: number): Promise<CallbackTry> {
    const at = Date.now();
    const fail = (error: string): CallbackTry => ({ at, error, durationMs: Date.now() - at });
    let u: URL;
    try {
      u = parseCallbackUrl(row.url);
    } catch (e) {
      return fail((e as Error).message);
    }
    const target = await resolveTarget(u, this.allow, this.lookup);
    if (!target.ok) return fail(target.error);
    const { body, headers } = payloadOf(row, n);
    const secure = u.protocol === 'https:';
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = u.port ? Number(u.port) : secure ? 443 : 80;
    return new Promise<CallbackTry>((resolve) => {
      let settled = false;
      const end = (t: Omit<CallbackTry, 'at' | 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ at, ...t, durationMs: Date.now() - at });
      };
      const options: https.RequestOptions = {
        // the checked address, not the name: nothing resolves it again between the check and the connection
        host: target.address,
        family: target.family,
        port,
        method: 'POST',
        path: `${u.pathname}${u.search}`,
        headers: { ...headers, Host: u.host, 'Content-Length': String(body.length) },
        agent: false,
        // TLS: the certificate must be the name's (SNI and verification against the URL's host)
        ...(secure && !isIpLiteral(host) ? { servername: host } : {}),
      };
      const timer = setTimeout(() => {
        req?.destroy();
        end({ error: `timed out after ${this.o.timeoutMs} ms` });
      }, this.o.timeoutMs);
      let req: http.ClientRequest | undefined;
      try {
        req = (secure ? https : http).request(options, (res) => {
          // no redirect is followed: the status line is the try's outcome; the rest is read (bounded) and dropped
          end({ statusCode: res.statusCode ?? 0, ...(res.statusCode && res.statusCode >= 300 ? { error: httpError(res) } : {}) });
          let seen = 0;
          const drop = setTimeout(() => res.destroy(), this.o.timeoutMs);
          res.on('data', (c: Buffer) => {
            seen += c.length;
            if (seen > RESPONSE_READ_MAX) res.destroy();
          });
          res.on('close', () => clearTimeout(drop));
          res.on('error', () => {});
        });
      } catch (e) {
        // e.g. a header value node refuses
        return end({ error: (e as Error).message });
      }
      req.on('error', (e: NodeJS.ErrnoException) => end({ error: e.code ? `${e.code}: ${e.message}` : e.message }));
      req.end(body);
    });
  }
}

function httpError(res: http.IncomingMessage): string {
  const code = res.statusCode ?? 0;
  if (code >= 300 && code < 400)
    return `HTTP ${code}: redirect not followed${res.headers.location ? ` (Location: ${res.headers.location.slice(0, 200)})` : ''}`;
  return `HTTP ${code}`;
}

const isIpLiteral = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');

/** The body and headers a callback POSTs for this call. */
export function payloadOf(row: DueCallback, tryNo: number): { body: Buffer; headers: Record<string, string> } {
  let body = row.body;
  let contentType = row.contentType;
  if (!body) {
    // ended without a stored answer (cancelled, route deleted, lease lost, a /tasks consumer's report)
    body = row.status === 'success' ? Buffer.alloc(0) : Buffer.from(JSON.stringify({ error: { message: row.error ?? row.status } }));
    contentType = row.status === 'success' ? null : 'application/json';
  }
  const headers: Record<string, string> = {
    'Fn-Call-Id': row.id,
    'X-Call-Id': row.id,
    'Fn-Call-Status': row.status,
    'X-Function-Name': encodeURI(`${row.appName}${row.path}`),
    'Fn-Callback-Try': String(tryNo),
    'User-Agent': 'podfn-callback',
  };
  if (contentType) headers['Content-Type'] = contentType;
  if (row.statusCode !== null) headers['X-Function-Status'] = String(row.statusCode);
  if (row.startedAt !== null && row.completedAt !== null) headers['X-Duration-Seconds'] = ((row.completedAt - row.startedAt) / 1000).toFixed(3);
  return { body, headers };
}
