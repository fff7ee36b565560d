// The cancellation of one /r call (the client went away): runner/types.ts' CallSignal without an
// AbortController. Its signal is an EventTarget, ~9 us a call on the hot path (the profile's
// createAbortSignal, addEventListener, removeEventListener); this is an array of listeners.
import type { CallSignal } from '../runner/types.ts';

export class CallCancel implements CallSignal {
  aborted = false;
  private listeners: Array<() => void> | undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const l = this.listeners;
    const at = l ? l.indexOf(listener) : -1;
    if (at >= 0) l!.splice(at, 1);
  }

  /** Runs each listener once, in the order added; later calls do nothing. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const l = this.listeners;
    this.listeners = undefined;
    if (l) for (const fn of l) fn();
  }
}
