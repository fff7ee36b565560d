// Pure policy: how a runner result becomes a call record (status, reason, error), whether an async
// attempt is retried and after how long, and how a stored log is capped. No I/O.
import type { CallResult } from '../runner/types.ts';
import type { CallReasonCode } from '../store/calls.ts';
import type { Outcome } from '../store/queue.ts';

/** Route config key that makes function failures (bad exit, timeout, crash) retried like platform ones. */
export const RETRY_ON_FAILURE_KEY = 'PODFN_RETRY_ON_FAILURE';

export function retryOnFailure(config: Record<string, string>): boolean {
  const v = config[RETRY_ON_FAILURE_KEY]?.trim().toLowerCase();
  return v === 'true' || v === '1' || v === 'yes' || v === 'on';
}

/** The seed's reasons: timeout | killed | bad_exit | client_request (out-of-memory counts as killed). */
function reasonOf(r: CallResult): CallReasonCode | null {
  if (r.status === 499) return 'client_request';
  switch (r.reason) {
    case 'timeout':
      return 'timeout';
    case 'bad_exit':
      return 'bad_exit';
    case 'killed':
    case 'oom':
      return 'killed';
    default:
      return r.outcome === 'timeout' ? 'timeout' : null;
  }
}

/** The record of a finished attempt. A client that went away (499) is a cancelled call. */
export function outcomeOf(r: CallResult, logMaxBytes: number, now = Date.now()): Outcome {
  const status = r.status === 499 ? 'cancelled' : r.outcome;
  return {
    status,
    reason: status === 'success' ? null : reasonOf(r),
    error: status === 'success' ? null : (r.error ?? null),
    statusCode: r.status,
    completedAt: r.completedAt ?? now,
    log: capLog(r.log, logMaxBytes),
  };
}

/** Keeps the head of a log; a marker line says how much was cut. */
export function capLog(log: Buffer | undefined, max: number): Buffer | undefined {
  if (!log || log.length === 0) return undefined;
  if (log.length <= max) return log;
  return Buffer.concat([log.subarray(0, max), Buffer.from(`\n[podfn: log truncated, ${log.length - max} more bytes not stored]\n`)]);
}

export type Decision = { kind: 'final'; outcome: Outcome } | { kind: 'retry'; delayMs: number; error: string };

export interface AttemptInfo {
  attempts: number;
  maxAttempts: number;
  retryOnFailure: boolean;
  retryBaseMs: number;
  retryMaxMs: number;
  logMaxBytes: number;
  /** 0..1, for jitter (tests pass a constant) */
  random?: number;
}

/**
 * Platform failures (Podman down, start-up timeout, no memory) are retried with backoff until
 * maxAttempts, then recorded as error with the reason. Function failures are final unless the route
 * asked for retries (PODFN_RETRY_ON_FAILURE).
 */
export function decide(r: CallResult, a: AttemptInfo, now = Date.now()): Decision {
  const failed = r.outcome !== 'success';
  const retryable = r.platformError === true || (failed && a.retryOnFailure);
  if (failed && retryable && a.attempts < a.maxAttempts) {
    return { kind: 'retry', delayMs: backoffMs(a.attempts, a.retryBaseMs, a.retryMaxMs, a.random), error: r.error ?? 'failed' };
  }
  const outcome = outcomeOf(r, a.logMaxBytes, now);
  if (r.platformError && a.maxAttempts > 1) outcome.error = `gave up after ${a.attempts} attempts: ${r.error ?? 'platform error'}`;
  return { kind: 'final', outcome };
}

/** base * 2^(attempt-1), capped at max, with +-20% jitter so retries of a burst spread out. */
export function backoffMs(attempt: number, base: number, max: number, random = Math.random()): number {
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.max(0, Math.round(raw * (0.8 + 0.4 * random)));
}
