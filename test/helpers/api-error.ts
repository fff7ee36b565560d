// Asserting the ApiError a model function throws (status and the message clients would see).
import * as assert from 'uvu/assert';
import { ApiError } from '../../src/models/errors.ts';

/** Asserts that e is an ApiError with this status and message (exact string or pattern). */
function assertApiError(e: unknown, status: number, message?: string | RegExp): void {
  assert.instance(e, ApiError);
  const err = e as ApiError;
  assert.is(err.status, status, err.message);
  if (typeof message === 'string') assert.is(err.message, message);
  else if (message) assert.match(err.message, message);
}

/** Asserts that fn throws an ApiError with this status and message (exact string or pattern). */
export function throwsApi(fn: () => unknown, status: number, message?: string | RegExp): void {
  try {
    fn();
  } catch (e) {
    assertApiError(e, status, message);
    return;
  }
  assert.unreachable('expected an ApiError');
}

/** Same for a promise. */
export async function rejectsApi(p: Promise<unknown>, status: number, message?: string | RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(e !== undefined, 'expected a rejection');
  assertApiError(e, status, message);
}
