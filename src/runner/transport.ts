// What a hot container's transport (Unix-socket HTTP or seed stdio) promises the slot: move one
// FunctionRequest and bring back one size-capped FunctionResponse before the deadline, one at a time.
// Failures are typed so the slot can map them to 502/504 and decide that the container is finished.
import type { Writable } from 'node:stream';
import type { FunctionRequest, FunctionResponse } from './formats/message.ts';
import type { CallSignal } from './types.ts';

export type TransportFailure =
  /** the deadline passed before the whole response arrived */
  | 'timeout'
  /** the response body (or head) exceeded the cap */
  | 'too_large'
  /** connection reset/closed, container gone, unparsable framing */
  | 'broken'
  /** the caller's signal fired */
  | 'aborted';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Streams the answer instead of buffering it (socket transport): told the head as soon as it arrives,
 * `head` returns where the body goes (or throws a FunctionProtocolError: nothing was sent). The
 * exchange then resolves with an empty body once the function's body ended and was handed on; a
 * failure after the head destroys the destination (the client sees a cut-short answer) and rejects
 * as usual, with `sent` set.
 */
export interface AnswerStream {
  head(status: number, headers: Array<[string, string]>, length: number | undefined): Writable;
  /** set by the transport once the head went out */
  sent?: boolean;
  /** body bytes handed on so far */
  bytes: number;
}

export interface HotTransport {
  /** one request/response exchange; rejects with TransportError (or the error `stream.head` threw) */
  roundTrip(req: FunctionRequest, deadline: number, signal?: CallSignal, stream?: AnswerStream): Promise<FunctionResponse>;
  /** drop connections; idempotent */
  close(): void;
  /** for transports that can break between calls (stdio): told once, with the reason */
  onFailure?(listener: (err: TransportError) => void): void;
}

/** setTimeout fires at once for delays over 2^31-1 ms: clamp far deadlines (~24.8 days) */
export function timerMs(ms: number): number {
  return Math.min(Math.max(0, ms), 2 ** 31 - 1);
}

export function tooLarge(limit: number): TransportError {
  return new TransportError('too_large', `function response exceeds ${limit} bytes`);
}
