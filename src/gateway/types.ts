// What a call needs from the parts that run and keep it, declared once for both places that hand calls
// on: the /r handler (handler.ts) and the queue's workers (src/queue). The Runner facade is an Invoker
// and the queue's sink a CallSink, structurally, so neither the runner (which may import nothing outside
// src/runner) nor the queue has to know these names. Declarations only; may import runner/types.
import type { CallRequest, CallResult } from '../runner/types.ts';

/** Runs a call: the Runner facade (src/runner/index.ts) satisfies this; tests pass fakes. */
export interface Invoker {
  run(call: CallRequest): Promise<CallResult>;
}

/** Where finished sync calls and accepted async calls go: the queue's sink (src/queue/index.ts). */
export interface CallSink {
  /** sync: recorded off the request path (batched); never throws */
  recordSync(call: CallRequest, result: CallResult, createdAt: number): void;
  /** async: committed before it resolves, so a 202 is never a lost call */
  enqueue(call: CallRequest, createdAt: number): Promise<void>;
}
