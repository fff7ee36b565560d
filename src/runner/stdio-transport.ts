// The seed's hot transport: HTTP/1.1 requests written to the container's stdin and responses read
// from its stdout, one exchange at a time over the container's whole life. Bytes that arrive when no
// call is waiting, or after a response within the same read, mean the stream is misaligned: the
// transport then fails for good so the container is replaced (the seed silently reused it).
import type { Readable, Writable } from 'node:stream';
import type { FunctionRequest, FunctionResponse } from './formats/message.ts';
import { ResponseParser, serializeRequest } from './stdio-framing.ts';
import { TransportError, timerMs, type HotTransport } from './transport.ts';
import type { CallSignal } from './types.ts';

interface Pending {
  resolve(res: FunctionResponse): void;
  reject(err: TransportError): void;
}

export class StdioTransport implements HotTransport {
  private readonly parser: ResponseParser;
  private pending: Pending | undefined;
  private failure: TransportError | undefined;
  private failureListeners: Array<(err: TransportError) => void> = [];

  constructor(
    private readonly stdin: Writable,
    private readonly stdout: Readable,
    maxResponseBytes: number,
  ) {
    this.parser = new ResponseParser(maxResponseBytes);
    stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    stdout.on('end', () => this.fail(new TransportError('broken', 'function closed its stdout')));
    stdout.on('close', () => this.fail(new TransportError('broken', 'function closed its stdout')));
    stdout.on('error', (err) => this.fail(new TransportError('broken', `function stdout failed: ${err.message}`)));
    stdin.on('error', (err) => this.fail(new TransportError('broken', `function stdin failed: ${err.message}`)));
  }

  roundTrip(req: FunctionRequest, deadline: number, signal?: CallSignal): Promise<FunctionResponse> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new TransportError('broken', 'stdio transport is busy'));
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.reject(new TransportError('timeout', 'Timed out'));
    if (signal?.aborted) return Promise.reject(new TransportError('aborted', 'call aborted'));
    return new Promise<FunctionResponse>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending = undefined;
      };
      // After a timeout or abort the function may still answer later: the stream is no longer usable.
      const giveUp = (err: TransportError) => {
        done();
        this.fail(new TransportError('broken', 'stdio stream abandoned mid-call'));
        reject(err);
      };
      const timer = setTimeout(() => giveUp(new TransportError('timeout', 'Timed out')), timerMs(remaining));
      const onAbort = () => giveUp(new TransportError('aborted', 'call aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = {
        resolve: (res) => {
          done();
          resolve(res);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      this.parser.head = req.method === 'HEAD';
      this.stdin.write(serializeRequest(req));
    });
  }

  close(): void {
    this.fail(new TransportError('broken', 'transport closed'));
    this.stdout.removeAllListeners('data');
    this.stdout.resume(); // keep draining so the attach stream can end
  }

  private onData(chunk: Buffer): void {
    if (this.failure) return;
    let responses: FunctionResponse[];
    try {
      responses = this.parser.push(chunk);
    } catch (err) {
      this.fail(err instanceof TransportError ? err : new TransportError('broken', String(err)));
      return;
    }
    if (responses.length === 0) {
      if (!this.pending) this.fail(new TransportError('broken', 'function wrote to stdout outside a call'));
      return;
    }
    const [first] = responses;
    const pending = this.pending;
    if (!pending || responses.length > 1 || !this.parser.idle) {
      // an answered call still gets its answer; the container is replaced afterwards
      if (pending && first) pending.resolve(first);
      this.fail(new TransportError('broken', 'function wrote more than one response'));
      return;
    }
    pending.resolve(first!);
  }

  onFailure(listener: (err: TransportError) => void): void {
    if (this.failure) queueMicrotask(() => listener(this.failure!));
    else this.failureListeners.push(listener);
  }

  private fail(err: TransportError): void {
    if (this.failure) return;
    this.failure = err;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(err);
    for (const l of this.failureListeners.splice(0)) l(err);
  }
}
