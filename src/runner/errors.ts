// Typed platform errors and the helpers that turn faults into CallResults. The runner never throws
// for a function's fault; it returns one of these shapes so the gateway and the queue treat every
// format alike ({"error":{"message":...}} with 502/503/504).
import type { CallReason, CallResult } from './types.ts';

/** The Podman API socket could not be reached or did not answer: callers answer 503. */
export class PodmanUnavailableError extends Error {
  override readonly name = 'PodmanUnavailableError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Podman answered with an HTTP error (no such image, bad create options, ...). */
export class PodmanApiError extends Error {
  override readonly name = 'PodmanApiError';
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/** Admission could not find memory within the wait (the seed's message). */
export class NoMemoryError extends Error {
  override readonly name = 'NoMemoryError';
  constructor(message = 'Task timed out. No available memory.') {
    super(message);
  }
}

export function jsonError(message: string): Buffer {
  return Buffer.from(JSON.stringify({ error: { message } }));
}

const JSON_HEADERS: Array<[string, string]> = [['content-type', 'application/json']];

interface FaultExtra {
  log?: Buffer;
  reason?: CallReason;
  platformError?: boolean;
  startedAt?: number;
  coldStart?: boolean;
  throttled?: boolean;
}

/** A fault answered with `{"error":{"message"}}`. */
export function faultResult(status: number, message: string, extra: FaultExtra = {}): CallResult {
  return {
    status,
    headers: [...JSON_HEADERS],
    body: jsonError(message),
    log: extra.log ?? Buffer.alloc(0),
    outcome: status === 504 ? 'timeout' : 'error',
    reason: extra.reason,
    error: message,
    platformError: extra.platformError,
    startedAt: extra.startedAt,
    completedAt: Date.now(),
    coldStart: extra.coldStart,
    ...(extra.throttled ? { throttled: true } : {}),
  };
}

export function timeoutResult(extra: FaultExtra = {}): CallResult {
  return faultResult(504, 'Timed out', { reason: 'timeout', ...extra });
}

export function badExitResult(code: number, extra: FaultExtra = {}): CallResult {
  return faultResult(502, `function exited with code ${code}`, { reason: 'bad_exit', ...extra });
}

export function oomResult(memoryMb: number, extra: FaultExtra = {}): CallResult {
  return faultResult(502, `function ran out of memory: killed (SIGKILL, out-of-memory) at its ${memoryMb} MiB limit`, {
    reason: 'oom',
    ...extra,
  });
}

export function responseTooLargeResult(limit: number, extra: FaultExtra = {}): CallResult {
  return faultResult(502, `function response exceeds ${limit} bytes`, { reason: 'killed', ...extra });
}

/** The client went away or the server is shutting down (499 is never seen by a gone client). */
export function abortedResult(extra: FaultExtra = {}): CallResult {
  return faultResult(499, 'Call aborted', { reason: 'killed', ...extra });
}

/**
 * Maps an error thrown by the platform (Podman, admission, our own bugs) to a CallResult:
 * unreachable Podman and no memory -> 503; missing image -> 502; other Podman errors -> 502.
 */
export function platformFaultResult(err: unknown, extra: FaultExtra = {}): CallResult {
  const base = { platformError: true, ...extra };
  if (err instanceof SecretFilesError) return faultResult(503, `secrets unavailable: ${err.message}`, base);
  if (err instanceof NoMemoryError) return faultResult(503, err.message, base);
  if (err instanceof PodmanUnavailableError) return faultResult(503, `container runtime unavailable: ${err.message}`, base);
  if (err instanceof PodmanApiError) {
    // A missing image is the route's fault, not a passing platform state: not retryable.
    if (err.statusCode === 404) return faultResult(502, `image not found: ${err.message}`, { ...base, platformError: false });
    return faultResult(502, `container runtime error: ${err.message}`, base);
  }
  const message = err instanceof Error ? err.message : String(err);
  return faultResult(500, `internal runner error: ${message}`, base);
}

/** A container's secret files could not be made (a secret this node cannot provide, a full tmpfs): 503, retryable. */
export class SecretFilesError extends Error {
  override readonly name = 'SecretFilesError';
}
