// Narrow interfaces src/queue needs from the rest of podfn, so each part is testable alone (a fake
// invoker in unit tests, the real Runner end to end). Declarations only.
import type { CallRequest, CallResult } from '../runner/types.ts';

/** Runs a call: the Runner facade satisfies this. */
export interface Invoker {
  run(call: CallRequest): Promise<CallResult>;
}

/** pino-compatible subset */
export interface QueueLogger {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
